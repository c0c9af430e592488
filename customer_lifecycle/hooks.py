def post_init_hook(env):
    """Give every existing customer its stage and metrics at install time, and the stage
    history its orders made before (instead of one row dated today). Phone numbers saved
    before phonenumbers was installed become E.164, so that callers are recognised."""
    env["res.partner"]._lifecycle_sanitize_phones()
    env["customer.lifecycle.engine"]._recompute_all(trigger="schedule", in_transaction=True)
    env["customer.lifecycle.history"]._reconstruct_from_orders()
    if env["ir.module.module"].search([("name", "=", "customer_lifecycle")]).demo:
        demo_customers = env["res.partner"].search(
            [("email", "=like", "%example.com"), ("parent_id", "=", False)], order="id"
        )
        env["customer.lifecycle.demo"]._play_manual_moves(demo_customers)
        env["customer.lifecycle.demo"]._satisfaction_answers(demo_customers)
