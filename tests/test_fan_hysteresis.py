"""A Fan on the edge of the top RFM segment stays a Fan (DESIGN.md: once a Fan, a customer stays
one while their segment is champions or loyal). The quintile edges move every night as other
customers order; before the rule, such a customer flipped between Repeat Customer and Fan, and
each entry scheduled the Fan playbook activity again."""

from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestFanHysteresis(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Flavia: the most frequent and biggest spender, on the edge of the top cell
        cls.fan, cls.others = cls.customer_on_the_segment_edge()

    def fan_moves(self):
        return self.history(self.fan).filtered(
            lambda h: "fan" in (h.stage_from_id.code, h.stage_to_id.code)
        )

    def test_a_fan_moving_between_champions_and_loyal_stays_a_fan_all_week(self):
        self.nightly_run("2026-06-01")
        # her last order is the newest of the ten: R = 5, champions, a Fan
        self.assertEqual(
            (self.fan.rfm_segment, self.fan.lifecycle_stage_id.code), ("champions", "fan")
        )
        segments = []
        for day in range(2, 8):
            when = f"2026-06-{day:02d}"
            if day % 2:  # she orders again: the newest last order, champions
                self.order(self.fan, when, amount=1000.0)
            else:  # four others order after her: five older than her, R = 3, loyal
                for other in self.others[:4] if day % 4 else self.others[4:8]:
                    self.order(other, when)
            self.nightly_run(when)
            segments.append(self.fan.rfm_segment)
            self.assertEqual(self.fan.lifecycle_stage_id.code, "fan", f"still a Fan on {when}")
        self.assertEqual(segments, ["loyal", "champions"] * 3, "the edge really moved")
        self.assertEqual(
            [(h.stage_to_id.code, str(h.date.date())) for h in self.fan_moves()],
            [("fan", "2026-06-01")],
            "one entry into Fan, no leaving and coming back",
        )
        ask = self.env.ref("customer_lifecycle.activity_type_ask_referral")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.fan.id)]
        )
        self.assertEqual(activities.activity_type_id, ask, "the Fan playbook, once")
        self.assertEqual(len(activities), 1)
        # scheduled on entering, 1 June, due a week later: not scheduled again since
        self.assertEqual(str(activities.date_deadline), "2026-06-08")

        # all nine others order after her: nobody is older, R = 1, "cannot lose them": no Fan
        for other in self.others:
            self.order(other, "2026-06-08")
        self.nightly_run("2026-06-08")
        self.assertEqual(self.fan.rfm_segment, "cannot_lose")
        self.assertEqual(self.fan.lifecycle_stage_id.code, "customer")
        self.assertEqual(
            [(h.stage_from_id.code, h.stage_to_id.code) for h in self.fan_moves()],
            [("customer", "fan"), ("fan", "customer")],
        )

    def test_loyal_without_having_been_a_fan_is_a_repeat_customer(self):
        # four others order after her before the first run: she is loyal, never was a Fan
        for other in self.others[:4]:
            self.order(other, "2026-05-25")
        self.nightly_run("2026-06-01")
        self.assertEqual(self.fan.rfm_segment, "loyal")
        self.assertEqual(self.fan.lifecycle_stage_id.code, "customer")
