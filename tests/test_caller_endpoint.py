"""The JSON endpoint a telephony integration calls on an incoming call, over real HTTP with real
Odoo API keys: a lifecycle user's key gets the customer (or several), a bad or missing key a
401, a key without lifecycle rights a 403, a number nobody has a 404, a number that reads as no
number a 400; a session cookie alone is refused unless the browser navigated to the URL."""

import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

ENDPOINT = "/customer_lifecycle/caller"


@tagged("post_install", "-at_install")
class TestCallerEndpoint(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.country_id = cls.env.ref("base.it")
        cls.rep = new_test_user(
            cls.env,
            login="clc_ep_rep",
            name="Sofia Salesperson",
            groups="sales_team.group_sale_salesman",
        )
        cls.employee = new_test_user(cls.env, login="clc_ep_employee", groups="base.group_user")
        cls.portal = new_test_user(cls.env, login="clc_ep_portal", groups="base.group_portal")
        company_b = cls.env["res.company"].create({"name": "Bottega B"})
        cls.rep_b = new_test_user(
            cls.env,
            login="clc_ep_rep_b",
            groups="sales_team.group_sale_salesman",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        cls.trattoria = cls.env["res.partner"].create(
            {
                "name": "Trattoria Milano",
                "is_company": True,
                "phone": "+39 02 1234 5678",
                "user_id": cls.rep.id,
                "company_id": cls.company.id,
            }
        )
        cls.env["res.partner"].create(
            {"name": "Gino Rossi", "parent_id": cls.trattoria.id, "phone": "333 123 4567"}
        )
        cls.trattoria.sudo().lifecycle_value_class = "A"
        cls.keys = {
            user.login: cls.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(None, "phone system", None)
            for user in (cls.rep, cls.employee, cls.portal, cls.rep_b)
        }

    def call(self, query, login="clc_ep_rep", key=None, headers=None):
        key = key if key is not None else self.keys[login]
        headers = {**({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
        return self.url_open(f"{ENDPOINT}?{query}", headers=headers, allow_redirects=False)

    def customer_json(self, partner):
        return {
            "id": partner.id,
            "name": partner.name,
            "stage": partner.lifecycle_stage_id.name,
            "stage_code": partner.lifecycle_stage_id.code,
            "value_class": partner.lifecycle_value_class or None,
            "salesperson": partner.user_id.name or None,
            "url": f"{self.base_url()}/odoo/lifecycle-funnel/{partner.id}",
        }

    def test_a_lifecycle_users_key_gets_the_customer_from_any_format(self):
        self.assertEqual(self.trattoria.lifecycle_stage_id.code, "potential")
        expected = {
            "number": "+390212345678",
            "count": 1,
            "customers": [
                {
                    "id": self.trattoria.id,
                    "name": "Trattoria Milano",
                    "stage": "Potential",
                    "stage_code": "potential",
                    "value_class": "A",
                    "salesperson": "Sofia Salesperson",
                    "url": f"{self.base_url()}/odoo/lifecycle-funnel/{self.trattoria.id}",
                }
            ],
        }
        for query in (
            "number=+390212345678",  # the "+" as a phone system writes it
            "number=%2B39%2002%201234%205678",
            "number=%2B39+02+1234+5678",  # spaces written as "+"
            "number=0039021234+5678",
            "number=02-1234-5678",
            "number=390212345678",
        ):
            with self.subTest(query=query):
                response = self.call(query)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(
                    response.headers["Content-Type"], "application/json; charset=utf-8"
                )
                self.assertEqual(response.json(), expected)
        # a contact's number gives its company
        response = self.call("number=333+123+4567")
        self.assertEqual(response.json()["number"], "+393331234567")
        self.assertEqual(response.json()["customers"][0]["id"], self.trattoria.id)

    def test_a_raw_plus_is_the_international_prefix(self):
        # +36 82 034 176 is Hungarian; the same digits dialled in Italy are an Italian mobile.
        # A "+" read as a space (form decoding) would give the Italian customer.
        Partner = self.env["res.partner"]
        italian = Partner.create({"name": "Mobile Italiano", "phone": "368 203 4176"})
        hungarian = Partner.create({"name": "Magyar Ügyfél", "phone": "+36 82 034 176"})
        response = self.call("number=+3682034176")
        self.assertEqual(response.json()["customers"], [self.customer_json(hungarian)])
        response = self.call("number=3682034176")
        self.assertEqual(response.json()["customers"], [self.customer_json(italian)])

    def test_several_customers_are_a_list(self):
        Partner = self.env["res.partner"]
        bar = Partner.create({"name": "Bar Centrale", "phone": "+39 051 555 0101"})
        bar_srl = Partner.create(
            {"name": "Bar Centrale Srl", "is_company": True, "phone": "051 555 0101"}
        )
        response = self.call("number=%2B390515550101")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "number": "+390515550101",
                "count": 2,
                "customers": [self.customer_json(bar), self.customer_json(bar_srl)],
            },
        )

    def test_an_unknown_number_is_a_404(self):
        response = self.call("number=02+9999+0000")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            response.json(),
            {
                "error": "not_found",
                "message": "No customer you may see has the number +390299990000.",
                "number": "+390299990000",
            },
        )

    def test_a_missing_or_unreadable_number_is_a_400(self):
        for query, code, message in (
            ("", "missing_number", "Give the caller's number as ?number=..."),
            ("number=", "missing_number", "Give the caller's number as ?number=..."),
            ("number=anonymous", "bad_number", '"anonymous" is not a phone number'),
            ("number=600+100+200", "bad_number", "No phone number can be read"),
            ("number=%ZZ12", "bad_number", "is not a phone number"),
        ):
            with self.subTest(query=query):
                response = self.call(query)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.json()["error"], code)
                self.assertIn(message, response.json()["message"])

    def test_a_bad_or_missing_key_is_a_401(self):
        for key in ("not-a-key", self.keys["clc_ep_rep"][:-1] + "x", ""):
            with self.subTest(key=key):
                response = self.call("number=02+1234+5678", key=key)
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.headers["WWW-Authenticate"], "Bearer ")
                self.assertNotIn("Trattoria", response.text)
        # a revoked key
        self.env["res.users.apikeys"].search([("user_id", "=", self.rep.id)]).unlink()
        response = self.call("number=02+1234+5678")
        self.assertEqual(response.status_code, 401)

    def test_a_key_without_lifecycle_rights_is_a_403(self):
        for login in ("clc_ep_employee", "clc_ep_portal"):
            with self.subTest(login=login):
                response = self.call("number=02+1234+5678", login=login)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(
                    response.json(),
                    {
                        "error": "forbidden",
                        "message": "Only Customer Lifecycle users may look up callers: use the "
                        "API key of a user in the Customer Lifecycle / User group.",
                    },
                )

    def test_a_user_of_another_company_finds_nothing_here(self):
        response = self.call("number=%2B390212345678", login="clc_ep_rep_b")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Trattoria", response.text)

    def test_a_session_cookie_alone_is_refused_unless_the_browser_navigates(self):
        # Odoo's bearer authentication falls back to the session only for a page the user
        # opens (Sec-Fetch headers of a top-level navigation), never for a script's request
        self.authenticate("clc_ep_rep", "clc_ep_rep")
        response = self.call("number=02+1234+5678", key="")
        self.assertEqual(response.status_code, 401)
        navigate = {
            "Sec-Fetch-Dest": "document",
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Site": "none",
            "Sec-Fetch-User": "?1",
        }
        response = self.call("number=02+1234+5678", key="", headers=navigate)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 1)
        # another site cannot make the browser navigate there with the cookie
        response = self.call(
            "number=02+1234+5678", key="", headers={**navigate, "Sec-Fetch-Site": "cross-site"}
        )
        self.assertEqual(response.status_code, 401)
        # a key of another user beside the session is refused
        response = self.call("number=02+1234+5678", login="clc_ep_employee")
        self.assertEqual(response.status_code, 403)

    def test_only_get(self):
        response = self.url_open(
            f"{ENDPOINT}?number=02+1234+5678",
            data=json.dumps({}),
            headers={"Authorization": f"Bearer {self.keys['clc_ep_rep']}"},
            method="POST",
        )
        self.assertEqual(response.status_code, 405)
