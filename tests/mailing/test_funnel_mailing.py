"""From the funnel to a mailing: the customers selected become a mailing whose recipients are
those of them contactable for marketing on its channel when it is sent; the form says how many
are left out, and why; nobody can switch the consent off, and only Email Marketing users may
make one, of customers they may read."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .mailing_common import MailingLifecycleCase


@tagged("post_install", "-at_install")
class TestFunnelMailing(MailingLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one customer for each way of being in or out, on e-mail and on SMS
        cls.anna = cls.customer("Anna Granted")
        cls.consent(cls.anna, "granted")
        cls.consent(cls.anna, "granted", cls.sms)
        cls.bruno = cls.customer("Bruno No Email", email=False)
        cls.consent(cls.bruno, "granted")
        cls.carla = cls.customer("Carla Withdrew")
        cls.consent(cls.carla, "granted")
        cls.consent(cls.carla, "withdrawn")
        cls.dario = cls.customer("Dario Refused")
        cls.consent(cls.dario, "refused")
        cls.elena = cls.customer("Elena Blacklisted")
        cls.consent(cls.elena, "granted")
        cls.env["mail.blacklist"]._add(cls.elena.email)
        cls.fabio = cls.customer("Fabio Never Asked")
        cls.gina = cls.customer("Gina Expired")
        cls.env["customer.consent"].create(
            {"partner_id": cls.gina.id, "channel_id": cls.email.id, "state": "granted",
             "date": "2023-01-10 10:00:00", "valid_until": "2025-01-10"}
        )  # fmt: skip
        cls.selection = cls.anna | cls.bruno | cls.carla | cls.dario | cls.elena | cls.fabio
        cls.selection |= cls.gina

    def mailing_of(self, partners, mailing_type="mail", user=None):
        action = partners.with_user(user or self.marketer).action_lifecycle_mailing(mailing_type)
        self.assertEqual((action["res_model"], action["view_mode"]), ("mailing.mailing", "form"))
        mailing = self.Mailing.browse(action["res_id"])
        mailing.body_html = "<p>Ciao!</p>"
        mailing.body_plaintext = "Ciao!"
        return mailing

    def test_the_mailing_says_who_is_left_out_and_why(self):
        mailing = self.mailing_of(self.selection).with_user(self.marketer)
        self.assertTrue(mailing.lifecycle_consent_required)
        self.assertEqual(mailing.lifecycle_channel_id, self.email)
        self.assertEqual(mailing.lifecycle_selected_count, 7)
        self.assertEqual(
            (
                mailing.lifecycle_left_out_no_address,
                mailing.lifecycle_left_out_withdrawn,
                mailing.lifecycle_left_out_blacklisted,
                mailing.lifecycle_left_out_no_consent,
            ),
            (1, 2, 1, 2),
        )
        self.assertEqual(
            mailing.lifecycle_audience_summary,
            "Consent applied (Email): 1 of 7 selected customers receive it; 6 left out: 2 "
            "without consent, 2 withdrew their consent, 1 without an address, 1 blacklisted.",
        )
        everyone_in = self.mailing_of(self.anna).with_user(self.marketer)
        self.assertEqual(
            everyone_in.lifecycle_audience_summary,
            "Consent applied (Email): every selected customer (1) receives it.",
        )
        # Odoo's own recipient count is the consented customers'
        self.assertEqual(mailing.total, 1)

    def test_only_the_consented_customers_receive_it(self):
        mailing = self.mailing_of(self.selection)
        mailing.with_user(self.marketer).action_send_mail()
        self.assertEqual(self.recipients(mailing), self.anna.ids)

    def test_consent_withdrawn_after_the_mailing_was_made_is_respected_at_sending(self):
        mailing = self.mailing_of(self.selection)
        self.consent(self.anna, "withdrawn")
        mailing.invalidate_recordset()  # the form reads it again
        self.assertEqual(mailing.lifecycle_left_out_withdrawn, 3)
        with self.assertRaisesRegex(UserError, "no recipients"):
            mailing.with_user(self.marketer).action_send_mail()
        self.assertEqual(self.recipients(mailing), [])

    def test_an_sms_mailing_follows_the_sms_consent(self):
        mailing = self.mailing_of(self.selection, "sms")
        self.assertEqual(mailing.mailing_type, "sms")
        self.assertEqual(mailing.lifecycle_channel_id, self.sms)
        # only Anna consented to SMS; nobody lacks a number; nobody withdrew on SMS
        self.assertEqual(mailing.lifecycle_left_out_no_consent, 6)
        mailing.with_user(self.marketer).action_send_sms()
        self.assertEqual(self.recipients(mailing), self.anna.ids)

    def test_a_withdrawn_customer_added_to_the_domain_by_hand_is_still_left_out(self):
        mailing = self.mailing_of(self.anna)
        mailing.with_user(self.marketer).mailing_domain = repr([("id", "in", self.selection.ids)])
        mailing.with_user(self.marketer).action_send_mail()
        self.assertEqual(self.recipients(mailing), self.anna.ids)

    def test_nobody_switches_the_consent_off(self):
        mailing = self.mailing_of(self.selection)
        for user in (self.marketer, self.env.ref("base.user_admin")):
            with self.assertRaisesRegex(UserError, "only to the customers who consented"):
                mailing.with_user(user).write({"lifecycle_consent_required": False})
        # nor by duplicating it
        self.assertTrue(mailing.with_user(self.marketer).copy().lifecycle_consent_required)
        # nor by changing its model: on other records nobody's consent is known
        mailing.with_user(self.marketer).mailing_model_id = self.env["ir.model"]._get(
            "mailing.contact"
        )
        mailing.invalidate_recordset()
        self.assertEqual(mailing.total, 0)

    def test_only_email_marketing_users_make_one_of_customers_they_may_read(self):
        for user in (self.salesperson, self.employee):
            with self.assertRaisesRegex(AccessError, "Only Email Marketing users"):
                self.selection.with_user(user).action_lifecycle_mailing("mail")
        portal = new_test_user(self.env, login="clc_portal_mm", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.selection.with_user(portal).action_lifecycle_mailing("mail")
        with self.assertRaisesRegex(UserError, "Unknown mailing type"):
            self.selection.with_user(self.marketer).action_lifecycle_mailing("whatsapp")
        # a marketer of another company cannot reach this company's customers
        _company, outsider = self.user_of_another_company(
            "clc_marketer_b", "mass_mailing.group_mass_mailing_user"
        )
        self.anna.company_id = self.company
        with self.assertRaises(AccessError):
            self.anna.with_user(outsider).action_lifecycle_mailing("mail")
        self.assertEqual(self.Mailing.search_count([("lifecycle_consent_required", "=", True)]), 0)

    def test_a_marketer_without_an_address_is_told_to_set_it(self):
        self.marketer.email = False
        with self.assertRaisesRegex(UserError, "no e-mail address"):
            self.selection.with_user(self.marketer).action_lifecycle_mailing("mail")
        # a text needs no sender address
        mailing = self.mailing_of(self.selection, "sms")
        self.assertEqual(mailing.lifecycle_channel_id, self.sms)

    def test_the_actions_are_offered_to_email_marketing_users_only(self):
        actions = self.env.ref(
            "customer_lifecycle_mass_mailing.action_lifecycle_mailing_email"
        ) | self.env.ref("customer_lifecycle_mass_mailing.action_lifecycle_mailing_sms")
        for user, expected in ((self.marketer, actions), (self.salesperson, actions.browse())):
            bound = self.env["ir.actions.actions"].with_user(user).get_bindings("res.partner")
            offered = {action["id"] for action in bound.get("action", [])}
            self.assertEqual(offered & set(actions.ids), set(expected.ids), user.login)
