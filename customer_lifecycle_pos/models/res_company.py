from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    lifecycle_count_pos = fields.Boolean(
        string="Count Point of Sale Orders",
        default=True,
        help="Orders paid at the counter (Point of Sale) with a customer count as that "
        "customer's purchases, and refunds at the counter lower their revenue. Changing it "
        "makes the next nightly run recompute every customer.",
    )
