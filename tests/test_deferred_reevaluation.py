"""Deferring a customer's immediate re-evaluation is for trusted Python code only.

Bulk loaders (the demo generator, imports of history) enter deferred_reevaluation(), a
ContextVar; no context key defers anything, since an RPC caller chooses every context key.
"""

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestDeferredReevaluation(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Caffè Deferred", "user_id": cls.salesperson.id})
        cls.referrer = cls.Partner.create({"name": "Host Deferred"})

    def moves(self, partner):
        return [
            (h.stage_from_id.code or None, h.stage_to_id.code, h.trigger)
            for h in self.history(partner)
        ]

    def confirm_order(self, env):
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesperson.id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 80.0})],
            }
        )
        order.action_confirm()
        return order

    def test_a_salesperson_cannot_defer_the_reevaluation_with_a_context_key(self):
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        before = self.moves(self.customer)
        # what a JSON-RPC call can send: the old key, in the kwargs' context
        salesperson_env = self.env(user=self.salesperson, context={"lifecycle_defer": True})
        self.confirm_order(salesperson_env)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        self.assertEqual(self.customer.lifecycle_order_count, 1)
        # the quotation made a prospect, its confirmation a buyer: both at once
        self.assertEqual(
            self.moves(self.customer),
            [*before, ("potential", "prospect", "order"), ("prospect", "buyer", "order")],
        )

    def test_a_referrer_set_with_the_context_key_is_still_seen_at_once(self):
        newcomer = self.Partner.create({"name": "Newcomer Deferred"})
        self.assertEqual(newcomer.lifecycle_stage_id, self.stage("potential"))
        # an employee who may edit contacts (a salesperson's write of a referrer goes the
        # lifecycle rep's way, which drops every context key anyway)
        editor = new_test_user(
            self.env,
            login="clc_contact_editor",
            groups="base.group_user,base.group_partner_manager",
        )
        newcomer.with_user(editor).with_context(
            lifecycle_defer=True
        ).lifecycle_referred_by_id = self.referrer
        self.assertEqual(newcomer.lifecycle_stage_id, self.stage("referral"))
        self.assertEqual(self.moves(newcomer)[-1], ("potential", "referral", "manual"))

    def test_a_bulk_loader_defers_within_the_block_only(self):
        with deferred_reevaluation():
            self.confirm_order(self.env)
            self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
            self.assertEqual(self.customer.lifecycle_order_count, 0, "left to the nightly run")
        # the block ended (also on an error): the next order re-evaluates at once
        with self.assertRaises(ZeroDivisionError), deferred_reevaluation():
            1 / 0  # noqa: B018
        self.confirm_order(self.env)
        self.assertEqual(self.customer.lifecycle_order_count, 2)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))

    def test_an_import_of_orders_is_left_to_the_nightly_run(self):
        """Odoo's import loads a whole file in one transaction: re-evaluating the customer of
        every row took the locks of its temporary tables until the end, and a few hundred
        orders ran PostgreSQL out of lock slots. The nightly run picks the orders up."""
        locks = "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"
        self.env.cr.execute(locks)
        before = self.env.cr.fetchone()[0]
        importer = self.env(context={"import_file": True})  # what base_import sets
        for _row in range(30):
            self.confirm_order(importer)
        self.env.cr.execute(locks)
        self.assertLess(self.env.cr.fetchone()[0] - before, 100, "no temporary tables per row")
        self.assertEqual(self.customer.lifecycle_order_count, 0, "left to the nightly run")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        self.nightly_run(str(fields.Date.today()))
        self.assertEqual(self.customer.lifecycle_order_count, 30)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))

    def test_an_accountant_cannot_defer_a_direct_invoice_with_the_context_key(self):
        """A posted direct invoice is a purchase: the old key sent with the post defers nothing."""
        accountant = new_test_user(
            self.env, login="clc_defer_accountant", groups="account.group_account_invoice"
        )
        invoice = (
            self.env["account.move"]
            .with_user(accountant)
            .with_context(lifecycle_defer=True)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Beans", "price_unit": 70.0, "tax_ids": [Command.clear()]}
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.assertEqual(self.customer.lifecycle_order_count, 1)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        self.assertEqual(self.moves(self.customer)[-1], ("potential", "buyer", "order"))
