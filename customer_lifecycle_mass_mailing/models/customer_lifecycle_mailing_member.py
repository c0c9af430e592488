"""Who a lifecycle mailing was for: each customer it was sent to and each customer held out of it
(the control group), with their stage and segment when it was sent and what they did within the
mailing's result window (orders, revenue, a buyer who came back, a lost customer won back).
Recorded when the mailing is sent; the outcome is refreshed by the nightly run until the window
closes. The Campaign Results report reads these rows."""

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.res_partner import VALUE_CLASSES
from odoo.addons.customer_lifecycle.tools.lifecycle_rules import RFM_SEGMENTS

# Each member's purchases within [sent, sent + the mailing's result days) in the lifecycle
# company, from every counted purchase (customer.lifecycle.fact._purchases_query); the stage
# moves read from the customer's stage now against the stage when sent. Only rows that change
# are written.
OUTCOME = """
WITH window_of AS (
    SELECT m.id, m.partner_id, m.stage_id, m.sent_date,
           m.sent_date + mm.lifecycle_result_days * interval '1 day' AS until
      FROM customer_lifecycle_mailing_member m
      JOIN mailing_mailing mm ON mm.id = m.mailing_id
     WHERE m.mailing_id = ANY(%(mailing_ids)s)
),
outcome AS (
    SELECT w.id,
           count(p.*) FILTER (WHERE p.state = 'sale') AS orders,
           COALESCE(sum(p.amount) FILTER (WHERE p.state IN ('sale', 'refund')), 0) AS revenue
      FROM window_of w
 LEFT JOIN (%(purchases)s) p ON p.partner_id = w.partner_id AND p.company_id = %(company)s
                            AND p.date_order >= w.sent_date AND p.date_order < w.until
  GROUP BY w.id
)
UPDATE customer_lifecycle_mailing_member m
   SET orders = o.orders, revenue = o.revenue, ordered = o.orders > 0,
       won_back = (m.stage_id = %(lost)s AND c.lifecycle_stage_id <> %(lost)s),
       became_repeat = (m.stage_id = %(buyer)s
                        AND c.lifecycle_stage_id = ANY(%(repeat_stages)s))
  FROM outcome o, res_partner c
 WHERE o.id = m.id AND c.id = m.partner_id
   AND ROW(m.orders, m.revenue, m.won_back, m.became_repeat)
       IS DISTINCT FROM ROW(o.orders, o.revenue::numeric,
                            m.stage_id = %(lost)s AND c.lifecycle_stage_id <> %(lost)s,
                            m.stage_id = %(buyer)s
                            AND c.lifecycle_stage_id = ANY(%(repeat_stages)s))
"""


class CustomerLifecycleMailingMember(models.Model):
    """One customer of a lifecycle mailing: a recipient or held out. Written by the mailing's
    sending and the nightly outcome refresh only; Email Marketing users read."""

    _name = "customer.lifecycle.mailing.member"
    _description = "Customer Lifecycle Mailing Recipient or Held-out Customer"
    _order = "mailing_id, held_out, partner_id"

    mailing_id = fields.Many2one(
        "mailing.mailing", string="Mailing", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    held_out = fields.Boolean(
        string="Held Out", help="In the control group: never sent, compared with the recipients."
    )
    group = fields.Selection(
        [("sent", "Recipients"), ("held_out", "Control Group")],
        compute="_compute_group",
        store=True,
    )
    sent_date = fields.Datetime(string="Sent On", required=True)
    stage_id = fields.Many2one("customer.lifecycle.stage", string="Stage When Sent")
    rfm_segment = fields.Selection(list(RFM_SEGMENTS), string="RFM Segment When Sent")
    value_class = fields.Selection(VALUE_CLASSES, string="Value Class When Sent")
    currency_id = fields.Many2one("res.currency", required=True)
    orders = fields.Integer(help="Orders within the mailing's result window.")
    revenue = fields.Monetary(help="Untaxed revenue within the mailing's result window.")
    ordered = fields.Boolean(string="Ordered", help="Ordered within the result window.")
    won_back = fields.Boolean(
        string="Won Back", help="Lost when the mailing was sent, no longer lost since."
    )
    became_repeat = fields.Boolean(
        string="Bought Again", help="A one-time buyer when sent, a repeat customer since."
    )

    _mailing_partner_uniq = models.Constraint(
        "UNIQUE(mailing_id, partner_id)", "A customer is in a mailing once."
    )

    @api.depends("held_out")
    def _compute_group(self):
        for member in self:
            member.group = "held_out" if member.held_out else "sent"

    @api.model
    def _refresh_outcomes(self, mailings=None):
        """Bring the outcomes of these mailings' members (None: every mailing whose result
        window was open in the last day) up to date, in one statement. Returns the rows
        written."""
        if mailings is None:
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT m.mailing_id
                         FROM customer_lifecycle_mailing_member m
                         JOIN mailing_mailing mm ON mm.id = m.mailing_id
                        WHERE m.sent_date + (mm.lifecycle_result_days + 1) * interval '1 day'
                              >= now() at time zone 'UTC'"""
                )
            )
            mailings = self.env["mailing.mailing"].browse(row[0] for row in self.env.cr.fetchall())
        if not mailings:
            return 0
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM customer_lifecycle_mailing_member"
                " WHERE mailing_id = ANY(%s)",
                mailings.ids,
            )
        )
        partner_ids = [row[0] for row in self.env.cr.fetchall()]

        def stage(code):
            return self.env.ref(f"customer_lifecycle.stage_{code}")

        self.env.cr.execute(
            SQL(
                OUTCOME,
                mailing_ids=mailings.ids,
                purchases=self.env["customer.lifecycle.fact"]._purchases_query(partner_ids),
                company=self.env["res.company"]._lifecycle_company().id,
                lost=stage("lost").id,
                buyer=stage("buyer").id,
                repeat_stages=[stage("customer").id, stage("fan").id],
            )
        )
        written = self.env.cr.rowcount
        self.invalidate_model()
        return written
