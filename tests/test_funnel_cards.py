"""The next step on every card (issue 15): a playbook per stage, the next activity in words,
the last contact, "overdue by N days", one-click call and e-mail, a Lost card that no longer
looks active; the reports a salesperson reaches; one definition of who is a customer."""

import importlib.util
from datetime import date, datetime
from pathlib import Path

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import LifecycleCase

MIGRATION = (
    Path(__file__).parents[1] / "customer_lifecycle/migrations/19.0.1.3.0/post-stage_playbooks.py"
)
# What a funnel card reads (the kanban's fields), as the web client asks for them.
CARD_SPEC = {
    "name": {},
    "lifecycle_stage_id": {"fields": {"display_name": {}}},
    "lifecycle_stage_code": {},
    "lifecycle_health": {},
    "lifecycle_next_order_date": {},
    "lifecycle_overdue_label": {},
    "lifecycle_last_contact": {},
    "lifecycle_consent_states": {},
    "lifecycle_phone_withdrawn": {},
    "lifecycle_email_withdrawn": {},
    "activity_ids": {},
    "activity_state": {},
    "activity_summary": {},
    "activity_type_id": {"fields": {"display_name": {}}},
    "activity_date_deadline": {},
    "rfm_segment": {},
    "phone": {},
    "email": {},
    "user_id": {"fields": {"display_name": {}}},
}


@tagged("post_install", "-at_install")
class TestFunnelCards(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {
                "name": "Osteria Blu",
                "is_company": True,
                "phone": "+39 051 555 0101",
                "email": "info@osteriablu.example.com",
                "user_id": cls.salesperson.id,
            }
        )

    # -- playbooks ---------------------------------------------------------------------------

    def test_every_stage_ships_a_playbook_and_entering_prospect_schedules_it(self):
        playbooks = {
            stage.code: (stage.activity_type_id.name, stage.activity_delay_days)
            for stage in self.Stage.search([])
        }
        self.assertEqual(
            playbooks,
            {
                "potential": ("First Contact", 7),
                "prospect": ("Quotation Follow-up", 3),
                "referral": ("Call the Referral", 2),
                "buyer": ("Second Purchase Call", 30),
                "customer": ("Repeat Order Check-in", 30),
                "fan": ("Ask for a Referral", 7),
                "lost": ("Win-back Call", 3),
            },
        )
        with freeze_time("2026-03-02"):
            self.customer.with_user(self.salesperson).action_lifecycle_set_stage(
                self.stage("prospect").id
            )
        activity = self.customer.activity_ids
        self.assertEqual(
            (
                activity.activity_type_id,
                activity.summary,
                activity.date_deadline,
                activity.user_id,
            ),
            (
                self.env.ref("customer_lifecycle.activity_type_quotation_follow_up"),
                "Follow up the quotation and find out what stops the first order",
                date(2026, 3, 5),
                self.salesperson,
            ),
        )

    def test_a_prospect_who_orders_has_the_buyers_call_as_next_step_not_the_follow_up(self):
        self.customer.activity_schedule(
            "mail.mail_activity_data_todo", summary="Send the brochure", user_id=self.salesperson.id
        )  # the rep's own activity stays
        with freeze_time("2026-03-02"):
            self.order(self.customer, "2026-03-02", state="draft")
        self.assertEqual(
            self.customer.activity_ids.mapped("summary"),
            [
                "Follow up the quotation and find out what stops the first order",
                "Send the brochure",
            ],
        )
        with freeze_time("2026-03-04"):
            self.customer.sale_order_ids.action_confirm()
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        self.assertEqual(
            sorted(self.customer.activity_ids.mapped("activity_type_id.name")),
            ["Second Purchase Call", "To-Do"],
        )

    def test_the_upgrade_gives_a_playbook_only_to_the_stages_without_one(self):
        spec = importlib.util.spec_from_file_location("clc_post_stage_playbooks", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        own_type = self.env["mail.activity.type"].create(
            {"name": "Visit the Shop", "res_model": "res.partner"}
        )
        potential, prospect, customer = (
            self.stage("potential"),
            self.stage("prospect"),
            self.stage("customer"),
        )
        # an old database: no playbook on these; a manager chose their own for prospect
        (potential | customer).write({"activity_type_id": False, "activity_delay_days": 0})
        prospect.write({"activity_type_id": own_type.id, "activity_delay_days": 10})
        migration.migrate(self.env.cr, "19.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual(
            [(s.activity_type_id, s.activity_delay_days) for s in (potential, prospect, customer)],
            [
                (self.env.ref("customer_lifecycle.activity_type_first_contact"), 7),
                (own_type, 10),
                (self.env.ref("customer_lifecycle.activity_type_repeat_check_in"), 30),
            ],
        )

    # -- what the card says --------------------------------------------------------------------

    def card(self, partner, user=None):
        """The card as the web client reads it, in a fresh request (nothing cached)."""
        self.env.flush_all()
        self.env.invalidate_all()
        Partner = self.Partner.with_user(user or self.salesperson)
        return Partner.browse(partner.id).web_read(CARD_SPEC)[0]

    def test_the_card_names_the_next_activity_or_says_there_is_none(self):
        self.assertFalse(self.card(self.customer)["activity_date_deadline"])
        self.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=date(2026, 4, 10),
            summary="Present the spring catalogue",
            user_id=self.salesperson.id,
        )
        self.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date(2026, 5, 1),
            user_id=self.salesperson.id,
        )
        card = self.card(self.customer)
        self.assertEqual(
            (card["activity_summary"], card["activity_date_deadline"]),
            ("Present the spring catalogue", date(2026, 4, 10)),
        )
        # the card's template: the summary (or the type) and the date, else "No next step"
        arch = etree.fromstring(self.funnel_arch())
        step = arch.xpath("//div[contains(@class, 'o_lifecycle_next_step')]")[0]
        self.assertEqual(
            [f.get("name") for f in step.iter("field")],
            ["activity_date_deadline", "activity_summary", "activity_type_id"],
        )
        self.assertEqual(
            " ".join(
                step.xpath(".//span[contains(@class, 'o_lifecycle_no_next_step')]")[0].itertext()
            ).strip(),
            "No next step",
        )

    def funnel_arch(self, user=None):
        view = self.env.ref("customer_lifecycle.res_partner_view_kanban_lifecycle_funnel")
        result = self.Partner.with_user(user or self.salesperson).get_views([(view.id, "kanban")])
        return result["views"]["kanban"]["arch"]

    def test_the_last_contact_is_the_newest_conversation_or_done_activity(self):
        contact = self.Partner.create({"name": "Marta Blu", "parent_id": self.customer.id})
        self.assertFalse(self.card(self.customer)["lifecycle_last_contact"])
        with freeze_time("2026-02-03 09:15:00"):
            self.customer.with_user(self.salesperson).message_post(
                body="Asked for the price list", message_type="comment"
            )
        self.assertEqual(
            self.card(self.customer)["lifecycle_last_contact"], datetime(2026, 2, 3, 9, 15)
        )
        with freeze_time("2026-02-10 16:40:00"):  # a call logged on its contact person
            activity = contact.activity_schedule(
                "mail.mail_activity_data_call", user_id=self.salesperson.id
            )
            activity.with_user(self.salesperson).action_feedback(feedback="Will order in March")
        with freeze_time("2026-02-20 08:00:00"):  # the system's own messages are no contact
            self.customer.message_post(body="Stage changed", message_type="notification")
            self.customer._lifecycle_move(self.stage("buyer"), trigger="order", automatic=True)
            self.customer.activity_schedule(
                "mail.mail_activity_data_todo", user_id=self.salesperson.id
            )  # planned, not done
        self.env.flush_all()
        self.assertEqual(
            self.card(self.customer)["lifecycle_last_contact"], datetime(2026, 2, 10, 16, 40)
        )
        self.assertEqual(
            self.Partner.browse(contact.id).lifecycle_last_contact,
            datetime(2026, 2, 10, 16, 40),
            "a contact shows its company's last contact",
        )

    def test_the_last_contact_is_for_lifecycle_users_only(self):
        self.assertNotIn(
            "lifecycle_last_contact",
            self.Partner.with_user(self.employee).fields_get(["lifecycle_last_contact"]),
        )

    def test_overdue_customers_say_by_how_many_days_and_due_ones_are_coloured(self):
        self.customer.write(
            {"lifecycle_health": "overdue", "lifecycle_next_order_date": "2026-03-01"}
        )
        with freeze_time("2026-03-02"):
            card = self.card(self.customer)
            self.assertEqual(card["lifecycle_overdue_label"], "Overdue by 1 day")
            self.Partner.invalidate_model(["lifecycle_overdue_days", "lifecycle_overdue_label"])
        with freeze_time("2026-03-13"):
            self.assertEqual(
                self.card(self.customer)["lifecycle_overdue_label"], "Overdue by 12 days"
            )
            self.assertEqual(self.Partner.browse(self.customer.id).lifecycle_overdue_days, 12)
            self.Partner.invalidate_model(["lifecycle_overdue_days", "lifecycle_overdue_label"])
            self.customer.lifecycle_health = "due"
            self.assertFalse(self.card(self.customer)["lifecycle_overdue_label"])
        arch = etree.fromstring(self.funnel_arch())
        expected = arch.xpath("//span[@title='Next order expected']")[0]
        self.assertIn(
            "'text-warning fw-bold o_lifecycle_due': record.lifecycle_health.raw_value == 'due'",
            expected.get("t-att-class"),
        )

    def test_call_and_email_links_stay_muted_when_the_channel_consent_is_withdrawn(self):
        self.assertEqual(
            [
                self.card(self.customer)[f]
                for f in ("lifecycle_phone_withdrawn", "lifecycle_email_withdrawn")
            ],
            [False, False],
        )
        self.Consent.create(
            {"partner_id": self.customer.id, "channel_id": self.phone.id, "state": "withdrawn"}
        )
        self.Consent.create(
            {"partner_id": self.customer.id, "channel_id": self.email.id, "state": "granted"}
        )
        self.Partner.invalidate_model()
        self.assertEqual(
            [
                self.card(self.customer)[f]
                for f in ("lifecycle_phone_withdrawn", "lifecycle_email_withdrawn")
            ],
            [True, False],
        )
        arch = etree.fromstring(self.funnel_arch())
        self.assertEqual(
            [
                (a.get("t-attf-href"), a.get("title"))
                for a in arch.xpath("//a[contains(@class, 'o_lifecycle_call')]")
            ],
            [
                ("tel:{{record.phone.raw_value}}", "Phone consent withdrawn: service calls only"),
                ("tel:{{record.phone.raw_value}}", "Call"),
            ],
        )

    def test_a_page_of_cards_costs_the_same_queries_for_10_or_40_customers(self):
        partners = self.Partner.create(
            [
                {"name": f"Card {i:02d}", "is_company": True, "phone": "+39 02 555 01{i:02d}"}
                for i in range(40)
            ]
        )
        for partner in partners:
            partner.activity_schedule("mail.mail_activity_data_call", user_id=self.salesperson.id)
            partner.message_post(body="Hello", message_type="comment")
        self.Consent.create(
            [
                {"partner_id": p.id, "channel_id": self.phone.id, "state": "granted"}
                for p in partners
            ]
        )
        Partner = self.Partner.with_user(self.salesperson)
        counts = {}
        for size in (40, 10, 40):  # the first one warms the registry's caches
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            records = Partner.web_search_read([("id", "in", partners.ids)], CARD_SPEC, limit=size)[
                "records"
            ]
            counts[size] = self.env.cr.sql_log_count - before
            self.assertEqual(len(records), size)
            self.assertTrue(all(r["lifecycle_last_contact"] for r in records))
        self.assertEqual(counts[10], counts[40], counts)

    # -- a Lost card (broken point 7) ------------------------------------------------------------

    def test_a_lost_card_shows_no_segment_badge_nor_probability_bar(self):
        arch = etree.fromstring(self.funnel_arch())
        badge = arch.xpath("//field[@name='rfm_segment'][@widget='badge']")[0]
        self.assertEqual(
            badge.get("invisible"), "not rfm_segment or lifecycle_stage_code == 'lost'"
        )
        bar = arch.xpath("//div[contains(@class, 'o_lifecycle_probability')]")[0]
        self.assertIn("record.lifecycle_stage_code.raw_value != 'lost'", bar.get("t-if"))
        last = arch.xpath("//div[contains(@class, 'o_lifecycle_last_segment')]")[0]
        self.assertIn("record.lifecycle_stage_code.raw_value == 'lost'", last.get("t-if"))
        # what those conditions read: the stage's rule, on the card
        self.customer.write({"rfm_segment": "loyal", "lifecycle_probability_active": 0.94})
        self.customer._lifecycle_move(
            self.stage("lost"),
            lost_reason=self.env.ref("customer_lifecycle.lost_reason_competitor"),
        )
        card = self.card(self.customer)
        self.assertEqual((card["lifecycle_stage_code"], card["rfm_segment"]), ("lost", "loyal"))

    # -- configuration and reports ---------------------------------------------------------------

    def test_a_stage_opens_in_its_form_from_the_list(self):
        action = self.env.ref("customer_lifecycle.customer_lifecycle_stage_action")
        result = self.Stage.with_user(self.sales_manager).get_views(
            [(False, "list"), (False, "form")], {"action_id": action.id}
        )
        root = etree.fromstring(result["views"]["list"]["arch"])
        self.assertIsNone(root.get("editable"), "an editable list never opens the form")
        form = etree.fromstring(result["views"]["form"]["arch"])
        self.assertEqual(
            [f.get("name") for f in form.xpath("//group[@name='playbook']//field")],
            [
                "activity_type_id",
                "activity_summary",
                "activity_delay_days",
                "activity_user_id",
                "rotting_threshold_days",
            ],
        )

    def test_a_salesperson_reaches_the_conversion_and_value_reports(self):
        self.assertFalse(self.salesperson.has_group("sales_team.group_sale_manager"))
        menus = self.env["ir.ui.menu"].with_user(self.salesperson).load_menus(False)
        actions = {(menu.get("action_model"), menu.get("action_id")) for menu in menus.values()}
        # Odoo 19's Sales > Reporting is for sales administrators: not where a rep looks
        self.assertNotIn("sale.menu_sale_report", {menu.get("xmlid") for menu in menus.values()})
        for xmlid in (
            "customer_lifecycle.customer_lifecycle_history_action_conversion",
            "customer_lifecycle.customer_lifecycle_value_report_action",
        ):
            with self.subTest(action=xmlid):
                self.assertIn(("ir.actions.act_window", self.env.ref(xmlid).id), actions)
        # and they open: the reports are granted to lifecycle users
        self.env["customer.lifecycle.history"].with_user(self.salesperson).check_access("read")
        self.env["customer.lifecycle.value.report"].with_user(self.salesperson).check_access("read")

    def test_the_pivots_fit_a_laptop_screen(self):
        value = etree.fromstring(
            self.env.ref("customer_lifecycle.customer_lifecycle_value_report_view_pivot").arch
        )
        self.assertEqual(
            [(f.get("name"), f.get("type")) for f in value.iter("field")],
            [
                ("lifecycle_stage_id", "row"),
                ("value_class", "col"),
                ("revenue_12m", "measure"),
                ("customer_count", "measure"),
            ],
        )
        conversion = etree.fromstring(
            self.env.ref("customer_lifecycle.customer_lifecycle_history_view_pivot").arch
        )
        self.assertEqual(
            [f.get("type") for f in conversion.iter("field")], ["row", "row", "measure"]
        )

    # -- who is a customer (broken point 12) ----------------------------------------------------

    def test_the_funnel_and_the_customer_value_analysis_count_the_same_customers(self):
        """The demo's Fan 35 vs 36: a vendor that also buys (supplier rank, no customer rank)
        was in the analysis and not in the funnel. Both now read one definition."""
        fan = self.stage("fan")
        vendor_buyer = self.Partner.create(
            {"name": "Gemini Furniture", "is_company": True, "supplier_rank": 2}
        )
        plain = self.Partner.create({"name": "Bottega Rossi", "is_company": True})
        archived = self.Partner.create({"name": "Old Shop", "is_company": True})
        pure_vendor = self.Partner.create(
            {"name": "Cartiera Nord", "is_company": True, "supplier_rank": 1}
        )
        user_partner = self.salesperson.partner_id
        buyers = vendor_buyer | plain | archived | user_partner
        for partner in buyers:
            self.order(partner, "2026-01-10", amount=1000.0)
            self.order(partner, "2026-02-10", amount=500.0)
        self.invoice("2026-01-15", "2026-02-15", 300.0, partner=pure_vendor, move_type="in_invoice")
        # the demo data's shape: orders placed without raising the customer rank
        vendor_buyer.customer_rank = 0
        with freeze_time("2026-03-01"):
            self.engine._recompute_partners(buyers | pure_vendor, "manual")
            buyers._lifecycle_move(fan, trigger="manual", automatic=True)
        archived.action_archive()
        self.env.flush_all()

        action = self.env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        funnel = self.Partner.with_user(self.salesperson).search(safe_eval(action.domain))
        report = self.env["customer.lifecycle.value.report"].with_user(self.salesperson)
        in_report = report.search([]).partner_id
        self.assertIn(vendor_buyer, funnel)
        self.assertEqual(
            (in_report & buyers), vendor_buyer | plain, "no archived partner, no internal user"
        )
        self.assertNotIn(pure_vendor, funnel)
        self.assertNotIn(pure_vendor, in_report)
        # the same definition, read on a record and searched negatively
        self.assertEqual(
            [p.lifecycle_is_customer for p in (vendor_buyer, plain, pure_vendor, user_partner)],
            [True, True, False, False],
        )
        others = self.Partner.search([("lifecycle_is_customer", "=", False)])
        self.assertEqual(others & (vendor_buyer | plain | pure_vendor), pure_vendor)
        self.assertEqual(
            in_report - funnel, self.Partner, "every analysed customer is in the funnel"
        )
        # the Fan column and the Fan row: the same customers, the same 12-month revenue
        fans = funnel.filtered(lambda p: p.lifecycle_stage_id == fan)
        [(count, revenue)] = report._read_group(
            [("lifecycle_stage_id", "=", fan.id)], [], ["customer_count:sum", "revenue_12m:sum"]
        )
        self.assertEqual((count, revenue), (len(fans), sum(fans.mapped("lifecycle_revenue_12m"))))
        self.assertEqual((count, revenue), (2, 3000.0))
