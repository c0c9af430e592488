"""A marketing user in the browser: from the funnel's lost customers, a win-back e-mail with a
10 % control group; sent, it reaches the consented customers less the control group."""

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWinBackTour(HttpCase):
    def test_a_marketer_sends_a_win_back_mail_with_a_control_group(self):
        marketer = new_test_user(
            self.env,
            login="clc_tour_marketer",
            password="clc_tour_marketer",
            name="Mara Tour Marketer",
            groups="mass_mailing.group_mass_mailing_user,sales_team.group_sale_salesman_all_leads",
        )
        Partner, Consent = self.env["res.partner"], self.env["customer.consent"]
        email = self.env.ref("customer_lifecycle.consent_channel_email")
        lost = Partner.create(
            [{"name": f"Win Back {n:02d}", "email": f"win.back.{n}@example.com",
              "is_company": True} for n in range(20)]
        )  # fmt: skip
        still = Partner.create({"name": "Still Buying", "email": "still@example.com"})
        for partner in lost | still:
            Consent.create({"partner_id": partner.id, "channel_id": email.id, "state": "granted"})
        for partner in lost[:2]:
            Consent.create({"partner_id": partner.id, "channel_id": email.id, "state": "withdrawn"})
        lost._lifecycle_move(self.env.ref("customer_lifecycle.stage_lost"), reason="Gone quiet")
        self.start_tour("/odoo", "customer_lifecycle_win_back_tour", login=marketer.login)

        mailing = self.env["mailing.mailing"].search([("subject", "=", "We miss you")])
        self.assertEqual(
            (mailing.lifecycle_consent_required, mailing.lifecycle_holdout_percent, mailing.state),
            (True, 10, "in_queue"),
        )
        mailing.action_send_mail()
        members = mailing.lifecycle_member_ids
        held_out = members.filtered("held_out").partner_id
        self.assertEqual((len(members), len(held_out)), (18, 2))
        sent = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertEqual(set(sent.mapped("res_id")), set((lost[2:] - held_out).ids))
