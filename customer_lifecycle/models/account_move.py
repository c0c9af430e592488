from odoo import api, fields, models
from odoo.tools.misc import formatLang

from .res_partner import MONEY

CUSTOMER_DOCUMENTS = ("out_invoice", "out_refund")


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
