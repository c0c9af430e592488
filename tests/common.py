"""Shared fixtures of the Odoo test suite: users with the rights the product gives them, and
customers with sale orders placed on given days."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class LifecycleCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="clc_salesperson",
            name="Sofia Salesperson",
            groups="sales_team.group_sale_salesman",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="clc_sales_manager",
            name="Marek Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.employee = new_test_user(
            cls.env,
            login="clc_employee",
            name="Ettore Employee",
            groups="base.group_user",
        )
        cls.Stage = cls.env["customer.lifecycle.stage"]
        cls.Partner = cls.env["res.partner"]
        cls.company = cls.env.ref("base.main_company")
        # Every test starts as if the engine never ran: its first nightly run is a full one.
        cls.company.write({"lifecycle_last_run": False, "lifecycle_last_full_run": False})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Coffee Beans, 1 kg",
                "type": "consu",
                "list_price": 100.0,
                "standard_price": 60.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.engine = cls.env["customer.lifecycle.engine"]

    def stage(self, code):
        return self.Stage.search([("code", "=", code)])

    def order(self, partner, when, amount=100.0, state="sale", **vals):
        """A sale order for `partner` created (and confirmed, or cancelled) on day `when`."""
        with freeze_time(when):
            order = self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                    **vals,
                }
            )
            if state in ("sale", "cancel"):
                order.action_confirm()
            if state == "cancel":
                order._action_cancel()
        return order

    def nightly_run(self, when):
        """The scheduled action, run as the scheduler runs it, on day `when`."""
        with freeze_time(when), self.enter_registry_test_mode():
            self.env.ref("customer_lifecycle.ir_cron_lifecycle_recompute").method_direct_trigger()
        self.env.invalidate_all()

    def history(self, partner):
        return self.env["customer.lifecycle.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
