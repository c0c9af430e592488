"""The engine's query shape: re-evaluating one customer runs a fixed number of statements, and a
nightly run of 1,000 customers runs exactly as many as a run of 10 (set-based SQL, no statement
per customer). Counted with Odoo's assertQueryCount after a warm-up (@warmup: Odoo's caches
filled, as on a running server), and held exact both ways: more statements fail Odoo's helper,
fewer fail here, so that a change of the engine's statements is seen and the numbers below are
updated on purpose.

Where customers change stage, the moves go through the ORM (res.partner._lifecycle_move: the
history rows, the playbook activities and their followers, the partners' stage columns), which
inserts and updates in batches of 100 rows (odoo.orm.models.INSERT_BATCH_SIZE), in write
transactions of 200 moves (the engine's STAGE_BATCH_SIZE): a run that moves 1,000 customers runs
a fixed number of statements more than one that moves 10, never one per customer."""

import contextlib

from odoo.tests import tagged, warmup
from odoo.tools import SQL

from .common import LifecycleCase

# The exact numbers of statements. The lead updates these when the engine's statements change.
# one customer: +1 since every purchase counts (the customers it referred, read as a list of ids)
# The category mix (customer.lifecycle.category.mix): +5 for one customer (its rows computed into
# a work table, upserted, the table dropped, the card's top categories), +7 in a nightly run
# (also everybody's overdue flags and the categories newly due).
# The next best offers (customer.lifecycle.offer): +7 for one customer (the lifecycle company, its
# offers ranked into a work table, the gone deleted, the new upserted, the card's first offer, the
# table dropped); +16 in a full run (the companies, the co-purchase rules: a work table, the
# products' categories read, the minimum support, the rules copied in and upserted; then
# everyone's offers). What everyone bought is read once for the rules and the offers, by a COPY
# (customer.lifecycle.fact._bought_products), which Odoo's counter does not count.
ONE_CUSTOMER_NO_MOVE = 23 + 5 + 7
ONE_CUSTOMER_MOVE = 49 + 5 + 7
# A full run's next best offers backtest (customer.lifecycle.offer.backtest): +11, one company,
# +3 since its offers are ranked in numpy (a work table, the rules and categories read; its
# history read once by a COPY, the rows copied in).
# Everyone's offers ranked in numpy in a full run (offer._rank_everyone_into): +3 (the usable
# rules, the products' categories and the population read; the rows copied in, which Odoo's
# counter does not count), +3 (the ranked offers analysed, and the nested loops off and back on
# for their writes).
# +4: PostgreSQL's JIT off and back on around each of the two COPYs of what was bought (the full
# run's, the backtest's).
NIGHTLY_RUN = (
    47 + 11 + 3 + 7 + 16 + 3 + 3 + 4
)  # whatever the number of customers: measured at 10 and 1,000
# The first run over new customers, which moves them all out of potential (to 3 stages here).
# +2 with the RFM segment history: its rows written by one INSERT per write batch, and one more
# statement of the ORM in the moves that follow (seen by removing the INSERT: 2 fewer); the
# same at 10 and 1,000. A run with no change writes no batch: no statement more.
NIGHTLY_RUN_MOVING_10 = 115 + 11 + 3 + 7 + 16 + 3 + 3 + 4 + 2
MOVING_1000_MORE = 218  # 4 more write transactions of 200 moves, the ORM's batches of 100 rows

# Customers written in SQL: company customers in the potential stage, as create() leaves them.
# Their last answer is a detractor's, so that none is a Fan: which customer is in the top RFM
# cell depends on every other buyer of the database, and the moves' statements on how many
# stages the customers go to.
CUSTOMERS = """
INSERT INTO res_partner (name, complete_name, active, type, is_company, autopost_bills, lang,
                         lifecycle_stage_id, lifecycle_stage_date, lifecycle_currency_id,
                         lifecycle_satisfaction_category, create_date, write_date)
     SELECT %(prefix)s || g, %(prefix)s || g, TRUE, 'contact', TRUE, 'ask', 'en_US',
            %(potential)s, now() - interval '2 years', %(currency)s, 'detractor',
            now() - interval '2 years', now() - interval '2 years'
       FROM generate_series(1, %(count)s) g
  RETURNING id
"""
# Orders of each customer, by its position (not its id): a third one order long ago (Lost), a
# third one order last month (Buyer), a third two orders in the last two months (Repeat
# Customer); amounts varying by customer, and one line each.
ORDERS = """
WITH plan AS (
    SELECT id, CASE WHEN pos %% 3 = 2 THEN 2 ELSE 1 END AS n,
           CASE WHEN pos %% 3 = 0 THEN 800 ELSE 10 END AS days_ago,
           50 + (pos %% 97) * 10 AS amount, pos
      FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS c(id, pos)
), orders AS (
    INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                            company_id, currency_id, date_order, state, amount_untaxed,
                            amount_tax, amount_total, currency_rate, margin, create_date,
                            write_date)
         SELECT 'QC/' || p.id || '/' || k, p.id, p.id, p.id, %(company)s, %(currency)s,
                now() - (p.days_ago + (k - 1) * 30 + p.pos %% 30) * interval '1 day', 'sale',
                p.amount, 0, p.amount, 1.0, round(p.amount * 0.3, 2), now(), now()
           FROM plan p CROSS JOIN generate_series(1, p.n) k
      RETURNING id, company_id, currency_id, amount_untaxed
)
INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty, price_unit, discount,
                             customer_lead, company_id, currency_id, create_date, write_date)
     SELECT o.id, 'Query count line', %(product)s, 1, o.amount_untaxed, 0, 0, o.company_id,
            o.currency_id, now(), now()
       FROM orders o
"""


@tagged("post_install", "-at_install")
class TestEngineQueryCount(LifecycleCase):
    def customers(self, count, prefix):
        """`count` customers with their orders, written in SQL (no re-evaluation on the way)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                CUSTOMERS,
                prefix=prefix,
                count=count,
                potential=self.stage("potential").id,
                currency=self.company.currency_id.id,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", ids)
        )
        self.env.cr.execute(
            SQL(
                ORDERS,
                ids=ids,
                company=self.company.id,
                currency=self.company.currency_id.id,
                product=self.product.id,
            )
        )
        self.env.invalidate_all()
        return self.Partner.browse(ids)

    @contextlib.contextmanager
    def exact_query_count(self, expected):
        """Odoo's assertQueryCount (it fails on more statements; on fewer it only logs), held
        exact: yields a list that receives the count."""
        counted = []
        with self.assertQueryCount(expected):
            start = self.cr.sql_log_count  # after the helper's own flush
            yield counted
        # the helper flushed again on the way out: the same span as its own count
        counted.append(self.cr.sql_log_count - start)
        if self.warm:
            self.assertEqual(counted[0], expected, "statements: update the number on purpose")

    @warmup
    def test_one_customer_is_re_evaluated_in_a_fixed_number_of_statements(self):
        customer = self.customers(1, "Query Count One ")
        self.assertEqual(customer.lifecycle_stage_id, self.stage("potential"))
        with self.exact_query_count(ONE_CUSTOMER_MOVE):
            self.engine._recompute_partners(customer, "order")
        moved_to = customer.lifecycle_stage_id
        self.assertNotEqual(moved_to, self.stage("potential"), "the re-evaluation moved it")
        with self.exact_query_count(ONE_CUSTOMER_NO_MOVE):
            self.engine._recompute_partners(customer, "order")
        self.assertEqual(customer.lifecycle_stage_id, moved_to, "nothing new: no move")

    def nightly_runs_of(self, count, moving_expected, expected):
        """The statements of two nightly runs (in the transaction) over `count` new customers:
        the first moves them all out of potential, the second finds nothing new. Rolled back
        afterwards, so that each size runs on its own."""
        with contextlib.closing(self.cr.savepoint(flush=False)):
            customers = self.customers(count, f"Query Count {count} ")
            with self.exact_query_count(moving_expected) as moving:
                self.engine._recompute_all(in_transaction=True)
            self.assertFalse(
                customers.filtered(lambda c: c.lifecycle_stage_id == self.stage("potential")),
                "every customer moved",
            )
            self.assertEqual(len(customers.lifecycle_stage_id), 3, "to three stages")
            with self.exact_query_count(expected) as steady:
                self.engine._recompute_all(in_transaction=True)
            self.env.flush_all()
        self.env.invalidate_all()
        return moving[0], steady[0]

    @warmup
    def test_a_nightly_run_of_1000_customers_runs_the_statements_of_a_run_of_10(self):
        _moving, steady_10 = self.nightly_runs_of(10, NIGHTLY_RUN_MOVING_10, NIGHTLY_RUN)
        self.nightly_runs_of(1000, NIGHTLY_RUN_MOVING_10 + MOVING_1000_MORE, steady_10)
