from odoo import api, fields, models
from odoo.exceptions import UserError

BLACKLISTS = [("email", "Email Blacklist"), ("phone", "Phone Blacklist")]


class CustomerConsentChannel(models.Model):
    """A way to contact customers that needs their consent: email, SMS, phone and post ship as
    data; a business adds its own (WhatsApp...) without code."""

    _name = "customer.consent.channel"
    _description = "Consent Channel"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True, help="Technical name, used in filters such as 'contactable by email'."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    icon = fields.Char(default="fa-comment", help="Font Awesome icon shown on cards and forms.")
    address_field = fields.Selection(
        [("email", "Email"), ("phone", "Phone"), ("street", "Street")],
        string="Needs",
        help="The partner field that must be filled to contact the customer on this channel.",
    )
    blacklist = fields.Selection(
        BLACKLISTS,
        help="Withdrawing or refusing consent for this channel puts the customer's address on "
        "this Odoo blacklist; granting it again takes it off.",
    )

    _code_uniq = models.Constraint("UNIQUE(code)", "Channel codes are unique.")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.env["customer.consent"].sudo().search_count([("channel_id", "in", self.ids)]):
            raise UserError(
                self.env._(
                    "Consent was recorded for this channel: archive it instead, the log keeps "
                    "the proof."
                )
            )
