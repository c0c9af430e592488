"""The customers of a selection as the recipients of a mailing: who of them may receive
marketing on a channel (e-mail, SMS) today, and why each of the others is left out."""

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_consent import CURRENT

# Why a customer is left out of a mailing, in the order they are checked.
# A withdrawal blacklists the address (customer.consent): it is told as a withdrawal.
LEFT_OUT_REASONS = ("no_address", "withdrawn", "blacklisted", "no_consent")

# Each partner of ids with what it is on the channel: contactable, or the first reason of
# LEFT_OUT_REASONS that leaves it out. The address and the consent as the main addon's
# CONTACTABLE reads them; the blacklists as Odoo's mailings apply them.
AUDIENCE = """
    SELECT p.id,
           CASE WHEN NOT %(has_address)s THEN 'no_address'
                WHEN cur.state IN ('withdrawn', 'refused') THEN 'withdrawn'
                WHEN %(blacklisted)s THEN 'blacklisted'
                WHEN cur.state = 'granted' AND %(still_valid)s THEN 'contactable'
                ELSE 'no_consent' END
      FROM res_partner p
 LEFT JOIN (%(current)s) cur ON cur.partner_id = p.id AND cur.channel_id = %(channel)s
     WHERE p.id = ANY(%(ids)s)
"""
ADDRESS = {
    "email": "COALESCE(p.email, '') <> ''",
    "phone": "COALESCE(p.phone, '') <> ''",
}
BLACKLISTED = {
    "email": """EXISTS (SELECT 1 FROM mail_blacklist b
                        WHERE b.active AND b.email = p.email_normalized)""",
    "phone": """EXISTS (SELECT 1 FROM phone_blacklist b
                        WHERE b.active AND b.number = p.phone_sanitized)""",
}
MAILING_CHANNELS = {"mail": "customer_lifecycle.consent_channel_email",
                    "sms": "customer_lifecycle.consent_channel_sms"}  # fmt: skip


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _lifecycle_audience(self, partner_ids, channel):
        """{'contactable' or a reason of LEFT_OUT_REASONS: [partner ids]} of these partners on
        the consent channel (customer.consent.channel, e-mail or phone address), from one
        query, as of now. Reads the consent log: callers check who may know it."""
        audience = {"contactable": [], **{reason: [] for reason in LEFT_OUT_REASONS}}
        if not partner_ids:
            return audience
        consents = self.env["customer.consent"]
        consents._flush_for_queries()
        self.flush_model(["email_normalized", "phone_sanitized"])
        self.env["mail.blacklist"].flush_model()
        self.env["phone.blacklist"].flush_model()
        kind = channel.address_field if channel.address_field in ADDRESS else "email"
        self.env.cr.execute(
            SQL(
                AUDIENCE,
                has_address=SQL(ADDRESS[kind]),
                blacklisted=SQL(BLACKLISTED[kind]),
                still_valid=consents._still_valid(),
                current=SQL(CURRENT, partner_ids=list(partner_ids)),
                channel=channel.id,
                ids=list(partner_ids),
            )
        )
        for partner_id, what in self.env.cr.fetchall():
            audience[what].append(partner_id)
        return audience

    def action_lifecycle_mailing(self, mailing_type="mail"):
        """A new mailing (e-mail: mailing_type 'mail'; text: 'sms') on these customers, opened
        in its form: its recipients are those of them contactable for marketing on that
        channel when it is sent; the form says how many are left out, and why. For Email
        Marketing users, on partners they may read."""
        if mailing_type not in MAILING_CHANNELS:
            raise AccessError(self.env._("Unknown mailing type: %s", mailing_type))
        if not self.env.user.has_group("mass_mailing.group_mass_mailing_user"):
            raise AccessError(
                self.env._("Only Email Marketing users can send a mailing to these customers.")
            )
        self.check_access("read")
        mailing = self.env["mailing.mailing"].create(
            {
                "mailing_type": mailing_type,
                "subject": self.env._("To %(count)s customers", count=len(self)),
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", self.ids)]),
                "lifecycle_consent_required": True,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
