"""Who records and who reads satisfaction: staff record a score through the wizard only, the
proof (who, address, browser) is the server's, nobody creates, changes or deletes requests and
answers over RPC (administrators and the superuser included, whatever the context), and only
lifecycle users of the customer's company read them; the link's token is for managers."""

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_satisfaction_request import (
    satisfaction_event,
)

from .common import LifecycleCase

FORBIDDEN = "Satisfaction answers are recorded only by the customer's satisfaction page or"


@tagged("post_install", "-at_install")
class TestSatisfactionAccess(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["customer.satisfaction.request"]
        cls.Answer = cls.env["customer.satisfaction.answer"]
        cls.Wizard = cls.env["customer.satisfaction.record"]
        cls.rep = new_test_user(
            cls.env,
            login="clc_sat_rep",
            name="Rita Rep",
            groups="sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="clc_sat_manager",
            groups="sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )
        cls.admin = new_test_user(
            cls.env,
            login="clc_sat_admin",
            groups="base.group_system,customer_lifecycle.group_lifecycle_manager",
        )
        cls.accountant = new_test_user(
            cls.env, login="clc_sat_accountant", groups="account.group_account_invoice"
        )
        cls.portal = new_test_user(cls.env, login="clc_sat_portal", groups="base.group_portal")
        cls.other_company, cls.outsider = cls.user_of_another_company(
            "clc_sat_outsider",
            "sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        cls.shop = cls.Partner.create(
            {"name": "Ottica Rossi", "is_company": True, "company_id": cls.company.id}
        )
        cls.contact = cls.Partner.create({"name": "Paola Rossi", "parent_id": cls.shop.id})

    def record(self, user, partner=None, score="4", context=None, **vals):
        wizard = self.Wizard.with_user(user).create(
            {"partner_id": (partner or self.contact).id, "score": score, **vals}
        )
        # as over RPC: the caller chooses the context of the button's call
        wizard.with_context(**(context or {})).action_record()
        return self.Request.search([("partner_id", "=", self.shop.id)], limit=1)

    def test_a_rep_records_a_score_given_by_phone_on_the_company(self):
        request = self.record(self.rep, comment="Late again", source="phone")
        self.assertRecordValues(
            request,
            [
                {
                    "partner_id": self.shop.id,
                    "source": "phone",
                    "state": "answered",
                    "score": 4,
                    "category": "detractor",
                    "comment": "Late again",
                    "recorded_by_id": self.rep.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertRecordValues(
            request.answer_ids,
            [
                {
                    "score": 4,
                    "source": "phone",
                    "user_id": self.rep.id,
                    "remote_addr": False,
                    "user_agent": False,
                }
            ],
        )
        self.assertRecordValues(
            self.shop,
            [
                {
                    "lifecycle_satisfaction_score": 4,
                    "lifecycle_satisfaction_category": "detractor",
                    "lifecycle_satisfaction_comment": "Late again",
                }
            ],
        )
        # the contact shows nothing of its own: the answer is the company's
        self.assertFalse(self.contact.lifecycle_satisfaction_category)
        # and the rep reads it back, not the token of a link
        self.assertEqual(self.Request.with_user(self.rep).search([]).ids, request.ids)
        with self.assertRaises(AccessError):
            request.with_user(self.rep).read(["token"])
        self.assertTrue(request.with_user(self.manager).token)

    def test_a_crafted_context_forges_no_proof(self):
        order = self.order(self.shop, "2026-11-01")
        crafted = {
            "default_state": "sent",
            "default_sent_date": "2020-01-01 00:00:00",
            "default_order_id": order.id,
            "default_recorded_by_id": self.admin.id,
            "default_remote_addr": "203.0.113.9",
            "default_user_agent": "Forged/1.0",
            "default_user_id": self.admin.id,
            "default_token": "a-token-of-my-own-choice-123",
            "customer_lifecycle_satisfaction_event": True,
        }
        request = self.record(self.rep, context=crafted, source="shop")
        self.assertRecordValues(
            request,
            [
                {
                    "state": "answered",
                    "source": "shop",
                    "order_id": False,
                    "recorded_by_id": self.rep.id,
                }
            ],
        )
        self.assertNotEqual(request.sudo().token, "a-token-of-my-own-choice-123")
        self.assertNotEqual(request.sent_date.year, 2020)
        self.assertRecordValues(
            request.answer_ids,
            [{"source": "shop", "remote_addr": False, "user_agent": False, "user_id": self.rep.id}],
        )

    def test_sending_the_question_to_oneself_never_gives_a_rep_the_customer_s_link(self):
        # a lifecycle user reads the request, so Odoo lets them render and send its template:
        # the links must not come out, or the rep answers in the customer's name
        request = self.record(self.rep)
        template = self.env.ref("customer_lifecycle.mail_template_satisfaction_request")
        # Odoo reports the refusal inside the rendering as "Failed to render" (a UserError)
        with self.assertRaisesRegex(UserError, "Only lifecycle administrators can see"):
            template.with_user(self.rep).send_mail(
                request.id, email_values={"email_to": "rita@example.com", "recipient_ids": []}
            )
        self.assertFalse(self.env["mail.mail"].search([("email_to", "=", "rita@example.com")]))
        with self.assertRaisesRegex(AccessError, "Only lifecycle administrators can see"):
            request.with_user(self.rep)._survey_url(9)
        # an administrator sees the token on the request anyway
        token = request.sudo().token
        self.assertEqual(
            request.with_user(self.manager)._survey_url(9),
            f"{request.get_base_url()}/satisfaction/{token}/9",
        )

    def test_nobody_creates_changes_or_deletes_requests_and_answers_directly(self):
        request = self.record(self.rep)
        answer = request.answer_ids
        vals = {"partner_id": self.shop.id, "source": "phone"}
        for who in (self.rep, self.manager, self.admin):
            with self.subTest(who=who.login):
                with self.assertRaisesRegex(UserError, FORBIDDEN):
                    self.Request.with_user(who).create(vals)
                with self.assertRaisesRegex(UserError, FORBIDDEN):
                    request.with_user(who).write({"score": 10})
                with self.assertRaises(AccessError):
                    request.with_user(who).unlink()
                with self.assertRaisesRegex(UserError, "cannot be changed"):
                    answer.with_user(who).write({"remote_addr": "203.0.113.9"})
        # elevated rights, and the context key an attacker would guess, change nothing either
        for env in (self.env, self.env(su=True)):
            sneaky = env["customer.satisfaction.request"].with_context(
                customer_lifecycle_satisfaction_event=True
            )
            with self.assertRaisesRegex(UserError, FORBIDDEN):
                sneaky.create(vals)
            with self.assertRaisesRegex(UserError, FORBIDDEN):
                sneaky.browse(request.id).write({"score": 10})
            with self.assertRaisesRegex(UserError, FORBIDDEN):
                env["customer.satisfaction.answer"].create(
                    {"request_id": request.id, "score": 10, "source": "page"}
                )
            with self.assertRaisesRegex(UserError, "cannot be deleted"):
                sneaky.browse(request.id).unlink()
            with self.assertRaisesRegex(UserError, "cannot be changed"):
                env["customer.satisfaction.answer"].browse(answer.id).write({"score": 10})
        # answers stay unchangeable even inside an answering path
        with satisfaction_event(), self.assertRaisesRegex(UserError, "cannot be changed"):
            answer.sudo().write({"remote_addr": "203.0.113.9"})
        self.assertRecordValues(request, [{"score": 4}])
        self.assertRecordValues(answer, [{"score": 4, "remote_addr": False}])

    def test_who_may_record_and_read(self):
        self.record(self.rep)
        for who in (self.employee, self.portal, self.accountant):
            with self.subTest(who=who.login):
                with self.assertRaises(AccessError):
                    self.record(who)
                with self.assertRaises(AccessError):
                    self.Request.with_user(who).search_read([], ["score"])
                with self.assertRaises(AccessError):
                    self.Answer.with_user(who).search_read([], ["score"])
        with self.assertRaises(AccessError):
            self.employee.partner_id.with_user(self.employee).read(["lifecycle_satisfaction_score"])

    def test_another_company_s_rep_neither_reads_nor_records(self):
        request = self.record(self.rep)
        self.assertFalse(self.Request.with_user(self.outsider).search([]))
        self.assertFalse(self.Answer.with_user(self.outsider).search([]))
        with self.assertRaises(AccessError):
            request.with_user(self.outsider).read(["score"])
        with self.assertRaises(AccessError):
            self.record(self.outsider, partner=self.shop)
        self.assertEqual(len(self.Request.search([("partner_id", "=", self.shop.id)])), 1)

    def test_a_score_is_a_whole_number_from_0_to_10(self):
        with satisfaction_event():
            request = self.Request.create({"partner_id": self.contact.id, "source": "phone"})
        self.assertEqual(request.partner_id, self.shop, "the customer is the commercial entity")
        for score in (11, -1, 5.5, "7", True, None):
            with self.subTest(score=score):
                with self.assertRaisesRegex(
                    ValidationError, "A satisfaction score is a whole number from 0"
                ):
                    request._record_answer(score)
        self.assertFalse(request.answer_ids)
        with self.assertRaises(ValueError):
            self.Wizard.with_user(self.rep).create({"partner_id": self.shop.id, "score": "11"})

    def test_the_customer_shows_its_newest_answer_whatever_the_order_of_recording(self):
        with satisfaction_event():
            old, new = self.Request.create(
                [
                    {"partner_id": self.shop.id, "source": "email"},
                    {"partner_id": self.shop.id, "source": "email"},
                ]
            )
        new._record_answer(9, "Great", date=fields.Datetime.to_datetime("2026-11-20 10:00:00"))
        old._record_answer(3, "Bad", date=fields.Datetime.to_datetime("2026-10-01 10:00:00"))
        self.assertRecordValues(
            self.shop,
            [
                {
                    "lifecycle_satisfaction_score": 9,
                    "lifecycle_satisfaction_category": "promoter",
                    "lifecycle_satisfaction_comment": "Great",
                }
            ],
        )
        self.assertEqual(old.category, "detractor", "the older request keeps its own answer")

    def test_the_lifecycle_tab_shows_the_last_answer_and_the_button_to_lifecycle_users(self):
        self.record(self.rep, score="10", comment="Perfetto")
        for user, sees in ((self.rep, True), (self.employee, False), (self.accountant, False)):
            with self.subTest(user=user.login):
                Partner = self.Partner.with_user(user)
                arch = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertEqual('name="lifecycle_satisfaction_score"' in arch, sees)
                self.assertEqual("Record Satisfaction" in arch, sees)
                # the form opens, on the contact too
                form = Form(self.contact.with_user(user))
                self.assertEqual(form.name, "Paola Rossi")
        form = Form(self.shop.with_user(self.rep))
        self.assertEqual(form.lifecycle_satisfaction_score, 10)
        self.assertEqual(form.lifecycle_satisfaction_category, "promoter")
        self.assertEqual(form.lifecycle_satisfaction_comment, "Perfetto")

    def test_anonymising_forgets_comments_addresses_browsers_and_links(self):
        with satisfaction_event():
            request = self.Request.create({"partner_id": self.shop.id, "source": "email"})
        token = request.sudo().token
        request._record_answer(
            2,
            "Paola here, call me at home",
            {"source": "page", "remote_addr": "198.51.100.7", "user_agent": "Firefox/128"},
        )
        lookup = self.env["privacy.lookup.wizard"].create(
            {"name": "Ottica Rossi", "email": "ottica@example.com"}
        )
        self.shop.email = "ottica@example.com"
        lookup.action_lookup()
        found = lookup.line_ids.filtered(lambda line: line.res_model.startswith("customer.sat"))
        self.assertEqual(
            sorted((line.res_model, line.res_id) for line in found),
            [
                ("customer.satisfaction.answer", request.answer_ids.id),
                ("customer.satisfaction.request", request.id),
            ],
        )
        self.shop.with_user(self.manager).action_lifecycle_anonymise()
        self.assertRecordValues(request, [{"score": 2, "category": "detractor", "comment": False}])
        self.assertFalse(request.sudo().token)
        self.assertFalse(self.Request.sudo().search([("token", "=", token)]))
        self.assertRecordValues(
            request.answer_ids,
            [{"score": 2, "comment": False, "remote_addr": False, "user_agent": False}],
        )
        self.assertRecordValues(
            self.shop,
            [{"lifecycle_satisfaction_score": 2, "lifecycle_satisfaction_comment": False}],
        )
