from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.lifecycle_rules import STAGE_CODES

STAGE_CODE_SELECTION = [
    ("potential", "Potential"),
    ("prospect", "Prospect"),
    ("referral", "Referral"),
    ("buyer", "Buyer"),
    ("customer", "Repeat Customer"),
    ("fan", "Fan"),
    ("lost", "Lost"),
]
assert tuple(code for code, _label in STAGE_CODE_SELECTION) == STAGE_CODES


class CustomerLifecycleStage(models.Model):
    _name = "customer.lifecycle.stage"
    _description = "Customer Lifecycle Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        STAGE_CODE_SELECTION,
        required=True,
        help="The rule that puts a customer in this stage. Names and order can be changed; "
        "the rule stays with the code.",
    )
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(
        string="Folded in Funnel", help="Show this column folded in the Lifecycle Funnel."
    )
    color = fields.Integer()
    guidance = fields.Text(
        string="What to Do Now",
        translate=True,
        help="A short instruction shown to the sales rep for customers in this stage.",
    )

    rotting_threshold_days = fields.Integer(
        string="Days Before Stale",
        help="A customer left this many days in the stage shows as stale; 0 = never.",
    )
    # The playbook: what to schedule for the customer's salesperson on entering the stage.
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity to Schedule",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'res.partner')]",
        help="Scheduled on every customer entering this stage.",
    )
    activity_delay_days = fields.Integer(
        string="Due After (Days)",
        help="Days between entering the stage and the activity's due date.",
    )
    activity_summary = fields.Char(string="Activity Summary", translate=True)
    activity_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain="[('share', '=', False)]",
        help="Who gets the activity; empty = the customer's salesperson.",
    )

    _code_uniq = models.Constraint(
        "UNIQUE(code)",
        "Each lifecycle rule has exactly one stage: this code is already used by another stage.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_rule_stage(self):
        if self:
            raise UserError(
                self.env._(
                    "Lifecycle stages cannot be deleted: each one carries a rule of the "
                    "lifecycle (%(stages)s). Rename, reorder or fold it instead.",
                    stages=", ".join(self.mapped("name")),
                )
            )
