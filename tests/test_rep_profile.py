"""A salesperson with "Own Documents Only" keeps the addon's own fields of the customers they may
read (profile, interests, special dates, referrer, acquisition), without Odoo's right to edit
contacts; every other partner field keeps Odoo's rules, and nothing else gets written with the
rights this lends. Attacked as that rep, a plain employee, a portal user and a rep of another
company, through the dialog and over RPC-like calls with crafted values and context keys."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import LifecycleCase


class RepCase(LifecycleCase):
    """The outsiders every rule here is attacked by: a portal user, and a rep of another
    company beside a customer of the main one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="clc_rp_portal", groups="base.group_portal")
        cls.company_b, cls.rep_b = cls.user_of_another_company(
            "clc_rp_rep_b", "sales_team.group_sale_salesman"
        )
        cls.customer_a = cls.Partner.create({"name": "Cliente A", "company_id": cls.company.id})


@tagged("post_install", "-at_install")
class TestRepProfile(RepCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create(
            {"name": "Trattoria Da Gino", "is_company": True, "email": "gino@example.com"}
        )
        cls.person = cls.Partner.create({"name": "Gino Rossi", "email": "rossi@example.com"})
        cls.referrer = cls.Partner.create({"name": "Bar Centrale", "is_company": True})
        cls.wine = cls.env["customer.lifecycle.interest"].create({"name": "Wine"})
        cls.cheese = cls.env["customer.lifecycle.interest"].create({"name": "Cheese"})
        cls.rep = cls.salesperson

    def test_the_rep_cannot_edit_contacts(self):
        # the premise: Odoo gives a salesperson with Own Documents Only no write on contacts
        self.assertFalse(self.Partner.with_user(self.rep).has_access("write"))
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).write({"phone": "+39 02 1234567"})

    def test_the_rep_keeps_the_profile_over_rpc(self):
        self.person.with_user(self.rep).write(
            {
                "lifecycle_birthdate": "1980-05-17",
                "lifecycle_gender": "male",
                "lifecycle_children": 2,
                "lifecycle_profession": "Chef",
                "lifecycle_interest_ids": [Command.set([self.wine.id, self.cheese.id])],
                "lifecycle_preferred_time": "morning",
                "lifecycle_expectations": "Fresh produce on Fridays",
                "lifecycle_referred_by_id": self.referrer.id,
                "lifecycle_source_id": False,
            }
        )
        person = self.person
        self.assertEqual(str(person.lifecycle_birthdate), "1980-05-17")
        self.assertEqual(person.lifecycle_children, 2)
        self.assertEqual(person.lifecycle_profession, "Chef")
        self.assertEqual(person.lifecycle_interest_ids, self.wine | self.cheese)
        self.assertEqual(person.lifecycle_referred_by_id, self.referrer)
        # a referrer sets the channel, as for any user
        self.assertEqual(person.lifecycle_acquisition_channel, "referral")
        # who changed what, in the chatter, by the rep
        note = person.message_ids.filtered(lambda m: "Profile updated by" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.rep.partner_id)
        self.assertIn("Profession", note.body)
        self.assertIn("Interests", note.body)

    def test_any_other_field_keeps_odoos_rules(self):
        for vals in (
            {"name": "Renamed"},
            {"lifecycle_profession": "Chef", "phone": "+39 02 1234567"},
            {"lifecycle_profession": "Chef", "active": False},
            {"lifecycle_profession": "Chef", "user_id": self.rep.id},
            {"lifecycle_profession": "Chef", "lifecycle_stage_id": self.stage("fan").id},
            {"lifecycle_profession": "Chef", "lifecycle_profile_reviewed_on": "2026-01-01"},
            {"lifecycle_profession": "Chef", "lifecycle_consent_token": "x" * 32},
            {
                "lifecycle_special_date_ids": [
                    Command.create({"kind": "custom", "date": "2020-01-01"})
                ]
            },
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.customer.with_user(self.rep).write(vals)
        # an engine figure beside a profile field: refused before any right is looked at
        with self.assertRaisesRegex(UserError, "computed by the lifecycle engine"):
            self.customer.with_user(self.rep).write(
                {"lifecycle_profession": "Chef", "lifecycle_revenue_total": 1e6}
            )
        self.assertEqual(self.customer.name, "Trattoria Da Gino")
        self.assertFalse(self.customer.lifecycle_profession)
        self.assertTrue(self.customer.active)
        self.assertFalse(self.customer.lifecycle_consent_token)

    def test_interests_are_chosen_not_created_or_renamed(self):
        Interest = self.env["customer.lifecycle.interest"]
        for command in (
            Command.create({"name": "Smuggled"}),
            Command.update(self.wine.id, {"name": "Beer"}),
            Command.delete(self.wine.id),
        ):
            with self.subTest(command=command[0]), self.assertRaises(AccessError):
                self.customer.with_user(self.rep).write({"lifecycle_interest_ids": [command]})
        self.assertFalse(Interest.search([("name", "=", "Smuggled")]))
        self.assertEqual(self.wine.name, "Wine")
        for bad in ("1,2", [["x"]], [(6, 0, ["1"])], 7):
            with self.subTest(bad=bad), self.assertRaises(UserError):
                self.customer.with_user(self.rep).write({"lifecycle_interest_ids": bad})

    def test_links_point_only_at_what_the_rep_may_read(self):
        foreign = self.Partner.create({"name": "Cliente B", "company_id": self.company_b.id})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).write({"lifecycle_referred_by_id": foreign.id})
        with self.assertRaises(UserError):
            self.customer.with_user(self.rep).write({"lifecycle_referred_by_id": [foreign.id]})
        self.assertFalse(self.customer.lifecycle_referred_by_id)

    def test_the_other_roles_get_nothing(self):
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write({"lifecycle_profession": "Chef"})
        # a rep of another company cannot reach company A's customer
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.rep_b).write({"lifecycle_profession": "Chef"})
        self.assertFalse(self.customer.lifecycle_profession)
        self.assertFalse(self.customer_a.lifecycle_profession)

    def test_context_keys_lend_nothing(self):
        # a customer who already bought: no referrer may be recorded, whatever the context says
        self.order(self.customer, "2026-01-10")
        for context in (
            {"lifecycle_merging": True},
            {"tracking_disable": True, "mail_notrack": True},
            {"import_file": True},
        ):
            with self.subTest(context=context), self.assertRaises(ValidationError):
                self.customer.with_user(self.rep).with_context(**context).write(
                    {"lifecycle_referred_by_id": self.referrer.id}
                )
        self.assertFalse(self.customer.lifecycle_referred_by_id)
        # the chatter note is written even when the caller asks for no tracking
        self.person.with_user(self.rep).with_context(tracking_disable=True).write(
            {"lifecycle_profession": "Sommelier"}
        )
        self.assertTrue(
            self.person.message_ids.filtered(
                lambda m: "Sommelier" in (m.body or "") or "Profession" in (m.body or "")
            )
        )

    def test_the_dialog_saves_profile_and_special_dates(self):
        birthday = self.env["customer.special.date"].create(
            {"partner_id": self.person.id, "kind": "birthday", "date": "1980-05-17"}
        )
        wedding = self.env["customer.special.date"].create(
            {"partner_id": self.person.id, "kind": "wedding", "date": "2010-06-12"}
        )
        action = self.person.with_user(self.rep).action_lifecycle_update_profile()
        Profile = self.env["customer.lifecycle.profile"].with_user(self.rep)
        with Form(Profile.with_context(**action["context"])) as form:
            self.assertEqual(form.lifecycle_profession, False)
            form.lifecycle_profession = "Chef"
            form.lifecycle_interest_ids.add(self.wine)
            form.lifecycle_acquisition_channel = "event"
            with form.special_date_ids.edit(0) as line:  # ordered by date: the birthday
                line.name = "His birthday"
            form.special_date_ids.remove(1)  # the wedding
            with form.special_date_ids.new() as line:
                line.kind = "company"
                line.date = "2015-03-01"
        form.record.action_save()
        self.assertEqual(self.person.lifecycle_profession, "Chef")
        self.assertEqual(self.person.lifecycle_interest_ids, self.wine)
        self.assertEqual(self.person.lifecycle_acquisition_channel, "event")
        specials = self.person.lifecycle_special_date_ids
        self.assertEqual(sorted(specials.mapped("kind")), ["birthday", "company"])
        self.assertEqual(birthday.name, "His birthday")
        self.assertFalse(wedding.exists())

    def test_the_dialog_is_for_lifecycle_users_on_readable_customers(self):
        with self.assertRaises(AccessError):
            self.person.with_user(self.employee).action_lifecycle_update_profile()
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.rep_b).action_lifecycle_update_profile()
        with self.assertRaises(AccessError):
            self.env["customer.lifecycle.profile"].with_user(self.employee).create(
                {"partner_id": self.person.id}
            )
        # a dialog made for a customer of another company saves nothing there
        profile = (
            self.env["customer.lifecycle.profile"]
            .with_user(self.rep_b)
            .create({"partner_id": self.customer_a.id, "lifecycle_profession": "Chef"})
        )
        with self.assertRaises(AccessError):
            profile.action_save()
        self.assertFalse(self.customer_a.lifecycle_profession)

    def test_the_partner_form_offers_the_dialog_to_the_rep(self):
        arch = self.Partner.with_user(self.rep).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="action_lifecycle_update_profile"', arch)
        arch = self.Partner.with_user(self.employee).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertNotIn('name="action_lifecycle_update_profile"', arch)


@tagged("post_install", "-at_install")
class TestRepNextStep(RepCase):
    """The card's next step is the rep's to plan: scheduling an activity or logging a note on a
    customer needs only read access for lifecycle users; leaving a stage removes only what its
    playbook scheduled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Osteria Tour", "is_company": True})

    def test_the_rep_schedules_the_next_step_and_logs_a_call(self):
        customer = self.customer.with_user(self.salesperson)
        activity = customer.activity_schedule(
            "mail.mail_activity_data_call",
            summary="Propose the autumn range",
            user_id=self.salesperson.id,
        )
        self.assertEqual(self.customer.activity_ids, activity.sudo())
        self.assertEqual(activity.sudo().create_uid, self.salesperson)
        customer.message_post(body="Called: they want samples", message_type="comment")
        activity.action_feedback(feedback="Samples promised")
        self.assertFalse(self.customer.activity_ids)
        self.assertEqual(self.customer.name, "Osteria Tour")
        # still no right to edit the contact or others' activities
        with self.assertRaises(AccessError):
            customer.write({"name": "Renamed"})
        admin_activity = self.customer.activity_schedule("mail.mail_activity_data_todo")
        with self.assertRaises(AccessError):
            admin_activity.with_user(self.salesperson).write({"summary": "Changed"})

    def test_the_others_plan_nothing_on_customers(self):
        for user, customer in (
            (self.employee, self.customer),
            (self.portal, self.customer),
            (self.rep_b, self.customer_a),
        ):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    customer.with_user(user).activity_schedule("mail.mail_activity_data_call")
                with self.assertRaises(AccessError):
                    customer.with_user(user).message_post(body="Hello", message_type="comment")
        self.assertFalse(self.customer.activity_ids | self.customer_a.activity_ids)

    def test_leaving_a_stage_removes_only_its_playbook_activity(self):
        prospect = self.stage("prospect")
        with freeze_time("2026-03-02"):
            self.customer.with_user(self.salesperson).action_lifecycle_set_stage(prospect.id)
            # the rep's own activity of the very type the playbook uses
            own = self.customer.with_user(self.salesperson).activity_schedule(
                act_type_xmlid="customer_lifecycle.activity_type_quotation_follow_up",
                summary="Send the revised quotation",
                user_id=self.salesperson.id,
            )
        playbook = self.customer.activity_ids - own.sudo()
        self.assertEqual(playbook.lifecycle_stage_id, prospect)
        self.assertFalse(own.sudo().lifecycle_stage_id)
        with freeze_time("2026-03-04"):
            self.customer.with_user(self.salesperson).action_lifecycle_set_stage(
                self.stage("buyer").id
            )
        self.assertFalse(playbook.exists())
        self.assertEqual(
            sorted(self.customer.activity_ids.mapped("summary")),
            sorted([own.sudo().summary, self.stage("buyer").activity_type_id.summary or False]),
        )
