def post_init_hook(env):
    """Give every existing customer its stage and metrics at install time."""
    env["customer.lifecycle.engine"]._recompute_all(trigger="schedule", in_transaction=True)
    if env["ir.module.module"].search([("name", "=", "customer_lifecycle")]).demo:
        demo_customers = env["res.partner"].search(
            [("email", "=like", "%example.com"), ("parent_id", "=", False)], order="id"
        )
        env["customer.lifecycle.demo"]._play_manual_moves(demo_customers)
