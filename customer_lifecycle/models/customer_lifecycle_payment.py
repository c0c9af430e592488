"""How customers pay (customer.lifecycle.payment) and the SQL that refreshes it, beside the
engine's phases in the nightly run."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

PAYMENT_COLUMNS = (
    "partner_id", "company_id", "paid_invoice_count", "days_to_pay", "late_share",
    "overdue_amount", "overdue_since",
)  # fmt: skip
PAID_WITHIN_MONTHS = 24

# How each customer pays each company, from the receivable lines (the installments) of its posted
# customer invoices. Amounts are in the company's currency (the lines' own, converted at the
# invoice's rate).
# - An invoice counts once all its installments are reconciled, if that happened (its newest
#   reconciliation) on or after %(paid_since)s.
# - Days to pay: each payment's days after its installment's due date (negative: early),
#   weighted by the amount it paid. A credit note or an exchange difference settles an invoice
#   but pays nothing: neither counts as a payment, so neither is ever late.
# - Late: an invoice with a payment after its due date.
# - Overdue: what is still open on installments due before %(today)s.
PAYMENT_BEHAVIOUR = """
WITH receivable AS (
    SELECT l.id, l.move_id, m.company_id, m.commercial_partner_id AS partner_id,
           l.date_maturity, l.amount_residual, l.reconciled
      FROM account_move_line l
      JOIN account_move m ON m.id = l.move_id
     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
       AND l.display_type = 'payment_term' AND m.commercial_partner_id IS NOT NULL
       AND (%(ids)s::int[] IS NULL OR m.commercial_partner_id = ANY(%(ids)s::int[]))
),
settlements AS MATERIALIZED (
    SELECT r.move_id, r.company_id, r.partner_id, pr.amount, pr.max_date,
           pr.max_date - r.date_maturity AS days_late,
           cm.move_type = 'out_refund'
               OR c.journal_id IS NOT DISTINCT FROM co.currency_exchange_journal_id
               AS not_a_payment
      FROM receivable r
      JOIN account_partial_reconcile pr ON pr.debit_move_id = r.id
      JOIN account_move_line c ON c.id = pr.credit_move_id
      JOIN account_move cm ON cm.id = c.move_id
      JOIN res_company co ON co.id = r.company_id
     WHERE NOT EXISTS (SELECT 1 FROM receivable o WHERE o.move_id = r.move_id AND NOT o.reconciled)
),
invoices AS (
    SELECT company_id, partner_id,
           sum(amount) FILTER (WHERE NOT not_a_payment) AS paid,
           sum(amount * days_late) FILTER (WHERE NOT not_a_payment) AS paid_days,
           COALESCE(max(days_late) FILTER (WHERE NOT not_a_payment) > 0, FALSE) AS late
      FROM settlements
  GROUP BY move_id, company_id, partner_id
    HAVING max(max_date) >= %(paid_since)s
       AND sum(amount) FILTER (WHERE NOT not_a_payment) > 0
),
paid AS (
    SELECT company_id, partner_id, count(*) AS paid_invoice_count,
           sum(paid_days) / sum(paid) AS days_to_pay,
           100.0 * count(*) FILTER (WHERE late) / count(*) AS late_share
      FROM invoices
  GROUP BY company_id, partner_id
),
overdue AS (
    SELECT company_id, partner_id, sum(amount_residual) AS overdue_amount,
           min(date_maturity) AS overdue_since
      FROM receivable
     WHERE NOT reconciled AND amount_residual > 0 AND date_maturity < %(today)s
  GROUP BY company_id, partner_id
)
SELECT COALESCE(p.partner_id, o.partner_id), COALESCE(p.company_id, o.company_id),
       COALESCE(p.paid_invoice_count, 0), round(p.days_to_pay::numeric, 1),
       round(p.late_share::numeric, 1), COALESCE(o.overdue_amount, 0), o.overdue_since
  FROM paid p
  FULL JOIN overdue o ON o.partner_id = p.partner_id AND o.company_id = p.company_id
"""

# Customers whose payment behaviour may have changed since %(since)s: an invoice or one of its
# installments was written (posted, reset, paid, reconciled or not), an installment is still
# open (time makes it overdue), or a paid invoice's newest reconciliation left the window.
PAYMENT_DIRTY = """
    SELECT DISTINCT m.commercial_partner_id
      FROM account_move_line l
      JOIN account_move m ON m.id = l.move_id
     WHERE m.move_type = 'out_invoice' AND l.display_type = 'payment_term'
       AND (m.write_date >= %(since)s OR l.write_date >= %(since)s OR NOT l.reconciled)
    UNION
    SELECT DISTINCT m.commercial_partner_id
      FROM account_partial_reconcile pr
      JOIN account_move_line l ON l.id = pr.debit_move_id
      JOIN account_move m ON m.id = l.move_id
     WHERE m.move_type = 'out_invoice'
       AND pr.max_date >= %(paid_since_before)s AND pr.max_date < %(paid_since)s
"""


# The "Overdue" of PAYMENT_BEHAVIOUR for one customer and company, read live (the customer at a
# glance): what is still open on its posted invoices' installments due before %(today)s, in
# company currency. Through the customer's partners: account_move.partner_id is indexed, its
# commercial_partner_id is not.
OVERDUE_NOW = """
SELECT COALESCE(sum(l.amount_residual), 0), min(l.date_maturity)
  FROM res_partner c
  JOIN account_move m ON m.partner_id = c.id
  JOIN account_move_line l ON l.move_id = m.id
 WHERE c.commercial_partner_id = %(customer)s AND m.company_id = %(company)s
   AND m.move_type = 'out_invoice' AND m.state = 'posted'
   AND l.display_type = 'payment_term' AND NOT l.reconciled
   AND l.amount_residual > 0 AND l.date_maturity < %(today)s
"""


class CustomerLifecyclePayment(models.Model):
    """How a customer pays one company: one row per commercial entity and company.

    The engine's own narrow table, refreshed by the nightly run from posted customer invoices
    (_refresh_payments), writing only the rows that changed. Read per company: a user who works
    in two companies sees each one's figures, never a sum of both.
    """

    _name = "customer.lifecycle.payment"
    _inherit = ["customer.lifecycle.company.rows"]
    _description = "Customer Payment Behaviour"
    _staged_columns = PAYMENT_COLUMNS

    paid_invoice_count = fields.Integer()
    days_to_pay = fields.Float(digits=(16, 1))
    late_share = fields.Float(digits=(16, 1))
    overdue_amount = fields.Float(digits=(16, 2))
    overdue_since = fields.Date()

    @api.model
    def _overdue_now(self, customer, company, today):
        """(amount, oldest due date) the customer owes company past due today, live."""
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        [row] = self.env.execute_query(
            SQL(OVERDUE_NOW, customer=customer.id, company=company.id, today=today)
        )
        return row

    @api.model
    def _refresh_payments(self, since, in_transaction):
        """Refresh the table: every customer (since None), or those whose invoices may have
        changed since then (PAYMENT_DIRTY). Read through the read-only cursor and upserted chunk
        by chunk (_upsert_in_chunks), unless in_transaction. Returns how many customers were
        read, and how many chunks of them were left."""
        today = fields.Date.context_today(self)
        paid_since = today - relativedelta(months=PAID_WITHIN_MONTHS)
        cr = self.env.cr
        ids = None
        if since:
            cr.execute(
                SQL(
                    PAYMENT_DIRTY,
                    since=since,
                    paid_since=paid_since,
                    paid_since_before=since.date() - relativedelta(months=PAID_WITHIN_MONTHS),
                )
            )
            ids = [row[0] for row in cr.fetchall() if row[0]]
            if not ids:
                return 0, 0
        query = SQL(PAYMENT_BEHAVIOUR, ids=ids, today=today, paid_since=paid_since)
        if in_transaction:
            staging = self._staging_table()
            self._create_rows_table(staging)
            cr.execute(
                SQL(
                    "INSERT INTO %s (%s) %s",
                    SQL.identifier(staging),
                    SQL(", ").join(SQL.identifier(name) for name in self._staged_columns),
                    query,
                )
            )
            rows = cr.rowcount
            self._upsert_payments(ids, None)
            return rows, 0
        snapshot = self._read_elsewhere(query)
        rows, _count, left = self._upsert_in_chunks(
            lambda low, high: self._upsert_payments(ids, snapshot, low, high)
        )
        return rows, left

    @api.model
    def _upsert_payments(self, ids, snapshot, low=None, high=None):
        """Move the staged payment rows into the table (_upsert_staged)."""
        self._upsert_staged(ids, snapshot, low, high)
        return 0
