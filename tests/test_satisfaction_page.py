"""The satisfaction page over HTTP, as an anonymous visitor: one click records the score with the
request as proof, another click changes it (every click kept), a comment is a POST with a CSRF
token, bad links and scores are 404/400 pages of the addon, answers are rate-limited and close
after ANSWER_DAYS, and a link opens nothing but its own question."""

import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.customer_lifecycle.models.customer_satisfaction_request import (
    satisfaction_event,
)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_LOGGER = "odoo.addons.customer_lifecycle.controllers.satisfaction_page"


@tagged("post_install", "-at_install")
class TestSatisfactionPage(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["customer.satisfaction.request"]
        cls.customer = cls.env["res.partner"].create(
            {"name": "Marta Zielińska", "email": "marta@example.com"}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Oskar Other", "email": "oskar@example.com"}
        )
        with satisfaction_event():
            cls.request = cls.Request.create({"partner_id": cls.customer.id})
            cls.other_request = cls.Request.create({"partner_id": cls.other.id})
        cls.path = f"/satisfaction/{cls.request.sudo().token}"

    def click(self, score, path=None, method="GET"):
        return self.url_open(f"{path or self.path}/{score}", allow_redirects=False, method=method)

    def answers(self, request=None):
        request = request or self.request
        request.invalidate_recordset()
        return request.answer_ids.sorted("id")

    def test_one_click_records_the_score_with_the_request_as_proof(self):
        response = self.click(3)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers["Location"].rsplit("/", 1)[1], self.request.sudo().token)
        self.assertRecordValues(
            self.answers(),
            [
                {
                    "score": 3,
                    "category": "detractor",
                    "source": "page",
                    "remote_addr": "127.0.0.1",
                    "user_id": False,
                    "comment": False,
                }
            ],
        )
        self.assertIn("python-requests", self.answers().user_agent)
        self.assertRecordValues(
            self.request, [{"state": "answered", "score": 3, "category": "detractor"}]
        )
        self.assertRecordValues(
            self.customer,
            [{"lifecycle_satisfaction_score": 3, "lifecycle_satisfaction_category": "detractor"}],
        )
        # the thank-you page shows the answer and offers the comment
        page = self.url_open(self.path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Thank you!", page.text)
        self.assertIn('name="comment"', page.text)
        self.assertIn('data-score="3"', page.text)

    def test_a_second_click_changes_the_score_and_keeps_the_history(self):
        self.assertEqual(self.click(3).status_code, 303)
        self.assertEqual(self.click(10).status_code, 303)
        self.assertEqual(self.answers().mapped("score"), [3, 10])
        self.assertRecordValues(
            self.request, [{"score": 10, "category": "promoter", "nps_points": 100}]
        )
        self.assertEqual(self.customer.lifecycle_satisfaction_category, "promoter")

    def test_a_link_preview_head_records_nothing(self):
        response = self.click(0, method="HEAD")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.answers())
        self.assertEqual(self.request.state, "sent")

    def test_wrong_links_and_scores_are_pages_of_the_addon(self):
        cases = {
            "made-up token": ("/satisfaction/" + "x" * 32 + "/5", 404),
            "short token": ("/satisfaction/abc/5", 404),
            "no token": ("/satisfaction", 404),
            "score 11": (f"{self.path}/11", 400),
            "score 010": (f"{self.path}/010", 400),
            "negative score": (f"{self.path}/-1", 400),
            "score as a word": (f"{self.path}/ten", 400),
            "something after the score": (f"{self.path}/5/again", 404),
        }
        for name, (url, status) in cases.items():
            with self.subTest(name):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, status)
                self.assertIn("o_lifecycle_satisfaction_message", response.text)
        self.assertFalse(self.answers(), "nothing recorded")

    def test_a_comment_needs_the_form_s_csrf_token(self):
        self.click(6)
        token = CSRF.search(self.url_open(self.path).text).group(1)
        with mute_logger(PAGE_LOGGER):
            refused = self.url_open(
                self.path, data={"comment": "Slow delivery"}, allow_redirects=False
            )
            forged = self.url_open(
                self.path,
                data={"comment": "Slow delivery", "csrf_token": "0" * 40 + "o9999999999"},
                allow_redirects=False,
            )
        self.assertEqual((refused.status_code, forged.status_code), (400, 400))
        self.assertEqual(len(self.answers()), 1, "nothing saved without the form's token")
        response = self.url_open(
            self.path,
            data={"comment": "  Slow delivery  ", "csrf_token": token},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            [(a.score, a.comment) for a in self.answers()], [(6, False), (6, "Slow delivery")]
        )
        self.assertRecordValues(self.request, [{"score": 6, "comment": "Slow delivery"}])
        self.assertEqual(self.customer.lifecycle_satisfaction_comment, "Slow delivery")
        self.assertIn("your comment is saved", self.url_open(self.path).text)
        # a new score without a comment keeps the comment
        self.click(8)
        self.assertRecordValues(self.request, [{"score": 8, "comment": "Slow delivery"}])

    def test_answers_are_rate_limited_per_link(self):
        for score in range(10):
            self.assertEqual(self.click(score).status_code, 303)
        response = self.click(10)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(len(self.answers()), 10)
        self.assertEqual(self.request.score, 9)
        self.assertEqual(
            self.click(1, path=f"/satisfaction/{self.other_request.sudo().token}").status_code,
            303,
            "other links are not limited",
        )

    def test_a_question_closes_after_the_answer_period(self):
        with satisfaction_event():
            self.request.sent_date = fields.Datetime.now() - timedelta(days=31)
        response = self.click(7)
        self.assertEqual(response.status_code, 410)
        self.assertIn("This question is closed", response.text)
        self.assertFalse(self.answers())
        with satisfaction_event():
            self.request.sent_date = fields.Datetime.now() - timedelta(days=29)
        self.assertEqual(self.click(7).status_code, 303)

    def test_a_link_opens_its_own_question_only(self):
        self.click(2)
        page = self.url_open(self.path).text
        self.assertNotIn("marta@example.com", page)
        self.assertNotIn("Oskar", page)
        self.assertNotIn(self.other_request.sudo().token, page)
        self.assertEqual(self.other_request.state, "sent")
        public = self.env.ref("base.public_user")
        for model in ("customer.satisfaction.request", "customer.satisfaction.answer"):
            with self.subTest(model), self.assertRaises(AccessError):
                self.env[model].with_user(public).search_read([], ["score"])

    def test_the_page_speaks_the_customer_s_language_under_the_company_s_name(self):
        self.env["res.lang"]._activate_lang("pl_PL")
        self.customer.lang = "pl_PL"
        self.click(9)
        page = self.url_open(self.path)
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="pl-PL"', page.text)
        self.assertIn(self.env.company.name, page.text)
        closed = self.url_open("/satisfaction/" + "x" * 32)
        self.assertEqual(closed.status_code, 404)
        self.assertIn('lang="en-US"', closed.text, "an unknown link: the visitor's language")
