from odoo import models

from ..models.res_partner import MERGING


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Odoo's merge moves the stage history, the referrals and the orders to the surviving
        customer by its foreign keys. What the addon adds: a referral between two of the merged
        partners would become a self-referral, so it is dropped first; the survivor, who now has
        everyone's orders, may keep a referrer (the rule 'only before the first order' is for
        new referrals); the survivor's last satisfaction answer is the newest of everyone's
        (Odoo's merge moves the requests); then it is re-evaluated at once."""
        token = MERGING.set(True)
        try:
            partners = self.env["res.partner"].sudo().browse(partner_ids).exists()
            partners.filtered(
                lambda p: p.lifecycle_referred_by_id in partners
            ).lifecycle_referred_by_id = False
            referrers = partners.lifecycle_referred_by_id
            result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        finally:
            MERGING.reset(token)
        survivors = partners.exists()
        self.env["customer.satisfaction.request"]._refresh_last_answer(survivors)
        (survivors | referrers.exists())._lifecycle_after_evidence("manual")
        return result

    def _update_values(self, src_partners, dst_partner):
        """The survivor's stage and last satisfaction answer are not copied from the merged
        partners (a stage changes by a move only, an answer is the newest request's): the
        re-evaluation after the merge sets them from everyone's orders and answers. The
        context key only removes values from the write, so it grants nothing when forged."""
        return super()._update_values(
            src_partners, dst_partner.with_context(lifecycle_skip_stage_fields=True)
        )
