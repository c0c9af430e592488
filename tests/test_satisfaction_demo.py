"""The demo's satisfaction answers: asked after the last order, about six in ten answered,
detractors among the repeat customers, NPS about +30, the same way every time."""

from collections import Counter

from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestSatisfactionDemo(LifecycleCase):
    def test_the_demo_has_answers_worth_a_report(self):
        Partner = self.env["res.partner"]
        known = Partner.search([])
        Demo = self.env["customer.lifecycle.demo"]
        Demo._generate()
        customers = (Partner.search([]) - known).filtered(lambda p: not p.parent_id)
        self.engine._recompute_all(in_transaction=True)
        Demo._play_manual_moves(customers)
        requests = Demo._satisfaction_answers(customers.sorted("id"))

        answered = requests.filtered(lambda r: r.state == "answered")
        by_source = Counter(requests.mapped("source"))
        self.assertEqual(by_source["email"] + by_source["phone"] + by_source["shop"], len(requests))
        self.assertTrue(by_source["phone"] and by_source["shop"], by_source)
        email = requests.filtered(lambda r: r.source == "email")
        rate = sum(email.mapped("answered_count")) / len(email)
        self.assertTrue(0.5 <= rate <= 0.7, rate)
        self.assertTrue(all(r.order_id for r in email), "each e-mail follows an order")
        nps = sum(answered.mapped("nps_points")) / len(answered)
        self.assertTrue(25 <= nps <= 35, nps)
        detractors = answered.filtered(lambda r: r.category == "detractor")
        self.assertTrue(
            all(r.partner_id.lifecycle_order_count >= 2 for r in detractors),
            "the detractors are unhappy regulars",
        )
        # a few changed their mind: both clicks are kept, the last one counts
        changed = answered.filtered(lambda r: len(r.answer_ids) == 2)
        self.assertTrue(changed)
        for request in changed:
            self.assertEqual(request.answer_ids.sorted("date")[-1].score, request.score)
        # each customer shows its newest answer
        for partner in answered.partner_id:
            newest = answered.filtered(lambda r, p=partner: r.partner_id == p).sorted(
                "answered_date"
            )[-1]
            self.assertEqual(partner.lifecycle_satisfaction_score, newest.score)
            self.assertEqual(partner.lifecycle_satisfaction_date, newest.answered_date)
