from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _lifecycle_made_from_order(self):
        """An invoice made from a POS order is that order, not a purchase of its own."""
        return super()._lifecycle_made_from_order() or bool(self.sudo().pos_order_ids)

    def _lifecycle_purchase_customers(self):
        """Invoices and credit notes made from POS orders change nothing their orders did not
        count already: their customers were re-evaluated when the orders were paid."""
        return super(
            AccountMove, self.filtered(lambda move: not move.sudo().pos_order_ids)
        )._lifecycle_purchase_customers()
