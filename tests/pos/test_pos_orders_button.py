"""The orders button of a customer who buys at the counter: the POS orders are a source of
their own, opened as the user may read them; an invoice made from a POS order is no direct
invoice."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosOrdersButton(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Bar Centrale", "is_company": True})
        cls.contact = cls.Partner.create({"name": "Marco Centrale", "parent_id": cls.customer.id})
        cls.shop_manager = new_test_user(
            cls.env,
            login="clc_pos_button_manager",
            groups="point_of_sale.group_pos_manager,sales_team.group_sale_manager",
        )

    def test_a_counter_customer_opens_its_pos_orders(self):
        sold = self.sell(self.contact, 35.0)
        self.sell(self.customer, 15.0)
        self.sell(self.customer, -35.0, qty=-1, refund_of=sold)
        self.sell(False, 99.0)
        action = self.customer.with_user(self.shop_manager).action_view_lifecycle_orders()
        self.assertEqual(action["res_model"], "pos.order")
        self.assertEqual(action["name"], "Point of Sale Orders")
        orders = self.env["pos.order"].search(action["domain"])
        self.assertEqual(sorted(orders.mapped("amount_total")), [15.0, 35.0])

    def test_a_customer_of_several_sources_gets_a_button_each(self):
        order = self.sell(self.customer, 40.0, to_invoice=True)
        self.order(self.customer, "2026-11-10", amount=60.0)
        action = self.customer.with_user(self.shop_manager).action_view_lifecycle_orders()
        self.assertEqual(action["res_model"], "customer.lifecycle.purchases")
        wizard = self.env["customer.lifecycle.purchases"].browse(action["res_id"])
        self.assertEqual(
            (wizard.sale_order_count, wizard.invoice_count, wizard.pos_order_count), (1, 0, 1)
        )
        pos = wizard.with_user(self.shop_manager).action_open_pos_orders()
        self.assertEqual(self.env["pos.order"].search(pos["domain"]), order)
        # the invoice made from the POS order is not among the direct invoices
        invoices = self.customer.with_user(self.shop_manager).action_view_lifecycle_invoices()
        self.assertFalse(self.env["account.move"].search(invoices["domain"]) & order.account_move)

    def test_a_lifecycle_user_without_pos_rights_is_told_why(self):
        self.sell(self.customer, 20.0)
        with self.assertRaisesRegex(UserError, "Point of Sale right"):
            self.customer.with_user(self.salesperson).action_view_lifecycle_orders()
