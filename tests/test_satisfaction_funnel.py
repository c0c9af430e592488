"""Satisfaction in the funnel (issue 19): a detractor is never a Fan, a Fan who answers as a
detractor leaves at once, detractors are called back within a working day, promoters are asked
for a referral, and the Net Promoter Score of the reports is exact."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation
from odoo.addons.customer_lifecycle.models.customer_satisfaction_request import (
    satisfaction_event,
)
from odoo.addons.customer_lifecycle.tools import lifecycle_rules as rules

from .common import LifecycleCase

NPS_AGGREGATES = ["__count", "answers:sum", "nps_points:avg", "answered_count:avg"]


class SatisfactionCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env,
            login="clc_h2_rep",
            name="Rita Rep",
            groups="sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        cls.lifecycle_admin = new_test_user(
            cls.env,
            login="clc_h2_admin",
            name="Adam Admin",
            groups="sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )
        cls.callback_type = cls.env.ref("customer_lifecycle.activity_type_call_back_detractor")
        cls.ask_type = cls.env.ref("customer_lifecycle.activity_type_ask_referral")
        cls.Request = cls.env["customer.satisfaction.request"]
        # the company works Monday to Friday in Rome (Odoo's default 40-hour calendar)
        cls.calendar = cls.company.resource_calendar_id
        cls.calendar.tz = "Europe/Rome"

    def ask(self, partner, when, source="phone", user=None):
        """A request as the answering paths create it (the staff wizard: phone, shop)."""
        with freeze_time(when), satisfaction_event():
            return self.Request.sudo().create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "source": source,
                    "recorded_by_id": (user or self.rep).id,
                }
            )

    def answer(self, partner, score, when, comment=None, request=None):
        """The customer's answer, recorded as the page and the wizard record it."""
        request = request or self.ask(partner, when)
        with freeze_time(when):
            request._record_answer(score, comment, proof={"user_id": self.rep.id})
        self.env.invalidate_all()
        return request

    def activities(self, partner, activity_type, active=True):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", activity_type.id),
                    ("active", "=", active),
                ]
            )
        )

    def moves(self, partner):
        return [
            (h.stage_from_id.code or None, h.stage_to_id.code, h.trigger)
            for h in self.history(partner)
        ]


@tagged("post_install", "-at_install")
class TestDetractorIsNeverAFan(SatisfactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.champion = cls.Partner.create({"name": "Caffè Centrale", "user_id": cls.rep.id})
        cls.others = cls.Partner.create([{"name": f"Bar {n}"} for n in range(4)])
        # five repeat customers: the champion orders most, most recently, for the most money;
        # the quintiles give it R = F = M = 5 (champions), the others at most 4
        for index, partner in enumerate(cls.others):
            for month in range(index + 2):
                cls.order_in(
                    cls.env, partner, f"2026-0{month + 1}-0{index + 1}", amount=100.0 * (index + 1)
                )
        for month in range(7):
            cls.order_in(cls.env, cls.champion, f"2026-0{month + 1}-10", amount=900.0)

    def setUp(self):
        super().setUp()
        self.nightly_run("2026-07-20")
        self.assertEqual(self.champion.rfm_segment, "champions")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "fan")

    def test_a_fan_who_answers_as_a_detractor_leaves_fan_at_once_and_the_night_agrees(self):
        before = self.moves(self.champion)
        self.answer(self.champion, 4, "2026-07-21 10:00:00", comment="The last bag was stale")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "customer", "at once")
        self.assertEqual(self.moves(self.champion), [*before, ("fan", "customer", "feedback")])
        row = self.history(self.champion)[-1]
        self.assertEqual(row.date, datetime(2026, 7, 21, 10, 0))
        self.assertEqual(row.user_id, self.env.user)
        # the nightly run reads the same rule: nothing moves, no row is added
        self.nightly_run("2026-07-22")
        self.assertEqual(self.champion.rfm_segment, "champions", "still the top RFM cell")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "customer")
        self.assertEqual(len(self.moves(self.champion)), len(before) + 1)
        # and so does the plain rule
        self.assertEqual(
            rules.stage_for(order_count=7, rfm_segment="champions", detractor=True), "customer"
        )

    def test_a_detractor_whose_next_answer_is_not_becomes_a_fan_again(self):
        self.answer(self.champion, 2, "2026-07-21 10:00:00")
        self.answer(self.champion, 7, "2026-07-25 10:00:00")  # a passive: no longer a detractor
        self.assertEqual(self.champion.lifecycle_stage_id.code, "fan")
        self.assertEqual(
            self.moves(self.champion)[-2:],
            [("fan", "customer", "feedback"), ("customer", "fan", "feedback")],
        )
        self.nightly_run("2026-07-26")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "fan")
        self.assertEqual(self.moves(self.champion)[-1], ("customer", "fan", "feedback"))

    def test_a_second_click_on_the_same_request_moves_the_stage_back(self):
        request = self.answer(self.champion, 3, "2026-07-21 10:00:00")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "customer")
        self.answer(self.champion, 10, "2026-07-21 10:05:00", request=request)
        self.assertEqual(self.champion.lifecycle_stage_id.code, "fan")
        self.assertEqual(request.score, 10)

    def test_answers_that_are_not_a_detractors_leave_the_stage_and_history_alone(self):
        before = self.moves(self.champion)
        self.answer(self.champion, 8, "2026-07-21 10:00:00")
        self.answer(self.champion, 10, "2026-07-22 10:00:00")
        self.assertEqual(self.champion.lifecycle_stage_id.code, "fan")
        self.assertEqual(self.moves(self.champion), before)
        # an order imported for the nightly run (deferred): a promoter's answer does not
        # move the customer in its name; the nightly run does, as the schedule
        imported = self.Partner.create({"name": "Imported customer"})
        with freeze_time("2026-07-21"), deferred_reevaluation():
            order = self.env["sale.order"].create(
                {
                    "partner_id": imported.id,
                    "order_line": [(0, 0, {"product_id": self.product.id, "price_unit": 50})],
                }
            )
            order.action_confirm()
        self.answer(imported, 10, "2026-07-22 10:00:00")
        self.assertEqual(imported.lifecycle_stage_id.code, "potential")
        self.assertEqual(self.moves(imported), [])
        self.nightly_run("2026-07-23")
        self.assertEqual(self.moves(imported)[-1], ("potential", "buyer", "schedule"))

    def test_referrals_do_not_make_a_detractor_a_fan(self):
        self.company.lifecycle_fan_referrals = 1
        host = self.others[0]  # two orders, not a champion
        friend = self.Partner.create({"name": "Friend", "lifecycle_referred_by_id": host.id})
        self.order(friend, "2026-07-21")
        self.assertEqual(host.lifecycle_stage_id.code, "fan", "one converted referral")
        self.answer(host, 6, "2026-07-22 09:00:00")
        self.assertEqual(host.lifecycle_stage_id.code, "customer")
        self.nightly_run("2026-07-23")
        self.assertEqual(host.lifecycle_stage_id.code, "customer")

    def test_a_detractor_newer_than_a_manual_fan_is_newer_evidence(self):
        with freeze_time("2026-07-21 08:00:00"):
            self.others[1].with_user(self.sales_manager).lifecycle_stage_id = self.stage("fan")
        self.answer(self.others[1], 5, "2026-07-21 09:00:00")
        self.assertEqual(self.others[1].lifecycle_stage_id.code, "customer")
        self.assertFalse(self.others[1].lifecycle_stage_manual)
        self.assertEqual(self.moves(self.others[1])[-1], ("fan", "customer", "feedback"))

    def test_a_manual_fan_set_after_the_detractor_answer_holds(self):
        self.answer(self.others[1], 5, "2026-07-21 09:00:00")
        with freeze_time("2026-07-22 08:00:00"):  # the rep called back and put it right
            self.others[1].with_user(self.sales_manager).lifecycle_stage_id = self.stage("fan")
        self.nightly_run("2026-07-23")
        self.assertEqual(self.others[1].lifecycle_stage_id.code, "fan")
        self.assertTrue(self.others[1].lifecycle_stage_manual)

    def test_an_answer_never_overrides_another_manual_stage(self):
        with freeze_time("2026-07-21 08:00:00"):
            self.others[1].with_user(self.sales_manager).write(
                {"lifecycle_stage_id": self.stage("prospect").id}
            )
        self.answer(self.others[1], 1, "2026-07-21 09:00:00")
        self.answer(self.others[1], 10, "2026-07-22 09:00:00")
        self.nightly_run("2026-07-23")
        self.assertEqual(self.others[1].lifecycle_stage_id.code, "prospect")
        self.assertTrue(self.others[1].lifecycle_stage_manual)


@tagged("post_install", "-at_install")
class TestFollowUpActivities(SatisfactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {"name": "Trattoria Da Gino", "is_company": True, "user_id": cls.rep.id}
        )
        cls.contact = cls.Partner.create({"name": "Gino", "parent_id": cls.customer.id})

    # -- Detractors -----------------------------------------------------------------------------

    def test_a_detractor_is_called_back_by_the_salesperson_the_next_working_day(self):
        # Friday 27 November 2026, 18:30 in Rome: the next working day is Monday the 30th
        request = self.answer(
            self.contact,
            4,
            "2026-11-27 17:30:00",
            comment="Delivered late & <b>cold</b>\nand no one answered",
        )
        self.assertEqual(request.partner_id, self.customer, "the company, not its contact")
        callback = self.activities(self.customer, self.callback_type)
        self.assertEqual(len(callback), 1)
        self.assertEqual(callback.user_id, self.rep)
        self.assertEqual(str(callback.date_deadline), "2026-11-30")
        self.assertEqual(callback.summary, "Call back: 4/10")
        self.assertEqual(
            str(callback.note),
            "<p>Satisfaction answer: 4/10 (Detractor) on 11/27/2026</p>"
            "<p>Delivered late &amp; &lt;b&gt;cold&lt;/b&gt;<br>and no one answered</p>",
        )
        self.assertEqual(callback.lifecycle_satisfaction_request_id, request)

    def test_the_next_working_day_skips_weekends_and_public_holidays(self):
        cases = [
            ("2026-11-25 10:00:00", "2026-11-26"),  # Wednesday: Thursday
            ("2026-11-28 10:00:00", "2026-11-30"),  # Saturday: Monday
            ("2026-11-29 22:59:00", "2026-11-30"),  # Sunday 23:59 in Rome: Monday
            ("2026-11-29 23:30:00", "2026-12-01"),  # already Monday in Rome: Tuesday
            ("2026-12-04 10:00:00", "2026-12-09"),  # Friday; Monday 7 and Tuesday 8 closed
        ]
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Sant'Ambrogio and the Immaculate Conception",
                "calendar_id": self.calendar.id,
                "date_from": "2026-12-06 23:00:00",
                "date_to": "2026-12-08 22:59:59",
            }
        )
        for index, (when, due) in enumerate(cases):
            customer = self.Partner.create({"name": f"Customer {index}", "user_id": self.rep.id})
            self.answer(customer, 0, when)
            with self.subTest(answered=when):
                self.assertEqual(
                    str(self.activities(customer, self.callback_type).date_deadline), due
                )

    def test_an_answer_on_the_public_page_is_followed_up_in_the_systems_name(self):
        public = self.env.ref("base.public_user")
        fan = self.stage("fan")
        with freeze_time("2026-11-20"):  # a Fan by its referrals, say
            self.customer._lifecycle_move(fan, trigger="order", automatic=True)
        self.assertEqual(self.customer.lifecycle_stage_id, fan)
        with freeze_time("2026-11-25 10:00:00"), satisfaction_event():
            request = self.Request.sudo().create(
                {"partner_id": self.customer.id, "source": "email"}
            )
        with freeze_time("2026-11-25 10:00:00"):
            # as the page runs it: the public user, with elevated rights
            request.with_user(public).sudo()._record_answer(1, "Never again")
        self.env.invalidate_all()
        odoobot = self.env.ref("base.user_root")
        callback = self.activities(self.customer, self.callback_type)
        self.assertEqual((callback.user_id, callback.create_uid), (self.rep, odoobot))
        row = self.history(self.customer)[-1]
        self.assertEqual((row.stage_from_id, row.trigger, row.user_id), (fan, "feedback", odoobot))
        self.assertEqual(row.stage_to_id.code, "potential", "no orders: the rule's stage")

    def test_one_call_back_per_answer_a_second_click_updates_its_note(self):
        request = self.answer(self.customer, 5, "2026-11-25 10:00:00", comment="Too expensive")
        self.answer(self.customer, 2, "2026-11-25 10:02:00", request=request)
        callback = self.activities(self.customer, self.callback_type)
        self.assertEqual(len(callback), 1, "not duplicated by a second click")
        self.assertIn("2/10", str(callback.note))
        self.assertIn("Too expensive", str(callback.note), "the comment given with the first")
        # a click that is no longer a detractor's removes the call-back still open
        self.answer(self.customer, 9, "2026-11-25 10:05:00", request=request)
        self.assertFalse(self.activities(self.customer, self.callback_type))
        # a new answer (a new request) is a new call-back
        self.answer(self.customer, 3, "2026-12-20 10:00:00")
        self.assertEqual(len(self.activities(self.customer, self.callback_type)), 1)

    def test_without_a_salesperson_the_recorder_then_a_lifecycle_administrator_calls_back(self):
        nobody = self.Partner.create({"name": "Walk-in"})
        request = self.ask(nobody, "2026-11-25 10:00:00", user=self.rep)
        self.answer(nobody, 1, "2026-11-25 10:00:00", request=request)
        self.assertEqual(self.activities(nobody, self.callback_type).user_id, self.rep)
        emailed = self.Partner.create({"name": "By e-mail"})
        with freeze_time("2026-11-25"), satisfaction_event():
            request = self.Request.sudo().create({"partner_id": emailed.id, "source": "email"})
        self.answer(emailed, 1, "2026-11-25 10:00:00", request=request)
        # the first lifecycle administrator of the company: Odoo's administrator
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("customer_lifecycle.group_lifecycle_manager"))
        self.assertLess(admin.id, self.lifecycle_admin.id)
        self.assertEqual(self.activities(emailed, self.callback_type).user_id, admin)

    def test_the_call_back_done_stamps_the_request_and_leaves_the_filters(self):
        request = self.answer(self.customer, 3, "2026-11-25 10:00:00")
        Funnel = self.Partner.with_user(self.rep)
        awaiting = [("lifecycle_awaiting_callback", "=", True)]
        self.assertTrue(request.is_awaiting_callback)
        self.assertEqual(Funnel.search(awaiting), self.customer)
        self.assertNotIn(
            self.customer, Funnel.search([("lifecycle_awaiting_callback", "=", False)])
        )
        self.assertEqual(
            self.Request.with_user(self.rep).search([("is_awaiting_callback", "=", True)]),
            request,
        )
        callback = self.activities(self.customer, self.callback_type)
        with freeze_time("2026-11-26 09:00:00"):
            callback.with_user(self.rep).action_feedback(feedback="Apologised, sent a voucher")
        self.assertEqual(str(request.callback_date), "2026-11-26 09:00:00")
        self.assertEqual(request.callback_user_id, self.rep)
        self.assertFalse(request.is_awaiting_callback)
        self.assertFalse(Funnel.search(awaiting))
        self.assertIn(self.customer, Funnel.search([("lifecycle_awaiting_callback", "=", False)]))
        self.assertFalse(self.Request.search([("is_awaiting_callback", "=", True)]))
        # the customer's next answer, a detractor's again: not yet called back about that one
        later = self.answer(self.customer, 2, "2026-12-20 10:00:00")
        self.assertEqual(Funnel.search(awaiting), self.customer)
        # then a promoter's: the last answer is not a detractor's any more
        self.answer(self.customer, 10, "2027-01-20 10:00:00")
        self.assertFalse(Funnel.search(awaiting))
        self.assertTrue(later.is_awaiting_callback, "the request itself still waits")

    def test_only_the_call_back_itself_marks_a_request_called_back(self):
        request = self.answer(self.customer, 3, "2026-11-25 10:00:00")
        todo = self.env.ref("mail.mail_activity_data_todo")
        # a rep's own activity linked to the request by hand (over RPC), then done
        crafted = (
            self.env["mail.activity"]
            .with_user(self.rep)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer.id,
                    "activity_type_id": todo.id,
                    "user_id": self.rep.id,
                    "lifecycle_satisfaction_request_id": request.id,
                }
            )
        )
        crafted.action_done()
        self.assertTrue(request.is_awaiting_callback)
        other = self.Partner.create({"name": "Someone else", "user_id": self.rep.id})
        elsewhere = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": other.id,
                "activity_type_id": self.callback_type.id,
                "user_id": self.rep.id,
                "lifecycle_satisfaction_request_id": request.id,
            }
        )
        elsewhere.action_done()
        self.assertTrue(request.is_awaiting_callback, "a call-back on another customer")
        self.assertFalse(request.callback_date)
        # nor can anyone stamp it directly, the superuser included
        for env in (self.env, self.env(user=self.lifecycle_admin)):
            with self.assertRaisesRegex(UserError, "cannot be created or changed otherwise"):
                request.with_env(env).write({"callback_date": "2026-11-26 09:00:00"})
        self.assertFalse(request.callback_date)

    # -- Promoters ------------------------------------------------------------------------------

    def test_a_promoter_is_asked_for_a_referral_with_the_code(self):
        self.answer(self.customer, 9, "2026-11-25 10:00:00", comment="Best pizza in town")
        ask = self.activities(self.customer, self.ask_type)
        self.assertEqual(len(ask), 1)
        self.assertEqual(ask.user_id, self.rep)
        self.assertEqual(str(ask.date_deadline), "2026-11-26")
        self.assertEqual(ask.summary, "Promoter (9/10): ask for a referral")
        code = self.customer.lifecycle_referral_code
        self.assertEqual(len(code), 9)
        self.assertEqual(
            str(ask.note),
            f"<p>Referral code to hand out: {code}</p>"
            "<p>Satisfaction answer: 9/10 (Promoter) on 11/25/2026</p>"
            "<p>Best pizza in town</p>",
        )
        self.assertFalse(self.activities(self.customer, self.callback_type))

    def test_a_passive_gets_no_activity(self):
        self.answer(self.customer, 8, "2026-11-25 10:00:00")
        self.answer(self.customer, 7, "2026-12-25 10:00:00")
        self.assertFalse(self.activities(self.customer, self.ask_type))
        self.assertFalse(self.activities(self.customer, self.callback_type))

    def test_no_referral_asked_twice_within_the_window(self):
        self.company.lifecycle_referral_ask_days = 90
        self.answer(self.customer, 10, "2026-01-05 10:00:00")
        self.answer(self.customer, 10, "2026-01-20 10:00:00")
        ask = self.activities(self.customer, self.ask_type)
        self.assertEqual(len(ask), 1, "one still open: not asked again")
        with freeze_time("2026-02-01 10:00:00"):
            ask.with_user(self.rep).action_feedback(feedback="Gave us two names")
        self.answer(self.customer, 9, "2026-05-01 09:00:00")  # 89 days after it was done
        self.assertFalse(self.activities(self.customer, self.ask_type))
        self.answer(self.customer, 9, "2026-05-02 11:00:00")  # 90 days and a day
        self.assertEqual(len(self.activities(self.customer, self.ask_type)), 1)

    def test_a_referral_asked_on_a_contact_counts_and_the_window_is_a_setting(self):
        self.company.lifecycle_referral_ask_days = 10
        asked = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.contact.id,
                "activity_type_id": self.ask_type.id,
                "user_id": self.rep.id,
            }
        )
        with freeze_time("2026-03-01 10:00:00"):
            asked.action_done()
        self.answer(self.customer, 10, "2026-03-10 10:00:00")
        self.assertFalse(self.activities(self.customer, self.ask_type))
        self.answer(self.customer, 10, "2026-03-12 10:00:00")
        self.assertEqual(len(self.activities(self.customer, self.ask_type)), 1)

    def test_the_referral_window_setting_is_bounded(self):
        for days in (-1, 3651):
            with self.subTest(days=days), self.assertRaisesRegex(ValidationError, "0 to 3650"):
                self.company.lifecycle_referral_ask_days = days
        self.company.lifecycle_referral_ask_days = 0
        self.assertEqual(self.env["res.config.settings"].create({}).lifecycle_referral_ask_days, 0)


@tagged("post_install", "-at_install")
class TestNetPromoterScore(SatisfactionCase):
    """5 promoters, 3 passives, 2 detractors and 4 requests unanswered: NPS (5 - 2) / 10 = 30,
    response rate 10 / 14."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_rep = new_test_user(
            cls.env,
            login="clc_h2_other_rep",
            groups="sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        cls.bottega, cls.outsider = cls.user_of_another_company(
            "clc_h2_outsider",
            "sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )

    def setUp(self):
        super().setUp()
        scores = [10, 9, 9, 10, 9, 8, 7, 7, 3, 6, None, None, None, None]
        self.requests = self.Request
        for index, score in enumerate(scores):
            rep = self.rep if index % 2 else self.other_rep
            partner = self.Partner.create({"name": f"Customer {index:02}", "user_id": rep.id})
            when = f"2026-{9 + index % 2}-1{index % 10} 10:00:00"  # September and October
            request = self.ask(partner, when)
            if score is not None:
                self.answer(partner, score, when, request=request)
            self.requests |= request
        # another company's own customers and answers, all detractors
        stranger = self.Partner.create({"name": "Stranger", "company_id": self.bottega.id})
        with satisfaction_event():
            foreign = self.Request.sudo().create(
                {"partner_id": stranger.id, "company_id": self.bottega.id, "source": "shop"}
            )
        foreign._record_answer(0)
        # only this test's requests: a database with the demo's answers gives the same figures
        self.own = [("id", "in", (self.requests | foreign).ids)]

    def nps(self, user, groupby=()):
        result = (
            self.Request.with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids)
            ._read_group(
                self.own,
                list(groupby),
                NPS_AGGREGATES,
            )
        )
        return [
            (
                *keys,
                count,
                answers,
                round(points, 6) if points is not None else None,
                round(rate, 6),
            )
            for *keys, count, answers, points, rate in result
        ]

    def test_nps_and_response_rate_are_exact(self):
        self.assertEqual(self.nps(self.lifecycle_admin), [(14, 10, 30.0, round(10 / 14, 6))])

    def test_by_month_salesperson_and_stage(self):
        # September (even index): 10, 9, 9, 7, 3 and two unanswered; October: 9, 10, 8, 7, 6
        self.assertEqual(
            [row[1:] for row in self.nps(self.lifecycle_admin, ["sent_date:month"])],
            [(7, 5, 40.0, round(5 / 7, 6)), (7, 5, 20.0, round(5 / 7, 6))],
        )
        by_rep = {row[0]: row[1:] for row in self.nps(self.lifecycle_admin, ["salesperson_id"])}
        # the rep (odd): 9, 10, 8, 7, 6 answered; the other rep (even): 10, 9, 9, 7, 3; the
        # salesperson is a snapshot taken with the answer: unanswered requests have none
        self.assertEqual(by_rep[self.rep], (5, 5, 20.0, 1.0))
        self.assertEqual(by_rep[self.other_rep], (5, 5, 40.0, 1.0))
        self.assertEqual(by_rep[self.env["res.users"]], (4, 0, 0, 0.0), "no answer: shown 0")
        stages = {row[0].code: row[1:] for row in self.nps(self.lifecycle_admin, ["stage_id"])}
        self.assertEqual(stages["potential"], (10, 10, 30.0, 1.0))

    def test_the_pivot_shows_the_same_figures(self):
        groups = (
            self.Request.with_user(self.rep)
            .with_context(allowed_company_ids=self.company.ids)
            .formatted_read_group(self.own, [], ["__count", "nps_points:avg", "answered_count:avg"])
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["__count"], 14)
        self.assertAlmostEqual(groups[0]["nps_points:avg"], 30.0)
        self.assertAlmostEqual(groups[0]["answered_count:avg"], 10 / 14)
        self.assertEqual(self.Request._fields["nps_points"].aggregator, "avg")

    def test_a_rep_with_own_documents_only_and_another_company_see_no_others_data(self):
        # a rep with Own Documents Only reads every customer of the company (Odoo's rule for
        # contacts), so the company's figures; another company's user sees only its own
        self.assertEqual(self.nps(self.rep), [(14, 10, 30.0, round(10 / 14, 6))])
        self.assertEqual(self.nps(self.outsider), [(1, 1, -100.0, 1.0)])
        self.assertFalse(
            self.Request.with_user(self.outsider).search([("id", "in", self.requests.ids)])
        )

    def test_the_report_and_the_funnel_filter_are_for_lifecycle_users(self):
        accountant = new_test_user(
            self.env, login="clc_h2_accountant", groups="account.group_account_invoice"
        )
        for user in (self.employee, accountant):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Request.with_user(user)._read_group([], [], NPS_AGGREGATES)
                with self.assertRaises(AccessError):
                    self.Partner.with_user(user).search(
                        [("lifecycle_awaiting_callback", "=", True)]
                    )
                with self.assertRaises(AccessError):
                    self.Partner.with_user(user).search(
                        [("lifecycle_satisfaction_category", "=", "detractor")]
                    )
        menu = self.env.ref("customer_lifecycle.menu_customer_satisfaction_report_customers")
        self.assertEqual(menu.group_ids, self.env.ref("customer_lifecycle.group_lifecycle_user"))


@tagged("post_install", "-at_install")
class TestSatisfactionOnTheCard(SatisfactionCase):
    def test_the_card_and_the_list_show_the_last_score_to_lifecycle_users_only(self):
        customer = self.Partner.create({"name": "Pasticceria Rosa", "user_id": self.rep.id})
        self.answer(customer, 4, "2026-11-12 10:00:00")
        card = customer.with_user(self.rep).with_context(lang="en_US", tz="Europe/Rome")
        self.assertEqual(
            card.lifecycle_satisfaction_label,  # the day in the user's time zone
            "Last satisfaction answer: 4/10, detractor, 12 Nov 2026",
        )
        kanban = self.env.ref("customer_lifecycle.res_partner_view_kanban_lifecycle_funnel")
        listing = self.env.ref("customer_lifecycle.res_partner_view_list_lifecycle_funnel")
        for user, shown in ((self.rep, True), (self.employee, False)):
            views = (
                self.Partner.with_user(user)
                .with_context(lang="en_US")
                .get_views([(kanban.id, "kanban"), (listing.id, "list")])
            )
            for view_type in ("kanban", "list"):
                with self.subTest(user=user.login, view=view_type):
                    arch = views["views"][view_type]["arch"]
                    self.assertEqual('name="lifecycle_satisfaction_score"' in arch, shown)
        with self.assertRaises(AccessError):
            customer.with_user(self.employee).lifecycle_satisfaction_label  # noqa: B018
        self.assertEqual(
            self.Partner.with_user(self.rep).search([("lifecycle_satisfaction_score", "=", 4)]),
            customer,
        )
