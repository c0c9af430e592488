"""What a customer buys, on the partner: its category mix (customer.lifecycle.category.mix) and
the funnel card's two biggest categories."""

from odoo import fields, models

from .res_partner import LIFECYCLE_PREFETCH, SENSITIVE


class ResPartner(models.Model):
    _inherit = "res.partner"

    lifecycle_category_mix_ids = fields.One2many(
        "customer.lifecycle.category.mix",
        "partner_id",
        string="What They Buy",
        readonly=True,
        groups=SENSITIVE,
    )
    # written by customer.lifecycle.category.mix._refresh when it changes, never per card
    lifecycle_top_categories = fields.Char(
        string="Top Categories",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        prefetch=LIFECYCLE_PREFETCH,
        help="The customer's two biggest product categories by revenue.",
    )
