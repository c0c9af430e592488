import json

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestGlanceUi(HttpCase):
    def test_a_salesperson_sees_the_customer_at_a_glance_above_the_tabs(self):
        """The line at the top of the form (issue 19), as a salesperson with "Own Documents
        Only", at 1366 px (HttpCase's browser size)."""
        rep = new_test_user(
            self.env,
            login="clc_tour_glance",
            password="clc_tour_glance",
            groups="sales_team.group_sale_salesman",
        )
        Product = self.env["product.product"]
        cut, blow_dry, shampoo = Product.create(
            [{"name": name} for name in ("Cut & Colour", "Blow-dry", "Shampoo")]
        )
        salon = self.env["res.partner"].create(
            {"name": "Glance Salon", "is_company": True, "user_id": rep.id}
        )

        def order(lines, when, confirm=True):
            with freeze_time(when):
                sale = self.env["sale.order"].create(
                    {
                        "partner_id": salon.id,
                        "user_id": rep.id,
                        "order_line": [
                            Command.create({"product_id": p.id, "price_unit": a, "tax_ids": []})
                            for p, a in lines
                        ],
                    }
                )
                if confirm:
                    sale.action_confirm()

        order([(shampoo, 20.0)], "2026-09-01 10:00:00")
        order([(shampoo, 20.0), (cut, 200.0), (blow_dry, 30.0)], "2026-11-12 10:00:00")
        order([(cut, 150.0)], "2026-11-20 10:00:00", confirm=False)
        order([(blow_dry, 50.0)], "2026-11-25 10:00:00", confirm=False)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": salon.id,
                "invoice_date": "2026-10-01",
                "invoice_date_due": "2026-10-31",
                "invoice_line_ids": [
                    Command.create({"name": "Cut", "price_unit": 300.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        self.env["customer.consent"].create(
            [
                {
                    "partner_id": salon.id,
                    "channel_id": self.env.ref(f"customer_lifecycle.consent_channel_{code}").id,
                    "state": state,
                }
                for code, state in (("email", "granted"), ("sms", "withdrawn"))
            ]
        )
        self.env["customer.special.date"].create(
            {"partner_id": salon.id, "kind": "birthday", "date": "1980-12-03"}
        )
        salon.flush_recordset()
        self.env.cr.execute(
            """UPDATE res_partner SET lifecycle_value_class = 'A',
                      lifecycle_satisfaction_score = 9,
                      lifecycle_satisfaction_category = 'promoter',
                      lifecycle_satisfaction_date = '2026-11-03 09:00:00'
                WHERE id = %s""",
            [salon.id],
        )
        self.start_tour(
            f"/odoo/contacts/{salon.id}", "customer_lifecycle_glance_tour", login=rep.login
        )
        self.assertEqual(salon.lifecycle_stage_id, self.env.ref("customer_lifecycle.stage_fan"))

    def test_an_anonymous_visitor_cannot_read_the_line(self):
        customer = self.env["res.partner"].create({"name": "Glance Anonymous", "is_company": True})
        response = self.url_open(
            "/web/dataset/call_kw/res.partner/get_lifecycle_glance",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "res.partner",
                        "method": "get_lifecycle_glance",
                        "args": [[customer.id]],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        error = response.json()["error"]
        self.assertEqual(error["data"]["name"], "odoo.http.SessionExpiredException")
        self.assertNotIn("result", response.json())
