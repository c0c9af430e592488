from odoo import fields, models


class CustomerLifecycleFact(models.Model):
    """What a customer's orders say, aggregated: one row per commercial entity.

    The engine's own narrow table. Users never write it, so the nightly upserts never meet a
    user's save, and a day's run re-aggregates only the customers whose orders changed. The
    stages, scores and metrics users see are derived from it onto res.partner.
    """

    _name = "customer.lifecycle.fact"
    _description = "Customer Lifecycle Order Facts"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    order_count = fields.Integer()
    cancel_count = fields.Integer()
    first_order = fields.Datetime()
    last_order = fields.Datetime()
    last_quotation = fields.Datetime()
    revenue = fields.Float(digits=(16, 2))
    revenue_12m = fields.Float(digits=(16, 2))
    margin = fields.Float(digits=(16, 2))
    window_orders = fields.Integer()
    window_revenue = fields.Float(digits=(16, 2))
    median_gap = fields.Float(digits=(16, 4))
    discount = fields.Float(digits=(16, 4))
    converted = fields.Integer()
    interacted = fields.Boolean()

    _partner_uniq = models.Constraint("UNIQUE(partner_id)", "One row of facts per customer.")
