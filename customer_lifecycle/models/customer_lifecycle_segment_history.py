"""The history of each customer's RFM segment (customer.lifecycle.segment.history): one row per
change, from, to and when, written by the nightly run in SQL with the segment itself
(customer.lifecycle.engine._write_metrics), in the same transaction. Reports and "entered this
week" filters read it; _segments_entered is the hook a bridge uses to act on the rows just
written (the Email Marketing bridge runs Odoo's automation rules "on creation" on them, as the
ORM's create would have)."""

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.lifecycle_rules import RFM_SEGMENTS

# The customers of the write batch whose segment changes, recorded before their row is updated
# (t: the run's targets, p: the customer as stored); their ids returned.
RECORD = """
    INSERT INTO customer_lifecycle_segment_history
           (partner_id, segment_from, segment_to, date, create_uid, create_date, write_uid,
            write_date)
    SELECT t.partner_id, p.rfm_segment, t.rfm_segment, %(now)s, %(uid)s, %(now)s, %(uid)s,
           %(now)s
      FROM clc_target t
      JOIN res_partner p ON p.id = t.partner_id
     WHERE t.partner_id = ANY(%(ids)s)
       AND p.rfm_segment IS DISTINCT FROM t.rfm_segment
       AND %(still)s
 RETURNING id
"""


class CustomerLifecycleSegmentHistory(models.Model):
    """One change of a customer's RFM segment. Written by the nightly run only; lifecycle
    users read."""

    _name = "customer.lifecycle.segment.history"
    _description = "Customer Lifecycle RFM Segment Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    segment_from = fields.Selection(list(RFM_SEGMENTS), string="From Segment")
    segment_to = fields.Selection(list(RFM_SEGMENTS), string="To Segment", index=True)
    date = fields.Datetime(required=True, index=True)

    @api.model
    def _record_changes(self, partner_ids, still_as_classified, now):
        """The segment changes of these customers of the run's targets (clc_target), as
        history rows; returns them. Called by the engine's write batch, before the update."""
        self.env.cr.execute(
            SQL(RECORD, ids=partner_ids, still=still_as_classified, now=now, uid=self.env.uid)
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _segments_entered(self):
        """Hook: these rows were just written in SQL, in the run's write batch. Nothing here; a
        bridge acts on them (see the module docstring)."""
        return True
