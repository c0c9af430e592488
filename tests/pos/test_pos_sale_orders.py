"""A sale order paid at the counter (pos_sale's "settle order", installed with point_of_sale and
sale_management) is one purchase: the sale order, not also the POS order."""

from datetime import datetime

from odoo.tests import tagged

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosSaleOrders(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Pasticceria Dolce"})

    def settle(self, sale_order, extra=0.0):
        """The POS pays the sale order (its line, at its price), with an extra product of
        `extra` on the same ticket when given."""
        if "sale_order_origin_id" not in self.env["pos.order.line"]._fields:
            self.skipTest("pos_sale is not installed")
        session = self.shop.current_session_id
        data = self.order_data(self.customer, sale_order.amount_untaxed + extra, session)
        [(_command, _id, line)] = data["lines"]
        line.update(price_unit=sale_order.amount_untaxed, price_subtotal=sale_order.amount_untaxed,
                    price_subtotal_incl=sale_order.amount_untaxed,
                    sale_order_origin_id=sale_order.id,
                    sale_order_line_id=sale_order.order_line[:1].id)  # fmt: skip
        if extra:
            data["lines"].append(
                (0, 0, {**line, "price_unit": extra, "price_subtotal": extra,
                        "price_subtotal_incl": extra, "sale_order_origin_id": False,
                        "sale_order_line_id": False})
            )  # fmt: skip
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][-1]["id"])

    def test_a_sale_order_settled_at_the_counter_counts_once(self):
        sale_order = self.order(self.customer, datetime(2026, 11, 5), amount=100.0)
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 100.0))
        order = self.settle(sale_order)
        self.assertEqual((order.state, order.amount_total), ("paid", 100.0))
        self.assertEqual(order.lines.sale_order_origin_id, sale_order)
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 100.0))
        self.nightly_run(datetime.now())
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 100.0))

    def test_what_else_is_on_the_ticket_is_a_purchase(self):
        sale_order = self.order(self.customer, datetime(2026, 11, 5), amount=100.0)
        self.settle(sale_order, extra=12.5)
        self.assertEqual(self.figures(self.customer), ("customer", 2, 112.5))
