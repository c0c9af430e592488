"""Who sees what: the money figures about a customer for lifecycle and accounting users only, the
profile searches for lifecycle users only, staff actions checked on the server, and the addon's
records of a customer only for users of the customer's company. Every attack goes through the
methods a client calls over RPC (read, search_read, export_data, web_search_read, action_*), as
the weakest users: a portal customer, a plain employee, a salesperson, a user of another
company."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import LifecycleCase

# The money figures stored on the partner (see res_partner.MONEY).
MONEY_FIELDS = [
    "lifecycle_margin",
    "lifecycle_margin_percent",
    "lifecycle_probability_active",
    "lifecycle_expected_orders_12m",
    "lifecycle_predicted_revenue_12m",
    "lifecycle_total_value",
]
# What get_lifecycle_company_value tells anyone who may read the customer.
PLAIN_VALUE_KEYS = {
    "company", "currency_id", "stage", "value_class", "order_count", "revenue_total",
    "revenue_12m",
}  # fmt: skip
MONEY_VALUE_KEYS = {
    "margin", "paid_invoice_count", "days_to_pay", "late_share", "overdue_amount",
    "overdue_since",
}  # fmt: skip


@tagged("post_install", "-at_install")
class TestMoneyFigures(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {"name": "Caffè Aurora", "is_company": True, "email": "aurora@example.com"}
        )
        cls.customer.flush_recordset()
        # what the engine would have written: known figures to look for
        cls.env.cr.execute(
            """UPDATE res_partner SET lifecycle_margin = 250, lifecycle_margin_percent = 25,
                      lifecycle_probability_active = 0.75, lifecycle_expected_orders_12m = 3,
                      lifecycle_predicted_revenue_12m = 900, lifecycle_total_value = 1900,
                      lifecycle_revenue_total = 1000
                WHERE id = %s""",
            [cls.customer.id],
        )
        cls.customer.invalidate_recordset()
        cls.accountant = new_test_user(
            cls.env, login="clc_ar_accountant", groups="account.group_account_invoice"
        )
        cls.auditor = new_test_user(
            cls.env, login="clc_ar_auditor", groups="account.group_account_readonly"
        )
        cls.portal = new_test_user(cls.env, login="clc_ar_portal", groups="base.group_portal")
        cls.portal.partner_id.write({"name": "Portal Customer"})
        cls.env.cr.execute(
            "UPDATE res_partner SET lifecycle_margin = 40, lifecycle_total_value = 400 "
            "WHERE id = %s",
            [cls.portal.partner_id.id],
        )
        cls.portal.partner_id.invalidate_recordset()

    def test_a_plain_employee_reads_no_money_figure_on_any_path(self):
        exporter = new_test_user(
            self.env, login="clc_ar_exporter", groups="base.group_user,base.group_allow_export"
        )
        customer = self.customer.with_user(exporter)
        self.assertEqual(customer.read(["name"])[0]["name"], "Caffè Aurora")
        for field in MONEY_FIELDS:
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    customer.read([field])
                with self.assertRaises(AccessError):
                    customer.search_read([("id", "=", customer.id)], [field])
                with self.assertRaises(AccessError):
                    customer.export_data([field])
                with self.assertRaises(AccessError):
                    customer.web_search_read([("id", "=", customer.id)], {field: {}})
                with self.assertRaises(AccessError):  # nor learn it by searching
                    customer.search([(field, ">", 0)])
        self.assertFalse(set(MONEY_FIELDS) & set(customer.fields_get()))

    def test_a_portal_customer_reads_no_money_figure_of_its_own_partner(self):
        mine = self.portal.partner_id.with_user(self.portal)
        self.assertEqual(mine.read(["name"])[0]["name"], "Portal Customer")
        for field in ("lifecycle_margin", "lifecycle_total_value"):
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    mine.read([field])
                with self.assertRaises(AccessError):
                    mine.search_read([("id", "=", mine.id)], [field])
                with self.assertRaises(UserError):  # AccessError or no export at all
                    mine.export_data([field])
                with self.assertRaises(AccessError):
                    mine.web_search_read([("id", "=", mine.id)], {field: {}})

    def test_a_portal_customer_reads_no_payment_figure_on_its_own_invoice(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.portal.partner_id.id,
                "invoice_line_ids": [
                    Command.create({"name": "Beans", "price_unit": 80.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        Move = self.env["account.move"].with_user(self.portal)
        for field in (
            "lifecycle_days_to_pay",
            "lifecycle_overdue_amount",
            "lifecycle_paid_invoice_count",
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                Move.search_read([("id", "=", invoice.id)], [field])
            self.assertNotIn(field, Move.fields_get())
        accountant_view = invoice.with_user(self.accountant).read(["lifecycle_overdue_amount"])
        self.assertEqual(accountant_view[0]["lifecycle_overdue_amount"], 0.0)

    def test_lifecycle_and_accounting_users_read_the_money_figures(self):
        expected = {
            "lifecycle_margin": 250.0,
            "lifecycle_margin_percent": 25.0,
            "lifecycle_probability_active": 0.75,
            "lifecycle_expected_orders_12m": 3.0,
            "lifecycle_predicted_revenue_12m": 900.0,
            "lifecycle_total_value": 1900.0,
        }
        for user in (self.salesperson, self.accountant, self.auditor):
            with self.subTest(user=user.login):
                values = self.customer.with_user(user).read(MONEY_FIELDS)[0]
                self.assertEqual({name: values[name] for name in MONEY_FIELDS}, expected)

    def test_the_company_value_method_gives_money_keys_to_money_readers_only(self):
        employee_value = self.customer.with_user(self.employee).get_lifecycle_company_value()
        self.assertEqual(set(employee_value), PLAIN_VALUE_KEYS)
        for user in (self.accountant, self.auditor, self.salesperson):
            with self.subTest(user=user.login):
                value = self.customer.with_user(user).get_lifecycle_company_value()
                self.assertEqual(set(value), PLAIN_VALUE_KEYS | MONEY_VALUE_KEYS)

    def test_the_partner_views_open_for_an_employee_and_show_money_to_an_accountant(self):
        funnel = {
            view_type: self.env.ref(
                f"customer_lifecycle.res_partner_view_{view_type}_lifecycle_funnel"
            )
            for view_type in ("kanban", "list", "search")
        }
        for user, sees_money in ((self.employee, False), (self.accountant, True)):
            Partner = self.Partner.with_user(user)
            with self.subTest(user=user.login):
                standard = Partner.get_views([(False, "form"), (False, "list"), (False, "kanban")])
                for arch in (view["arch"] for view in standard["views"].values()):
                    self.assertNotIn('name="lifecycle_margin"', arch)
                views = Partner.get_views([(view.id, kind) for kind, view in funnel.items()])
                list_arch = views["views"]["list"]["arch"]
                kanban_arch = views["views"]["kanban"]["arch"]
                self.assertEqual('name="lifecycle_margin"' in list_arch, sees_money)
                self.assertEqual('name="lifecycle_total_value"' in list_arch, sees_money)
                self.assertEqual('name="lifecycle_probability_active"' in kanban_arch, sees_money)
                # the fields the views name are the fields the user may read
                models = views["models"]["res.partner"]["fields"]
                self.assertEqual("lifecycle_margin" in models, sees_money)
                # the form opens and shows the customer
                form = Form(self.customer.with_user(user))
                self.assertEqual(form.name, "Caffè Aurora")

    def test_the_value_analysis_and_the_engine_tables_are_not_for_employees(self):
        for model in (
            "customer.lifecycle.value.report",
            "customer.lifecycle.fact",
            "customer.lifecycle.payment",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.employee).search_read([], ["partner_id"])
        for model in ("customer.lifecycle.fact", "customer.lifecycle.payment"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.salesperson).search_read([], ["partner_id"])


@tagged("post_install", "-at_install")
class TestProfileSearches(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = date.today()
        cls.born_this_month = cls.Partner.create(
            {"name": "Nadia Neri", "lifecycle_birthdate": date(1985, today.month, 1)}
        )

    def test_an_employee_cannot_learn_birth_months_ages_or_consent_by_searching(self):
        Partner = self.Partner.with_user(self.employee)
        domains = {
            "birthday": [("lifecycle_birthday_this_month", "=", True)],
            "not birthday": [("lifecycle_birthday_this_month", "=", False)],
            "age": [("lifecycle_age", ">=", 30)],
            "age in": [("lifecycle_age", "in", [40, 41])],
            "contactable": [("lifecycle_contactable_channel_ids.code", "=", "email")],
            "consent expired": [("lifecycle_consent_expired", "=", True)],
        }
        for name, domain in domains.items():
            with self.subTest(search=name), self.assertRaises(AccessError):
                Partner.search(domain)
        for field in (
            "lifecycle_birthday_this_month",
            "lifecycle_age",
            "lifecycle_consent_expired",
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                Partner.browse(self.born_this_month.id).read([field])

    def test_a_lifecycle_user_searches_by_birthday_month(self):
        found = self.Partner.with_user(self.salesperson).search(
            [("lifecycle_birthday_this_month", "=", True), ("id", "=", self.born_this_month.id)]
        )
        self.assertEqual(found, self.born_this_month)


@tagged("post_install", "-at_install")
class TestStaffActions(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {"name": "Forno Antico", "lifecycle_birthdate": "1970-03-03", "lifecycle_children": 2}
        )
        cls.accountant = new_test_user(
            cls.env, login="clc_sa_accountant", groups="account.group_account_invoice"
        )
        cls.portal = new_test_user(cls.env, login="clc_sa_portal", groups="base.group_portal")

    def test_mark_reviewed_is_for_lifecycle_users_on_customers_they_may_read(self):
        for user in (self.employee, self.accountant):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).action_lifecycle_mark_reviewed()
        self.assertFalse(self.customer.lifecycle_profile_reviewed_on)
        self.env["ir.rule"].create(
            {
                "name": "hide one customer from salespeople",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": repr([("id", "!=", self.customer.id)]),
                "groups": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).action_lifecycle_mark_reviewed()
        self.assertFalse(self.customer.lifecycle_profile_reviewed_on)
        other = self.Partner.create({"name": "Forno Nuovo"})
        self.assertIs(other.with_user(self.salesperson).action_lifecycle_mark_reviewed(), True)
        self.assertEqual(other.lifecycle_profile_reviewed_on, date.today())
        self.assertEqual(other.message_ids[0].author_id, self.salesperson.partner_id)

    def test_a_salesperson_cannot_anonymise_over_rpc(self):
        customer = self.customer.with_user(self.salesperson)
        with self.assertRaisesRegex(UserError, "Only lifecycle administrators"):
            customer.action_lifecycle_anonymise()
        self.assertEqual(self.customer.lifecycle_birthdate, date(1970, 3, 3))
        self.assertEqual(self.customer.lifecycle_children, 2)
        # the rep keeps the profile (tests/test_rep_profile.py): correcting a field is theirs,
        # in the open (a note says who), and the consent page link only dies by anonymising
        self.customer._lifecycle_consent_url()
        customer.write({"lifecycle_birthdate": False})
        self.assertFalse(self.customer.lifecycle_birthdate)
        self.assertIn("Birthdate", self.customer.message_ids[0].body)
        self.assertEqual(self.customer.message_ids[0].author_id, self.salesperson.partner_id)
        with self.assertRaises(AccessError):
            customer.write({"lifecycle_consent_token": False})
        self.assertTrue(self.customer.lifecycle_consent_token)

    def test_the_funnel_actions_are_for_lifecycle_users(self):
        prospect = self.stage("prospect").id
        for user in (self.accountant, self.portal, self.employee):
            customer = self.customer.with_user(user)
            for action in (
                lambda c: c.action_lifecycle_set_stage(prospect),
                lambda c: c.action_lifecycle_mark_reviewed(),
                lambda c: c.action_lifecycle_consent_link(),
            ):
                with self.subTest(user=user.login), self.assertRaises(AccessError):
                    action(customer)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        self.assertFalse(self.customer.lifecycle_profile_reviewed_on)

    def test_crafted_stage_values_move_nobody(self):
        customer = self.customer.with_user(self.salesperson)
        crafted = ([self.stage("prospect").id, self.stage("lost").id], "2", True, None, 10**9)
        for value in crafted:
            with self.subTest(value=value):
                with self.assertRaises(UserError) as caught:
                    customer.action_lifecycle_set_stage(value)
                self.assertEqual(str(caught.exception), "This lifecycle stage no longer exists.")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        self.assertFalse(self.customer.lifecycle_history_ids)


@tagged("post_install", "-at_install")
class TestSeveralCompanies(LifecycleCase):
    """Company A (the main one) has a customer with a consent, a special date, a stage history
    and a value row; a user allowed only company B must see none of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b, cls.user_b = cls.user_of_another_company(
            "clc_user_b", "sales_team.group_sale_manager"
        )
        cls.customer_a = cls.Partner.create(
            {"name": "Cliente A", "company_id": cls.company.id, "email": "a@example.com"}
        )
        cls.customer_b = cls.Partner.create({"name": "Cliente B", "company_id": cls.company_b.id})
        cls.shared = cls.Partner.create({"name": "Cliente Condiviso"})
        for partner in (cls.customer_a, cls.customer_b, cls.shared):
            partner.lifecycle_stage_id = cls.env.ref("customer_lifecycle.stage_prospect")
            cls.env["customer.special.date"].create(
                {"partner_id": partner.id, "kind": "birthday", "date": "1980-05-05"}
            )
            cls.env["customer.consent"].create(
                {
                    "partner_id": partner.id,
                    "channel_id": cls.env.ref("customer_lifecycle.consent_channel_post").id,
                    "state": "granted",
                }
            )
            # a value row of company B for each customer
            cls.env["customer.lifecycle.fact"].create(
                {
                    "partner_id": partner.id,
                    "company_id": cls.company_b.id,
                    "order_count": 1,
                    "revenue": 100.0,
                }
            )

    def test_a_user_of_company_b_sees_only_b_and_shared_customers_records(self):
        visible = self.customer_b | self.shared
        for model in (
            "customer.consent",
            "customer.special.date",
            "customer.lifecycle.history",
            "customer.lifecycle.value.report",
        ):
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.user_b).with_company(self.company_b)
                rows = Model.search([("partner_id", "in", (visible | self.customer_a).ids)])
                self.assertEqual(rows.partner_id, visible)
                row_a = (
                    self.env[model]
                    .with_company(self.company_b)
                    .search([("partner_id", "=", self.customer_a.id)], limit=1)
                )
                self.assertEqual(len(row_a), 1)
                with self.assertRaises(AccessError):
                    row_a.with_user(self.user_b).read(["partner_id"])

    def test_a_user_of_company_b_cannot_work_a_customer_of_company_a(self):
        customer = self.customer_a.with_user(self.user_b)
        for action in (
            lambda c: c.action_lifecycle_set_stage(self.stage("customer").id),
            lambda c: c.action_lifecycle_mark_reviewed(),
            lambda c: c.action_lifecycle_consent_link(),
        ):
            with self.assertRaises(AccessError):
                action(customer)
        self.assertEqual(self.customer_a.lifecycle_stage_id, self.stage("prospect"))
        self.assertFalse(self.customer_a.lifecycle_profile_reviewed_on)
        self.assertFalse(self.customer_a.sudo().lifecycle_consent_token)

    def test_a_referral_code_of_another_company_resolves_to_nobody(self):
        Partner = self.Partner.with_user(self.user_b)
        code_a = self.customer_a.lifecycle_referral_code
        with self.assertRaisesRegex(ValidationError, "No customer has the referral code"):
            Partner._lifecycle_find_by_referral_code(code_a)
        self.assertEqual(
            Partner._lifecycle_find_by_referral_code(self.customer_b.lifecycle_referral_code),
            self.customer_b,
        )
        self.assertEqual(
            Partner._lifecycle_find_by_referral_code(self.shared.lifecycle_referral_code),
            self.shared,
        )

    def test_the_backtest_runs_only_for_the_users_companies(self):
        Backtest = self.env["customer.lifecycle.backtest"].with_user(self.user_b)
        # the default: the lifecycle company (A) for its users, else the user's own company
        self.assertEqual(Backtest.create({}).company_id, self.company_b)
        self.assertEqual(
            self.env["customer.lifecycle.backtest"].create({}).company_id, self.company
        )
        with self.assertRaises(AccessError):
            Backtest.create({"company_id": self.company.id})
        theirs = Backtest.create({"company_id": self.company_b.id})
        self.assertEqual(theirs.company_id, self.company_b)
        other = self.env["customer.lifecycle.backtest"].create({"company_id": self.company.id})
        with self.assertRaises(AccessError):
            other.with_user(self.user_b).read(["customer_count"])
        with self.assertRaises(AccessError):
            other.with_user(self.user_b).action_compute()
