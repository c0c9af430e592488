"""Shared fixtures of the Odoo test suite: users with the rights the product gives them, and
customers with sale orders placed on given days."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class LifecycleCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="clc_salesperson",
            name="Sofia Salesperson",
            groups="sales_team.group_sale_salesman",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="clc_sales_manager",
            name="Marek Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.employee = new_test_user(
            cls.env,
            login="clc_employee",
            name="Ettore Employee",
            groups="base.group_user",
        )
        cls.Stage = cls.env["customer.lifecycle.stage"]
        cls.Partner = cls.env["res.partner"]
        cls.company = cls.env.ref("base.main_company")
        # Every test starts as if the engine never ran: its first nightly run is a full one.
        cls.company.write({"lifecycle_last_run": False, "lifecycle_last_full_run": False})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Coffee Beans, 1 kg",
                "type": "consu",
                "list_price": 100.0,
                "standard_price": 60.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.engine = cls.env["customer.lifecycle.engine"]
        # the consent log and its four channels (data of the addon)
        cls.Consent = cls.env["customer.consent"]
        cls.email = cls.env.ref("customer_lifecycle.consent_channel_email")
        cls.sms = cls.env.ref("customer_lifecycle.consent_channel_sms")
        cls.phone = cls.env.ref("customer_lifecycle.consent_channel_phone")
        cls.post = cls.env.ref("customer_lifecycle.consent_channel_post")

    @classmethod
    def user_of_another_company(cls, login, groups, company_name="Bottega B"):
        """A company of its own and a user who works only there: the weakest outsider of the
        multi-company rules. Returns (company, user)."""
        company = cls.env["res.company"].create({"name": company_name})
        user = new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        return company, user

    @classmethod
    def customer_on_the_segment_edge(cls):
        """Ten buyers, one of them (Flavia) on the edge of the top RFM cell: twenty orders of
        1,000, the last on 20 May (F = M = 5); nine others one order of 100 each in early May.
        Four others ordering after her move her from champions to loyal; her own next order
        moves her back. Returns (Flavia, the nine others)."""
        flavia = cls.Partner.create({"name": "Flavia Fedele"})
        others = cls.Partner.create([{"name": f"Occasional {n}"} for n in range(1, 10)])
        for k in range(20):
            cls.order_in(
                cls.env, flavia, f"2026-{1 + k // 5:02d}-{1 + 4 * (k % 5):02d}", amount=1000.0
            )
        cls.order_in(cls.env, flavia, "2026-05-20", amount=1000.0)
        for n, other in enumerate(others, start=1):
            cls.order_in(cls.env, other, f"2026-05-{n:02d}")
        return flavia, others

    def stage(self, code):
        return self.Stage.search([("code", "=", code)])

    def order(self, partner, when, amount=100.0, state="sale", **vals):
        """A sale order for `partner` created (and confirmed, or cancelled) on day `when`."""
        return self.order_in(self.env, partner, when, amount, state, **vals)

    @classmethod
    def order_in(cls, env, partner, when, amount=100.0, state="sale", **vals):
        """order() in that environment: a class's own customers and orders (setUpClass)."""
        with freeze_time(when):
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                    **vals,
                }
            )
            if state in ("sale", "cancel"):
                order.action_confirm()
            if state == "cancel":
                order._action_cancel()
        return order

    def invoice(self, when, due, amount, partner=None, currency=None, move_type="out_invoice"):
        """A posted customer invoice (or credit note) dated `when`, due on `due`."""
        with freeze_time(when):
            move = self.env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": when,
                    "invoice_date_due": due,
                    "currency_id": (currency or self.company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Coffee beans",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            move.action_post()
        return move

    def invoice_of(self, order, when, due, amount=None):
        """The posted invoice of a (one-line) confirmed order, dated `when`, due on `due`, for
        `amount` when given (a partial invoice): the order's purchase, never a second one."""
        with freeze_time(when):
            move = order._create_invoices()
            move.write({"invoice_date": when, "invoice_date_due": due})
            if amount is not None:
                move.invoice_line_ids.price_unit = amount
            move.action_post()
        return move

    def nightly_run(self, when):
        """The scheduled action, run as the scheduler runs it, on day `when`; fails the test when
        the run crashed or did not run. Returns what the run reports: the counts of rows written
        ("rows") and stage moves ("stages"), customers aggregated, and whether it was full.

        Odoo 19's scheduler logs a crashing job and returns: method_direct_trigger then answers
        an error action instead of True, and the cron counts a failure. Both are checked, and
        the engine's own return value is kept on the way through (the real method runs)."""
        cron = self.env.ref("customer_lifecycle.ir_cron_lifecycle_recompute")
        engine_class = type(self.engine)
        real_recompute_all = engine_class._recompute_all
        reports = []

        def recompute_all(engine, *args, **kwargs):
            reports.append(real_recompute_all(engine, *args, **kwargs))
            return reports[-1]

        with (
            freeze_time(when),
            self.enter_registry_test_mode(),
            patch.object(engine_class, "_recompute_all", recompute_all),
        ):
            outcome = cron.method_direct_trigger()
        self.env.invalidate_all()
        if outcome is not True:
            data = outcome.get("params", {}).get("data", {})  # the traceback of what crashed
            self.fail(f"the nightly run of {when} crashed:\n{data.get('debug', outcome)}")
        self.assertEqual(cron.failure_count, 0, f"the nightly run of {when} counted a failure")
        self.assertEqual(len(reports), 1, f"the nightly run of {when} ran {len(reports)} times")
        self.assertTrue(reports[0], f"the nightly run of {when} found the lock taken")
        return reports[0]

    def history(self, partner):
        return self.env["customer.lifecycle.history"].search(
            [("partner_id", "=", partner.id)], order="date, id"
        )
