from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLifecycleUi(HttpCase):
    def test_sales_manager_renames_a_stage_in_the_browser(self):
        new_test_user(
            self.env,
            login="clc_tour_manager",
            password="clc_tour_manager",
            groups="sales_team.group_sale_manager",
        )
        self.start_tour("/odoo", "customer_lifecycle_stage_tour", login="clc_tour_manager")
        self.assertEqual(self.env.ref("customer_lifecycle.stage_buyer").name, "First purchase")

    def test_a_salesperson_works_the_funnel_in_the_browser(self):
        salesperson = new_test_user(
            self.env,
            login="clc_tour_salesperson",
            password="clc_tour_salesperson",
            groups="sales_team.group_sale_salesman",
        )
        Partner = self.env["res.partner"]
        buyer = self.env.ref("customer_lifecycle.stage_buyer")
        one, two = Partner.create(
            [
                {"name": "Tour Buyer One", "is_company": True, "user_id": salesperson.id},
                {"name": "Tour Buyer Two", "is_company": True, "user_id": salesperson.id},
            ]
        )
        (one | two)._lifecycle_move(buyer, trigger="order", automatic=True)
        # The first one was lost last year and is back: its move from Lost is this quarter's.
        self.env["customer.lifecycle.history"].create(
            {
                "partner_id": one.id,
                "stage_from_id": self.env.ref("customer_lifecycle.stage_lost").id,
                "stage_to_id": buyer.id,
                "trigger": "order",
            }
        )
        one.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_health = 'overdue' WHERE id = %s", [one.id]
        )
        self.start_tour("/odoo", "customer_lifecycle_funnel_tour", login="clc_tour_salesperson")

        self.env.invalidate_all()
        self.assertEqual(one.lifecycle_stage_id.code, "customer")
        self.assertEqual(one.lifecycle_history_ids[0].user_id, salesperson)
        self.assertEqual(two.lifecycle_stage_id.code, "lost")
        self.assertEqual(
            two.lifecycle_lost_reason_id,
            self.env.ref("customer_lifecycle.lost_reason_competitor"),
        )

    def test_an_accountant_reads_customer_value_on_invoices_and_in_the_analysis(self):
        new_test_user(
            self.env,
            login="clc_tour_accountant",
            password="clc_tour_accountant",
            groups="account.group_account_invoice",
        )
        product = self.env["product.product"].create({"name": "Tour beans", "list_price": 1.0})
        Order = self.env["sale.order"]
        for name, amount in [("Tour Largest", 5000.0), ("Tour Second", 3000.0)] + [
            (f"Tour Small {n}", 250.0) for n in range(8)
        ]:
            order = Order.create(
                {
                    "partner_id": self.env["res.partner"].create({"name": name}).id,
                    "order_line": [
                        (0, 0, {"product_id": product.id, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            order.action_confirm()
        largest = self.env["res.partner"].search([("name", "=", "Tour Largest")])
        # a partial invoice of the largest customer's order: that order, no purchase of its own
        invoice = largest.sale_order_ids._create_invoices()
        invoice.write({"invoice_date": "2026-01-05", "invoice_date_due": "2026-02-04"})
        invoice.invoice_line_ids.price_unit = 700.0
        invoice.action_post()
        self.env["customer.lifecycle.engine"]._recompute_all(in_transaction=True)
        self.start_tour("/odoo", "customer_lifecycle_value_tour", login="clc_tour_accountant")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "customer_lifecycle_invoice_tour",
            login="clc_tour_accountant",
        )

    def test_a_customer_changes_its_consent_on_its_own_page(self):
        customer = self.env["res.partner"].create(
            {"name": "Marta Zielińska", "email": "marta@example.com", "phone": "+48 600 100 200"}
        )
        sms = self.env.ref("customer_lifecycle.consent_channel_sms")
        self.env["customer.consent"].create(
            {"partner_id": customer.id, "channel_id": sms.id, "state": "granted"}
        )
        url = customer._lifecycle_consent_url()
        path = url.split("/", 3)[3]
        self.start_tour(f"/{path}", "customer_lifecycle_consent_page_tour")
        log = customer.lifecycle_consent_ids.filtered(lambda c: c.source == "web_form")
        self.assertEqual(
            sorted((c.channel_id.code, c.state) for c in log),
            [("email", "granted"), ("sms", "withdrawn")],
        )
        self.assertEqual(set(log.mapped("remote_addr")), {"127.0.0.1"})
        self.assertTrue(all("Chrome" in agent for agent in log.mapped("user_agent")))
        self.assertTrue(customer.phone_sanitized_blacklisted, "SMS withdrawn: number blacklisted")

    def test_a_wrong_or_revoked_consent_link_is_a_plain_404(self):
        customer = self.env["res.partner"].create({"name": "Luca Ferri"})
        old = customer._lifecycle_consent_url().split("/", 3)[3]
        self.assertEqual(self.url_open(f"/{old}").status_code, 200)
        self.assertIn("Luca Ferri", self.url_open(f"/{old}").text)
        customer._lifecycle_consent_url(renew=True)
        self.assertEqual(self.url_open(f"/{old}").status_code, 404)
        self.assertEqual(self.url_open("/consent/made-up-token-0123456789abcdef").status_code, 404)

    def test_double_opt_in_keeps_email_pending_until_confirm_is_pressed(self):
        self.env.company.lifecycle_consent_double_opt_in = True
        customer = self.env["res.partner"].create({"name": "Anna Lis", "email": "anna@example.com"})
        email = self.env.ref("customer_lifecycle.consent_channel_email")
        url = customer._lifecycle_consent_url()
        Consent = self.env["customer.consent"]
        outcome = Consent._record_from_page(customer, email.id, "grant", "10.0.0.7", "Firefox")
        self.assertEqual(outcome, "pending")
        pending = customer.lifecycle_consent_ids
        mail = self.env["mail.mail"].search([("email_to", "=", "anna@example.com")])
        self.assertIn(pending.confirmation_code, mail.body_html)
        path = url.split("/", 3)[3]
        self.assertEqual(self.url_open(f"/{path}/confirm/not-the-code").status_code, 404)
        # the link shows a Confirm button (a GET confirms nothing: tests/test_consent_page.py)
        self.start_tour(
            f"/{path}/confirm/{pending.confirmation_code}",
            "customer_lifecycle_consent_confirm_tour",
        )
        customer.invalidate_recordset()
        newest = customer.lifecycle_consent_ids.sorted("id")[-1]
        self.assertEqual(
            (newest.state, newest.source, newest.remote_addr), ("granted", "web_form", "127.0.0.1")
        )

    def test_a_salesperson_without_contact_rights_keeps_a_profile_in_the_browser(self):
        rep = new_test_user(
            self.env,
            login="clc_tour_rep",
            password="clc_tour_rep",
            groups="sales_team.group_sale_salesman",
        )
        self.assertFalse(self.env["res.partner"].with_user(rep).has_access("write"))
        customer = self.env["res.partner"].create({"name": "Trattoria Tour", "is_company": True})
        self.start_tour(
            f"/odoo/contacts/{customer.id}", "customer_lifecycle_profile_tour", login="clc_tour_rep"
        )
        self.assertEqual(customer.lifecycle_turnover_band, "2m_10m")
        self.assertEqual(customer.lifecycle_expectations, "Fresh produce every Friday")
        special = customer.lifecycle_special_date_ids
        self.assertEqual((special.kind, str(special.date)), ("company", "2015-05-14"))
        self.assertEqual(customer.name, "Trattoria Tour")

    # -- The rep's day (issue 15): the statusbar's guidance, the stale filter, no payment yet --

    def _rep_day_salesperson(self):
        """A salesperson with "Own Documents Only", no right to edit contacts."""
        rep = new_test_user(
            self.env,
            login="clc_tour_own_docs",
            password="clc_tour_own_docs",
            groups="sales_team.group_sale_salesman",
        )
        self.assertFalse(rep.has_group("sales_team.group_sale_salesman_all_leads"))
        return rep

    def test_the_guidance_follows_a_statusbar_move_in_the_browser(self):
        rep = self._rep_day_salesperson()
        customer = self.env["res.partner"].create(
            {"name": "Tour Statusbar Buyer", "is_company": True, "user_id": rep.id}
        )
        customer._lifecycle_move(
            self.env.ref("customer_lifecycle.stage_buyer"), trigger="order", automatic=True
        )
        self.start_tour(
            f"/odoo/contacts/{customer.id}",
            "customer_lifecycle_statusbar_guidance_tour",
            login="clc_tour_own_docs",
        )
        customer.invalidate_recordset()
        self.assertEqual(customer.lifecycle_stage_id.code, "customer")
        self.assertEqual(customer.lifecycle_history_ids[0].user_id, rep)

    def test_a_salesperson_filters_the_funnel_on_stale_customers_in_the_browser(self):
        rep = self._rep_day_salesperson()
        prospect = self.env.ref("customer_lifecycle.stage_prospect")
        self.assertEqual(prospect.rotting_threshold_days, 30)
        stale, fresh = self.env["res.partner"].create(
            [
                {"name": "Tour Stale Prospect", "is_company": True, "user_id": rep.id},
                {"name": "Tour Fresh Prospect", "is_company": True, "user_id": rep.id},
            ]
        )
        (stale | fresh)._lifecycle_move(prospect, trigger="schedule", automatic=True)
        (stale | fresh).flush_recordset()
        self.env.cr.execute(
            """UPDATE res_partner SET lifecycle_stage_date = now() AT TIME ZONE 'UTC'
                                      - make_interval(days => CASE id WHEN %s THEN 31 ELSE 5 END)
                WHERE id IN %s""",
            [stale.id, (stale.id, fresh.id)],
        )
        self.start_tour("/odoo", "customer_lifecycle_stale_filter_tour", login="clc_tour_own_docs")

    def test_an_accountant_sees_no_payment_yet_in_the_browser(self):
        new_test_user(
            self.env,
            login="clc_tour_no_payment",
            password="clc_tour_no_payment",
            groups="account.group_account_invoice",
        )
        customer = self.env["res.partner"].create({"name": "Tour Unpaid", "is_company": True})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": "2026-09-15",
                "invoice_date_due": "2026-10-15",
                "invoice_line_ids": [(0, 0, {"name": "Beans", "price_unit": 900.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        self.env["customer.lifecycle.engine"]._recompute_all(in_transaction=True)
        self.start_tour(
            f"/odoo/contacts/{customer.id}",
            "customer_lifecycle_no_payment_tour",
            login="clc_tour_no_payment",
        )

    def test_a_salesperson_reads_each_card_of_the_funnel_in_the_browser(self):
        """The next step on every card (issue 15) and a Lost card that looks lost, at 1366 px,
        as a salesperson with "Own Documents Only"."""
        rep = self._rep_day_salesperson()
        Partner = self.env["res.partner"]
        buyer = self.env.ref("customer_lifecycle.stage_buyer")
        step, overdue, due, lost = Partner.create(
            [
                {
                    "name": f"Card {name}",
                    "is_company": True,
                    "user_id": rep.id,
                    "phone": "+39 051 555 0101",
                    "email": f"{name.lower()}@example.com",
                }
                for name in ("Step", "Overdue", "Due", "Lost")
            ]
        )
        Partner.create({"name": "Card Quiet", "is_company": True, "user_id": rep.id})
        (step | overdue | due | lost)._lifecycle_move(buyer, trigger="order", automatic=True)
        step.activity_ids.unlink()
        step.activity_schedule(
            "mail.mail_activity_data_call",
            summary="Present the spring catalogue",
            user_id=rep.id,
        )
        step.message_post(body="Asked for the price list", message_type="comment")
        self.env["customer.consent"].create(
            {
                "partner_id": due.id,
                "channel_id": self.env.ref("customer_lifecycle.consent_channel_phone").id,
                "state": "withdrawn",
            }
        )
        lost.write({"rfm_segment": "loyal", "lifecycle_probability_active": 0.94})
        lost.lifecycle_order_count = 3
        lost._lifecycle_move(
            self.env.ref("customer_lifecycle.stage_lost"),
            lost_reason=self.env.ref("customer_lifecycle.lost_reason_competitor"),
        )
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE res_partner
                  SET lifecycle_health = CASE id WHEN %(overdue)s THEN 'overdue' ELSE 'due' END,
                      lifecycle_last_order_date = CURRENT_DATE - 60,
                      lifecycle_next_order_date = CURRENT_DATE
                          - CASE id WHEN %(overdue)s THEN 5 ELSE 2 END
                WHERE id IN %(ids)s""",
            {"overdue": overdue.id, "ids": (overdue.id, due.id)},
        )
        self.start_tour("/odoo", "customer_lifecycle_funnel_cards_tour", login="clc_tour_own_docs")
