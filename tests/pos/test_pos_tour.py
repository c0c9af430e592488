"""The cashier's screen in the browser: sell to a customer at the counter, see the customer's
stage on the customer line before and after the sale."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPosTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env,
            login="clc_pos_tour_cashier",
            password="clc_pos_tour_cashier",
            name="Tina Tour Cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        journal = cls.env["account.journal"].create(
            {"name": "Tour Cash", "code": "TCSH", "type": "cash"}
        )
        cash = cls.env["pos.payment.method"].create({"name": "Cash", "journal_id": journal.id})
        cls.shop = cls.env["pos.config"].create(
            {"name": "Lifecycle Tour Shop", "payment_method_ids": [Command.set(cash.ids)]}
        )
        cls.env["product.product"].create(
            {
                "name": "Lifecycle Tour Coffee",
                "type": "consu",
                "list_price": 12.0,
                "standard_price": 5.0,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Lifecycle Tour Customer"})
        cls.customer.sudo().lifecycle_value_class = "B"

    def test_the_customer_line_shows_the_stage_before_and_after_a_sale(self):
        self.assertEqual(self.customer.lifecycle_stage_id.code, "potential")
        self.start_tour(
            f"/pos/ui/{self.shop.id}",
            "customer_lifecycle_pos_stage_tour",
            login="clc_pos_tour_cashier",
        )
        order = self.env["pos.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((order.state, order.amount_total), ("paid", 12.0))
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.lifecycle_stage_id.code, "buyer")
        self.assertEqual(self.customer.lifecycle_revenue_total, 12.0)
