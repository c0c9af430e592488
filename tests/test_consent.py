"""Per-channel consent with proof: an append-only log, the blacklists, who is contactable, and
imports that are refused whole when a row is wrong."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestConsent(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.giulia = cls.Partner.create(
            {
                "name": "Giulia Bianchi",
                "email": "giulia.bianchi@example.com",
                "phone": "+39 333 123 4567",
                "street": "Via Roma 1",
                "city": "Bologna",
            }
        )

    def record(self, state, channel=None, partner=None, user=None, **vals):
        Consent = self.Consent.with_user(user) if user else self.Consent
        return Consent.create(
            {
                "partner_id": (partner or self.giulia).id,
                "channel_id": (channel or self.email).id,
                "state": state,
                **vals,
            }
        )

    def contactable(self, code):
        return self.Partner.search([("lifecycle_contactable_channel_ids.code", "=", code)])

    def test_a_salesperson_records_consent_and_nobody_changes_or_deletes_it(self):
        consent = self.record("granted", user=self.salesperson, source="store")
        self.assertEqual(consent.user_id, self.salesperson)
        admin = self.env.ref("base.user_admin")
        for who in (self.salesperson, admin, self.env.ref("base.user_root")):
            with self.subTest(who=who.login):
                with self.assertRaises(UserError) as caught:
                    consent.with_user(who).write({"state": "withdrawn"})
                self.assertIn("cannot be changed", str(caught.exception))
                # no access right deletes it; the superuser meets the model's own refusal
                root = who == self.env.ref("base.user_root")
                with self.assertRaises(UserError if root else AccessError) as caught:
                    consent.with_user(who).unlink()
                refused = "You are not allowed to delete 'Customer Consent' (customer.consent)"
                if root:
                    refused = "A consent record cannot be deleted: it is the proof of what"
                self.assertIs(type(caught.exception), UserError if root else AccessError)
                self.assertIn(refused, str(caught.exception))
                with self.assertRaises(UserError) as caught:
                    consent.with_user(who).sudo().write({"notice": "Privacy notice v2"})
                self.assertIn(
                    "A consent record cannot be changed: it is the proof of what the customer "
                    "said.",
                    str(caught.exception),
                )
        self.assertRecordValues(consent, [{"state": "granted", "notice": False}])
        with self.assertRaises(AccessError) as caught:
            self.Consent.with_user(self.employee).search([])
        self.assertIn(
            "You are not allowed to access 'Customer Consent' (customer.consent) records.",
            str(caught.exception),
        )

    def test_the_newest_record_wins_and_no_record_is_unknown(self):
        with freeze_time("2026-01-10"):
            self.record("granted")
        with freeze_time("2026-02-10"):
            self.record("withdrawn")
            self.record("granted", channel=self.sms)
        with freeze_time("2026-02-11"):
            as_rep = self.giulia.with_user(self.salesperson)  # who cannot edit contacts
            states = {s["name"]: s["state"] for s in as_rep.get_lifecycle_consent_states()}
        self.assertEqual(
            states, {"Email": "withdrawn", "SMS": "granted", "Phone": "unknown", "Post": "unknown"}
        )

    def test_withdrawing_puts_the_address_on_the_blacklist_and_granting_takes_it_off(self):
        self.record("withdrawn")
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "giulia.bianchi@example.com")])
        )
        self.assertTrue(self.giulia.is_blacklisted)
        self.record("refused", channel=self.sms)
        self.assertTrue(self.giulia.phone_sanitized_blacklisted)
        self.record("granted")
        self.giulia.invalidate_recordset()
        self.assertFalse(self.giulia.is_blacklisted)

    def test_removal_from_the_blacklist_records_consent_only_with_a_reason(self):
        self.record("withdrawn")
        Remove = self.env["mail.blacklist.remove"]
        with self.assertRaises(UserError) as caught:
            Remove.create({"email": "giulia.bianchi@example.com"}).action_unblacklist_apply()
        self.assertIn("give a reason", str(caught.exception))
        self.assertEqual(len(self.giulia.lifecycle_consent_ids), 1, "no silent flip")
        self.assertTrue(self.giulia.is_blacklisted, "nothing removed")
        Remove.create(
            {"email": "giulia.bianchi@example.com", "reason": "She asked again by phone"}
        ).action_unblacklist_apply()
        newest = self.giulia.lifecycle_consent_ids.sorted("id")[-1]
        self.assertRecordValues(
            newest,
            [{"state": "granted", "source": "other", "lift_reason": "She asked again by phone"}],
        )
        self.assertIn("She asked again by phone", newest.notice)
        self.giulia.invalidate_recordset()
        self.assertFalse(self.giulia.is_blacklisted)

    def test_contactable_by_channel_follows_consent_validity_and_address(self):
        with freeze_time("2026-01-10"):
            self.record("granted")
            self.record("granted", channel=self.post)
            self.assertIn(self.giulia, self.contactable("email"))
            self.assertIn(self.giulia, self.contactable("post"))
            self.assertNotIn(self.giulia, self.contactable("sms"), "no consent, not contactable")
        with freeze_time("2029-02-01"):  # three years on, no order since
            self.assertNotIn(self.giulia, self.contactable("email"))
            self.assertIn(
                self.giulia, self.Partner.search([("lifecycle_consent_expired", "=", True)])
            )
        self.order(self.giulia, "2028-06-01")  # a customer who keeps buying stays contactable
        with freeze_time("2029-02-01"):
            self.assertIn(self.giulia, self.contactable("email"))
        self.giulia.street = False
        self.assertNotIn(self.giulia, self.contactable("post"), "no address to write to")
        not_by_post = self.Partner.search(
            [("lifecycle_contactable_channel_ids", "not in", self.post.ids)]
        )
        self.assertIn(self.giulia, not_by_post)

    def test_a_consent_ending_soon_reminds_the_salesperson_once(self):
        self.giulia.user_id = self.salesperson
        with freeze_time("2026-01-10"):
            self.record("granted", valid_until="2026-02-01")
        ask = self.env.ref("customer_lifecycle.activity_type_ask_consent")
        domain = [("res_id", "=", self.giulia.id), ("activity_type_id", "=", ask.id)]
        with freeze_time("2026-01-15"):
            self.Consent._cron_remind_expiring()
            self.Consent._cron_remind_expiring()
        activities = self.env["mail.activity"].search(domain)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.salesperson)

    def test_an_import_with_a_wrong_row_is_refused_whole_naming_the_row(self):
        header = ["partner_id", "channel_id", "state", "date", "source"]
        now = fields.Datetime.now()
        good = ["Giulia Bianchi", "Email", "granted", str(now - timedelta(days=3)), "import"]
        future = now + timedelta(days=2)
        too_early = (
            f"The consent of Giulia Bianchi is dated {future}, in the future: a consent is "
            "recorded when the customer gives or refuses it."
        )
        missing_channel = (
            "Missing required value for the field 'Channel' (channel_id).\n"
            "Model: 'Customer Consent' (customer.consent)\n"
            "- create/update: a mandatory field is not set\n"
            "- delete: another model requires the record being deleted, you can archive it "
            "instead\n"
        )
        for wrong, expected in [
            (
                ["Giulia Bianchi", "WhatsApp", "granted", str(now), "import"],
                [
                    (1, "No matching record found for name 'WhatsApp' in field 'Channel'"),
                    (1, missing_channel),
                ],
            ),
            (
                ["Giulia Bianchi", "Email", "maybe", str(now), "import"],
                [(1, "Value 'maybe' not found in selection field 'State'")],
            ),
            (
                ["Giulia Bianchi", "Email", "granted", str(future), "import"],
                # Odoo reports the refused batch on its first row, then the wrong row itself
                [(0, too_early), (1, too_early)],
            ),
        ]:
            with self.subTest(wrong=wrong[1:4]):
                result = self.Consent.load(header, [good, wrong, good])
                self.assertFalse(result["ids"], "nothing imported")
                self.assertEqual(
                    [(m["type"], m["rows"], m["message"]) for m in result["messages"]],
                    [("error", {"from": row, "to": row}, text) for row, text in expected],
                )
        self.assertFalse(self.giulia.lifecycle_consent_ids)

    def test_a_channel_with_consent_cannot_be_deleted_and_new_channels_need_no_code(self):
        whatsapp = self.env["customer.consent.channel"].create(
            {
                "name": "WhatsApp",
                "code": "whatsapp",
                "address_field": "phone",
                "icon": "fa-whatsapp",
            }
        )
        self.record("granted", channel=whatsapp)
        self.assertIn(self.giulia, self.contactable("whatsapp"))
        with self.assertRaises(UserError) as caught:
            whatsapp.unlink()
        self.assertEqual(
            str(caught.exception),
            "Consent was recorded for this channel: archive it instead, the log keeps the proof.",
        )
