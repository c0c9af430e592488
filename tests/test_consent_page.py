"""The customer's consent page over HTTP, as an anonymous visitor: bad input is a 400 or 404
page and never a 500, changes are POSTs with a CSRF token and rate-limited from the log, the
double opt-in link confirms only on a button press, and behind a reverse proxy the client's
address is the proof."""

import re
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import config, mute_logger

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGE_LOGGER = "odoo.addons.customer_lifecycle.controllers.consent_page"


@tagged("post_install", "-at_install")
class TestConsentPage(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Consent = cls.env["customer.consent"]
        cls.email = cls.env.ref("customer_lifecycle.consent_channel_email")
        cls.sms = cls.env.ref("customer_lifecycle.consent_channel_sms")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Marta Zielińska", "email": "marta@example.com", "phone": "+48600100200"}
        )
        cls.path = "/" + cls.customer._lifecycle_consent_url().split("/", 3)[3]

    def csrf(self, path=None):
        """Open the page as the visitor and read the CSRF token of its forms."""
        response = self.url_open(path or self.path)
        self.assertEqual(response.status_code, 200)
        return CSRF.search(response.text).group(1)

    def post(self, data, path=None, csrf=True, **kwargs):
        if csrf is True:
            data = {"csrf_token": self.csrf(), **data}
        return self.url_open(
            path or self.path, data=data, allow_redirects=False, method="POST", **kwargs
        )

    def log(self):
        self.customer.invalidate_recordset()
        return self.customer.lifecycle_consent_ids.sorted("id")

    def test_an_anonymous_visitor_withdraws_and_the_server_records_the_proof(self):
        response = self.post({"channel_id": str(self.sms.id), "choice": "withdraw"})
        self.assertEqual(response.status_code, 303)
        self.assertRecordValues(
            self.log(),
            [
                {
                    "channel_id": self.sms.id,
                    "state": "withdrawn",
                    "source": "web_form",
                    "remote_addr": "127.0.0.1",
                    "user_id": False,
                }
            ],
        )
        self.assertIn("python-requests", self.log().user_agent)
        number = self.env["phone.blacklist"].with_context(active_test=False)
        rows = number.search([("number", "=", "+48600100200")])
        self.assertEqual([(r.number, r.active) for r in rows], [("+48600100200", True)])

    def test_malformed_input_is_a_400_or_404_never_a_500(self):
        token = CSRF.search(self.url_open(self.path).text).group(1)
        cases = {
            "non-numeric channel": ({"channel_id": "email", "choice": "grant"}, 400),
            "negative channel": ({"channel_id": "-1", "choice": "grant"}, 400),
            "channel beyond an integer": ({"channel_id": "9" * 30, "choice": "grant"}, 400),
            "missing channel": ({"choice": "grant"}, 400),
            "wrong choice": ({"channel_id": str(self.email.id), "choice": "maybe"}, 400),
            "unknown channel": ({"channel_id": "999999", "choice": "grant"}, 404),
        }
        for name, (data, status) in cases.items():
            with self.subTest(name):
                response = self.post({"csrf_token": token, **data}, csrf=False)
                self.assertEqual(response.status_code, status)
                # a page of the addon in the customer's words, with the way back to their page
                self.assertIn("This choice is not on your page", response.text)
                self.assertIn(f'href="{self.path}"', response.text)
        with mute_logger(PAGE_LOGGER):
            data = {"channel_id": str(self.email.id), "choice": "grant"}
            self.assertEqual(self.post(data, csrf=False).status_code, 400, "no CSRF token")
            wrong = {**data, "csrf_token": "0" * 40 + "o9999999999"}
            self.assertEqual(self.post(wrong, csrf=False).status_code, 400, "wrong token")
        overlong = "/consent/" + "A" * 5000
        self.assertEqual(self.url_open(overlong).status_code, 404)
        self.assertEqual(
            self.post({"csrf_token": token}, path=overlong, csrf=False).status_code, 404
        )
        self.assertEqual(self.url_open(self.path + "/confirm/" + "c" * 5000).status_code, 404)
        self.assertFalse(self.log(), "nothing recorded")

    def test_changes_are_rate_limited_per_link_from_the_log(self):
        token = self.csrf()
        choices = ["withdraw", "grant"] * 5
        for choice in choices:
            data = {"csrf_token": token, "channel_id": str(self.sms.id), "choice": choice}
            self.assertEqual(self.post(data, csrf=False).status_code, 303)
        data = {"csrf_token": token, "channel_id": str(self.sms.id), "choice": "withdraw"}
        response = self.post(data, csrf=False)
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many changes", response.text)
        self.assertEqual(len(self.log()), 10, "nothing recorded over the limit")
        self.assertEqual(self.log()[-1].state, "granted")

    def test_one_confirmation_email_per_channel_and_hour(self):
        self.env.company.lifecycle_consent_double_opt_in = True
        data = {"channel_id": str(self.email.id), "choice": "grant"}
        self.assertEqual(self.post(data).status_code, 303)
        self.assertEqual(self.post(data).status_code, 429)
        mails = self.env["mail.mail"].search([("email_to", "=", "marta@example.com")])
        self.assertEqual(len(mails), 1)
        self.assertEqual(self.log().mapped("state"), ["pending"])

    def test_double_opt_in_confirms_on_the_button_only_once(self):
        self.env.company.lifecycle_consent_double_opt_in = True
        self.post({"channel_id": str(self.email.id), "choice": "grant"})
        pending = self.log()
        self.assertEqual(pending.state, "pending")
        confirm = f"{self.path}/confirm/{pending.confirmation_code}"
        mail = self.env["mail.mail"].search([("email_to", "=", "marta@example.com")])
        self.assertIn(confirm, mail.body_html)
        # a mail scanner's GET or HEAD shows the button and confirms nothing
        page = self.url_open(confirm)
        self.assertEqual(page.status_code, 200)
        self.assertIn('type="submit"', page.text)
        self.assertEqual(self.url_open(confirm, method="HEAD").status_code, 200)
        self.assertEqual(self.log().mapped("state"), ["pending"])
        with mute_logger(PAGE_LOGGER):
            self.assertEqual(self.post({}, path=confirm, csrf=False).status_code, 400)
        self.assertEqual(self.url_open(f"{self.path}/confirm/not-the-code").status_code, 404)
        token = CSRF.search(page.text).group(1)
        response = self.post({"csrf_token": token}, path=confirm, csrf=False)
        self.assertEqual(response.status_code, 303)
        self.assertRecordValues(
            self.log()[-1], [{"state": "granted", "source": "web_form", "remote_addr": "127.0.0.1"}]
        )
        # used: a plain page with a 404 status, on GET and POST
        self.assertEqual(self.url_open(confirm).status_code, 404)
        again = self.post({"csrf_token": token}, path=confirm, csrf=False)
        self.assertEqual(again.status_code, 404)
        self.assertIn("no longer works", again.text)
        self.assertIn(f'href="{self.path}"', again.text)
        self.assertEqual(self.log().mapped("state"), ["pending", "granted"])

    def test_a_later_withdrawal_kills_the_confirmation_link(self):
        self.env.company.lifecycle_consent_double_opt_in = True
        self.post({"channel_id": str(self.email.id), "choice": "grant"})
        confirm = f"{self.path}/confirm/{self.log().confirmation_code}"
        self.post({"channel_id": str(self.email.id), "choice": "withdraw"})
        self.assertEqual(self.url_open(confirm).status_code, 404)
        self.assertEqual(self.log().mapped("state"), ["pending", "withdrawn"])

    def test_behind_a_proxy_the_forwarded_client_address_is_recorded(self):
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "shop.example.com"}
        data = {"channel_id": str(self.sms.id), "choice": "withdraw"}
        # without proxy_mode a client cannot choose its address by sending the header
        self.post(data, headers=headers)
        with patch.dict(config._runtime_options, {"proxy_mode": True}):
            token = CSRF.search(self.url_open(self.path, headers=headers).text).group(1)
            self.post({**data, "choice": "grant", "csrf_token": token}, csrf=False, headers=headers)
        self.assertEqual(self.log().mapped("remote_addr"), ["127.0.0.1", "203.0.113.9"])

    def test_anonymising_the_customer_kills_its_link(self):
        self.assertEqual(self.url_open(self.path).status_code, 200)
        self.customer.action_lifecycle_anonymise()
        self.assertEqual(self.url_open(self.path).status_code, 404)
