from odoo import fields, models


class CustomerLifecycleLostReason(models.Model):
    _name = "customer.lifecycle.lost.reason"
    _description = "Customer Lost Reason"
    _order = "sequence, id"

    name = fields.Char(string="Reason", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
