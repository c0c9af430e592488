"""A POS order paid at the counter re-evaluates its customer at once, like a confirmed sale
order: the card moves while the customer is still in the shop."""

from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models

from .customer_lifecycle_fact import COUNTED_STATES

# Changes of an order that may change what it counts for its customer.
LIFECYCLE_POS_FIELDS = {"state", "partner_id", "company_id", "date_order"}

# The customers whose orders a running synchronisation paid (None: no synchronisation running):
# they are re-evaluated once, at its end, not once per order. A ContextVar, which no RPC caller
# can set (unlike a context key). Per thread.
_PENDING = ContextVar("customer_lifecycle_pos_pending", default=None)


@contextmanager
def _collected_reevaluations():
    """Within the block, the customers of paid orders are collected, not re-evaluated; yields
    the set of their ids."""
    pending = set()
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


class PosOrder(models.Model):
    _inherit = "pos.order"

    # The daily run finds the orders written since the last one.
    _lifecycle_write_date_idx = models.Index("(write_date)")

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._lifecycle_reevaluate(orders._lifecycle_counted().partner_id)
        return orders

    def write(self, vals):
        if not LIFECYCLE_POS_FIELDS & vals.keys():
            return super().write(vals)
        written = set(vals)  # Odoo's write adds to vals (the order's name when paid)
        counted_before = self._lifecycle_counted()
        partners_before = counted_before.partner_id
        result = super().write(vals)
        counted = self._lifecycle_counted()
        if written & LIFECYCLE_POS_FIELDS - {"state"}:
            changed = counted | counted_before
        else:  # paid -> posted when the session closes changes nothing the order counts for
            changed = (counted - counted_before) | (counted_before - counted)
        partners = changed.partner_id
        if "partner_id" in written:
            partners |= partners_before  # a customer replaced on a counted order loses it
        self._lifecycle_reevaluate(partners)
        return result

    @api.model
    def sync_from_ui(self, orders):
        """The orders the POS sends (paid, refunded): their customers are re-evaluated once
        for the whole batch, and sent back to the POS with their new stage."""
        with _collected_reevaluations() as pending:
            data = super().sync_from_ui(orders)
        partners = self.env["res.partner"].browse(sorted(pending)).exists()
        if partners:
            self._lifecycle_reevaluate(partners)
            config = self.browse([order["id"] for order in data.get("pos.order", [])]).config_id
            if config:
                data.setdefault("res.partner", []).extend(
                    partners._load_pos_data_read(partners, config[:1])
                )
        return data

    def _lifecycle_counted(self):
        """The orders among these that count as purchases of their customer."""
        return self.filtered(lambda order: order.state in COUNTED_STATES and order.partner_id)

    def _lifecycle_reevaluate(self, partners):
        """Re-evaluate these customers now, or at the end of the running synchronisation."""
        if not partners:
            return
        pending = _PENDING.get()
        if pending is not None:
            pending.update(partners.ids)
            return
        self.env["customer.lifecycle.engine"].sudo()._recompute_partners(partners, "order")
