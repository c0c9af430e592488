from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..models.customer_lifecycle_fact import cancel_rate
from ..models.res_partner import VALUE_CLASSES
from ..tools.lifecycle_rules import RFM_SEGMENTS

# The concentration of the 12-month revenue among the customers who bought in the last 12
# months: the top 20 % of them (at least one), the top 10, the largest one.
CONCENTRATION = """
WITH ranked AS (
    SELECT q.revenue, q.partner_id,
           row_number() OVER (ORDER BY q.revenue DESC, q.partner_id) AS rank,
           count(*) OVER () AS customers
      FROM (%(rows)s) q
)
SELECT count(*), COALESCE(sum(revenue), 0),
       COALESCE(sum(revenue) FILTER (WHERE rank <= ceil(customers / 5.0)), 0),
       COALESCE(sum(revenue) FILTER (WHERE rank <= 10), 0),
       COALESCE(max(revenue), 0),
       min(partner_id) FILTER (WHERE rank = 1)
  FROM ranked
"""


class CustomerLifecycleValueReport(models.Model):
    """Customer Value analysis: one row per customer of the current company, from the engine's
    per-company tables (orders, payments) and the customer's lifecycle. Read-only."""

    _name = "customer.lifecycle.value.report"
    _description = "Customer Value Analysis"
    _auto = False
    _rec_name = "partner_id"
    _order = "revenue_12m desc, partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    lifecycle_stage_id = fields.Many2one("customer.lifecycle.stage", string="Stage", readonly=True)
    value_class = fields.Selection(VALUE_CLASSES, readonly=True)
    rfm_segment = fields.Selection(list(RFM_SEGMENTS), string="RFM Segment", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    order_count = fields.Integer(string="Purchases", readonly=True)
    revenue_total = fields.Monetary(string="Lifetime Revenue", readonly=True)
    revenue_12m = fields.Monetary(string="12-Month Revenue", readonly=True)
    margin = fields.Monetary(readonly=True)
    discount_percent = fields.Float(
        string="Average Discount (%)", digits=(16, 1), aggregator="avg", readonly=True
    )
    cancel_rate = fields.Float(
        string="Cancelled Orders (%)", digits=(16, 1), aggregator="avg", readonly=True
    )
    paid_invoice_count = fields.Integer(string="Invoices Paid (24 Months)", readonly=True)
    days_to_pay = fields.Float(
        string="Average Days to Pay",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Average over the customers who paid invoices in the last 24 months; see the "
        "customer's Invoicing tab. Empty for a customer who paid none.",
    )
    overdue_amount = fields.Monetary(string="Overdue Amount", readonly=True)
    # the predictions of the lifecycle company (empty in the others)
    probability_active = fields.Float(
        string="Probability Still Active",
        aggregator="avg",
        readonly=True,
        help="From the purchase model; averaged over the customers of a row.",
    )
    predicted_revenue_12m = fields.Monetary(string="Predicted Revenue (12 Months)", readonly=True)
    total_value = fields.Monetary(
        string="Total Value",
        readonly=True,
        help="Revenue so far plus the predicted revenue of the next 12 months.",
    )

    _depends = {
        "customer.lifecycle.fact": [
            "partner_id", "company_id", "order_count", "cancel_count", "revenue",
            "revenue_12m", "margin", "discount",
        ],
        "customer.lifecycle.payment": [
            "partner_id", "company_id", "paid_invoice_count", "days_to_pay", "overdue_amount",
        ],
        "res.partner": [
            "lifecycle_stage_id", "lifecycle_value_class", "rfm_segment", "user_id", "country_id",
            "lifecycle_probability_active", "lifecycle_predicted_revenue_12m",
            "lifecycle_total_value",
            # who is a customer (res.partner._lifecycle_customer_domain)
            "active", "is_company", "parent_id", "supplier_rank", "customer_rank",
            "lifecycle_order_count", "lifecycle_last_quotation_date",
        ],
        "res.users": ["partner_id", "share"],
    }  # fmt: skip

    @property
    def _table_query(self):
        """The current company's customers: the funnel's customers (one definition,
        res.partner._lifecycle_customer_domain) with order facts there, or invoices."""
        company = self.env.company
        # the population itself, whatever the user may read: the report has its own rules
        customers = (
            self.env["res.partner"]
            .with_context(active_test=True)
            ._search(self.env["res.partner"]._lifecycle_customer_domain(), bypass_access=True)
        )
        return SQL(
            """
            SELECT p.id, p.id AS partner_id, %(company_id)s AS company_id,
                   %(currency_id)s AS currency_id, p.lifecycle_stage_id,
                   p.lifecycle_value_class AS value_class, p.rfm_segment, p.user_id,
                   p.country_id, 1 AS customer_count,
                   COALESCE(f.order_count, 0) AS order_count,
                   COALESCE(f.revenue, 0) AS revenue_total,
                   COALESCE(f.revenue_12m, 0) AS revenue_12m,
                   COALESCE(f.margin, 0) AS margin,
                   round(f.discount::numeric, 1) AS discount_percent,
                   %(cancel_rate)s AS cancel_rate,
                   COALESCE(pay.paid_invoice_count, 0) AS paid_invoice_count,
                   CASE WHEN pay.paid_invoice_count > 0 THEN pay.days_to_pay END AS days_to_pay,
                   COALESCE(pay.overdue_amount, 0) AS overdue_amount,
                   CASE WHEN %(predicted)s THEN p.lifecycle_probability_active END
                       AS probability_active,
                   CASE WHEN %(predicted)s THEN p.lifecycle_predicted_revenue_12m END
                       AS predicted_revenue_12m,
                   CASE WHEN %(predicted)s THEN p.lifecycle_total_value END AS total_value
              FROM res_partner p
         LEFT JOIN customer_lifecycle_fact f
                ON f.partner_id = p.id AND f.company_id = %(company_id)s
         LEFT JOIN customer_lifecycle_payment pay
                ON pay.partner_id = p.id AND pay.company_id = %(company_id)s
             WHERE p.id IN %(customers)s
               AND (f.id IS NOT NULL OR pay.id IS NOT NULL)
            """,
            customers=customers.subselect(),
            company_id=company.id,
            currency_id=company.currency_id.id,
            cancel_rate=cancel_rate(SQL("f.cancel_count"), SQL("f.order_count")),
            predicted=company == company._lifecycle_company(),
        )

    @api.model
    def get_concentration(self, domain=()):
        """How much of the 12-month revenue of the customers matching domain comes from the
        top 20 % of them, the top 10 and the largest: the business's dependency on few
        customers. Shares in %, on the customers who bought in the last 12 months."""
        query = self._search(Domain(list(domain)) & Domain("revenue_12m", ">", 0))
        rows = query.select(
            SQL(
                "%s AS revenue, %s AS partner_id",
                self._field_to_sql(self._table, "revenue_12m", query),
                self._field_to_sql(self._table, "partner_id", query),
            )
        )
        self.env.cr.execute(SQL(CONCENTRATION, rows=rows))
        customers, total, top_fifth, top_ten, largest, largest_id = self.env.cr.fetchone()

        def share(amount):
            return round(100.0 * float(amount) / float(total), 1) if total else 0.0

        return {
            "customers": customers,
            "revenue": float(total),
            "currency_id": self.env.company.currency_id.id,
            "top_fifth_count": -(-customers // 5),
            "top_fifth_share": share(top_fifth),
            "top_ten_share": share(top_ten),
            "largest_share": share(largest),
            "largest_name": self.env["res.partner"].browse(largest_id).display_name
            if largest_id
            else "",
        }
