from random import randint

from odoo import fields, models


class CustomerLifecycleInterest(models.Model):
    """What a customer cares about, as tags on its profile; lifecycle administrators keep the
    list."""

    _name = "customer.lifecycle.interest"
    _description = "Customer Interest"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: randint(1, 11))
    active = fields.Boolean(default=True)

    _name_uniq = models.Constraint("UNIQUE(name)", "This interest exists already.")
