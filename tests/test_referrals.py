"""Referrals: who brought whom, the referral code typed on a quotation, and what referrals are
worth to the customer who brought them."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestReferrals(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.Partner.create({"name": "Anna Nowak"})
        cls.piotr = cls.Partner.create({"name": "Piotr Kowalski"})

    def quotation(self, partner, code, user=None):
        Order = self.env["sale.order"].with_user(user or self.env.user)
        return Order.create(
            {
                "partner_id": partner.id,
                "lifecycle_referral_code": code,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )

    def thanks(self, referrer):
        thank = self.env.ref("customer_lifecycle.activity_type_thank_referrer")
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", referrer.id),
                ("activity_type_id", "=", thank.id),
            ]
        )

    def test_a_salesperson_types_the_referral_code_on_a_quotation(self):
        code = self.anna.lifecycle_referral_code
        self.assertRegex(code, r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")
        typed = code.lower().replace("-", " ")
        order = self.quotation(self.piotr, typed, user=self.salesperson)
        self.assertEqual(order.lifecycle_referral_code, code, "kept as printed")
        self.assertEqual(self.piotr.lifecycle_referred_by_id, self.anna)
        self.assertEqual(self.piotr.lifecycle_acquisition_channel, "referral")
        self.assertEqual(self.piotr.lifecycle_stage_id.code, "referral")
        self.assertEqual(self.anna.lifecycle_referrals_brought, 1)
        self.assertEqual(self.Partner.search([("lifecycle_referral_code", "=", code)]), self.anna)

    def test_a_mistyped_or_unknown_code_is_refused_with_what_to_check(self):
        code = self.anna.lifecycle_referral_code
        typo = code[:-1] + ("A" if code[-1] != "A" else "B")
        with self.assertRaisesRegex(ValidationError, "No customer has the referral code"):
            self.quotation(self.piotr, typo)
        with self.assertRaisesRegex(ValidationError, "No customer has the referral code"):
            self.quotation(self.piotr, "HELLO")
        self.assertFalse(self.piotr.lifecycle_referred_by_id)

    def test_the_referral_rules_each_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "by itself"):
            self.anna.lifecycle_referred_by_id = self.anna
        self.piotr.lifecycle_referred_by_id = self.anna
        with self.assertRaisesRegex(ValidationError, "by itself"):
            self.anna.lifecycle_referred_by_id = self.piotr
        company = self.Partner.create({"name": "Bar Mleczny", "is_company": True})
        contact = self.Partner.create({"name": "Ola", "parent_id": company.id})
        with self.assertRaisesRegex(ValidationError, "choose Bar Mleczny as the referrer"):
            self.Partner.create({"name": "Ewa", "lifecycle_referred_by_id": contact.id})
        with self.assertRaisesRegex(ValidationError, "record the referrer on the company"):
            contact.lifecycle_referred_by_id = self.anna
        jan = self.Partner.create({"name": "Jan"})
        self.order(jan, "2026-03-01")
        with self.assertRaisesRegex(ValidationError, "Jan had already ordered before"):
            jan.lifecycle_referred_by_id = self.anna
        # the merge's exception is not a context key a caller can send
        manager = jan.with_user(self.sales_manager).with_context(lifecycle_merging=True)
        with self.assertRaisesRegex(ValidationError, "Jan had already ordered before"):
            manager.lifecycle_referred_by_id = self.anna
        with self.assertRaisesRegex(ValidationError, "already brought by Anna Nowak"):
            self.quotation(self.piotr, jan.lifecycle_referral_code)
        self.assertEqual(self.piotr.lifecycle_referred_by_id, self.anna)

    def test_the_referrer_is_thanked_on_the_first_order_not_the_second(self):
        self.quotation(self.piotr, self.anna.lifecycle_referral_code)
        self.assertFalse(self.thanks(self.anna))
        self.order(self.piotr, "2026-03-01", amount=300.0)
        self.assertEqual(len(self.thanks(self.anna)), 1)
        self.order(self.piotr, "2026-04-01", amount=200.0)
        self.assertEqual(len(self.thanks(self.anna)), 1)

    def test_what_referrals_bring_is_counted_for_the_referrer(self):
        ewa = self.Partner.create({"name": "Ewa", "lifecycle_referred_by_id": self.anna.id})
        self.piotr.lifecycle_referred_by_id = self.anna
        self.order(self.piotr, "2026-03-01", amount=300.0)
        self.order(self.piotr, "2026-03-20", amount=200.0)
        figures = ["lifecycle_referrals_brought", "lifecycle_referrals_converted"]
        self.assertRecordValues(
            self.anna,
            [{figures[0]: 2, figures[1]: 1, "lifecycle_referral_revenue": 500.0}],
        )
        self.nightly_run("2026-04-01")
        self.assertRecordValues(
            self.anna,
            [{figures[0]: 2, figures[1]: 1, "lifecycle_referral_revenue": 500.0}],
        )
        ewa.lifecycle_referred_by_id = False  # a mistake, corrected
        self.assertEqual(self.anna.lifecycle_referrals_brought, 1)
        self.assertEqual(ewa.lifecycle_acquisition_channel, "referral", "the channel stays")

    def test_merging_two_customers_keeps_history_consent_referrals_and_orders(self):
        # Anna referred Piotr; Piotr's duplicate brought Ewa; both bought.
        self.piotr.lifecycle_referred_by_id = self.anna
        self.order(self.piotr, "2026-03-01", amount=300.0)
        duplicate = self.Partner.create({"name": "Piotr Kowalski (shop)"})
        self.order(duplicate, "2026-03-05", amount=200.0)
        ewa = self.Partner.create({"name": "Ewa", "lifecycle_referred_by_id": duplicate.id})
        history = self.history(duplicate)
        self.assertTrue(history)
        consent = self.env["customer.consent"].create(
            {
                "partner_id": duplicate.id,
                "channel_id": self.env.ref("customer_lifecycle.consent_channel_post").id,
                "state": "granted",
            }
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.piotr | duplicate).ids, dst_partner=self.piotr, extra_checks=False)
        self.assertFalse(duplicate.exists())
        self.assertEqual(self.piotr.lifecycle_order_count, 2, "both customers' orders")
        self.assertEqual(self.piotr.lifecycle_revenue_total, 500.0)
        self.assertEqual(self.piotr.lifecycle_referred_by_id, self.anna, "kept its referrer")
        self.assertEqual(ewa.lifecycle_referred_by_id, self.piotr, "its referrals follow it")
        self.assertEqual(self.piotr.lifecycle_referrals_brought, 1)
        self.assertLessEqual(set(history.ids), set(self.history(self.piotr).ids))
        self.assertEqual(consent.partner_id, self.piotr, "the consent log follows too")

    def test_merging_a_referrer_with_its_referral_drops_the_self_referral(self):
        self.piotr.lifecycle_referred_by_id = self.anna
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.anna | self.piotr).ids, dst_partner=self.anna, extra_checks=False)
        self.assertFalse(self.anna.lifecycle_referred_by_id)
        self.assertEqual(self.anna.lifecycle_referrals_brought, 0)
