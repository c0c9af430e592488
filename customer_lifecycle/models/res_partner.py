from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    lifecycle_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="set null",
        help="The customer who brought this one.",
    )
    lifecycle_referral_ids = fields.One2many(
        "res.partner", "lifecycle_referred_by_id", string="Referrals", readonly=True
    )

    @api.constrains("lifecycle_referred_by_id")
    def _check_lifecycle_referral_cycle(self):
        if self._has_cycle("lifecycle_referred_by_id"):
            raise ValidationError(
                self.env._("A customer cannot be referred, directly or through others, by itself.")
            )
