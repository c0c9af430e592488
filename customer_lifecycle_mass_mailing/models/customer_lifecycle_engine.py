import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class CustomerLifecycleEngine(models.AbstractModel):
    _inherit = "customer.lifecycle.engine"

    @api.model
    def _recompute_all(self, trigger="schedule", in_transaction=False):
        """The nightly run, then the mailing lists that follow a segment brought in line with
        the stages and segments it wrote, and the outcomes of the mailings whose result window
        is open brought up to date. A failing step leaves the lists as they were (the
        run's own work is committed) and is logged; the next night tries again."""
        result = super()._recompute_all(trigger=trigger, in_transaction=in_transaction)
        if result and not in_transaction:
            try:
                with self.env.cr.savepoint():
                    counts = self.env["mailing.list"]._lifecycle_sync_bound_lists()
                    counts["outcomes"] = self.env[
                        "customer.lifecycle.mailing.member"
                    ]._refresh_outcomes()
                _logger.info(
                    "Lifecycle mailing lists: %(added)s members added, %(removed)s removed; "
                    "%(outcomes)s mailing outcomes updated",
                    counts,
                )
            except Exception:
                _logger.exception("Lifecycle mailing lists could not be brought in line")
        return result
