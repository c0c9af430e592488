"""Mailing lists that follow a segment: bound to a stage, an RFM segment, a value class or a saved
filter, their members are the matching customers who consented on the list's channel; the
nightly run brings them in line (added, removed), a second run changes nothing, an unsubscribed
member stays unsubscribed and a contact added by hand stays."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .mailing_common import MailingLifecycleCase


@tagged("post_install", "-at_install")
class TestBoundLists(MailingLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lost = cls.env.ref("customer_lifecycle.stage_lost")
        cls.lina, cls.marco, cls.nora, cls.otto = (
            cls.customer(name) for name in ("Lina Lost", "Marco Lost", "Nora Lost", "Otto Active")
        )
        for partner in (cls.lina, cls.marco, cls.nora, cls.otto):
            cls.consent(partner, "granted")
        cls.consent(cls.nora, "withdrawn")
        (cls.lina | cls.marco | cls.nora)._lifecycle_move(cls.lost, reason="Moved away")
        cls.win_back = cls.List.create(
            {"name": "Win Back", "lifecycle_stage_id": cls.lost.id,
             "lifecycle_channel_id": cls.email.id}
        )  # fmt: skip

    def members(self, mailing_list):
        """{customer: opted out} of the list's lifecycle members."""
        mailing_list.invalidate_recordset()
        return {
            sub.contact_id.lifecycle_partner_id: sub.opt_out
            for sub in mailing_list.subscription_ids
            if sub.contact_id.lifecycle_partner_id
        }

    def test_a_list_follows_its_stage_with_consent_applied(self):
        counts = self.List._lifecycle_sync_bound_lists()
        self.assertEqual(counts, {"added": 2, "removed": 0})
        self.assertEqual(self.members(self.win_back), {self.lina: False, self.marco: False})
        contact = self.win_back.contact_ids.filtered(lambda c: c.lifecycle_partner_id == self.lina)
        self.assertEqual((contact.name, contact.email), ("Lina Lost", "lina.lost@example.com"))
        self.assertTrue(self.win_back.lifecycle_synced)
        # a second sync changes nothing
        self.assertEqual(self.List._lifecycle_sync_bound_lists(), {"added": 0, "removed": 0})

    def test_after_a_night_a_withdrawal_leaves_and_a_newly_lost_customer_comes_in(self):
        self.List._lifecycle_sync_bound_lists()
        self.consent(self.marco, "withdrawn")
        self.otto._lifecycle_move(self.lost, reason="Closed the shop")
        self.nightly_run("2026-11-30 02:00:00")
        self.assertEqual(self.members(self.win_back), {self.lina: False, self.otto: False})

    def test_an_unsubscribed_member_stays_unsubscribed_and_a_hand_added_contact_stays(self):
        self.List._lifecycle_sync_bound_lists()
        subscription = self.win_back.subscription_ids.filtered(
            lambda s: s.contact_id.lifecycle_partner_id == self.lina
        )
        subscription.opt_out = True
        by_hand = self.env["mailing.contact"].create(
            {"name": "Walk-in", "email": "walkin@example.com", "list_ids": self.win_back.ids}
        )
        # Lina leaves the stage: her opt-out is kept, not deleted and re-added later
        self.lina._lifecycle_move(self.env.ref("customer_lifecycle.stage_buyer"))
        self.assertEqual(self.List._lifecycle_sync_bound_lists(), {"added": 0, "removed": 0})
        self.lina._lifecycle_move(self.lost, reason="Gone again")
        self.List._lifecycle_sync_bound_lists()
        self.assertEqual(self.members(self.win_back), {self.lina: True, self.marco: False})
        self.assertIn(by_hand, self.win_back.contact_ids)

    def test_the_contact_follows_the_customers_address_and_is_shared_by_lists(self):
        champions = self.List.create(
            {"name": "Lost in Bologna", "lifecycle_stage_id": self.lost.id,
             "lifecycle_filter_id": self.env["ir.filters"].create(
                 {"name": "Lina", "model_id": "res.partner",
                  "domain": repr([("name", "ilike", "lina")])}
             ).id}
        )  # fmt: skip
        self.List._lifecycle_sync_bound_lists()
        self.assertEqual(self.members(champions), {self.lina: False})
        contacts = self.env["mailing.contact"].search([("lifecycle_partner_id", "=", self.lina.id)])
        self.assertEqual(len(contacts), 1)
        self.lina.email = "lina@bianchi.example.com"
        self.List._lifecycle_sync_bound_lists()
        self.assertEqual(contacts.email, "lina@bianchi.example.com")

    def test_a_bound_list_needs_a_channel_and_only_marketers_update_it(self):
        with self.assertRaisesRegex(UserError, "choose the consent channel"):
            self.List.create(
                {"name": "No channel", "lifecycle_rfm_segment": "champions",
                 "lifecycle_channel_id": False}
            )  # fmt: skip
        for user in (self.salesperson, self.employee):
            with self.assertRaises(AccessError):
                self.win_back.with_user(user).action_lifecycle_sync()
        action = self.win_back.with_user(self.marketer).action_lifecycle_sync()
        self.assertEqual(action["params"]["message"], "2 customers added, 0 removed.")
        self.assertEqual(self.members(self.win_back), {self.lina: False, self.marco: False})
