"""Consent proof that cannot be forged: the proof of the customer's own click is the server's,
the blacklists follow the current state whatever the order of the records, staff cannot undo
the customer's own opt-out, the log is append-only for everyone, and the link to the consent
page is for lifecycle users only. Attacked as a salesperson, a plain employee, a portal user,
a user of another company and an administrator, with crafted values and context keys."""

from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from .common import LifecycleCase

EMAIL = "giulia.bianchi@example.com"
NUMBER = "+393331234567"  # E.164, as phone.blacklist stores it


@tagged("post_install", "-at_install")
class TestConsentProof(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.giulia = cls.Partner.create(
            {
                "name": "Giulia Bianchi",
                "email": "Giulia.Bianchi@Example.com",
                "phone": "+393331234567",
                "street": "Via Roma 1",
                "city": "Bologna",
            }
        )
        cls.portal = new_test_user(cls.env, login="clc_portal", groups="base.group_portal")
        cls.sysadmin = new_test_user(cls.env, login="clc_sysadmin", groups="base.group_system")

    # -- helpers ------------------------------------------------------------------------------

    @contextmanager
    def refused(self, text, exception=UserError):
        """The block raises `exception` with `text` in its message; the savepoint of Odoo's
        assertRaises rolls back what it wrote."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertIn(text, str(caught.exception))

    def record(self, state, channel=None, user=None, when=None, **vals):
        Consent = self.Consent.with_user(user) if user else self.Consent
        values = {
            "partner_id": self.giulia.id,
            "channel_id": (channel or self.email).id,
            "state": state,
            "source": "store",
            **vals,
        }
        if when:
            values["date"] = when
        return Consent.create(values)

    def from_page(self, choice, channel=None):
        """The customer's own click on its page, as the controller records it."""
        return self.Consent.sudo()._record_from_page(
            self.giulia, (channel or self.email).id, choice, "198.51.100.4", "Firefox/140"
        )

    def mail_rows(self):
        """The email blacklist rows of Giulia's normalised address, archived ones included."""
        rows = (
            self.env["mail.blacklist"]
            .with_context(active_test=False)
            .search([("email", "=", EMAIL)])
        )
        return [(row.email, row.active) for row in rows]

    def phone_rows(self):
        rows = (
            self.env["phone.blacklist"]
            .with_context(active_test=False)
            .search([("number", "=", NUMBER)])
        )
        return [(row.number, row.active) for row in rows]

    # -- proof fields ---------------------------------------------------------------------------

    def test_a_salesperson_cannot_make_a_record_look_like_the_customers_click(self):
        attempts = {
            "source web form": ({"source": "web_form", "user_id": False}, {}, "Web Form"),
            "remote address": ({"remote_addr": "198.51.100.4"}, {}, "remote address"),
            "user agent": ({"user_agent": "Firefox/140"}, {}, "remote address"),
            "confirmation code": ({"confirmation_code": "abc"}, {}, "remote address"),
            "pending": ({"state": "pending"}, {}, "Pending Confirmation"),
            "default_source": ({}, {"default_source": "web_form"}, "Web Form"),
            "default_remote_addr": ({}, {"default_remote_addr": "198.51.100.4"}, "remote"),
        }
        for name, (vals, context, message) in attempts.items():
            with self.subTest(name):
                Consent = self.Consent.with_user(self.salesperson).with_context(**context)
                values = {
                    "partner_id": self.giulia.id,
                    "channel_id": self.email.id,
                    "state": "granted",
                    **vals,
                }
                if "source" not in values and "default_source" not in context:
                    values["source"] = "store"
                with self.refused(message, UserError):
                    Consent.create(values)
        self.assertFalse(self.Consent.search([("partner_id", "=", self.giulia.id)]))

    def test_the_server_event_paths_are_not_callable_over_rpc(self):
        # the page's own paths keep proof; RPC reaches only public methods
        for name in ("_record_event", "_record_from_page", "_confirm_from_email"):
            with self.subTest(name), self.assertRaises(AccessError):
                get_public_method(self.Consent, name)

    def test_the_recorder_is_the_user_who_creates_whatever_the_caller_says(self):
        admin = self.env.ref("base.user_admin")
        first = self.record("granted", user=self.salesperson, user_id=admin.id)
        second = self.record(
            "granted",
            channel=self.post,
            user=self.salesperson.with_context(default_user_id=False),
        )
        third = (
            self.Consent.with_user(self.salesperson)
            .with_context(default_user_id=admin.id)
            .create(
                {
                    "partner_id": self.giulia.id,
                    "channel_id": self.sms.id,
                    "state": "granted",
                    "source": "phone",
                }
            )
        )
        self.assertEqual((first | second | third).mapped("user_id"), self.salesperson)
        self.assertFalse(any((first | second | third).mapped("remote_addr")))

    def test_an_administrator_and_the_superuser_cannot_forge_it_either(self):
        for Consent in (self.Consent.with_user(self.env.ref("base.user_admin")), self.Consent):
            with self.refused("Web Form", UserError):
                Consent.create(
                    {
                        "partner_id": self.giulia.id,
                        "channel_id": self.email.id,
                        "source": "web_form",
                    }
                )

    def test_an_import_claiming_the_web_form_is_refused_whole(self):
        header = ["partner_id", "channel_id", "state", "source"]
        result = self.Consent.load(
            header,
            [
                ["Giulia Bianchi", "Email", "granted", "import"],
                ["Giulia Bianchi", "SMS", "granted", "web_form"],
            ],
        )
        self.assertFalse(result["ids"])
        self.assertIn("Web Form", " ".join(m["message"] for m in result["messages"]))
        self.assertFalse(self.giulia.lifecycle_consent_ids)

    def test_the_page_records_the_proof_and_no_recorder(self):
        self.assertEqual(self.from_page("withdraw"), "withdrawn")
        self.assertRecordValues(
            self.giulia.lifecycle_consent_ids,
            [
                {
                    "state": "withdrawn",
                    "source": "web_form",
                    "remote_addr": "198.51.100.4",
                    "user_agent": "Firefox/140",
                    "user_id": False,
                }
            ],
        )

    def test_a_crafted_blacklist_context_does_not_skip_the_blacklist(self):
        self.Consent.with_user(self.salesperson).with_context(lifecycle_from_blacklist=True).create(
            {
                "partner_id": self.giulia.id,
                "channel_id": self.email.id,
                "state": "withdrawn",
                "source": "phone",
            }
        )
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])

    # -- blacklists follow the current state ----------------------------------------------------

    def test_an_older_grant_imported_today_does_not_lift_a_newer_withdrawal(self):
        self.record("withdrawn", when="2026-03-01 10:00:00")
        self.record("refused", channel=self.sms, when="2026-03-01 10:00:00")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        self.assertEqual(self.phone_rows(), [(NUMBER, True)])
        self.record("granted", when="2025-01-01 10:00:00", source="import")
        self.record("granted", channel=self.sms, when="2025-01-01 10:00:00", source="import")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        self.assertEqual(self.phone_rows(), [(NUMBER, True)])
        self.giulia.invalidate_recordset()
        self.assertTrue(self.giulia.is_blacklisted)

    def test_an_older_withdrawal_imported_today_does_not_blacklist_a_newer_grant(self):
        self.record("granted", when="2026-03-01 10:00:00")
        self.record("granted", channel=self.sms, when="2026-03-01 10:00:00")
        self.record("withdrawn", when="2025-01-01 10:00:00", source="import")
        self.record("refused", channel=self.sms, when="2025-01-01 10:00:00", source="import")
        self.assertEqual(self.mail_rows(), [])
        self.assertEqual(self.phone_rows(), [])

    def test_an_older_record_imported_today_leaves_a_later_unsubscribe_alone(self):
        self.record("granted", when="2026-03-01 10:00:00")
        self.env["mail.blacklist"].sudo()._add(EMAIL, message="Unsubscribed from a mailing")
        self.record("granted", when="2025-01-01 10:00:00", source="import")
        self.record("withdrawn", when="2024-01-01 10:00:00", source="import")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])

    def test_one_import_batch_in_any_order_ends_on_the_newest(self):
        rows = [
            ("withdrawn", "2026-02-01 09:00:00"),
            ("granted", "2025-06-01 09:00:00"),
        ]
        for order in (rows, rows[::-1]):
            with self.subTest(order=[state for state, _when in order]):
                self.env.cr.execute("SAVEPOINT clc_batch")
                self.Consent.create(
                    [
                        {
                            "partner_id": self.giulia.id,
                            "channel_id": self.email.id,
                            "state": state,
                            "source": "import",
                            "date": when,
                        }
                        for state, when in order
                    ]
                )
                self.assertEqual(self.mail_rows(), [(EMAIL, True)])
                self.env.cr.execute("ROLLBACK TO SAVEPOINT clc_batch")
                self.env.invalidate_all()

    def test_only_the_marketing_purpose_touches_the_blacklists(self):
        self.record("withdrawn", purpose="profiling")
        self.record("refused", channel=self.sms, purpose="profiling")
        self.assertEqual((self.mail_rows(), self.phone_rows()), ([], []))
        self.record("withdrawn")
        self.record("granted", purpose="profiling")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)], "a profiling grant lifts nothing")

    def test_the_number_stays_listed_while_another_phone_channel_says_no(self):
        self.record("withdrawn", channel=self.sms)
        self.record("granted", channel=self.phone)
        self.assertEqual(self.phone_rows(), [(NUMBER, True)])
        self.record("granted", channel=self.sms)
        self.assertEqual(self.phone_rows(), [(NUMBER, False)])

    # -- staff never silently undo the customer's own opt-out -----------------------------------

    def test_staff_cannot_undo_a_withdrawal_made_on_the_consent_page(self):
        with freeze_time("2026-04-02 08:30:00"):
            self.from_page("withdraw")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        message = (
            "Giulia Bianchi withdrew Email consent themselves on 2026-04-02 08:30:00 "
            "(consent page): only the customer or a lifecycle administrator with a reason can "
            "record a new grant."
        )
        for user, vals in [
            (self.salesperson, {}),
            (self.salesperson, {"lift_reason": "She said yes at the counter"}),
            (self.sales_manager, {}),
            (self.env.ref("base.user_admin"), {}),
        ]:
            with self.subTest(user=user.login, vals=vals):
                with self.assertRaises(UserError) as caught:
                    self.record("granted", user=user, source="phone", **vals)
                self.assertEqual(str(caught.exception), message)
        self.assertEqual(len(self.giulia.lifecycle_consent_ids), 1)
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        # an older statement changes nothing and is not refused
        self.record("granted", user=self.salesperson, when="2026-01-01 10:00:00")
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        # a lifecycle administrator with a reason lifts it
        self.record("granted", user=self.sales_manager, lift_reason="Called us to subscribe again")
        self.assertEqual(self.mail_rows(), [(EMAIL, False)])

    def test_the_customer_lifts_their_own_withdrawal_on_the_page(self):
        self.from_page("withdraw")
        self.assertEqual(self.from_page("grant"), "granted")
        self.assertEqual(self.mail_rows(), [(EMAIL, False)])

    def test_staff_cannot_undo_an_unsubscribe_the_log_did_not_record(self):
        # the customer unsubscribed from a mailing: Odoo put the address on the blacklist
        with freeze_time("2026-05-06 07:00:00"):
            self.env["mail.blacklist"].sudo()._add(EMAIL, message="Unsubscribed")
        self.env["mail.blacklist"].flush_model()
        with self.assertRaises(UserError) as caught:
            self.record("granted", user=self.salesperson, source="event")
        self.assertIn("Giulia Bianchi unsubscribed from Email themselves on", str(caught.exception))
        self.assertIn(EMAIL, str(caught.exception))
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        # post is not fed by a blacklist: a grant there is the staff's to record
        self.record("granted", channel=self.post, user=self.salesperson)
        self.record("granted", user=self.sales_manager, lift_reason="Asked at the fair")
        self.assertEqual(self.mail_rows(), [(EMAIL, False)])

    def test_a_staff_withdrawal_can_be_lifted_by_staff(self):
        self.record("withdrawn", user=self.salesperson, source="phone")
        self.record("granted", user=self.salesperson, source="phone")
        self.assertEqual(self.mail_rows(), [(EMAIL, False)])

    def test_blacklist_removal_wizards_follow_the_same_rules(self):
        Remove = self.env["mail.blacklist.remove"]
        self.from_page("withdraw")
        with self.refused("withdrew Email consent themselves", UserError):
            Remove.with_user(self.sysadmin).create(
                {"email": EMAIL, "reason": "asked by phone"}
            ).action_unblacklist_apply()
        self.assertEqual(self.mail_rows(), [(EMAIL, True)])
        Remove.with_user(self.env.ref("base.user_admin")).create(
            {"email": EMAIL, "reason": "asked by phone"}
        ).action_unblacklist_apply()
        self.assertEqual(self.mail_rows(), [(EMAIL, False)])
        self.assertEqual(
            self.giulia.lifecycle_consent_ids.sorted("id")[-1].lift_reason, "asked by phone"
        )

    def test_phone_blacklist_removal_of_an_unsubscribe_needs_a_lifecycle_administrator(self):
        self.env["phone.blacklist"].sudo()._add([NUMBER], message="STOP by SMS")
        Remove = self.env["phone.blacklist.remove"]
        with self.refused("unsubscribed from SMS themselves", UserError):
            Remove.with_user(self.sysadmin).create(
                {"phone": NUMBER, "reason": "typo"}
            ).action_unblacklist_apply()
        self.assertEqual(self.phone_rows(), [(NUMBER, True)])
        with self.refused("unsubscribed from SMS themselves", UserError):
            Remove.with_user(self.env.ref("base.user_admin")).create(
                {"phone": NUMBER}
            ).action_unblacklist_apply()
        Remove.with_user(self.env.ref("base.user_admin")).create(
            {"phone": NUMBER, "reason": "She texted START"}
        ).action_unblacklist_apply()
        self.assertEqual(self.phone_rows(), [(NUMBER, False)])
        self.assertFalse(self.giulia.lifecycle_consent_ids, "nothing in the log to grant again")

    # -- append-only, uninstall -----------------------------------------------------------------

    def test_the_uninstall_alone_deletes_consent_records(self):
        consent = self.record("granted")
        with self.refused("cannot be deleted", UserError):
            consent.sudo().unlink()
        consent.sudo().with_context(**{MODULE_UNINSTALL_FLAG: True}).unlink()
        self.assertFalse(consent.exists())

    def test_no_access_right_lets_anyone_write_or_delete_the_log(self):
        Access = self.env["ir.model.access"].sudo()
        rows = Access.search([("model_id.model", "=", "customer.consent")])
        self.assertEqual(
            sorted(
                (r.group_id.id, r.perm_read, r.perm_write, r.perm_create, r.perm_unlink)
                for r in rows
            ),
            sorted(
                [
                    (
                        self.env.ref("customer_lifecycle.group_lifecycle_user").id,
                        True,
                        False,
                        True,
                        False,
                    ),
                    (self.env.ref("base.group_system").id, True, False, True, False),
                ]
            ),
        )

    # -- who records, for whom ------------------------------------------------------------------

    def test_users_without_lifecycle_rights_or_of_another_company_record_nothing(self):
        other_company = self.env["res.company"].create({"name": "Other Company B"})
        remote = new_test_user(
            self.env,
            login="clc_rep_b",
            groups="sales_team.group_sale_salesman",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        self.giulia.company_id = self.company
        for user in (self.employee, self.portal, remote):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.record("granted", user=user)
        self.assertFalse(self.giulia.lifecycle_consent_ids)
        # nor do they get the customer's consent page link
        with self.assertRaises(AccessError):
            self.env["customer.consent.link"].with_user(remote).create(
                {"partner_id": self.giulia.id}
            )
        self.assertFalse(self.giulia.sudo().lifecycle_consent_token)

    # -- the link to the consent page -----------------------------------------------------------

    def test_the_link_is_for_lifecycle_users_only(self):
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.giulia.with_user(user).action_lifecycle_consent_link()
                with self.assertRaises(AccessError):
                    self.env["customer.consent.link"].with_user(user).create(
                        {"partner_id": self.giulia.id}
                    )
                with self.assertRaises(AccessError):
                    self.giulia.with_user(user).read(["lifecycle_consent_token"])
        self.assertFalse(self.giulia.sudo().lifecycle_consent_token, "no link made")
        fields_seen = self.env["customer.consent.link"].with_user(self.employee).fields_get()
        self.assertNotIn("url", fields_seen)
        action = self.giulia.with_user(self.salesperson).action_lifecycle_consent_link()
        link = self.env["customer.consent.link"].browse(action["res_id"])
        token = self.giulia.sudo().lifecycle_consent_token
        self.assertEqual(len(token), 32)
        self.assertTrue(link.url.endswith(f"/consent/{token}"))
        with self.assertRaises(AccessError):
            link.with_user(self.employee).action_renew()
        self.assertEqual(self.giulia.sudo().lifecycle_consent_token, token)
        link.with_user(self.salesperson).action_renew()
        self.assertNotEqual(self.giulia.sudo().lifecycle_consent_token, token)

    def test_the_link_stays_refused_when_another_module_opens_the_wizard_to_employees(self):
        self.env["ir.model.access"].create(
            {
                "name": "another module's generous access",
                "model_id": self.env["ir.model"]._get_id("customer.consent.link"),
                "group_id": self.env.ref("base.group_user").id,
                "perm_read": True,
                "perm_write": True,
                "perm_create": True,
            }
        )
        link = (
            self.env["customer.consent.link"]
            .with_user(self.salesperson)
            .create({"partner_id": self.giulia.id})
        )
        token = self.giulia.sudo().lifecycle_consent_token
        with self.refused("Only Customer Lifecycle users", AccessError):
            self.giulia.with_user(self.employee).action_lifecycle_consent_link()
        with self.refused("Only Customer Lifecycle users", AccessError):
            self.env["customer.consent.link"].with_user(self.employee).create(
                {"partner_id": self.giulia.id}
            )
        link.create_uid = self.employee  # even on a wizard of their own
        with self.refused("Only Customer Lifecycle users", AccessError):
            link.with_user(self.employee).action_renew()
        self.assertEqual(self.giulia.sudo().lifecycle_consent_token, token)

    def test_a_crafted_url_is_not_kept(self):
        link = (
            self.env["customer.consent.link"]
            .with_user(self.salesperson)
            .create({"partner_id": self.giulia.id, "url": "https://evil.example/phish"})
        )
        self.assertNotIn("evil", link.url)

    def test_anonymising_revokes_the_link(self):
        old = self.giulia._lifecycle_consent_url().rsplit("/", 1)[1]
        self.assertEqual(self.Partner._lifecycle_from_consent_token(old), self.giulia)
        self.giulia.with_user(self.sales_manager).action_lifecycle_anonymise()
        self.assertFalse(self.giulia.sudo().lifecycle_consent_token)
        self.assertFalse(self.Partner._lifecycle_from_consent_token(old))

    def test_a_token_that_is_not_a_token_finds_nobody(self):
        token = self.giulia._lifecycle_consent_url().rsplit("/", 1)[1]
        for wrong in (token + "x" * 40, None, 12345678901234567890, ["a"] * 30, token[:10]):
            with self.subTest(wrong=wrong):
                self.assertFalse(self.Partner._lifecycle_from_consent_token(wrong))

    # -- double opt-in --------------------------------------------------------------------------

    def test_a_confirmation_code_works_once_while_current_and_until_it_expires(self):
        self.company.lifecycle_consent_double_opt_in = True
        self.assertEqual(self.company.lifecycle_consent_confirm_days, 7)
        Consent = self.Consent.sudo()

        def pending():
            self.assertEqual(self.from_page("grant"), "pending")
            return self.giulia.lifecycle_consent_ids.sorted("id")[-1]

        # used: works once
        first = pending()
        code = first.confirmation_code
        self.assertEqual(Consent._pending_for_code(self.giulia, code), first)
        self.assertTrue(Consent._confirm_from_email(self.giulia, code, "198.51.100.4", "UA"))
        self.assertFalse(Consent._confirm_from_email(self.giulia, code, "198.51.100.4", "UA"))
        self.assertEqual(
            [c.state for c in self.giulia.lifecycle_consent_ids.sorted("id")],
            ["pending", "granted"],
        )
        # a later withdrawal kills it (a new pending needs the hour to pass)
        with freeze_time(fields.Datetime.now() + timedelta(hours=2)):
            second = pending()
            self.from_page("withdraw")
            self.assertFalse(Consent._pending_for_code(self.giulia, second.confirmation_code))
        # expired after the company's period
        with freeze_time(fields.Datetime.now() + timedelta(hours=4)):
            third = pending()
        self.company.lifecycle_consent_confirm_days = 3
        with freeze_time(third.create_date + timedelta(days=3, minutes=1)):
            self.assertFalse(
                Consent._confirm_from_email(self.giulia, third.confirmation_code, "x", "y")
            )
        with freeze_time(third.create_date + timedelta(days=2)):
            self.assertTrue(
                Consent._confirm_from_email(self.giulia, third.confirmation_code, "x", "y")
            )

    def test_the_confirmation_period_is_a_setting_with_bounds(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.lifecycle_consent_confirm_days, 7)
        for wrong in (0, 91):
            with self.subTest(wrong=wrong), self.refused("1 and 90 days", ValidationError):
                self.company.lifecycle_consent_confirm_days = wrong
                self.company.flush_recordset()

    def test_dates_are_checked_with_the_servers_clock(self):
        future = fields.Datetime.now() + timedelta(days=1)
        with self.refused("in the future", ValidationError):
            self.record("granted", when=future)
