from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import clean_context

from ..models.customer_satisfaction_request import satisfaction_event

SCORES = [(str(score), str(score)) for score in range(11)]
STAFF_SOURCES = [("phone", "Phone"), ("shop", "In the Shop")]


class CustomerSatisfactionRecord(models.TransientModel):
    """Record a score the customer gave staff by phone or in the shop: a request with that
    source, recorded by the current user, answered at once. Lifecycle users only, for the
    customers they may read; the proof (who recorded it) is the server's."""

    _name = "customer.satisfaction.record"
    _description = "Record a Satisfaction Score"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    score = fields.Selection(
        SCORES,
        required=True,
        help="The customer's answer to 'How likely are you to recommend us to a friend?', from "
        "0 (not at all likely) to 10 (extremely likely).",
    )
    comment = fields.Text(help="What the customer said, in their words.")
    source = fields.Selection(STAFF_SOURCES, required=True, default="phone")

    @api.model
    def _check_lifecycle_user(self):
        if not self.env.su and not self.env.user.has_group(
            "customer_lifecycle.group_lifecycle_user"
        ):
            raise AccessError(
                self.env._("Only Customer Lifecycle users can record a customer's satisfaction.")
            )

    def action_record(self):
        """Create the request and record the answer; back to the customer's form."""
        self.ensure_one()
        self._check_lifecycle_user()
        # the customer must be one this user may see (another company's is not)
        self.partner_id.check_access("read")
        customer = self.partner_id.commercial_partner_id
        # no default_* key of the caller's context reaches the proof (state, dates, order...)
        Request = (
            self.env["customer.satisfaction.request"]
            .sudo()
            .with_context(clean_context(self.env.context))
        )
        with satisfaction_event():
            request = Request.create(
                {
                    "partner_id": customer.id,
                    "company_id": (customer.company_id or self.env.company).id,
                    "source": self.source,
                    "recorded_by_id": self.env.uid,
                }
            )
        request._record_answer(
            int(self.score),
            self.comment,
            proof={"source": self.source, "user_id": self.env.uid},
        )
        return {"type": "ir.actions.act_window_close"}
