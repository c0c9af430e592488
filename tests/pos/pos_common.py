"""Fixtures of the Point of Sale bridge's tests: a shop with an open session, and orders sent
as the POS sends them (pos.order.sync_from_ui, the real path of a sale at the counter)."""

from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.customer_lifecycle_pos.demo.pos_demo import paid_order

from ..common import LifecycleCase


class PosLifecycleCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.pos_shop("Lifecycle Test Shop", "LCSH")
        cls.product.available_in_pos = True

    @classmethod
    def pos_shop(cls, name, code, currency=None):
        """A POS (pos.config) paid in cash, in currency (the company's by default), with an
        open session."""
        Journal = cls.env["account.journal"]
        journal = Journal.create(
            {"name": name, "code": code, "type": "cash", "currency_id": currency and currency.id}
        )
        cash = cls.env["pos.payment.method"].create(
            {"name": f"{name} Cash", "journal_id": journal.id}
        )
        vals = {"name": name, "payment_method_ids": [Command.set(cash.ids)]}
        if currency:  # a POS is in its sales journal's currency
            sales, invoices = Journal.create(
                [
                    {"name": f"{name} {kind}", "code": f"{code[:3]}{kind[0]}", "type": "sale",
                     "currency_id": currency.id}
                    for kind in ("Sales", "Invoices")
                ]
            )  # fmt: skip
            pricelist = cls.env["product.pricelist"].create(
                {"name": f"{name} Prices", "currency_id": currency.id}
            )
            vals.update(
                journal_id=sales.id,
                invoice_journal_id=invoices.id,
                use_pricelist=True,
                pricelist_id=pricelist.id,
                available_pricelist_ids=[Command.set(pricelist.ids)],
            )
        shop = cls.env["pos.config"].create(vals)
        shop.open_ui()
        shop.current_session_id.set_opening_control(0, None)
        return shop

    def order_data(
        self,
        customer,
        amount,
        session,
        qty=1,
        discount=0.0,
        refund_of=None,
        to_invoice=False,
        env=None,
    ):
        """What the POS sends for a sale (or, with refund_of, the refund of that order's first
        line) paid in cash, now: one untaxed line of the test product, amount the order's
        untaxed total (negative for a refund) before the discount (in %)."""
        env = env or self.env
        price = amount / qty
        total = round(price * qty * (1 - discount / 100.0), 2)
        line = {
            "product_id": self.product.id,
            "qty": qty,
            "price_unit": price,
            "discount": discount,
            "price_subtotal": total,
            "price_subtotal_incl": total,
        }
        if refund_of:
            line["refunded_orderline_id"] = refund_of.lines[:1].id
        data = paid_order(
            session,
            customer,
            fields.Datetime.now(),
            [line],
            env.uid,
            refund=bool(refund_of),
            to_invoice=to_invoice,
        )
        return {**data, "name": f"Order {data['uuid']}"}

    def sell(self, customer, amount, when=None, shop=None, env=None, **kwargs):
        """A sale at the counter (see order_data) sent as the POS sends it
        (pos.order.sync_from_ui), on day `when` (now by default). Returns the order; the
        answer to the POS is kept in last_sync."""
        env = env or self.env
        session = (shop or self.shop).current_session_id
        with freeze_time(when or fields.Datetime.now()):
            data = self.order_data(customer, amount, session, env=env, **kwargs)
            self.last_sync = env["pos.order"].sync_from_ui([data])
        order = env["pos.order"].browse(self.last_sync["pos.order"][-1]["id"])
        self.assertEqual(order.uuid, data["uuid"])
        return order

    def figures(self, customer):
        """(stage code, order count, revenue) of the customer, read fresh."""
        customer.invalidate_recordset()
        return (
            customer.lifecycle_stage_id.code,
            customer.lifecycle_order_count,
            customer.lifecycle_revenue_total,
        )
