from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLifecycleUi(HttpCase):
    def test_sales_manager_renames_a_stage_in_the_browser(self):
        new_test_user(
            self.env,
            login="clc_tour_manager",
            password="clc_tour_manager",
            groups="sales_team.group_sale_manager",
        )
        self.start_tour("/odoo", "customer_lifecycle_stage_tour", login="clc_tour_manager")
        self.assertEqual(self.env.ref("customer_lifecycle.stage_buyer").name, "First purchase")

    def test_a_salesperson_works_the_funnel_in_the_browser(self):
        salesperson = new_test_user(
            self.env,
            login="clc_tour_salesperson",
            password="clc_tour_salesperson",
            groups="sales_team.group_sale_salesman",
        )
        Partner = self.env["res.partner"].with_context(lifecycle_trigger="order")
        buyer = self.env.ref("customer_lifecycle.stage_buyer")
        one, two = Partner.create(
            [
                {"name": "Tour Buyer One", "is_company": True, "user_id": salesperson.id},
                {"name": "Tour Buyer Two", "is_company": True, "user_id": salesperson.id},
            ]
        )
        (one | two).lifecycle_stage_id = buyer
        # The first one was lost last year and is back: its move from Lost is this quarter's.
        self.env["customer.lifecycle.history"].create(
            {
                "partner_id": one.id,
                "stage_from_id": self.env.ref("customer_lifecycle.stage_lost").id,
                "stage_to_id": buyer.id,
                "trigger": "order",
            }
        )
        one.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_health = 'overdue' WHERE id = %s", [one.id]
        )
        self.start_tour("/odoo", "customer_lifecycle_funnel_tour", login="clc_tour_salesperson")

        self.env.invalidate_all()
        self.assertEqual(one.lifecycle_stage_id.code, "customer")
        self.assertEqual(one.lifecycle_history_ids[0].user_id, salesperson)
        self.assertEqual(two.lifecycle_stage_id.code, "lost")
        self.assertEqual(
            two.lifecycle_lost_reason_id,
            self.env.ref("customer_lifecycle.lost_reason_competitor"),
        )

    def test_an_accountant_reads_customer_value_on_invoices_and_in_the_analysis(self):
        new_test_user(
            self.env,
            login="clc_tour_accountant",
            password="clc_tour_accountant",
            groups="account.group_account_invoice",
        )
        product = self.env["product.product"].create({"name": "Tour beans", "list_price": 1.0})
        Order = self.env["sale.order"]
        for name, amount in [("Tour Largest", 5000.0), ("Tour Second", 3000.0)] + [
            (f"Tour Small {n}", 250.0) for n in range(8)
        ]:
            order = Order.create(
                {
                    "partner_id": self.env["res.partner"].create({"name": name}).id,
                    "order_line": [
                        (0, 0, {"product_id": product.id, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            order.action_confirm()
        largest = self.env["res.partner"].search([("name", "=", "Tour Largest")])
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": largest.id,
                "invoice_date": "2026-01-05",
                "invoice_date_due": "2026-02-04",
                "invoice_line_ids": [(0, 0, {"name": "Beans", "price_unit": 700.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        self.env["customer.lifecycle.engine"]._recompute_all(in_transaction=True)
        self.start_tour("/odoo", "customer_lifecycle_value_tour", login="clc_tour_accountant")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "customer_lifecycle_invoice_tour",
            login="clc_tour_accountant",
        )
