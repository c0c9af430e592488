"""The address a phone system opens on an incoming call, /odoo/caller?number=..., in the browser:
the customer's form with the line that says who this is, a list when several customers share
the number, a new contact with the number filled in when nobody has it; and, not logged in,
Odoo's login page and then back to the caller."""

import re
from urllib.parse import parse_qs, urlsplit

from odoo.tests import HttpCase, new_test_user, tagged

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestCallerUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.main_company").country_id = cls.env.ref("base.it")
        cls.rep = new_test_user(
            cls.env,
            login="clc_caller_tour_rep",
            password="clc_caller_tour_rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.Partner = cls.env["res.partner"]

    def test_the_caller_lands_on_the_customers_form_with_the_summary_line(self):
        bistro = self.Partner.create({"name": "Budapesti Bisztró", "is_company": True})
        self.Partner.create(
            {"name": "Kovács Anna", "parent_id": bistro.id, "phone": "+36 82 034 176"}
        )
        # the same digits dialled in Italy: an Italian mobile, someone else
        self.Partner.create({"name": "Mobile Italiano", "phone": "368 203 4176"})
        bistro._lifecycle_move(
            self.env.ref("customer_lifecycle.stage_buyer"), trigger="order", automatic=True
        )
        bistro.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_value_class = 'A' WHERE id = %s", [bistro.id]
        )
        # the caller ID as a phone system writes it: a raw "+", which form decoding reads as a
        # space and the router casts away with the number
        self.start_tour(
            "/odoo/caller?number=+3682034176",
            "customer_lifecycle_caller_tour",
            login=self.rep.login,
        )

    def test_several_customers_are_listed(self):
        self.Partner.create(
            [
                {"name": "Bar Centrale", "phone": "+39 051 555 0101"},
                {"name": "Bar Centrale Srl", "is_company": True, "phone": "051 555 0101"},
            ]
        )
        self.start_tour(
            "/odoo/caller?number=051-555-0101",
            "customer_lifecycle_caller_list_tour",
            login=self.rep.login,
        )

    def test_an_unknown_caller_becomes_a_new_contact(self):
        self.start_tour(
            "/odoo/caller?number=0048601234567",
            "customer_lifecycle_caller_new_tour",
            login="admin",
        )
        jan = self.Partner.search([("name", "=", "Jan Kowalski")])
        self.assertRecordValues(
            jan,
            [
                {
                    "phone": "+48 601 234 567",
                    "phone_sanitized": "+48601234567",
                    "country_id": self.env.ref("base.pl").id,
                }
            ],
        )

    def test_not_logged_in_the_login_page_leads_back_to_the_caller(self):
        response = self.url_open("/odoo/caller?number=+393331234567", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual(location.path, "/web/login")
        redirect = parse_qs(location.query)["redirect"][0]
        self.assertEqual(redirect, "/odoo/caller?number=+393331234567")
        # the login form sends the visitor back there, "+" and all
        page = self.url_open(f"/web/login?{location.query}")
        response = self.url_open(
            "/web/login",
            data={
                "login": self.rep.login,
                "password": self.rep.login,
                "redirect": redirect,
                "csrf_token": CSRF.search(page.text).group(1),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers["Location"], "/odoo/caller?number=+393331234567")
