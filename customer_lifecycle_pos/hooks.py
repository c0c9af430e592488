from odoo.tools import SQL


def post_init_hook(env):
    """Count the shop's past sales at once. The main addon computed every customer from the
    other sources (at its own install, or nightly since): a shop installing the bridge on years
    of counter sales gets its customers recomputed now, with the stage history of the customers
    who bought at the counter rebuilt from their purchases. A database without a counter sale
    to a customer has nothing to recount."""
    env.cr.execute(SQL("SELECT 1 FROM pos_order WHERE partner_id IS NOT NULL LIMIT 1"))
    if not env.cr.fetchone():
        return
    env["customer.lifecycle.engine"]._recompute_all(trigger="schedule", in_transaction=True)
    env.cr.execute(
        SQL(
            """SELECT DISTINCT c.commercial_partner_id FROM pos_order o
                 JOIN res_partner c ON c.id = o.partner_id"""
        )
    )
    customers = env["res.partner"].browse(row[0] for row in env.cr.fetchall())
    env["customer.lifecycle.history"]._reconstruct_from_orders(customers)


def uninstall_hook(env):
    """The counter's sales stop counting: the next nightly run recomputes every customer
    without them (a full run), instead of a daily one that would keep their revenue."""
    env["res.company"].search([]).write({"lifecycle_last_full_run": False})
