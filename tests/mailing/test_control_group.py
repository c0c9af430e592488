"""A control group and the result: a mailing made from the funnel holds out a share of its
customers drawn by its seed (the same customers for the same seed), records them with the
recipients when it is sent and never sends them; its result compares the groups (who ordered,
orders, revenue, stage moves) with a 95 % interval, says when the groups are too small, and
shows what Odoo attributes to its UTM source."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.customer_lifecycle_mass_mailing.models.mailing_mailing import (
    difference_in_means,
    difference_in_shares,
)

from .mailing_common import MailingLifecycleCase


@tagged("post_install", "-at_install")
class TestControlGroup(MailingLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"]
        for n in range(40):
            customer = cls.customer(f"Cliente {n:02d}")
            cls.consent(customer, "granted")
            cls.customers |= customer
        cls.Member = cls.env["customer.lifecycle.mailing.member"]

    def mailing_of(self, partners, percent=0, seed=7, **vals):
        action = partners.with_user(self.marketer).action_lifecycle_mailing("mail")
        mailing = self.Mailing.browse(action["res_id"])
        mailing.write(
            {"body_html": "<p>Torna a trovarci!</p>", "lifecycle_holdout_percent": percent,
             "lifecycle_holdout_seed": seed, **vals}
        )  # fmt: skip
        return mailing.with_user(self.marketer)

    def test_the_held_out_customers_are_stable_for_a_seed_and_exactly_the_share(self):
        first = self.mailing_of(self.customers, percent=25, seed=42)
        again = self.mailing_of(self.customers, percent=25, seed=42)
        other = self.mailing_of(self.customers, percent=25, seed=43)
        contactable = self.customers.ids
        held = first._lifecycle_held_out_ids(contactable)
        self.assertEqual(len(held), 10)
        self.assertEqual(held, again._lifecycle_held_out_ids(list(reversed(contactable))))
        self.assertNotEqual(set(held), set(other._lifecycle_held_out_ids(contactable)))
        first.invalidate_recordset()  # as the form reads it again once saved
        self.assertEqual(first.total, 30)

    def test_the_held_out_customers_are_recorded_and_never_sent(self):
        mailing = self.mailing_of(self.customers, percent=25, seed=42)
        held = set(mailing._lifecycle_held_out_ids(self.customers.ids))
        mailing.action_send_mail()
        sent = set(self.recipients(mailing))
        self.assertEqual(len(sent), 30)
        self.assertFalse(sent & held)
        members = mailing.lifecycle_member_ids
        self.assertEqual(set(members.filtered("held_out").partner_id.ids), held)
        self.assertEqual(set(members.filtered(lambda m: not m.held_out).partner_id.ids), sent)
        self.assertEqual(set(members.stage_id.mapped("code")), {"potential"})
        # the groups are kept: a second sending (Odoo's next batch) sends no held-out customer
        mailing.sudo().action_send_mail(res_ids=None) if mailing.state != "done" else None
        self.assertFalse(set(self.recipients(mailing)) & held)
        with self.assertRaisesRegex(UserError, "already sent cannot change"):
            mailing.lifecycle_holdout_percent = 10

    def test_bad_settings_are_refused_with_a_clear_message(self):
        for vals, message in (
            ({"lifecycle_holdout_percent": 60}, "between 0 and 50"),
            ({"lifecycle_holdout_percent": -5}, "between 0 and 50"),
            ({"lifecycle_result_days": 0}, "at least one day"),
        ):
            with self.assertRaisesRegex(ValidationError, message):
                self.mailing_of(self.customers, **vals)

    def test_the_outcome_of_each_group_is_exact(self):
        four = self.customers[:4]
        lost = self.env.ref("customer_lifecycle.stage_lost")
        with freeze_time("2026-09-20 09:00:00"):
            four[:2]._lifecycle_move(lost, reason="Moved away")
        with freeze_time("2026-10-01 09:00:00"):
            mailing = self.mailing_of(four, percent=50, seed=5)
            mailing.action_send_mail()
        members = mailing.lifecycle_member_ids
        sent, held = members.filtered(lambda m: not m.held_out), members.filtered("held_out")
        self.assertEqual((len(sent), len(held)), (2, 2))
        # within the 30 days: one recipient orders twice, one held-out customer once;
        # after them: the other held-out customer (not counted)
        self.order(sent[0].partner_id, "2026-10-05", amount=120.0)
        self.order(sent[0].partner_id, "2026-10-20", amount=80.0)
        self.order(held[0].partner_id, "2026-10-10", amount=50.0)
        self.order(held[1].partner_id, "2026-11-02", amount=70.0)
        self.Member._refresh_outcomes(mailing.sudo())
        mailing.invalidate_recordset()
        figures = mailing._lifecycle_group_figures()
        self.assertEqual(
            {group: (f["customers"], f["ordered"], f["orders"], f["revenue"])
             for group, f in figures.items()},
            {"sent": (2, 1, 2, 200.0), "held_out": (2, 1, 1, 50.0)},
        )  # fmt: skip
        won_back = {m.partner_id for m in members if m.stage_id == lost and m.won_back}
        expected = {m.partner_id for m in (sent[0], held[0], held[1]) if m.stage_id == lost}
        self.assertEqual(won_back, expected)
        self.assertEqual(mailing.lifecycle_sent_count, 2)
        self.assertIn("Too small to tell", mailing.lifecycle_result_summary)
        # a second refresh writes nothing
        self.assertEqual(self.Member._refresh_outcomes(mailing.sudo()), 0)

    def test_the_difference_and_its_interval_match_a_hand_computation(self):
        difference, low, high = difference_in_shares(30, 100, 10, 100)
        # sqrt(0.3 * 0.7 / 100 + 0.1 * 0.9 / 100) = 0.0547723; x 1.959964 = 0.1073517
        self.assertAlmostEqual(difference, 0.2)
        self.assertAlmostEqual(low, 0.0926483, places=6)
        self.assertAlmostEqual(high, 0.3073517, places=6)
        # revenue per customer: 10 customers of 100 (sum 1,000, squares 100,000) against 10 of
        # 50 (500, 25,000): no spread, the interval is the difference itself
        difference, low, high = difference_in_means(
            {"customers": 10, "revenue": 1000.0, "revenue_squares": 100000.0},
            {"customers": 10, "revenue": 500.0, "revenue_squares": 25000.0},
        )
        self.assertEqual((difference, low, high), (50.0, 50.0, 50.0))

    def test_the_result_says_whether_the_mailing_made_a_difference(self):
        mailing = self.mailing_of(self.customers[:1])
        currency = self.company.currency_id
        members = [
            {"mailing_id": mailing.id, "partner_id": self.customers[i].id, "held_out": i >= 30,
             "sent_date": "2026-10-01 09:00:00", "currency_id": currency.id,
             "ordered": i < 12 or 30 <= i < 32, "orders": 1 if i < 12 or 30 <= i < 32 else 0,
             "revenue": 100.0 if i < 12 or 30 <= i < 32 else 0.0}
            for i in range(40)
        ]  # fmt: skip
        # 30 recipients (12 ordered: 40 %) against 10 held out... too few held out
        self.Member.sudo().create(members)
        mailing.invalidate_recordset()
        self.assertIn("Too small to tell: at least 30", mailing.lifecycle_result_summary)
        # 30 against 30: 12 of 30 (40 %) against 2 of 30 (6.7 %)
        extra = self.customers.browse()
        for n in range(20):
            customer = self.customer(f"Controllo {n:02d}")
            extra |= customer
        self.Member.sudo().create(
            [{"mailing_id": mailing.id, "partner_id": customer.id, "held_out": True,
              "sent_date": "2026-10-01 09:00:00", "currency_id": currency.id}
             for customer in extra]
        )  # fmt: skip
        mailing.invalidate_recordset()
        summary = mailing.lifecycle_result_summary.splitlines()
        self.assertEqual(
            summary[0],
            "Recipients: 30; 40.0 % ordered within 30 days (12 orders, "
            "$\N{NO-BREAK SPACE}1,200.00).",
        )
        self.assertEqual(
            summary[1], "Control group: 30; 6.7 % ordered (2 orders, $\N{NO-BREAK SPACE}200.00)."
        )
        # 0.4 - 0.0667 = 33.3 points; sqrt(.4 * .6 / 30 + .0667 * .9333 / 30) = 0.100370,
        # x 1.959964 = 19.67 points. Revenue: 40 - 6.667 per customer; variances 72,000 / 29 and
        # 18,666.7 / 29, so sqrt(2,482.76 / 30 + 643.68 / 30) = 10.2086, x 1.959964 = 20.01
        self.assertEqual(
            summary[3],
            "Difference: 33.3 points of customers who ordered (95 % interval 13.7 to 53.0): "
            "the mailing made a difference; $\N{NO-BREAK SPACE}33.33 of revenue per customer (95 "
            "% interval $\N{NO-BREAK SPACE}13.32 to $\N{NO-BREAK SPACE}53.34).",
        )

    def test_the_revenue_odoo_attributes_to_the_mailing(self):
        mailing = self.mailing_of(self.customers[:3])
        mailing.action_send_mail()
        self.order(self.customers[0], "2026-11-10", amount=250.0, source_id=mailing.source_id.id)
        self.order(self.customers[1], "2026-11-10", amount=99.0)  # not through the mailing
        mailing.invalidate_recordset()
        self.assertEqual(mailing.lifecycle_utm_revenue, 250.0)

    def test_who_sees_the_results(self):
        mailing = self.mailing_of(self.customers[:5], percent=20, seed=3)
        mailing.action_send_mail()
        members = mailing.sudo().lifecycle_member_ids
        self.assertEqual(
            len(members.with_user(self.marketer).search([("mailing_id", "=", mailing.id)])), 5
        )
        for user in (self.salesperson, self.employee):
            with self.assertRaises(AccessError):
                self.Member.with_user(user).search_read([], ["revenue"])
        for operation in (
            lambda m: m.write({"revenue": 1e6}),
            lambda m: m.unlink(),
            lambda m: m.create({"mailing_id": mailing.id, "partner_id": self.customers[9].id,
                                "sent_date": "2026-10-01", "currency_id": 1}),
        ):  # fmt: skip
            with self.assertRaises(AccessError):
                operation(members[:1].with_user(self.marketer))
        with self.assertRaises(AccessError):
            mailing.with_user(self.salesperson).action_lifecycle_refresh_result()
        _company, outsider = self.user_of_another_company(
            "clc_marketer_c", "mass_mailing.group_mass_mailing_user"
        )
        self.customers[:5].company_id = self.company
        self.assertFalse(self.Member.with_user(outsider).search([("mailing_id", "=", mailing.id)]))

    def test_the_nightly_run_brings_the_outcomes_up_to_date(self):
        with freeze_time("2026-11-20 09:00:00"):
            mailing = self.mailing_of(self.customers[:2])
            mailing.action_send_mail()
        self.order(self.customers[0], "2026-11-25", amount=60.0)
        self.nightly_run("2026-11-26 02:00:00")
        member = mailing.sudo().lifecycle_member_ids.filtered(
            lambda m: m.partner_id == self.customers[0]
        )
        self.assertEqual((member.orders, member.revenue, member.ordered), (1, 60.0, True))
