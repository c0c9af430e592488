from contextvars import ContextVar

from odoo import api, fields, models
from odoo.tools.misc import formatLang

from .res_partner import MONEY

CUSTOMER_DOCUMENTS = ("out_invoice", "out_refund")

# Set while a state change of invoices re-evaluates their customers: cancelling a posted
# invoice resets it to draft first (button_cancel calls button_draft), and the customers are
# re-evaluated once, when the outer call ends. Per thread, not a context key (an RPC caller sets
# those).
_REEVALUATING = ContextVar("customer_lifecycle_invoice_reevaluation", default=False)


class AccountMove(models.Model):
    _inherit = "account.move"

    # What the customer is worth and how it pays, beside its invoices. The stage and class are
    # the customer's own (groupable: related to stored fields); the figures are those of the
    # invoice's company.
    lifecycle_stage_id = fields.Many2one(
        related="commercial_partner_id.lifecycle_stage_id", string="Customer Stage"
    )
    lifecycle_value_class = fields.Selection(
        related="commercial_partner_id.lifecycle_value_class", string="Customer Value Class"
    )
    lifecycle_currency_id = fields.Many2one(
        "res.currency", string="Customer Figures Currency", compute="_compute_lifecycle_figures"
    )
    lifecycle_revenue_total = fields.Monetary(
        string="Customer Lifetime Revenue",
        currency_field="lifecycle_currency_id",
        compute="_compute_lifecycle_figures",
        help="Untaxed total of the customer's confirmed orders in the invoice's company.",
    )
    lifecycle_revenue_12m = fields.Monetary(
        string="Customer 12-Month Revenue",
        currency_field="lifecycle_currency_id",
        compute="_compute_lifecycle_figures",
    )
    lifecycle_days_to_pay = fields.Float(
        string="Customer Days to Pay",
        digits=(16, 1),
        compute="_compute_lifecycle_figures",
        groups=MONEY,
        help="How many days after the due date the customer pays this company on average "
        "(weighted by amount, last 24 months; negative: early). Empty when the customer paid "
        "no invoice in that time.",
    )
    lifecycle_overdue_amount = fields.Monetary(
        string="Customer Overdue",
        currency_field="lifecycle_currency_id",
        compute="_compute_lifecycle_figures",
        groups=MONEY,
        help="What the customer owes this company past due dates, all invoices together.",
    )
    lifecycle_paid_invoice_count = fields.Integer(
        string="Customer Invoices Paid (24 Months)",
        compute="_compute_lifecycle_figures",
        groups=MONEY,
    )

    # The daily run finds the customer documents written since the last one.
    _lifecycle_write_date_idx = models.Index(
        "(write_date) WHERE move_type IN ('out_invoice', 'out_refund')"
    )

    @api.depends("commercial_partner_id", "company_id")
    def _compute_lifecycle_figures(self):
        for company in self.company_id:
            moves = self.filtered(lambda move, company=company: move.company_id == company)
            customers = moves.commercial_partner_id.ids
            facts = self.env["customer.lifecycle.fact"]._for(customers, company)
            payments = self.env["customer.lifecycle.payment"]._for(customers, company)
            for move in moves:
                fact = facts.get(move.commercial_partner_id.id)
                payment = payments.get(move.commercial_partner_id.id)
                move.lifecycle_currency_id = company.currency_id
                move.lifecycle_revenue_total = fact.revenue if fact else 0.0
                move.lifecycle_revenue_12m = fact.revenue_12m if fact else 0.0
                move.lifecycle_days_to_pay = payment.days_to_pay if payment else 0.0
                move.lifecycle_overdue_amount = payment.overdue_amount if payment else 0.0
                move.lifecycle_paid_invoice_count = payment.paid_invoice_count if payment else 0
        for move in self - self.filtered("company_id"):
            move.lifecycle_currency_id = False
            move.lifecycle_revenue_total = move.lifecycle_revenue_12m = 0.0
            move.lifecycle_days_to_pay = move.lifecycle_overdue_amount = 0.0
            move.lifecycle_paid_invoice_count = 0

    # -- A posted, cancelled or reset invoice re-evaluates its customer at once ----------------

    def _post(self, soft=True):
        """Posting a customer invoice or credit note is a purchase (or a refund): its customer
        is re-evaluated at once, as when an order is confirmed."""
        return self._lifecycle_reevaluating(super()._post, soft=soft)

    def button_draft(self):
        """A posted invoice reset to draft counts no more."""
        return self._lifecycle_reevaluating(super().button_draft)

    def button_cancel(self):
        """A cancelled invoice counts no more."""
        return self._lifecycle_reevaluating(super().button_cancel)

    def _lifecycle_reevaluating(self, method, *args, **kwargs):
        """Run method (a state change of these moves) and re-evaluate, once for the whole
        batch, the customers of those whose figures it may change (_lifecycle_purchase_customers).
        A nested state change (button_cancel resets a posted invoice to draft first) leaves it
        to the outer one. The engine honours deferred_reevaluation (bulk loaders)."""
        if _REEVALUATING.get():
            return method(*args, **kwargs)
        token = _REEVALUATING.set(True)
        try:
            result = method(*args, **kwargs)
        finally:
            _REEVALUATING.reset(token)
        customers = self._lifecycle_purchase_customers()
        if customers:
            self.env["customer.lifecycle.engine"].sudo()._recompute_partners(customers, "order")
        return result

    def _lifecycle_purchase_customers(self):
        """The commercial partners whose purchases these moves' state changes: those of customer
        credit notes, and of customer invoices that are direct invoices (no line made from a
        sale order: posting that invoice changes nothing the order did not count already; its
        customer was re-evaluated when the order was confirmed) of a company counting them."""
        customers = self.env["res.partner"]
        for move in self.filtered(lambda m: m.move_type in CUSTOMER_DOCUMENTS):
            if move.move_type == "out_invoice" and (
                not move.company_id.lifecycle_count_invoices or move._lifecycle_made_from_order()
            ):
                continue
            customers |= move.commercial_partner_id
        return customers

    def _lifecycle_made_from_order(self):
        """Whether this invoice was made from an order the lifecycle counts already (a sale
        order here; the Point of Sale bridge adds its orders): it is that order, not a purchase
        of its own."""
        self.ensure_one()
        return bool(self.invoice_line_ids.sale_line_ids)

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if self.move_type in CUSTOMER_DOCUMENTS and self.commercial_partner_id:
            message = self._lifecycle_value_message()
            if message:
                alerts["customer_lifecycle_value"] = {
                    "level": "info",
                    "message": message,
                    "action_text": self.env._("Open the customer"),
                    "action": {
                        "type": "ir.actions.act_window",
                        "res_model": "res.partner",
                        "res_id": self.commercial_partner_id.id,
                        "view_mode": "form",
                        "target": "current",
                    },
                }
        return alerts

    def _lifecycle_value_message(self):
        """One line on what the customer is worth and how it pays, or '' when nothing is
        known yet."""
        partner = self.commercial_partner_id.sudo()
        currency = self.lifecycle_currency_id
        parts = []
        if partner.lifecycle_stage_id:
            if partner.lifecycle_value_class:
                parts.append(
                    self.env._(
                        "%(stage)s, value class %(value_class)s",
                        stage=partner.lifecycle_stage_id.name,
                        value_class=partner.lifecycle_value_class,
                    )
                )
            else:
                parts.append(partner.lifecycle_stage_id.name)
        if self.lifecycle_revenue_total:
            parts.append(
                self.env._(
                    "%(total)s revenue, %(last_year)s in the last 12 months",
                    total=formatLang(self.env, self.lifecycle_revenue_total, currency_obj=currency),
                    last_year=formatLang(
                        self.env, self.lifecycle_revenue_12m, currency_obj=currency
                    ),
                )
            )
        # how the customer pays: for lifecycle and accounting users only (portal customers
        # read their invoices too)
        may_see_money = self.env.su or self.env.user.has_groups(MONEY)
        if may_see_money and self.lifecycle_paid_invoice_count:
            days = self.lifecycle_days_to_pay
            if days > 0:
                parts.append(
                    self.env._(
                        "pays %(days)s days late on average",
                        days=formatLang(self.env, days, digits=1),
                    )
                )
            else:
                parts.append(self.env._("pays on time"))
        elif may_see_money and self.lifecycle_overdue_amount:
            # owes money and paid nothing: no average to give, and certainly not "on time"
            parts.append(self.env._("no invoice paid in the last 24 months"))
        if may_see_money and self.lifecycle_overdue_amount:
            parts.append(
                self.env._(
                    "%(amount)s overdue",
                    amount=formatLang(
                        self.env, self.lifecycle_overdue_amount, currency_obj=currency
                    ),
                )
            )
        if not parts:
            return ""
        return self.env._("Customer: %(figures)s.", figures=" · ".join(parts))
