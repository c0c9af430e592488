"""The customer at a glance (issue 19): one line at the top of the partner form with the stage,
value class, last order and what it was, open quotations, overdue amount, consent per channel,
last satisfaction answer and next special date; for lifecycle users only, cheap to read."""

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_lifecycle.models import res_partner as res_partner_module

from .common import LifecycleCase

TODAY = "2026-11-30 10:00:00"


@tagged("post_install", "-at_install")
class TestCustomerGlance(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "Europe/Rome"
        Product = cls.env["product.product"]
        cls.cut, cls.blow_dry, cls.shampoo = Product.create(
            [
                {"name": "Cut & Colour", "type": "service", "taxes_id": [Command.clear()]},
                {"name": "Blow-dry", "type": "service", "taxes_id": [Command.clear()]},
                {"name": "Shampoo 250 ml", "type": "consu", "taxes_id": [Command.clear()]},
            ]
        )
        cls.salon = cls.Partner.create(
            {"name": "Salone Bella", "is_company": True, "user_id": cls.salesperson.id}
        )
        cls.anna = cls.Partner.create({"name": "Anna Verdi", "parent_id": cls.salon.id})
        cls.accountant = new_test_user(
            cls.env, login="clc_glance_accountant", groups="account.group_account_invoice"
        )
        cls.portal = new_test_user(cls.env, login="clc_glance_portal", groups="base.group_portal")

    def sell(self, partner, when, lines, state="sale", user=None):
        """An order of `lines` [(product, amount)], confirmed (or left a quotation) on `when`."""
        with freeze_time(when):
            order = self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "user_id": (user or self.salesperson).id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": amount, "tax_ids": []}
                        )
                        for product, amount in lines
                    ],
                }
            )
            if state == "sale":
                order.action_confirm()
            elif state == "cancel":
                order._action_cancel()
        return order

    def answered(self, partner, score, category, when):
        """The customer's last satisfaction answer, as the recording code leaves it."""
        partner.flush_recordset()
        self.env.cr.execute(
            """UPDATE res_partner SET lifecycle_satisfaction_score = %s,
                      lifecycle_satisfaction_category = %s, lifecycle_satisfaction_date = %s
                WHERE id = %s""",
            [score, category, when, partner.id],
        )
        partner.invalidate_recordset()

    def glance(self, partner, user=None):
        with freeze_time(TODAY):
            return partner.with_user(user or self.salesperson).get_lifecycle_glance()

    def build_the_salon(self):
        """Two orders, two open quotations and a cancelled one, an overdue invoice and one not
        yet due, consent on two channels, an answer and two special dates."""
        self.sell(self.salon, "2026-09-01 10:00:00", [(self.shampoo, 20.0)])
        last = self.sell(
            self.anna,
            "2026-11-12 10:00:00",
            [(self.shampoo, 20.0), (self.cut, 200.0), (self.blow_dry, 30.0)],
        )
        self.sell(self.salon, "2026-11-20 10:00:00", [(self.cut, 150.0)], state="draft")
        self.sell(self.anna, "2026-11-25 10:00:00", [(self.blow_dry, 50.0)], state="draft")
        self.sell(self.salon, "2026-11-26 10:00:00", [(self.cut, 999.0)], state="cancel")
        # the salon's invoices stand for its orders' (the overdue line reads them): they are
        # no purchases of their own here (TestGlanceLastPurchase counts direct invoices)
        self.company.lifecycle_count_invoices = False
        self.invoice("2026-10-01", "2026-10-31", 300.0, partner=self.anna)
        self.invoice("2026-11-20", "2026-12-20", 500.0, partner=self.salon)
        self.Consent.create(
            [
                {"partner_id": self.anna.id, "channel_id": self.email.id, "state": "granted"},
                {"partner_id": self.anna.id, "channel_id": self.sms.id, "state": "withdrawn"},
            ]
        )
        self.answered(self.salon, 9, "promoter", "2026-11-03 09:00:00")
        self.env["customer.special.date"].create(
            [
                {"partner_id": self.anna.id, "kind": "birthday", "date": "1980-12-03"},
                {
                    "partner_id": self.salon.id,
                    "kind": "company",
                    "name": "Shop opening",
                    "date": "2010-01-15",
                },
            ]
        )
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_value_class = 'A' WHERE id = %s", [self.salon.id]
        )
        self.env.invalidate_all()
        return last

    def consent(self, email="unknown", sms="unknown"):
        labels = {"granted": "Granted", "withdrawn": "Withdrawn", "unknown": "Not recorded"}
        return [
            {
                "id": channel.id,
                "name": name,
                "icon": icon,
                "state": state,
                "preferred": False,
                "label": f"{name}: {labels[state]}",
            }
            for channel, name, icon, state in [
                (self.email, "Email", "fa-envelope", email),
                (self.sms, "SMS", "fa-mobile", sms),
                (self.phone, "Phone", "fa-phone", "unknown"),
                (self.post, "Post", "fa-home", "unknown"),
            ]
        ]

    # -- What the line says ------------------------------------------------------------------

    def test_a_contact_shows_its_company_figures_and_its_own_consent_and_birthday(self):
        last = self.build_the_salon()
        stage = self.stage("customer")
        currency = self.company.currency_id.id
        self.assertEqual(
            self.glance(self.anna),
            {
                "customer": {"id": self.salon.id, "name": "Salone Bella"},
                "is_contact": True,
                "stage": {"name": stage.name, "color": stage.color or 0},
                "value_class": "A",
                "may_see_money": True,
                "consent": self.consent(email="granted", sms="withdrawn"),
                "satisfaction": {
                    "score": 9,
                    "category": "promoter",
                    "title": "Last satisfaction answer: 9 of 10, Promoter",
                    "date": "2026-11-03",
                },
                "special_date": {
                    "date": "2026-12-03",
                    "days": 3,
                    "name": "Birthday",
                    "of_company": False,
                },
                "last_order": {
                    "date": "2026-11-12",
                    "readable": True,
                    "name": last.name,
                    "product": "Cut & Colour",
                    "more": 2,
                },
                "quotations": {"count": 2, "amount": 200.0},
                "currency_id": currency,
                "may_open_orders": True,
                "may_open_invoices": True,
                "overdue": {"amount": 300.0, "since": "2026-10-31", "currency_id": currency},
            },
        )

    def test_the_company_form_shows_the_same_figures_and_its_own_consent_and_dates(self):
        self.build_the_salon()
        glance = self.glance(self.salon)
        self.assertEqual(glance["is_contact"], False)
        self.assertEqual(glance["consent"], self.consent())
        self.assertEqual(
            glance["special_date"],
            {"date": "2027-01-15", "days": 46, "name": "Shop opening", "of_company": False},
        )
        contact = self.glance(self.anna)
        for part in ("stage", "value_class", "last_order", "quotations", "overdue"):
            with self.subTest(part=part):
                self.assertEqual(glance[part], contact[part])

    def test_a_contact_without_special_dates_shows_its_company_next_one(self):
        self.build_the_salon()
        self.anna.lifecycle_special_date_ids.unlink()
        self.assertEqual(
            self.glance(self.anna)["special_date"],
            {"date": "2027-01-15", "days": 46, "name": "Shop opening", "of_company": True},
        )

    def test_a_customer_with_nothing_yet(self):
        newcomer = self.Partner.create({"name": "Nuovo Cliente"})
        stage = self.stage("potential")
        currency = self.company.currency_id.id
        self.assertEqual(
            self.glance(newcomer),
            {
                "customer": {"id": newcomer.id, "name": "Nuovo Cliente"},
                "is_contact": False,
                "stage": {"name": stage.name, "color": stage.color or 0},
                "value_class": False,
                "may_see_money": True,
                "consent": self.consent(),
                "satisfaction": False,
                "special_date": False,
                "last_order": False,
                "quotations": {"count": 0, "amount": 0.0},
                "currency_id": currency,
                "may_open_orders": True,
                "may_open_invoices": True,
                "overdue": {"amount": 0.0, "since": False, "currency_id": currency},
            },
        )

    def test_a_detractor_answer_and_a_29_february_birthday(self):
        self.answered(self.salon, 4, "detractor", "2026-11-29 22:30:00")  # 23:30 in Rome
        self.env["customer.special.date"].create(
            {"partner_id": self.salon.id, "kind": "birthday", "date": "2000-02-29"}
        )
        with freeze_time("2027-02-20 10:00:00"):
            glance = self.salon.with_user(self.salesperson).get_lifecycle_glance()
        self.assertEqual(
            glance["satisfaction"],
            {
                "score": 4,
                "category": "detractor",
                "title": "Last satisfaction answer: 4 of 10, Detractor",
                "date": "2026-11-29",
            },
        )
        # as the reminders count it: 28 February in a year without a 29th
        self.assertEqual(
            glance["special_date"],
            {"date": "2027-02-28", "days": 8, "name": "Birthday", "of_company": False},
        )

    def test_a_quotation_in_another_currency_counts_at_its_own_rate(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", ["EUR", "USD"]), ("id", "!=", self.company.currency_id.id)])
        )
        other.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": other.id, "name": "2026-01-01", "rate": 2.0, "company_id": False}
        )
        pricelist = self.env["product.pricelist"].create({"name": "Other", "currency_id": other.id})
        with freeze_time("2026-11-20 10:00:00"):
            self.env["sale.order"].create(
                {
                    "partner_id": self.salon.id,
                    "pricelist_id": pricelist.id,
                    "order_line": [
                        Command.create({"product_id": self.cut.id, "price_unit": 300.0})
                    ],
                }
            )
        self.sell(self.salon, "2026-11-21 10:00:00", [(self.cut, 100.0)], state="draft")
        self.assertEqual(self.glance(self.salon)["quotations"], {"count": 2, "amount": 250.0})

    # -- Who sees what -----------------------------------------------------------------------

    def test_a_rep_with_own_documents_sees_when_but_not_what_of_another_reps_order(self):
        other_rep = new_test_user(
            self.env, login="clc_glance_other_rep", groups="sales_team.group_sale_salesman"
        )
        self.sell(self.salon, "2026-11-01 10:00:00", [(self.shampoo, 20.0)])
        self.sell(self.salon, "2026-11-12 10:00:00", [(self.cut, 200.0)], user=other_rep)
        self.sell(self.salon, "2026-11-20 10:00:00", [(self.cut, 80.0)], "draft", other_rep)
        glance = self.glance(self.salon)
        self.assertEqual(
            glance["last_order"],
            {"date": "2026-11-12", "readable": False, "name": False, "product": False, "more": 0},
        )
        # quotations are counted whoever sent them, as the orders button counts orders
        self.assertEqual(glance["quotations"], {"count": 1, "amount": 80.0})
        action = self.salon.with_user(self.salesperson).action_view_lifecycle_quotations()
        self.assertEqual(action["name"], "Open Quotations: 0 of 1 (the others are not yours)")
        shown = self.env["sale.order"].with_user(self.salesperson).search(action["domain"])
        self.assertFalse(shown)
        action = self.salon.with_user(other_rep).action_view_lifecycle_quotations()
        self.assertEqual(action["name"], "Open Quotations")

    def test_employees_accountants_and_portal_users_get_no_line(self):
        self.build_the_salon()
        for user in (self.employee, self.accountant, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError) as refused:
                self.glance(self.anna, user)
            self.assertIn("Only Customer Lifecycle users can do this", str(refused.exception))
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.anna.with_user(user).action_view_lifecycle_quotations()
        # only the form, and only for lifecycle users: the contact list and kanban read nothing
        views = [(False, "form"), (False, "list"), (False, "kanban")]
        for user, shown in ((self.employee, 0), (self.salesperson, 1)):
            archs = self.Partner.with_user(user).get_views(views)["views"]
            for view_type, view in archs.items():
                widgets = etree.fromstring(view["arch"]).xpath("//*[@widget='lifecycle_glance']")
                with self.subTest(user=user.login, view=view_type):
                    self.assertEqual(len(widgets), shown if view_type == "form" else 0)

    def test_a_rep_of_another_company_gets_no_line_and_no_figures_of_this_one(self):
        self.build_the_salon()
        self.salon.company_id = self.company
        company_b, rep_b = self.user_of_another_company(
            "clc_glance_rep_b", "sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            self.glance(self.salon, rep_b)
        # a customer shared by both companies: company B's figures only (none)
        self.salon.company_id = False
        glance = self.glance(self.salon, rep_b)
        self.assertEqual(glance["last_order"], False)
        self.assertEqual(glance["quotations"], {"count": 0})
        action = self.salon.with_user(rep_b).action_view_lifecycle_quotations()
        self.assertEqual(action["name"], "Open Quotations")
        self.assertEqual(
            glance["overdue"],
            {"amount": 0.0, "since": False, "currency_id": company_b.currency_id.id},
        )

    def test_a_shared_contact_of_another_company_customer_shows_no_line(self):
        self.salon.company_id = self.company
        self.anna.company_id = False
        _company_b, rep_b = self.user_of_another_company(
            "clc_glance_rep_b", "sales_team.group_sale_salesman"
        )
        self.assertEqual(self.glance(self.anna, rep_b), False)

    def test_without_the_money_right_the_line_has_no_amounts(self):
        self.build_the_salon()
        self.patch(res_partner_module, "MONEY", "account.group_account_invoice")
        glance = self.glance(self.anna)
        self.assertEqual(glance["may_see_money"], False)
        self.assertEqual(glance["quotations"], {"count": 2})
        self.assertNotIn("overdue", glance)

    # -- What the parts open -----------------------------------------------------------------

    def test_the_overdue_part_opens_the_invoices_button_list_on_overdue(self):
        self.build_the_salon()
        action = self.anna.with_user(self.salesperson).action_view_lifecycle_overdue_invoices()
        self.assertEqual(action["context"]["search_default_late"], 1)
        self.assertNotIn("search_default_unpaid", action["context"])
        invoices = self.env["account.move"].search(action["domain"])
        self.assertEqual(invoices.mapped("amount_total"), [500.0, 300.0])

    # -- Cheap -------------------------------------------------------------------------------

    def test_reading_the_line_takes_a_fixed_handful_of_queries(self):
        self.build_the_salon()
        self.glance(self.anna)  # warm the caches a logged-in user has (groups, rules)
        self.env.invalidate_all()
        with freeze_time(TODAY), self.assertQueryCount(11):
            self.anna.with_user(self.salesperson).get_lifecycle_glance()


@tagged("post_install", "-at_install")
class TestGlanceLastPurchase(LifecycleCase):
    """The glance's last order is the customer's last purchase of any source: a customer who
    only buys on direct invoices is no "No order yet", and a direct invoice after the last sale
    order shows its day (no number: the purchases button opens it)."""

    def glance(self, partner):
        with freeze_time(TODAY):
            return partner.with_user(self.salesperson).get_lifecycle_glance()

    def test_a_direct_invoice_is_the_last_order_of_the_glance(self):
        studio = self.Partner.create(
            {"name": "Studio Tecnico Neri", "is_company": True, "user_id": self.salesperson.id}
        )
        self.customer = studio
        with freeze_time("2026-11-03 09:00:00"):
            self.invoice("2026-11-03", "2026-12-03", 400.0)
        glance = self.glance(studio)
        self.assertEqual(
            glance["last_order"],
            {"date": "2026-11-03", "readable": True, "name": False, "product": False, "more": 0},
        )
        # a sale order before it leaves the invoice the last purchase; one after it, itself
        self.order(studio, "2026-10-01 10:00:00")
        self.assertEqual(self.glance(studio)["last_order"]["date"], "2026-11-03")
        order = self.order(studio, "2026-11-20 10:00:00")
        glance = self.glance(studio)["last_order"]
        self.assertEqual((glance["date"], glance["name"]), ("2026-11-20", order.name))
