"""POS orders handled in the back office: paid with the payment wizard, their customer changed;
and the discount given at the counter."""

from odoo.tests import tagged

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosBackOffice(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Enoteca Rossa"})
        cls.other = cls.Partner.create({"name": "Enoteca Bianca"})

    def draft(self, customer, amount):
        """An open ticket the POS saved unpaid."""
        session = self.shop.current_session_id
        data = self.order_data(customer, amount, session)
        data.update(state="draft", payment_ids=[], amount_paid=0)
        result = self.env["pos.order"].sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][-1]["id"])

    def test_an_order_paid_in_the_back_office_moves_its_customer(self):
        order = self.draft(self.customer, 70.0)
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.figures(self.customer), ("potential", 0, 0.0))
        payment = self.env["pos.make.payment"].with_context(
            active_id=order.id, active_ids=order.ids
        )
        payment.create(
            {"amount": 70.0, "payment_method_id": self.shop.payment_method_ids[:1].id}
        ).check()
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 70.0))

    def test_a_paid_order_given_to_another_customer_moves_both(self):
        order = self.sell(self.customer, 45.0)
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 45.0))
        order.partner_id = self.other
        self.assertEqual(self.figures(self.other), ("buyer", 1, 45.0))
        self.assertEqual(self.figures(self.customer)[1:], (0, 0.0))

    def test_the_discount_given_at_the_counter(self):
        self.sell(self.customer, 100.0, discount=10.0)
        self.sell(self.customer, 50.0)
        self.assertEqual(self.figures(self.customer), ("customer", 2, 140.0))
        self.customer.invalidate_recordset()
        # 10 of the 150 the lines were worth before their discounts
        self.assertEqual(self.customer.lifecycle_discount_percent, 6.7)
        fact = self.env["customer.lifecycle.fact"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(fact.discount, 6.6667)
