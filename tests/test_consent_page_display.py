"""What the customer sees on their consent page (issue 15, point 13), over HTTP as an anonymous
visitor: the company's logo or name (never Odoo's placeholder), the `lang` attribute of their
language, which (partly hidden) address each channel means, a thank-you banner shown once after
a change and never from the URL, and a page of the addon with a way back on every path under
/consent, whatever the token, the method or the tail."""

import base64
import re

import requests

from odoo.tests import HttpCase, tagged
from odoo.tools import file_open, mute_logger
from odoo.tools.translate import TranslationModuleReader

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
THANKS = "Thank you: your choice is saved."
CONFIRMED = "Thank you: your email subscription is confirmed."
UNKNOWN = "This link does not work"


@tagged("post_install", "-at_install")
class TestConsentPageDisplay(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("it_IT", "pl_PL"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["customer_lifecycle"], ["it_IT", "pl_PL"])
        cls.company = cls.env.ref("base.main_company")
        cls.email = cls.env.ref("customer_lifecycle.consent_channel_email")
        cls.sms = cls.env.ref("customer_lifecycle.consent_channel_sms")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Giulia Rossi",
                "lang": "it_IT",
                "email": "giulia.rossi@example.com",
                "phone": "+39 02 1234 7890",
                "street": "Via Roma 12",
                "zip": "20121",
                "city": "Milano",
            }
        )
        cls.path = cls.page_path(cls.customer)

    @staticmethod
    def page_path(partner):
        return "/" + partner._lifecycle_consent_url().split("/", 3)[3]

    def open(self, path=None, **kwargs):
        return self.url_open(path or self.path, allow_redirects=False, **kwargs)

    def change(self, channel, choice, path=None):
        """Click Yes or No on the page as the visitor (same session), without following the
        redirect."""
        page = self.open(path)
        data = {"csrf_token": CSRF.search(page.text).group(1), "channel_id": str(channel.id)}
        return self.open(path, data={**data, "choice": choice}, method="POST")

    def assert_addon_page(self, response, status, title, lang, back=None):
        """A page of the addon (not Werkzeug's, not Odoo's generic one), in that language, with
        the way back to the customer's page."""
        self.assertEqual(response.status_code, status, response.text[:300])
        self.assertIn("o_lifecycle_consent_message", response.text)
        self.assertIn(title, response.text)
        self.assertIn(f'<html lang="{lang}"', response.text)
        if back:
            self.assertIn(f'href="{back}"', response.text)

    # -- The brand and the language ------------------------------------------------------------

    def test_the_company_name_stands_in_for_a_missing_logo_never_odoos_placeholder(self):
        self.assertTrue(self.company.uses_default_logo, "the test company has no logo of its own")
        page = self.open()
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("/logo.png", page.text)
        self.assertIn("o_lifecycle_consent_company", page.text)
        self.assertIn(f">{self.company.name}</div>", page.text)
        with file_open("base/static/img/partner_open_wood.png", "rb") as image:
            self.company.logo = base64.b64encode(image.read())
        self.assertFalse(self.company.uses_default_logo)
        page = self.open()
        self.assertIn(f'src="/logo.png?company={self.company.id}"', page.text)
        self.assertNotIn("o_lifecycle_consent_company", page.text)

    def test_the_page_carries_the_customers_language(self):
        for code, lang, words in (
            ("it_IT", "it-IT", "Le tue preferenze di contatto"),
            ("pl_PL", "pl-PL", "Twoje preferencje kontaktowe"),
            ("en_US", "en-US", "Your contact preferences"),
        ):
            with self.subTest(code):
                self.customer.lang = code
                page = self.open()
                self.assertIn(f'<html lang="{lang}"', page.text)
                self.assertIn(words, page.text)

    def test_the_new_words_of_the_page_are_translatable(self):
        reader = TranslationModuleReader(self.env.cr, modules=["customer_lifecycle"])
        terms = {row[4] for row in reader}
        for words in (
            "This link does not work",
            "The link is incomplete, or it was replaced by a newer one. Ask %(company)s for a "
            "new link to your contact preferences.",
            "Write to %(company)s",
            "Visit %(company)s",
            "Call %(company)s",
            "This page has expired",
            "Nothing was saved. Open your contact preferences again and make your choice.",
            "This page does not exist",
            "Open your contact preferences to see and change your choices.",
            "We have no address for you on this channel.",
            "Your addresses are partly hidden because this link may be forwarded.",
        ):
            with self.subTest(words):
                self.assertIn(words, terms)

    # -- Which address a channel means -----------------------------------------------------

    def test_each_channel_names_its_address_partly_hidden(self):
        # the channels' names in the customer's language (Italian)
        page = self.open().text
        addresses = re.findall(
            r'data-channel="([^"]+)"[^>]*>.*?o_lifecycle_consent_address">\s*([^<]*?)\s*<',
            page,
            re.S,
        )
        self.assertEqual(
            addresses,
            [
                ("E-mail", "g***@example.com"),
                ("SMS", "********7890"),
                ("Telefono", "********7890"),
                ("Posta", "V*** · 20121 Milano"),
            ],
        )
        for secret in ("giulia.rossi", "1234", "Roma 12"):
            self.assertNotIn(secret, page, "the link may be forwarded")

    def test_a_missing_address_is_said_so(self):
        self.customer.write({"lang": "en_US", "phone": False, "street": False, "city": False})
        page = self.open().text
        self.assertEqual(page.count("We have no address for you on this channel."), 3)
        self.assertIn("g***@example.com", page)

    # -- The thank-you banner ----------------------------------------------------------------

    def test_the_thank_you_shows_once_after_a_change_and_never_from_the_url(self):
        self.customer.lang = "en_US"
        for crafted in ("?done=granted", "?done=confirmed", "?done=pending"):
            with self.subTest(crafted):
                page = self.open(self.path + crafted).text
                self.assertNotIn("Thank you", page)
                self.assertNotIn("We sent you an email", page)
        response = self.change(self.sms, "withdraw")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(self.path), "no outcome in the URL")
        # another visitor (another session) opening the page now sees no banner
        other = requests.get(self.base_url() + self.path, timeout=10).text
        self.assertNotIn(THANKS, other)
        # a link preview's HEAD leaves it to the browser's GET
        self.assertEqual(self.open(method="HEAD").status_code, 200)
        self.assertIn(THANKS, self.open().text)
        self.assertNotIn(THANKS, self.open().text, "a reload does not repeat it")

    def test_the_thank_you_belongs_to_the_page_it_was_said_on(self):
        self.customer.lang = "en_US"
        other = self.env["res.partner"].create({"name": "Ada Nowak", "lang": "en_US"})
        self.change(self.sms, "withdraw")
        self.assertNotIn(THANKS, self.open(self.page_path(other)).text)
        self.assertIn(THANKS, self.open().text)

    def test_the_double_opt_in_confirmation_thanks_once(self):
        self.customer.lang = "en_US"
        self.company.lifecycle_consent_double_opt_in = True
        self.assertEqual(self.change(self.email, "grant").status_code, 303)
        self.assertIn("We sent you an email", self.open().text)
        pending = self.customer.lifecycle_consent_ids
        confirm = f"{self.path}/confirm/{pending.confirmation_code}"
        token = CSRF.search(self.open(confirm).text).group(1)
        response = self.open(confirm, data={"csrf_token": token}, method="POST")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(self.path))
        self.assertIn(CONFIRMED, self.open().text)
        self.assertNotIn(CONFIRMED, self.open().text)

    # -- Every path answers with the addon's page ------------------------------------------

    def test_no_token_or_a_wrong_one_is_a_404_of_the_addon_in_the_browsers_language(self):
        self.company.email = "hello@example.com"
        unknown = "/consent/made-up-token-0123456789abcdef"
        for path in ("/consent", "/consent/", unknown, "/consent/" + "A" * 5000, unknown + "/x"):
            with self.subTest(path):
                response = self.open(path)
                self.assert_addon_page(
                    response, 404, UNKNOWN, "en-US", back="mailto:hello@example.com"
                )
                self.assertIn("Write to", response.text)
        with mute_logger("odoo.http"):
            response = self.open(unknown, data={"choice": "grant"}, method="POST")
        self.assert_addon_page(response, 404, UNKNOWN, "en-US")
        # a Polish browser gets the Polish page, an Italian one the Italian page
        for accept, lang in (("pl-PL,pl;q=0.9,en;q=0.5", "pl-PL"), ("it", "it-IT")):
            with self.subTest(accept):
                response = self.open(unknown, headers={"Accept-Language": accept})
                self.assert_addon_page(response, 404, "o_lifecycle_consent_message", lang)
        # no e-mail: the company's website is the way back
        self.company.write({"email": False, "website": "https://shop.example.com"})
        response = self.open(unknown)
        self.assert_addon_page(response, 404, "Visit", "en-US", back="https://shop.example.com")
        self.company.write({"website": False, "phone": "+39 02 5550 1234"})
        response = self.open(unknown)
        self.assert_addon_page(response, 404, "Call", "en-US", back="tel:+390255501234")

    def test_other_paths_and_methods_of_a_customers_link_lead_back_to_their_page(self):
        self.customer.lang = "pl_PL"
        code = "c" * 22
        with mute_logger("odoo.http"):
            for method, path, status in (
                ("PUT", self.path, 405),
                ("DELETE", self.path, 405),
                ("PATCH", f"{self.path}/confirm/{code}", 405),
                ("GET", f"{self.path}/settings", 404),
                ("POST", f"{self.path}/settings", 404),
                ("GET", f"{self.path}/confirm/", 404),
                ("GET", f"{self.path}/confirm/{code}/more", 404),
            ):
                with self.subTest(method=method, path=path[-20:]):
                    response = self.open(path, method=method)
                    self.assertEqual(response.status_code, status)
                    self.assert_addon_page(
                        response, status, "o_lifecycle_consent_message", "pl-PL", back=self.path
                    )
                    if status == 405:
                        self.assertEqual(response.headers["Allow"], "GET, HEAD, POST")
        # Odoo's routing does not tell a trailing slash apart: the page itself
        response = self.open(self.path + "/")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_lifecycle_consent_page", response.text)
        self.assertFalse(self.customer.lifecycle_consent_ids, "nothing recorded")

    def test_a_change_without_a_valid_form_token_is_an_expired_page_that_saves_nothing(self):
        self.customer.lang = "en_US"
        data = {"channel_id": str(self.sms.id), "choice": "withdraw"}
        with mute_logger("odoo.addons.customer_lifecycle.controllers.consent_page"):
            for token in (None, "0" * 40 + "o9999999999"):
                with self.subTest(token=token):
                    payload = {**data, "csrf_token": token} if token else data
                    response = self.open(data=payload, method="POST")
                    self.assert_addon_page(
                        response, 400, "This page has expired", "en-US", back=self.path
                    )
        self.assertFalse(self.customer.lifecycle_consent_ids, "nothing recorded")
