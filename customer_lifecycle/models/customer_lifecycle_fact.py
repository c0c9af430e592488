from odoo import fields, models


class CustomerLifecycleFact(models.Model):
    """What a customer's orders in one company say, aggregated: one row per commercial entity
    and company (in the lifecycle company, one for every customer, orders or not).

    The engine's own narrow table: written by the nightly run, and by a customer's immediate
    re-evaluation in the user's transaction (an order confirmed), which also stamps the
    customer's row (written_xid, see customer.lifecycle.company.rows) so that a nightly run
    that read or classified before it keeps its fresher values. A day's run re-aggregates only
    the customers whose orders changed. The stages, scores and metrics users see are derived
    from the lifecycle company's rows onto res.partner; the accounting views read each
    company's own rows.
    """

    _name = "customer.lifecycle.fact"
    _inherit = ["customer.lifecycle.company.rows"]
    _description = "Customer Lifecycle Order Facts"
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
    brought = fields.Integer()
    referral_revenue = fields.Float(digits=(16, 2))
    interacted = fields.Boolean()
