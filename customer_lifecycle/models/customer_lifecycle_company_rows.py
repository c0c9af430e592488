from odoo import fields, models
from odoo.tools import SQL


class CustomerLifecycleCompanyRows(models.AbstractModel):
    """The key of the engine's per-company tables (order facts, payment behaviour): one row per
    customer and company, written only by the engine, read by company.

    Beside the fields, a column written_xid (xid8, not an ORM field): the transaction that last
    wrote the row. The nightly run overwrites a row only if its read saw that transaction (see
    the engine's _upsert)."""

    _name = "customer.lifecycle.company.rows"
    _description = "Customer Lifecycle Per-Company Rows"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=False)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    # also the index the engine's upserts and the reads by customer use
    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)", "One row per customer and company."
    )

    def init(self):
        super().init()
        if self._abstract:
            return
        # a volatile default: every existing row gets the installing transaction, every row
        # inserted later its own
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN IF NOT EXISTS written_xid xid8 "
                "DEFAULT pg_current_xact_id()",
                SQL.identifier(self._table),
            )
        )

    def _for(self, partner_ids, company):
        """{partner id: row} of these customers in this company (sudo: derived figures that
        the callers show to users who may read the customer)."""
        rows = self.sudo().search_fetch(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id)],
            [name for name in self._fields if name not in ("id", "company_id", "display_name")],
        )
        return {row.partner_id.id: row for row in rows}
