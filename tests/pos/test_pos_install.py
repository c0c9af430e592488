"""Installing the bridge on a shop's database counts its past counter sales at once (every
customer recomputed, the stage history of the counter's customers rebuilt from their sales);
uninstalling it makes the next nightly run a full one, which counts them no more."""

from datetime import datetime

from odoo.tests import tagged

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation
from odoo.addons.customer_lifecycle_pos.hooks import post_init_hook, uninstall_hook

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosInstall(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Barbiere Vecchio"})
        cls.engine._recompute_partners(cls.customer, "manual")

    def test_installing_the_bridge_counts_the_past_counter_sales(self):
        # sales made before the bridge counted them: nobody re-evaluated their customer
        with deferred_reevaluation():
            self.sell(self.customer, 30.0, when=datetime(2026, 6, 5, 9, 0))
            self.sell(self.customer, 45.0, when=datetime(2026, 9, 12, 11, 0))
        self.assertEqual(self.figures(self.customer), ("potential", 0, 0.0))
        post_init_hook(self.env)
        self.assertEqual(self.figures(self.customer), ("customer", 2, 75.0))
        history = self.history(self.customer)
        self.assertEqual(
            [(h.stage_from_id.code or None, h.stage_to_id.code, h.date.date()) for h in history],
            [
                ("potential", "buyer", datetime(2026, 6, 5).date()),
                ("buyer", "customer", datetime(2026, 9, 12).date()),
            ],
        )
        self.assertTrue(all(history.mapped("reconstructed")))

    def test_uninstalling_the_bridge_makes_the_next_run_a_full_one(self):
        self.nightly_run(datetime(2026, 11, 30, 2, 0))
        self.assertTrue(self.company.lifecycle_last_full_run)
        uninstall_hook(self.env)
        self.assertFalse(self.company.lifecycle_last_full_run)
