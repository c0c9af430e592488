"""The defects a walk-through of the rep's day found (issue 15, points 1, 3, 4, 5 and 9): the
"Stale in Stage" filter, the confirmed-orders button for an "Own Documents Only" rep, the
backtest curve, "no payment yet" where days to pay are shown, and figures in the user's
language. The statusbar's guidance (point 6) is proven in the browser (tests/test_ui.py)."""

from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestStaleInStage(LifecycleCase):
    """Point 1: the funnel's "Stale in Stage" filter crashed (the mixin's search reads a
    date_last_stage_update column the partner has not)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.funnel = cls.env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        cls.stale_filter = cls.env.ref(
            "customer_lifecycle.res_partner_view_search_lifecycle_funnel"
        )

    def customer(self, name, code, days_in_stage):
        """A customer of the salesperson that entered stage `code` `days_in_stage` days ago."""
        partner = self.Partner.create(
            {"name": name, "is_company": True, "user_id": self.salesperson.id}
        )
        partner._lifecycle_move(self.stage(code), trigger="order", automatic=True)
        partner.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_stage_date = %s WHERE id = %s",
            [self.env.cr.now() - timedelta(days=days_in_stage, hours=1), partner.id],
        )
        partner.invalidate_recordset()
        return partner

    def filter_domain(self, name):
        """The domain of a filter of the funnel's search view, as the view gives it."""
        arch = etree.fromstring(self.stale_filter.arch)
        return safe_eval(arch.xpath(f"//filter[@name='{name}']")[0].get("domain"))

    def test_the_stale_filter_finds_the_customers_left_too_long_in_their_stage(self):
        # Prospect goes stale after 30 days, Referral after 14, Buyer never (0)
        self.assertEqual(self.stage("prospect").rotting_threshold_days, 30)
        self.assertEqual(self.stage("referral").rotting_threshold_days, 14)
        self.assertEqual(self.stage("buyer").rotting_threshold_days, 0)
        stale_prospect = self.customer("Stale Prospect", "prospect", 31)
        fresh_prospect = self.customer("Fresh Prospect", "prospect", 29)
        stale_referral = self.customer("Stale Referral", "referral", 15)
        # more than a year in the stage: still stale (the mixin's 12-month cap is crm's)
        old_prospect = self.customer("Forgotten Prospect", "prospect", 400)
        old_buyer = self.customer("Old Buyer", "buyer", 400)
        mine = stale_prospect | fresh_prospect | stale_referral | old_prospect | old_buyer

        domain = self.filter_domain("stale")
        self.assertEqual(domain, [("is_rotting", "=", True)])
        Funnel = self.Partner.with_user(self.salesperson)
        found = Funnel.search([*safe_eval(self.funnel.domain), *domain, ("id", "in", mine.ids)])
        self.assertEqual(found, stale_prospect | stale_referral | old_prospect)
        # the card says the same
        self.assertEqual(mine.with_user(self.salesperson).filtered("is_rotting"), found)
        self.assertEqual(stale_prospect.rotting_days, 31)
        # and the negation is the rest
        self.assertEqual(
            Funnel.search([("is_rotting", "=", False), ("id", "in", mine.ids)]),
            fresh_prospect | old_buyer,
        )
        # a grouped read, as the funnel's kanban columns load
        groups = Funnel.formatted_read_group(
            [*domain, ("id", "in", mine.ids)], ["lifecycle_stage_id"], ["__count"]
        )
        self.assertEqual(
            {group["lifecycle_stage_id"][0]: group["__count"] for group in groups},
            {self.stage("prospect").id: 2, self.stage("referral").id: 1},
        )

    def test_a_stage_made_never_stale_empties_the_filter(self):
        prospect = self.customer("Stale Prospect", "prospect", 31)
        self.assertTrue(self.Partner.search([("is_rotting", "=", True), ("id", "=", prospect.id)]))
        self.stage("prospect").rotting_threshold_days = 0
        self.assertFalse(self.Partner.search([("is_rotting", "=", True), ("id", "=", prospect.id)]))
        self.assertFalse(prospect.is_rotting)


@tagged("post_install", "-at_install")
class TestConfirmedOrdersButton(LifecycleCase):
    """Point 3: the button counts all the customer's confirmed orders; the list it opens shows
    those the user may read, and says so when that is fewer, without elevated rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {"name": "Bar Centrale", "is_company": True, "user_id": cls.salesperson.id}
        )
        cls.other_rep = new_test_user(
            cls.env,
            login="clc_other_rep",
            name="Olga Other Rep",
            groups="sales_team.group_sale_salesman",
        )

    def test_an_own_documents_rep_is_told_the_other_orders_belong_to_other_reps(self):
        self.assertFalse(self.salesperson.has_group("sales_team.group_sale_salesman_all_leads"))
        own = self.order(self.customer, "2026-01-05", amount=300.0, user_id=self.salesperson.id)
        theirs = self.order(self.customer, "2026-02-05", amount=500.0, user_id=self.other_rep.id)
        self.order(self.customer, "2026-03-05", amount=900.0, user_id=self.other_rep.id)
        self.order(self.customer, "2026-03-06", state="draft", user_id=self.salesperson.id)
        self.nightly_run("2026-03-10")
        customer = self.customer.with_user(self.salesperson)
        self.assertEqual(customer.lifecycle_order_count, 3)  # the button's figure

        action = customer.action_view_lifecycle_orders()
        self.assertEqual(action["name"], "Confirmed Orders: 1 of 3 (the others are not yours)")
        self.assertEqual(action["display_name"], action["name"])
        self.assertIn("belong to other salespeople", action["help"])
        self.assertEqual(action["context"], {"create": False})
        # the list is read as the rep: no elevated rights, no other rep's order
        Order = self.env["sale.order"]
        self.assertEqual(Order.with_user(self.salesperson).search(action["domain"]), own)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesperson).check_access("read")

        # the button says what it counts
        arch = etree.fromstring(customer.get_views([(False, "form")])["views"]["form"]["arch"])
        [button] = arch.xpath("//button[@name='action_view_lifecycle_orders']")
        self.assertIn("whoever sold them", button.get("title"))

        # a sales administrator reads them all: the figure and the list agree
        action = self.customer.with_user(self.sales_manager).action_view_lifecycle_orders()
        self.assertEqual(action["name"], "Confirmed Orders")
        self.assertEqual(len(Order.with_user(self.sales_manager).search(action["domain"])), 3)

    def test_users_who_may_not_read_orders_get_a_clear_refusal(self):
        self.order(self.customer, "2026-01-05", amount=300.0, user_id=self.salesperson.id)
        lifecycle_only = new_test_user(
            self.env,
            login="clc_lifecycle_only",
            name="Lia Lifecycle",
            groups="customer_lifecycle.group_lifecycle_user",
        )
        with self.assertRaisesRegex(UserError, "may not read sale orders"):
            self.customer.with_user(lifecycle_only).action_view_lifecycle_orders()
        # an employee who is no lifecycle user learns nothing, not even a count
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).action_view_lifecycle_orders()


@tagged("post_install", "-at_install")
class TestBacktestCurve(LifecycleCase):
    def test_the_weekly_curve_draws_forecast_and_actual_side_by_side(self):
        """Point 4: a stacked line chart drew the forecast on top of the actual."""
        Week = self.env["customer.lifecycle.backtest.week"]
        arch = etree.fromstring(Week.get_views([(False, "graph")])["views"]["graph"]["arch"])
        self.assertEqual(arch.get("type"), "line")
        self.assertEqual(arch.get("stacked"), "0")


@tagged("post_install", "-at_install")
class TestNoPaymentYet(LifecycleCase):
    """Point 5: a customer who paid nothing has no "days to pay", not 0.0 ("on time")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Pasticceria Rossi", "is_company": True})
        cls.accountant = new_test_user(
            cls.env,
            login="clc_accountant",
            name="Agata Accountant",
            groups="account.group_account_invoice",
        )

    def test_nothing_paid_reads_as_nothing_paid_everywhere(self):
        order = self.order(self.customer, "2026-01-02", amount=28000.0)
        invoice = self.invoice_of(order, "2026-01-02", "2026-01-31")
        self.nightly_run("2026-03-01")
        row = self.env["customer.lifecycle.payment"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(row, [{"paid_invoice_count": 0, "overdue_amount": 28000.0}])
        with freeze_time("2026-03-01"):
            # the invoice's alert line
            move = invoice.with_user(self.accountant)
            self.assertEqual(
                move._lifecycle_value_message(),
                "Customer: Buyer, value class A · $\xa028,000.00 revenue, $\xa028,000.00 in the "
                "last 12 months · no invoice paid in the last 24 months · $\xa028,000.00 overdue.",
            )
            # the invoice list's column is empty for it, as for any customer who paid nothing
            arch = etree.fromstring(
                self.env["account.move"]
                .with_user(self.accountant)
                .get_views([(self.env.ref("account.view_out_invoice_tree").id, "list")])["views"][
                    "list"
                ]["arch"]
            )
            [column] = arch.xpath("//field[@name='lifecycle_days_to_pay']")
            self.assertEqual(column.get("invisible"), "not lifecycle_paid_invoice_count")
            self.assertEqual(move.lifecycle_paid_invoice_count, 0)
            # the Invoicing tab's widget: no figure, not 0.0
            value = self.customer.with_user(self.accountant).get_lifecycle_company_value()
            self.assertEqual(
                {key: value[key] for key in ("paid_invoice_count", "days_to_pay", "late_share")},
                {"paid_invoice_count": 0, "days_to_pay": None, "late_share": None},
            )
            # the Customer Value analysis: an empty cell, and the average skips it
            Report = self.env["customer.lifecycle.value.report"]
            [line] = Report.search_read(
                [("partner_id", "=", self.customer.id)], ["paid_invoice_count", "days_to_pay"]
            )
            self.assertEqual(line["paid_invoice_count"], 0)
            arch = etree.fromstring(Report.get_views([(False, "list")])["views"]["list"]["arch"])
            [column] = arch.xpath("//field[@name='days_to_pay']")
            self.assertEqual(column.get("invisible"), "not paid_invoice_count")


@tagged("post_install", "-at_install")
class TestFiguresInTheUsersLanguage(LifecycleCase):
    """Point 9: consent tooltips, days and dates in the user's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.customer = cls.Partner.create({"name": "Osteria Bruno", "is_company": True})

    def test_the_days_in_the_invoice_alert_use_the_languages_decimal_separator(self):
        invoice = self.invoice("2026-01-01", "2026-01-31", 1000.0)
        with freeze_time("2026-02-20"):  # 250 paid 10 days early, 750 paid 20 days late
            for when, amount in (("2026-01-21", 250.0), ("2026-02-20", 750.0)):
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create({"payment_date": when, "amount": amount})._create_payments()
        self.nightly_run("2026-03-01")
        italian = invoice.with_context(lang="it_IT")._lifecycle_value_message()
        self.assertIn("12,5", italian)
        self.assertNotIn("12.5", italian)
        self.assertIn("12.5", invoice.with_context(lang="en_US")._lifecycle_value_message())

    def test_the_consent_tooltips_carry_the_translated_state(self):
        self.Consent.create(
            {"partner_id": self.customer.id, "channel_id": self.email.id, "state": "granted"}
        )
        granted = self.env["ir.model.fields.selection"].search(
            [
                ("field_id.model", "=", "customer.consent"),
                ("field_id.name", "=", "state"),
                ("value", "=", "granted"),
            ]
        )
        granted.with_context(lang="it_IT").name = "Concesso"
        self.email.with_context(lang="it_IT").name = "Posta elettronica"
        customer = self.customer.with_user(self.salesperson)
        labels = {
            channel["id"]: channel["label"]
            for channel in customer.with_context(lang="it_IT").lifecycle_consent_states
        }
        self.assertEqual(labels[self.email.id], "Posta elettronica: Concesso")
        english = {
            channel["id"]: channel["label"]
            for channel in customer.with_context(lang="en_US").get_lifecycle_consent_states()
        }
        self.assertEqual(english[self.email.id], "Email: Granted")
        self.assertEqual(english[self.sms.id], "SMS: Not recorded")
        # the funnel card's icons take it as their tooltip
        card = self.env.ref("customer_lifecycle.res_partner_view_kanban_lifecycle_funnel").arch
        self.assertIn('t-att-title="consent.label"', card)
