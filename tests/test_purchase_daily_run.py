"""The nightly run and the purchase definition: invoices written without the immediate
re-evaluation (an import) are found by the next daily run like imported sale orders, a referred
customer's direct invoice counts for the referrer, and changing what counts as a purchase makes
the next run a full one."""

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import deferred_reevaluation

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestPurchaseDailyRun(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.lifecycle_count_invoices = True
        cls.customer = cls.Partner.create({"name": "Studio Bianchi"})
        cls.referrer = cls.Partner.create({"name": "Anna Referrer"})
        cls.friend = cls.Partner.create(
            {"name": "Piotr Friend", "lifecycle_referred_by_id": cls.referrer.id}
        )
        cls.Fact = cls.env["customer.lifecycle.fact"]
        # a base large enough for a daily run to re-aggregate only what changed (it takes all
        # when more than a fifth changed)
        cls.Partner.create([{"name": f"Quiet Customer {n:02}"} for n in range(12)])

    def _run_engine(self, when):
        """The engine in its own transaction, as the scheduler runs it."""
        with freeze_time(when), self.enter_registry_test_mode(), self.registry.cursor() as cr:
            result = self.engine.with_env(self.env(cr=cr))._recompute_all()
        self.env.invalidate_all()
        return result

    def _age_documents(self):
        """This test is one transaction, whose documents all carry its start time: age what the
        first run has seen, so that only what follows is new to the daily run."""
        self.env.flush_all()
        for table in ("sale_order", "account_move", "res_partner"):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date - interval '2 days'",
                    SQL.identifier(table),
                )
            )

    def fact(self, partner):
        return self.Fact.search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def test_an_imported_invoice_and_credit_note_reach_their_customer_at_the_daily_run(self):
        today = fields.Datetime.now()
        self.assertTrue(self._run_engine(today)["full"])
        self._age_documents()
        with deferred_reevaluation():
            invoice = self.invoice(today.date(), today.date(), 420.0)
        self.assertEqual(self.customer.lifecycle_order_count, 0, "not re-evaluated yet")
        daily = self._run_engine(today)
        self.assertFalse(daily["full"])
        self.assertEqual(daily["aggregated"], 1, "only the customer of the imported invoice")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        self.assertEqual(self.customer.lifecycle_order_count, 1)
        self.assertEqual(self.customer.lifecycle_revenue_total, 420.0)
        self.assertEqual(self.fact(self.customer).invoice_orders, 1)

        self._age_documents()
        with deferred_reevaluation():
            refund = invoice._reverse_moves([{"invoice_date": today.date()}])
            refund.invoice_line_ids.price_unit = 120.0
            refund.action_post()
        daily = self._run_engine(today)
        self.assertFalse(daily["full"])
        self.assertEqual(daily["aggregated"], 1)
        self.assertEqual(self.customer.lifecycle_revenue_total, 300.0, "420 less the 120 refunded")
        self.assertEqual(self.customer.lifecycle_order_count, 1, "a credit note is no order")

    def test_a_referred_customers_direct_invoice_counts_for_the_referrer(self):
        today = fields.Datetime.now()
        self._run_engine(today)
        self.assertEqual(self.referrer.lifecycle_referrals_brought, 1)
        self.assertEqual(self.referrer.lifecycle_referrals_converted, 0)
        self._age_documents()
        with deferred_reevaluation():
            self.invoice(today.date(), today.date(), 250.0, partner=self.friend)
        daily = self._run_engine(today)
        self.assertFalse(daily["full"])
        self.assertEqual(daily["aggregated"], 2, "the friend and the referrer")
        self.assertEqual(self.referrer.lifecycle_referrals_converted, 1)
        self.assertEqual(self.referrer.lifecycle_referral_revenue, 250.0)
        # the referrer's own re-evaluation reads the friend's purchases too
        self.engine._recompute_partners(self.referrer, "order")
        self.assertEqual(self.referrer.lifecycle_referral_revenue, 250.0)

    def test_switching_a_purchase_source_makes_the_next_run_a_full_one(self):
        today = fields.Datetime.now()
        self.invoice(today.date(), today.date(), 90.0)
        self._run_engine(today)
        self.assertTrue(self.company.lifecycle_last_full_run)
        self.company.lifecycle_count_invoices = True  # no change: no full run needed
        self.assertTrue(self.company.lifecycle_last_full_run)
        self.company.lifecycle_count_invoices = False
        self.assertFalse(self.company.lifecycle_last_full_run)
        run = self._run_engine(today)
        self.assertTrue(run["full"])
        self.assertEqual(self.customer.lifecycle_order_count, 0)
        self.assertEqual(self.customer.lifecycle_revenue_total, 0.0)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
