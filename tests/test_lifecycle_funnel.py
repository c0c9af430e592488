"""The Lifecycle Funnel and the partner form, as a salesperson and a sales manager use them."""

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestLifecycleFunnel(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.action = cls.env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        cls.buyer = cls.Partner.create({"name": "Bottega Verdi", "is_company": True})
        cls.buyer._lifecycle_move(
            cls.env.ref("customer_lifecycle.stage_buyer"), trigger="order", automatic=True
        )
        cls.reason = cls.env.ref("customer_lifecycle.lost_reason_competitor")

    def domain(self):
        return safe_eval(self.action.domain)

    def test_every_view_of_the_addon_loads_for_a_salesperson_and_a_manager(self):
        views = (
            self.env["ir.ui.view"]
            .browse(
                self.env["ir.model.data"]
                .search([("module", "=", "customer_lifecycle"), ("model", "=", "ir.ui.view")])
                .mapped("res_id")
            )
            .filtered(lambda view: view.type != "qweb")
        )  # the consent page has its own test
        self.assertGreaterEqual(len(views), 15)
        for user in (self.salesperson, self.sales_manager):
            for view in views:
                root = view if view.mode == "primary" else view.inherit_id
                if not self.env[root.model].with_user(user).has_access("read"):
                    continue  # the settings page: administrators only
                with self.subTest(user=user.login, view=view.name):
                    result = self.env[root.model].with_user(user).get_views([(root.id, root.type)])
                    self.assertIn(root.type, result["views"])

    def test_the_funnel_shows_customers_not_contacts_users_or_vendors(self):
        company = self.Partner.create({"name": "Rossi Srl", "is_company": True})
        contact = self.Partner.create({"name": "Luca Rossi", "parent_id": company.id})
        person = self.Partner.create({"name": "Anna Kowalska"})
        vendor = self.Partner.create({"name": "Cartiera Nord", "supplier_rank": 1})
        portal = self.env["res.users"].create(
            {
                "name": "Paola Portal",
                "login": "clc_portal",
                "group_ids": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.engine._recompute_partners(company | person | vendor | portal.partner_id, "manual")
        shown = self.env["res.partner"].with_user(self.salesperson).search(self.domain())
        self.assertIn(company, shown)
        self.assertIn(person, shown)
        self.assertIn(portal.partner_id, shown, "portal users are customers")
        self.assertNotIn(contact, shown)
        self.assertNotIn(vendor, shown)
        self.assertNotIn(self.salesperson.partner_id, shown)
        self.assertNotIn(self.company.partner_id, shown)

    def test_every_stage_is_a_column_even_when_empty_with_lost_folded(self):
        other = self.Partner.create({"name": "Caffe Nero"})
        self.order(other, "2026-01-15", amount=250.0)  # a buyer with 250 in 12 months
        groups = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .with_context(read_group_expand=True)  # what the kanban view asks
            .web_read_group(
                [("id", "in", (self.buyer | other).ids)],
                ["lifecycle_stage_id"],
                ["lifecycle_revenue_12m:sum"],
                auto_unfold=True,
                unfold_read_specification={"name": {}},
                unfold_read_default_limit=40,
            )["groups"]
        )
        self.assertEqual(
            [group["lifecycle_stage_id"][0] for group in groups],
            self.Stage.search([]).ids,
        )
        counts = {group["lifecycle_stage_id"][0]: group["__count"] for group in groups}
        self.assertEqual(counts[self.stage("buyer").id], 2)
        self.assertEqual(counts[self.stage("customer").id], 0)
        # the column header sums the 12-month revenue of its cards: 0 + 250
        revenue = {g["lifecycle_stage_id"][0]: g["lifecycle_revenue_12m:sum"] for g in groups}
        self.assertEqual(revenue[self.stage("buyer").id], 250.0)
        self.assertEqual(revenue[self.stage("customer").id], 0.0)
        opened = ["__records" in group for group in groups]
        self.assertEqual(opened, [True] * 6 + [False], "only Lost is folded")

    def test_a_salesperson_drags_a_card_without_the_right_to_edit_contacts(self):
        buyer = self.buyer.with_user(self.salesperson)
        self.assertFalse(self.salesperson.has_group("base.group_partner_manager"))
        with self.assertRaises(AccessError):
            buyer.name = "Renamed"
        with self.assertRaises(AccessError):  # the stage is a field like the others
            buyer.lifecycle_stage_id = self.stage("customer")
        self.assertTrue(buyer.action_lifecycle_set_stage(self.stage("customer").id))
        self.env.cr.precommit.run()  # the chatter's tracking is posted at commit
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("customer"))
        self.assertTrue(self.buyer.lifecycle_stage_manual)
        move = self.buyer.lifecycle_history_ids[0]
        self.assertEqual(
            (move.stage_from_id, move.stage_to_id, move.trigger, move.user_id),
            (self.stage("buyer"), self.stage("customer"), "manual", self.salesperson),
        )
        tracking = self.buyer.message_ids.tracking_value_ids.filtered(
            lambda t: t.new_value_integer == self.stage("customer").id
        )
        self.assertEqual(tracking.mail_message_id.author_id, self.salesperson.partner_id)

    def test_a_salesperson_cannot_move_a_customer_they_cannot_see(self):
        rule_domain = [("id", "!=", self.buyer.id)]
        self.env["ir.rule"].create(
            {
                "name": "hide one customer",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": repr(rule_domain),
                "groups": [Command.link(self.env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        with self.assertRaises(AccessError):
            self.buyer.with_user(self.salesperson).action_lifecycle_set_stage(
                self.stage("customer").id
            )

    def test_the_statusbar_writes_history_and_tracks_the_time_in_stage(self):
        with Form(self.buyer.with_user(self.sales_manager)) as form:
            form.lifecycle_stage_id = self.stage("fan")
        self.assertEqual(self.buyer.lifecycle_history_ids[0].stage_to_id, self.stage("fan"))
        self.assertEqual(self.buyer.lifecycle_history_ids[0].user_id, self.sales_manager)

    def test_a_drop_or_a_statusbar_click_moves_the_customer_or_asks_why_it_is_lost(self):
        buyer = self.buyer.with_user(self.salesperson)
        self.assertIs(buyer.action_lifecycle_set_stage(self.stage("customer").id), True)
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("customer"))
        dialog = buyer.action_lifecycle_set_stage(self.stage("lost").id)
        self.assertEqual(dialog["res_model"], "customer.lifecycle.lost")
        self.assertEqual(dialog["context"], {"default_partner_ids": self.buyer.ids})
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("customer"), "not yet lost")

    def test_moving_to_lost_needs_a_reason_and_the_dialog_asks_for_it(self):
        with self.assertRaisesRegex(UserError, "needs a reason"):
            self.buyer.lifecycle_stage_id = self.stage("lost")
        dialog = self.buyer.with_user(self.salesperson).action_lifecycle_set_stage(
            self.stage("lost").id
        )
        self.assertEqual(dialog["res_model"], "customer.lifecycle.lost")
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("buyer"), "not moved yet")
        Lost = self.env["customer.lifecycle.lost"].with_user(self.salesperson)
        form = Form(Lost.with_context(default_partner_ids=self.buyer.ids))
        with self.assertRaisesRegex(AssertionError, "lost_reason_id"):
            form.save()
        form.lost_reason_id = self.reason
        form.note = "Found a cheaper roaster in Verona."
        form.save().action_mark_lost()
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("lost"))
        self.assertEqual(self.buyer.lifecycle_lost_reason_id, self.reason)
        move = self.buyer.lifecycle_history_ids[0]
        self.assertEqual(move.lost_reason_id, self.reason)
        self.assertEqual(move.reason, "Found a cheaper roaster in Verona.")
        self.assertEqual(move.user_id, self.salesperson)

    def test_the_lost_reason_goes_when_the_customer_leaves_lost(self):
        self.buyer._lifecycle_move(self.stage("lost"), lost_reason=self.reason)
        self.assertEqual(self.buyer.lifecycle_lost_reason_id, self.reason)
        self.buyer._lifecycle_move(self.stage("customer"), trigger="order", automatic=True)
        self.assertFalse(self.buyer.lifecycle_lost_reason_id)
        self.assertTrue(self.buyer.lifecycle_history_ids[0].won_back)

    def test_the_lost_dialog_from_the_action_menu_moves_every_selected_customer(self):
        other = self.Partner.create({"name": "Osteria Blu"})
        selected = self.buyer | other
        wizard = (
            self.env["customer.lifecycle.lost"]
            .with_user(self.salesperson)
            .with_context(active_model="res.partner", active_ids=selected.ids)
            .create({"lost_reason_id": self.reason.id})
        )
        wizard.action_mark_lost()
        self.assertEqual(selected.lifecycle_stage_id, self.stage("lost"))

    def test_moving_a_customer_already_in_the_stage_changes_nothing(self):
        lost = self.Partner.create({"name": "Trattoria Chiusa"})
        lost._lifecycle_move(self.stage("lost"), trigger="schedule", automatic=True)
        entered, history = lost.lifecycle_stage_date, lost.lifecycle_history_ids
        wizard = (
            self.env["customer.lifecycle.lost"]
            .with_user(self.salesperson)
            .with_context(active_model="res.partner", active_ids=(lost | self.buyer).ids)
            .create({"lost_reason_id": self.reason.id})
        )
        wizard.action_mark_lost()
        self.assertEqual(self.buyer.lifecycle_stage_id, self.stage("lost"))
        self.assertEqual(lost.lifecycle_stage_date, entered, "still lost since the first move")
        self.assertFalse(lost.lifecycle_stage_manual, "the engine put it there")
        self.assertFalse(lost.lifecycle_lost_reason_id)
        self.assertEqual(lost.lifecycle_history_ids, history)

    def test_the_history_says_how_long_the_customer_stayed_in_a_stage(self):
        partner = self.Partner.create({"name": "Pizzeria Napoli"})
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_stage_date = now() - interval '10 days' "
            "WHERE id = %s",
            [partner.id],
        )
        partner.invalidate_recordset()
        partner.lifecycle_stage_id = self.stage("prospect")
        self.assertAlmostEqual(partner.lifecycle_history_ids[0].days_in_stage, 10, places=2)

    def test_the_contact_list_shows_stage_and_class_badges_to_lifecycle_users(self):
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_value_class = 'A' WHERE id = %s", [self.buyer.id]
        )
        self.buyer.invalidate_recordset()
        badges = self.buyer.with_user(self.salesperson).application_statistics
        values = {badge["label"]: badge["value"] for badge in badges}
        self.assertEqual(values["Lifecycle Stage"], "Buyer")
        self.assertEqual(values["Value Class"], "A")
        self.buyer.invalidate_recordset(["application_statistics"])
        badges = self.buyer.with_user(self.employee).application_statistics or []
        self.assertNotIn("Lifecycle Stage", {badge["label"] for badge in badges})

    def test_the_standard_contact_views_carry_no_computed_field_of_the_addon(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        field_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "customer_lifecycle"), ("model", "=", "ir.model.fields")])
            .mapped("res_id")
        )
        fields = self.env["ir.model.fields"].browse(field_ids)
        ours = set(fields.filtered(lambda f: f.model == "res.partner").mapped("name"))
        views = Partner.get_views([(False, "form"), (False, "list"), (False, "kanban")])["views"]
        shown = set()
        for view_type, view in views.items():
            names = {node.get("name") for node in etree.fromstring(view["arch"]).iter("field")}
            shown |= names & ours
            for name in names & ours:
                field = Partner._fields[name]
                with self.subTest(view=view_type, field=name):
                    self.assertTrue(field.store or not field.compute, f"{name} is computed")
        self.assertIn("lifecycle_stage_id", shown)
        self.assertIn("lifecycle_revenue_total", shown)

    def test_the_orders_button_opens_the_confirmed_orders_the_figures_count(self):
        confirmed = self.order(self.buyer, "2026-03-01", user_id=self.salesperson.id)
        self.order(self.buyer, "2026-03-02", state="draft", user_id=self.salesperson.id)
        action = self.buyer.with_user(self.salesperson).action_view_lifecycle_orders()
        orders = self.env["sale.order"].with_user(self.salesperson).search(action["domain"])
        self.assertEqual(orders, confirmed)
        history = self.buyer.with_user(self.salesperson).action_view_lifecycle_history()
        self.assertEqual(
            self.env["customer.lifecycle.history"].search(history["domain"]),
            self.buyer.lifecycle_history_ids,
        )
