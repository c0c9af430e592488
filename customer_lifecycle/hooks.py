def post_init_hook(env):
    """Give every existing customer its stage and metrics at install time."""
    env["customer.lifecycle.engine"]._recompute_all(trigger="schedule", in_transaction=True)
