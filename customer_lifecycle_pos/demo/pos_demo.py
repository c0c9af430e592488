"""Demo data of the POS bridge: the coffee business also sells at its own counter. A shop, and a
closed session of paid orders for some of the demo customers, so that the counter's sales show
in their lifecycle (a never contacted customer becomes a Buyer, another a Repeat Customer, a
one-time buyer comes back), with a sale to nobody and a refund."""

from datetime import datetime, time, timedelta
from uuid import uuid4

from odoo import Command, api, fields, models

# (customer's demo stage and rank among them, days ago, products by internal reference and
# quantity); None: a sale to nobody.
SALES = [
    (("potential", 0), 40, [("CLC-BEAN", 2), ("CLC-CUPS", 1)]),
    (("potential", 0), 21, [("CLC-CAPS", 1)]),
    (("potential", 0), 6, [("CLC-BEAN", 1)]),
    (("potential", 1), 12, [("CLC-GRND", 1)]),
    (("buyer", 0), 9, [("CLC-CAPS", 2)]),
    (None, 3, [("CLC-BEAN", 1)]),
    (("potential", 2), 30, [("CLC-CUPS", 2)]),
]
# (index in SALES of the order refunded, days ago): one cup set of two brought back.
REFUNDS = [(6, 28)]


def paid_order(session, customer, when, lines, user_id, refund=False, to_invoice=False):
    """What the POS sends (pos.order.sync_from_ui) for an order of these untaxed lines (values of
    pos.order.line: product_id, qty, price_unit, price_subtotal, ...) paid in cash at `when` by
    user_id, for customer (False: nobody); refund: a return. The demo and the tests sell so."""
    total = round(sum(line["price_subtotal"] for line in lines), 2)
    return {
        "uuid": str(uuid4()),
        "session_id": session.id,
        "partner_id": customer.id if customer else False,
        "date_order": fields.Datetime.to_string(when),
        "lines": [Command.create({**line, "tax_ids": [Command.clear()]}) for line in lines],
        "payment_ids": [
            Command.create(
                {
                    "amount": total,
                    "name": when,
                    "payment_method_id": session.config_id.payment_method_ids[:1].id,
                }
            )
        ],
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "pricelist_id": session.config_id.pricelist_id.id,
        "fiscal_position_id": False,
        "to_invoice": to_invoice,
        "is_refund": refund,
        "state": "paid",
        "last_order_preparation_change": "{}",
        "user_id": user_id,
    }


class CustomerLifecyclePosDemo(models.AbstractModel):
    _name = "customer.lifecycle.pos.demo"
    _description = "Customer Lifecycle: Point of Sale Demo Data"

    @api.model
    def _generate(self):
        """The counter shop and its closed session (demo data, loaded once), run by the
        administrator: Odoo opens no POS session for the superuser that loads data."""
        self.with_user(self.env.ref("base.user_admin"))._generate_counter()

    @api.model
    def _generate_counter(self):
        products = self._products()
        if not products:
            return  # the main addon's demo products are not there: nothing to sell
        customers = self._customers()
        shop = self._shop()
        shop.open_ui()
        session = shop.current_session_id
        session.set_opening_control(0, None)
        today = fields.Date.context_today(self)
        orders = []
        for who, days, lines in SALES:
            customer = customers.get(who) if who else False
            if customer is None:
                continue  # no such demo customer
            when = datetime.combine(today - timedelta(days=days), time(10, 30))
            orders.append(self._sell(session, customer, when, products, lines))
        for index, days in REFUNDS:
            if index < len(orders):
                when = datetime.combine(today - timedelta(days=days), time(16, 0))
                self._sell(
                    session, orders[index].partner_id, when, products, [], refund=orders[index]
                )
        session.post_closing_cash_details(session.cash_register_balance_end)
        session.close_session_from_ui()

    @api.model
    def _products(self):
        """{internal reference: product} of the main demo's products, made sellable at the
        counter."""
        products = self.env["product.product"].search([("default_code", "like", "CLC-%")])
        products.product_tmpl_id.available_in_pos = True
        return {product.default_code: product for product in products}

    @api.model
    def _customers(self):
        """{(stage code, rank): customer}: the demo customers (see the main addon's post-init
        hook) by their stage, the first ones of each, in a stable order."""
        demo = self.env["res.partner"].search(
            [("email", "=like", "%example.com"), ("parent_id", "=", False)], order="id"
        )
        found, ranks = {}, {}
        for customer in demo:
            code = customer.lifecycle_stage_id.code
            ranks[code] = ranks.get(code, -1) + 1
            found[code, ranks[code]] = customer
        return found

    @api.model
    def _shop(self):
        """The counter: a POS paid in cash."""
        journal = self.env["account.journal"].create(
            {"name": self.env._("Counter Cash"), "code": "CNTR", "type": "cash"}
        )
        cash = self.env["pos.payment.method"].create(
            {"name": self.env._("Cash"), "journal_id": journal.id}
        )
        return self.env["pos.config"].create(
            {"name": self.env._("Coffee Counter"), "payment_method_ids": [Command.set(cash.ids)]}
        )

    @api.model
    def _sell(self, session, customer, when, products, lines, refund=None):
        """A paid order of these lines (reference, quantity) at their sales price, untaxed,
        sent as the POS sends it; with refund, a return from that order."""
        if refund:  # one unit of its first line brought back
            line = refund.lines[:1]
            vals = [
                {
                    "product_id": line.product_id.id,
                    "qty": -1,
                    "price_unit": line.price_unit,
                    "price_subtotal": -line.price_unit,
                    "price_subtotal_incl": -line.price_unit,
                    "refunded_orderline_id": line.id,
                }
            ]
        else:
            vals = [
                {
                    "product_id": products[code].id,
                    "qty": qty,
                    "price_unit": products[code].lst_price,
                    "price_subtotal": products[code].lst_price * qty,
                    "price_subtotal_incl": products[code].lst_price * qty,
                }
                for code, qty in lines
            ]
        data = self.env["pos.order"].sync_from_ui(
            [paid_order(session, customer, when, vals, self.env.uid, refund=bool(refund))]
        )
        return self.env["pos.order"].browse(data["pos.order"][-1]["id"])
