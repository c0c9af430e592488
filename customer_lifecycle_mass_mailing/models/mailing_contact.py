from odoo import fields, models


class MailingContact(models.Model):
    _inherit = "mailing.contact"

    # the customer a bound list's sync made this contact for (mailing.list._lifecycle_sync):
    # one contact per customer, shared by every bound list, its address kept to the customer's
    lifecycle_partner_id = fields.Many2one(
        "res.partner",
        string="Lifecycle Customer",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Added by a mailing list that follows a lifecycle stage or segment.",
    )
