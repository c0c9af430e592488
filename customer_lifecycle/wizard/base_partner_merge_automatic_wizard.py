from odoo import models

from ..models.res_partner import MERGING


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Odoo's merge moves the stage history, the referrals and the orders to the surviving
        customer by its foreign keys. What the addon adds: a referral between two of the merged
        partners would become a self-referral, so it is dropped first; the survivor, who now has
        everyone's orders, may keep a referrer (the rule 'only before the first order' is for
        new referrals); the values Odoo copies onto the survivor leave out its stage and last
        satisfaction answer (res_partner.MERGE_SKIPPED_FIELDS: a stage changes by a move only);
        the survivor's last answer is the newest of everyone's (Odoo's merge moves the
        requests); then it is re-evaluated at once. MERGING, read by res.partner, says a merge
        runs: a ContextVar, which no RPC caller can set, not a context key."""
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
