import logging

from odoo import models

from odoo.addons.base_automation.models.base_automation import CREATE_TRIGGERS

_logger = logging.getLogger(__name__)


class CustomerLifecycleSegmentHistory(models.Model):
    _inherit = "customer.lifecycle.segment.history"

    def _segments_entered(self):
        """Odoo's automation rules "on creation" (and "on creation and update") of the segment
        history run on the rows the nightly run wrote in SQL, as the ORM's create would have run
        them: "entered At Risk → send a template" is an automation rule on this model. A rule
        that fails is logged and left; the run goes on."""
        super()._segments_entered()
        if not self:
            return True
        automations = self.env["base.automation"]._get_actions(self, CREATE_TRIGGERS)
        for automation in automations.with_context(old_values=None):
            try:
                with self.env.cr.savepoint():
                    automation._process(automation._filter_post(self, feedback=True))
            except Exception:
                _logger.exception(
                    "Automation rule %s failed on %d segment changes; the run goes on",
                    automation.sudo().name,
                    len(self),
                )
        return True
