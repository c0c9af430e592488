"""Entering a segment is an event automation rules act on, also when the nightly run writes the
segment in SQL: a rule "on creation" of the segment history runs once per change, a second run
the same day runs nothing, and a failing rule does not stop the run."""

from odoo.tests import tagged

from .mailing_common import MailingLifecycleCase


@tagged("post_install", "-at_install")
class TestSegmentEvents(MailingLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flavia, cls.others = cls.customer_on_the_segment_edge()
        history = cls.env["ir.model"]._get("customer.lifecycle.segment.history")
        cls.rule = cls.env["base.automation"].create(
            {
                "name": "Entered Loyal",
                "model_id": history.id,
                "trigger": "on_create_or_write",
                "filter_domain": repr([("segment_to", "=", "loyal")]),
            }
        )
        cls.env["ir.actions.server"].create(
            {
                "name": "Note the entry",
                "model_id": history.id,
                "base_automation_id": cls.rule.id,
                "state": "code",
                "code": "for row in records:\n"
                "    row.partner_id.message_post(body='Entered Loyal')",
            }
        )

    def entries(self, partner):
        return self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id),
             ("body", "ilike", "Entered Loyal")]
        )  # fmt: skip

    def test_a_rule_runs_once_per_entry_written_by_the_nightly_run(self):
        self.nightly_run("2026-06-01")  # champions: not the rule's segment
        self.assertEqual(self.entries(self.flavia), 0)
        for other in self.others[:4]:
            self.order(other, "2026-06-02")
        self.nightly_run("2026-06-02")  # she enters loyal
        self.assertEqual(self.flavia.rfm_segment, "loyal")
        self.assertEqual(self.entries(self.flavia), 1)
        self.nightly_run("2026-06-02 23:00:00")  # nothing changed: nothing runs
        self.assertEqual(self.entries(self.flavia), 1)

    def test_a_failing_rule_does_not_stop_the_run(self):
        self.rule.action_server_ids.code = "raise UserError('a broken rule')"
        self.nightly_run("2026-06-01")
        for other in self.others[:4]:
            self.order(other, "2026-06-02")
        self.nightly_run("2026-06-02")  # fails the test if the run crashed
        self.assertEqual(self.flavia.rfm_segment, "loyal")
