"""19.0.1.3.0: every stage ships a playbook. The stages are noupdate data, so an upgrade does
not touch them: give the new activity types to the shipped stages that still schedule nothing.
A stage whose playbook a manager set (or a stage they made) keeps it."""

from odoo import SUPERUSER_ID, api

PLAYBOOKS = {
    # stage xml id: (activity type xml id, days until due)
    "stage_potential": ("activity_type_first_contact", 7),
    "stage_prospect": ("activity_type_quotation_follow_up", 3),
    "stage_referral": ("activity_type_call_referral", 2),
    "stage_customer": ("activity_type_repeat_check_in", 30),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for stage_xmlid, (type_xmlid, delay) in PLAYBOOKS.items():
        stage = env.ref(f"customer_lifecycle.{stage_xmlid}", raise_if_not_found=False)
        activity_type = env.ref(f"customer_lifecycle.{type_xmlid}", raise_if_not_found=False)
        if stage and activity_type and not stage.activity_type_id:
            stage.write({"activity_type_id": activity_type.id, "activity_delay_days": delay})
