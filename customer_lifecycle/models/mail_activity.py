from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # Which stage's playbook scheduled the activity: only those are removed when the customer
    # leaves the stage (res.partner._lifecycle_drop_previous_playbook), never a rep's own, even
    # of the same type.
    lifecycle_stage_id = fields.Many2one(
        "customer.lifecycle.stage",
        string="Lifecycle Playbook",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The lifecycle stage whose playbook scheduled this activity: it goes when the "
        "customer leaves that stage before it is done.",
    )
