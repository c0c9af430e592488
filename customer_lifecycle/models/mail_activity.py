from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # Which stage's playbook scheduled the activity: only those are removed when the customer
    # leaves the stage (res.partner._lifecycle_drop_previous_playbook), never a rep's own, even
    # of the same type.
    lifecycle_stage_id = fields.Many2one(
        "customer.lifecycle.stage",
        string="Lifecycle Playbook",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The lifecycle stage whose playbook scheduled this activity: it goes when the "
        "customer leaves that stage before it is done.",
    )
    # The satisfaction answer a "Call Back the Detractor" activity follows up: marking it done
    # stamps the request called back (customer.satisfaction.request._lifecycle_mark_called_back).
    lifecycle_satisfaction_request_id = fields.Many2one(
        "customer.satisfaction.request",
        string="Satisfaction Answer",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A call-back done: its request is called back. Only the call-back type, on the
        request's own customer, counts (the link is a plain field a caller could set)."""
        callback_type = self.env.ref(
            "customer_lifecycle.activity_type_call_back_detractor", raise_if_not_found=False
        )
        called_back = (
            self.sudo()
            .filtered(
                lambda activity: (
                    activity.lifecycle_satisfaction_request_id
                    and activity.activity_type_id == callback_type
                    and activity.res_model == "res.partner"
                    and activity.res_id == activity.lifecycle_satisfaction_request_id.partner_id.id
                )
            )
            .lifecycle_satisfaction_request_id
        )
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if called_back:
            called_back._lifecycle_mark_called_back(self.env.user)
        return result
