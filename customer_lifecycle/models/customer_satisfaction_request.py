"""Satisfaction: one record per question asked (the e-mail after a delivery) or per score given
to staff (phone, shop); its answers (customer.satisfaction.answer) are the proof of each click.

Nobody creates or changes these records directly, administrators included: only the paths that
witness an answer do (the cron that asks, the public page, the staff wizard), through
_satisfaction_event(). Proof fields are never taken from a caller."""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.lifecycle_rules import RFM_SEGMENTS, SATISFACTION_SCORES, satisfaction_category
from .res_partner import SATISFACTION_CATEGORIES, VALUE_CLASSES

SOURCES = [("email", "E-mail"), ("phone", "Phone"), ("shop", "In the Shop")]
STATES = [("sent", "Waiting for an Answer"), ("answered", "Answered")]
# NPS points of a category: the average over answered requests is the NPS itself.
NPS_POINTS = {"promoter": 100, "passive": 0, "detractor": -100}
# The public page takes answers (and changes of mind) for this many days after the e-mail.
ANSWER_DAYS = 30
# Rate limit of the public page, counted from the answers themselves (several workers).
PAGE_ANSWERS = 10
PAGE_WINDOW = timedelta(minutes=10)
MAX_COMMENT = 2000

# True only inside _satisfaction_event(): the paths that witness an answer (the page, the
# staff wizard, the asking cron). A ContextVar, not a context key, which any RPC caller sets.
_SATISFACTION_EVENT = ContextVar("customer_lifecycle_satisfaction_event", default=False)


@contextmanager
def satisfaction_event():
    """The block in which requests and answers may be created and written."""
    token = _SATISFACTION_EVENT.set(True)
    try:
        yield
    finally:
        _SATISFACTION_EVENT.reset(token)


def refuse_outside_event(env):
    """Creating or changing a request or an answer is reserved to the paths that witness it."""
    if not _SATISFACTION_EVENT.get():
        raise UserError(
            env._(
                "Satisfaction answers are recorded only by the customer's satisfaction page or "
                "with the Record Satisfaction button on the customer: they are the proof of "
                "what the customer said and cannot be created or changed otherwise."
            )
        )


class CustomerSatisfactionRequest(models.Model):
    _name = "customer.satisfaction.request"
    _description = "Satisfaction Request"
    _order = "sent_date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        help="The customer (the commercial entity: a company for its contacts).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda s: s.env.company
    )
    order_id = fields.Many2one(
        "sale.order", string="Order", ondelete="set null", readonly=True, index="btree_not_null"
    )
    source = fields.Selection(SOURCES, required=True, default="email", readonly=True)
    state = fields.Selection(STATES, required=True, default="sent", readonly=True, index=True)
    sent_date = fields.Datetime(
        string="Asked On", required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    answered_date = fields.Datetime(string="Answered On", readonly=True, index=True)
    score = fields.Integer(readonly=True, aggregator="avg", help="0-10, the current answer.")
    category = fields.Selection(
        SATISFACTION_CATEGORIES,
        compute="_compute_category",
        store=True,
        index=True,
        help="Promoter 9-10, passive 7-8, detractor 0-6; empty while unanswered.",
    )
    comment = fields.Text(readonly=True)
    recorded_by_id = fields.Many2one(
        "res.users", string="Recorded By", readonly=True, ondelete="set null"
    )
    # The private link of the e-mail: only managers see it (whoever has it can answer).
    token = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="customer_lifecycle.group_lifecycle_manager",
    )
    # Snapshots of the customer when the answer is recorded: the reports read these.
    stage_id = fields.Many2one(
        "customer.lifecycle.stage", string="Stage", readonly=True, ondelete="set null"
    )
    rfm_segment = fields.Selection(list(RFM_SEGMENTS), string="RFM Segment", readonly=True)
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, ondelete="set null"
    )
    value_class = fields.Selection(VALUE_CLASSES, readonly=True)
    nps_points = fields.Integer(
        string="NPS",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="100 for a promoter, 0 for a passive, -100 for a detractor: the average over "
        "answered requests is the Net Promoter Score. 0 while unanswered (filter on Answered).",
    )
    answered_count = fields.Integer(
        string="Response Rate",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="1 when answered, else 0: the average over requests is the response rate.",
    )
    answer_ids = fields.One2many(
        "customer.satisfaction.answer", "request_id", string="Answers", readonly=True
    )

    _token_uniq = models.Constraint("UNIQUE(token)", "A satisfaction link must be unique.")
    _score_range = models.Constraint(
        "CHECK(score IS NULL OR score BETWEEN 0 AND 10)",
        "A satisfaction score is a whole number from 0 to 10.",
    )

    @api.depends("state", "score")
    def _compute_category(self):
        for request in self:
            answered = request.state == "answered"
            category = satisfaction_category(request.score) if answered else False
            request.category = category or False
            request.nps_points = NPS_POINTS.get(category, 0)
            request.answered_count = 1 if answered else 0

    @api.depends("partner_id", "score", "state")
    def _compute_display_name(self):
        for request in self:
            name = request.partner_id.display_name or ""
            if request.state == "answered":
                name = f"{name} ({request.score}/10)"
            request.display_name = name

    # -- CRUD: only through the paths that witness an answer --------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Reserved to the asking cron and the answering paths; the customer is always the
        commercial entity, the link always the server's own."""
        refuse_outside_event(self.env)
        Partner = self.env["res.partner"]
        for vals in vals_list:
            vals["partner_id"] = Partner.browse(vals["partner_id"]).commercial_partner_id.id
            vals["token"] = secrets.token_urlsafe(24)
        return super().create(vals_list)

    def write(self, vals):
        refuse_outside_event(self.env)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proof(self):
        """An answer is the customer's statement: nobody deletes it (deleting the customer
        does, and uninstalling the addon)."""
        raise UserError(
            self.env._(
                "A satisfaction request cannot be deleted: it is the proof of what the customer "
                "said."
            )
        )

    # -- Recording an answer -----------------------------------------------------------------

    @api.model
    def _check_score(self, score):
        """The score as an int, or a clear error: 0 to 10, a whole number."""
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or score not in SATISFACTION_SCORES
        ):
            raise ValidationError(
                self.env._(
                    "A satisfaction score is a whole number from 0 (not at all likely) to 10 "
                    "(extremely likely), not %(score)s.",
                    score=score,
                )
            )
        return score

    def _record_answer(self, score, comment=None, proof=None, date=None):
        """Record the customer's answer to this request: an answer row with the server's
        proof (proof: {'source', 'remote_addr', 'user_agent', 'user_id'}), then the request's
        current score, category, comment, date and snapshots, the customer's last answer when
        this one is its newest, and the funnel's consequences
        (res.partner._lifecycle_after_satisfaction_answer). Runs with elevated rights: the
        callers (the public page, the wizard) checked who may answer. Private."""
        self.ensure_one()
        score = self._check_score(score)
        comment = (comment or "").strip()[:MAX_COMMENT] or False
        proof = proof or {}
        date = date or fields.Datetime.now()
        request = self.sudo()
        partner = request.partner_id
        previous_category = partner.lifecycle_satisfaction_category or None
        with satisfaction_event():
            request.env["customer.satisfaction.answer"].create(
                {
                    "request_id": request.id,
                    "score": score,
                    "comment": comment,
                    "date": date,
                    "source": proof.get("source")
                    or ("page" if request.source == "email" else request.source),
                    "remote_addr": proof.get("remote_addr") or False,
                    "user_agent": (proof.get("user_agent") or "")[:500] or False,
                    "user_id": proof.get("user_id") or False,
                }
            )
            request.write(
                {
                    "state": "answered",
                    "score": score,
                    # a new score without a comment keeps the comment given with the old one
                    "comment": comment or request.comment,
                    "answered_date": date,
                    "stage_id": partner.lifecycle_stage_id.id,
                    "rfm_segment": partner.rfm_segment,
                    "salesperson_id": partner.user_id.id,
                    "value_class": partner.lifecycle_value_class,
                }
            )
        newest = (
            not partner.lifecycle_satisfaction_date or date >= partner.lifecycle_satisfaction_date
        )
        if newest:
            partner.write(
                {
                    "lifecycle_satisfaction_score": score,
                    "lifecycle_satisfaction_category": request.category,
                    "lifecycle_satisfaction_date": date,
                    "lifecycle_satisfaction_comment": request.comment,
                }
            )
            partner._lifecycle_after_satisfaction_answer(request, previous_category)
        return request
