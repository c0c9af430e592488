from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.lifecycle_rules import satisfaction_category
from .customer_satisfaction_request import refuse_outside_event
from .res_partner import SATISFACTION_CATEGORIES

ANSWER_SOURCES = [("page", "Satisfaction Page"), ("phone", "Phone"), ("shop", "In the Shop")]


class CustomerSatisfactionAnswer(models.Model):
    """Every click on the satisfaction page and every score recorded by staff, with the
    server's proof (address and browser of the click, or the user who recorded it): the history
    behind a request's current score. Append-only; written only by _record_answer."""

    _name = "customer.satisfaction.answer"
    _description = "Satisfaction Answer"
    _order = "date desc, id desc"
    _rec_name = "request_id"

    request_id = fields.Many2one(
        "customer.satisfaction.request",
        string="Request",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    partner_id = fields.Many2one(
        related="request_id.partner_id", string="Customer", store=True, index=True
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True)
    score = fields.Integer(required=True, readonly=True)
    category = fields.Selection(SATISFACTION_CATEGORIES, compute="_compute_category", store=True)
    comment = fields.Text(readonly=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    source = fields.Selection(ANSWER_SOURCES, required=True, readonly=True)
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    user_agent = fields.Char(string="Browser", readonly=True)
    user_id = fields.Many2one("res.users", string="Recorded By", readonly=True, ondelete="set null")

    _score_range = models.Constraint(
        "CHECK(score BETWEEN 0 AND 10)", "A satisfaction score is a whole number from 0 to 10."
    )

    @api.depends("score")
    def _compute_category(self):
        for answer in self:
            answer.category = satisfaction_category(answer.score)

    @api.model_create_multi
    def create(self, vals_list):
        refuse_outside_event(self.env)
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        """Answers are proof: nobody changes them, not even inside an answering path (so there
        is no write to call)."""
        if not vals:
            return True
        raise UserError(
            self.env._(
                "A satisfaction answer cannot be changed: it is the proof of what the customer "
                "said. A new answer replaces it as the current score."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proof(self):
        raise UserError(
            self.env._(
                "A satisfaction answer cannot be deleted: it is the proof of what the customer "
                "said."
            )
        )
