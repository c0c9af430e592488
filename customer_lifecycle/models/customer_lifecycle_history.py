import logging
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from . import customer_lifecycle_history_reconstruction as rebuild

_logger = logging.getLogger(__name__)

TRIGGERS = [
    ("order", "Order"),
    ("schedule", "Scheduled Run"),
    ("manual", "Manual Move"),
    ("import", "Import"),
    ("feedback", "Satisfaction Answer"),
]


class CustomerLifecycleHistory(models.Model):
    _name = "customer.lifecycle.history"
    _description = "Customer Lifecycle Stage Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    # Stages cannot be deleted but at uninstall, when the history goes with them.
    stage_from_id = fields.Many2one("customer.lifecycle.stage", string="From", ondelete="cascade")
    stage_to_id = fields.Many2one(
        "customer.lifecycle.stage", string="To", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    trigger = fields.Selection(TRIGGERS, required=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    lost_reason_id = fields.Many2one(
        "customer.lifecycle.lost.reason", string="Lost Reason", index="btree_not_null"
    )
    reason = fields.Text(string="Note")
    days_in_stage = fields.Float(
        string="Days in Previous Stage",
        digits=(16, 1),
        aggregator="avg",
        help="How long the customer stayed in the stage it left.",
    )
    won_back = fields.Boolean(
        compute="_compute_won_back",
        store=True,
        help="A lost customer who ordered again.",
    )
    reconstructed = fields.Boolean(
        readonly=True,
        default=False,
        help="Rebuilt from the customer's order history (at installation, or by an "
        "administrator), not recorded when it happened.",
    )

    @api.depends("stage_from_id.code", "stage_to_id.code")
    def _compute_won_back(self):
        for row in self:
            row.won_back = row.stage_from_id.code == "lost" and row.stage_to_id.code in (
                "buyer",
                "customer",
                "fan",
            )

    # -- Actions --------------------------------------------------------------------------------

    @api.model
    def action_reconstruct_from_orders(self):
        """Stage History button (lifecycle administrators of the lifecycle company): rebuild
        from the orders the history each customer had before its install row (see
        _reconstruct_from_orders). Safe to press again: what was rebuilt, and every real move,
        stays as it is."""
        company = self.env["res.company"]._lifecycle_company()
        if not (
            self.env.user.has_group("customer_lifecycle.group_lifecycle_manager")
            and company in self.env.user.sudo().company_ids
        ):
            raise AccessError(
                self.env._(
                    "Only Customer Lifecycle administrators of %(company)s can rebuild the stage "
                    "history from its orders.",
                    company=company.sudo().name,
                )
            )
        counts = self._reconstruct_from_orders()
        message = self.env._(
            "%(customers)s customers got their stage history from their orders (%(rows)s "
            "rows, marked as reconstructed). %(left)s customers with orders were left as they "
            "were: their history was rebuilt before, or starts with moves recorded since the "
            "addon was installed.",
            **counts,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if counts["customers"] else "info",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # -- Business helpers -----------------------------------------------------------------------

    @api.model
    def _reconstruct_from_orders(self, partners=None):
        """Rebuild customers' stage history from their orders, in one set-based pass; returns
        the counts {customers, rows, left} (rebuilt, rows written, customers with orders left
        as they were). partners: only these customers (None: everyone).

        What is rebuilt: a customer's install row only, that is its earliest row when a
        lifecycle run (trigger "schedule") wrote it as the customer's first stage (from no
        stage, or from Potential, the stage a partner created after the install starts in
        without a row) and nothing was reconstructed for it yet. The moves its purchases in the
        lifecycle company (confirmed orders, and what else the engine counts: direct invoices, a
        bridge's orders; customer.lifecycle.fact._purchases_query) made before that row's date
        are inserted before it, and the row itself becomes the last of them (the move into the
        stage it gave, on the day it was made); a customer without such purchases keeps its row
        as it was. No other row is deleted
        or changed: the moves made since (by a user, an order, the nightly run, an import)
        stay, and a second run finds nothing to do.

        The rules, the engine's, applied day by day (customer_lifecycle_engine.CLASSIFY):

        - before its first order the customer was a Referral (it was referred), a Prospect (it
          had a quotation, or a cancelled order, before) or a Potential customer, since it was
          created, or since that quotation, or since its first order, whichever came first; that
          stage is the first row's previous stage and gets no row of its own (a customer
          created after the install starts in Potential without one either);
        - the first order: Buyer; the second: Repeat Customer;
        - a gap longer than the lost threshold known on the day of the last order,
          GREATEST(minimum days, lost factor x expected interval), expected being the
          customer's own mean gap so far once it had two orders, else the company median
          interval, else the default: Lost on the day the threshold was crossed (also after
          the last order, when crossed before the install row). The interval rule is used even
          when the company judges lost by probability: the model's past fits are not known;
        - the next order after Lost: back to Repeat Customer (or Fan): won back;
        - the day the N-th customer it referred placed a first order (N: the company's
          setting), a customer who has ordered becomes a Fan (Lost prevails, as in the
          engine);
        - a last row to the stage the install row gave, on that row's date, when the rebuilt
          history ends elsewhere (a fan of the top RFM cell, the probability lost rule, a
          quotation or note the rules above do not read): so the customer's current stage and
          its time in stage are right.

        Rows carry reconstructed = True, no user, trigger "order" for moves an order made (the
        referral's too) and "schedule" for Lost and the last row; days in stage is the time
        since the previous row (empty when unknown: the customer was created with or after its
        first order, as an import does; an empty value stays out of the averages). A customer
        still in its install row's stage is "in stage since" the rebuilt row that entered it.
        The chatter's time-in-stage tracking is not rebuilt: it reads the tracked values of the
        partner, which exist only from the install on.
        """
        # (imported here: the engine's module imports models this one must not load first)
        from .customer_lifecycle_engine import LOCK_KEY  # noqa: PLC0415

        started = time.monotonic()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", LOCK_KEY))
        if not cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "The lifecycle computation is running: rebuild the history when it ends."
                )
            )
        engine = self.env["customer.lifecycle.engine"]
        company = self.env["res.company"].sudo()._lifecycle_company()
        settings = company._lifecycle_settings()
        ids = partners.commercial_partner_id.ids if partners else None
        population = self.env["customer.lifecycle.fact"]._population_query(ids)
        # every kind of purchase the engine counts (sale orders, direct invoices, a bridge's)
        purchases = self.env["customer.lifecycle.fact"]._purchases_query(ids)
        engine._create_work_table(
            "clc_rebuilt",
            SQL(
                "partner_id int4, seq int4, anchor_id int4, last bool, stage_from int4, "
                "stage_to int4, "
                "date timestamp, trigger varchar, days_in_stage numeric"
            ),
        )
        # As for the engine's classification: the population's size is badly estimated (a few
        # rows), and nested loops over the work sets would compare every customer with every
        # other; JIT compiling would cost more than it saves.
        cr.execute(SQL("SET LOCAL enable_nestloop = off"))
        cr.execute(SQL("SET LOCAL work_mem = '64MB'"))
        cr.execute(SQL("SET LOCAL jit = off"))
        cr.execute(
            SQL(
                rebuild.REBUILD,
                population=population,
                purchases=purchases,
                company_id=company.id,
                lost_factor=settings["lost_factor"],
                min_lost_days=settings["min_lost_days"],
                expected_default=SQL(
                    "%s::float8",
                    company.lifecycle_median_interval or settings["default_interval"],
                ),
                fan_referrals=settings["fan_referrals"],
            )
        )
        rows = cr.rowcount
        cr.execute(SQL("SET LOCAL enable_nestloop = DEFAULT"))
        cr.execute(SQL("SET LOCAL work_mem = DEFAULT"))
        cr.execute(SQL("SET LOCAL jit = DEFAULT"))
        phases = {"rebuild": time.monotonic() - started}
        cr.execute(SQL("SELECT count(DISTINCT partner_id) FROM clc_rebuilt"))
        customers = cr.fetchone()[0]
        stamp = {"uid": self.env.uid, "now": fields.Datetime.now()}
        cr.execute(SQL(rebuild.UPDATE_ANCHORS, **stamp))
        cr.execute(SQL(rebuild.INSERT_ROWS, **stamp))
        phases["replace"] = time.monotonic() - started - sum(phases.values())
        cr.execute(SQL(rebuild.STAGE_SINCE))
        phases["stage dates"] = time.monotonic() - started - sum(phases.values())
        cr.execute(
            SQL(
                rebuild.LEFT_AS_THEY_WERE,
                population=population,
                purchases=purchases,
                company_id=company.id,
            )
        )
        left = cr.fetchone()[0]
        cr.execute(SQL("DROP TABLE pg_temp.clc_rebuilt"))
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["lifecycle_stage_date", "lifecycle_history_ids"])
        _logger.info(
            "Lifecycle history rebuilt from the orders: %d customers, %d rows, %d left as they "
            "were, %.2fs (%s)",
            customers, rows, left, time.monotonic() - started,
            ", ".join(f"{phase} {seconds:.2f}s" for phase, seconds in phases.items()),
        )  # fmt: skip
        return {"customers": customers, "rows": rows, "left": left}
