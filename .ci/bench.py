"""make bench: the lifecycle engine on synthetic data, timed.

Run by .ci/bench.sh with .venv's Python:  bench.py CONFIG DATABASE SIZE [RUNS]
SIZE is S (10,000 customers / about 100,000 orders), L (100,000 / about 1,000,000) or XL
(1,000,000 / about 10,000,000). The data is written straight in SQL (orders with lines, five years
of dates, skewed spend, 30 % one-time buyers, lapsed customers, quotations and cancelled orders, a
tenth of the orders in a foreign currency; of the documents, 30 % are POS orders posted with a
closed session and 10 % posted direct invoices with their product and receivable lines, the rest
sale orders), once, 100,000 customers per committed statement; every document's lines are then
drawn from a catalogue of 500 products in 30 categories (CATALOGUE_LINES; a database generated
before it gets it in place); then every scenario runs RUNS times and the medians, with the
fastest and slowest run and their ratio to the floor (a bare GROUP BY over the purchases), are
printed as a Markdown table, followed by the phone lookup, users' saves during the weekly full
run (bench_saves.py) and Odoo's own Contacts screens without and with the addon
(bench_screens.py).
PHASE=generate: the data alone (bench.sh runs it before installing the addon);
PHASE=screens LABEL=without|with: the Contacts screens alone; PHASE=phone: the phone lookup alone;
PHASE=offers: the category mix, the next best offers and their backtest alone.
PHASE=mailing: the Email Marketing bridge alone (bench_mailing.py).
"""

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

import bench_mailing
import bench_screens

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

SIZES = {"S": 10_000, "L": 100_000, "XL": 1_000_000}
SLICE = int(os.environ.get("BENCH_SLICE", "100000"))  # customers per statement and transaction
MARK = "customer_lifecycle.bench_size"
SCREEN_CALLS = int(os.environ.get("SCREEN_CALLS", "30"))  # calls of each standard screen
MAX_CLIENT_SECONDS = 1800  # the save clients stop by then whatever happens
SLICES_DONE = "customer_lifecycle.bench_slices"  # "XL:3": slices 0-2 committed (resume there)

# One slice of customers, each statement of it in the same transaction, committed per slice so
# that memory and temporary files stay bounded at XL. The seed is set per slice, and every
# random() is drawn in a fixed order (ORDER BY id, orders as they are inserted), so the same
# size gives the same data. A size of at most one slice (S, L) is slice 0, seeded as before.
GENERATE_SLICE = """
SELECT setseed(%(seed)s);
INSERT INTO res_partner (name, complete_name, active, type, is_company, autopost_bills, lang,
                         create_date, write_date)
     SELECT 'Bench Customer ' || g, 'Bench Customer ' || g, TRUE, 'contact', g %% 3 = 0, 'ask',
            'en_US', now(), now()
       FROM generate_series(%(first)s, %(last)s) g
      ORDER BY g;
-- a statement of its own: a statement does not see the rows its own WITH inserts
UPDATE res_partner SET commercial_partner_id = id
 WHERE id > %(after)s AND commercial_partner_id IS NULL AND name LIKE 'Bench Customer %%';

-- every purchase of the slice planned first: its customer, amount, day and source (30 %% POS
-- orders, 10 %% direct invoices, the rest sale orders, of which 10 %% are cancelled or quotations)
CREATE TEMP TABLE bench_purchase ON COMMIT DROP AS
WITH customer AS (
    SELECT id,
           random() AS u_kind, random() AS u_count, random() AS u_lapsed,
           exp(4 + 1.5 * (random() + random() + random() - 1.5)) AS spend
      FROM (SELECT id FROM res_partner
             WHERE id > %(after)s AND name LIKE 'Bench Customer %%' ORDER BY id) c
), plan AS (
    SELECT id, spend,
           CASE WHEN u_kind < 0.3 THEN 1 ELSE 1 + floor(-ln(1 - u_count) * 13)::int END AS n,
           CASE WHEN u_lapsed < 0.15 THEN 365 + floor(random() * 700)::int ELSE 0 END AS stop
      FROM customer
)
     SELECT p.id AS partner_id, k, x.r, x.amount, x.day, x.f,
            CASE WHEN x.s < 0.3 THEN 'pos' WHEN x.s < 0.4 THEN 'invoice' ELSE 'sale' END
                AS source
       FROM plan p
 CROSS JOIN generate_series(1, p.n) k
 -- "+ k * 0" ties the lateral row to k, so that random() is drawn again for every order
 CROSS JOIN LATERAL (SELECT random() + k * 0 AS r,
                            round((p.spend * (0.5 + random() + k * 0))::numeric, 2) AS amount,
                            now() - (p.stop + random() * (1825 - p.stop) + k * 0)
                                * interval '1 day' AS day,
                            random() + k * 0 AS s, random() + k * 0 AS f) x
   ORDER BY p.id, k;

WITH orders AS (
    INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                            currency_id, date_order, state, amount_untaxed, amount_tax,
                            amount_total, currency_rate, margin, picking_policy, create_date,
                            write_date)
         SELECT 'BENCH/' || b.partner_id || '/' || b.k, b.partner_id, b.partner_id, b.partner_id,
                %(company)s, %(currency)s, b.day,
                CASE WHEN b.r < 0.90 THEN 'sale' WHEN b.r < 0.95 THEN 'cancel' ELSE 'draft' END,
                b.amount, 0, b.amount, CASE WHEN b.f < 0.1 THEN 1.08 ELSE 1.0 END,
                round(b.amount * 0.3, 2), 'direct', b.day, b.day
           FROM bench_purchase b
          WHERE b.source = 'sale'
       ORDER BY b.partner_id, b.k
      RETURNING id, amount_untaxed, company_id, currency_id
)
INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty, price_unit, discount,
                             customer_lead, company_id, currency_id, create_date, write_date)
     SELECT o.id, 'Bench line', %(product)s, 1, round(o.amount_untaxed / (1 + o.id %% 3), 2),
            CASE WHEN random() + k * 0 < 0.2 THEN 10 ELSE 0 END, 0, o.company_id, o.currency_id,
            now(), now()
       FROM orders o
 CROSS JOIN generate_series(1, 1 + o.id %% 3) k;

-- POS orders paid at the counter and posted with their (closed) session: one line each, a
-- fifth of them at 10 %% off, costed at 70 %%
WITH orders AS (
    INSERT INTO pos_order (name, pos_reference, uuid, session_id, config_id, company_id,
                           partner_id, user_id, date_order, state, amount_tax, amount_total,
                           amount_paid, amount_return, currency_rate, is_refund, to_invoice,
                           source, create_date, write_date)
         SELECT 'BENCH-POS/' || b.partner_id || '/' || b.k,
                'BENCH-POS/' || b.partner_id || '/' || b.k,
                md5('bench-pos/' || b.partner_id || '/' || b.k), %(session)s, %(config)s,
                %(company)s, b.partner_id, %(user)s, b.day, 'done', 0, b.amount, b.amount, 0, 1.0,
                FALSE, FALSE, 'pos', b.day, b.day
           FROM bench_purchase b
          WHERE b.source = 'pos'
       ORDER BY b.partner_id, b.k
      RETURNING id, amount_total, date_order
)
INSERT INTO pos_order_line (order_id, product_id, name, full_product_name, uuid, qty, price_unit,
                            discount, price_subtotal, price_subtotal_incl, total_cost,
                            is_total_cost_computed, company_id, create_date, write_date)
     SELECT o.id, %(product)s, 'Bench counter line', 'Bench product',
            md5('bench-pos-line/' || o.id), 1,
            CASE WHEN o.id %% 5 = 0 THEN round(o.amount_total / 0.9, 2) ELSE o.amount_total END,
            CASE WHEN o.id %% 5 = 0 THEN 10 ELSE 0 END, o.amount_total, o.amount_total,
            round(o.amount_total * 0.7, 2), TRUE, %(company)s, o.date_order, o.date_order
       FROM orders o;

-- direct invoices (services invoiced without a sale order), posted: a product line and the
-- receivable line; paid, but for half of those of the last 60 days (due after 30 days)
WITH moves AS (
    INSERT INTO account_move (name, journal_id, company_id, currency_id, partner_id,
                              commercial_partner_id, move_type, state, auto_post, date,
                              invoice_date, invoice_date_due, amount_untaxed,
                              amount_untaxed_signed, amount_untaxed_in_currency_signed,
                              amount_tax, amount_tax_signed, amount_total, amount_total_signed,
                              amount_total_in_currency_signed, amount_residual,
                              amount_residual_signed, payment_state, invoice_currency_rate,
                              create_date, write_date)
         SELECT 'BENCH/INV/' || b.partner_id || '/' || b.k, %(journal)s, %(company)s,
                %(currency)s, b.partner_id, b.partner_id, 'out_invoice', 'posted', 'no',
                b.day::date, b.day::date, b.day::date + 30, b.amount, b.amount, b.amount, 0, 0,
                b.amount, b.amount, b.amount, u.residual, u.residual,
                CASE WHEN u.residual = 0 THEN 'paid' ELSE 'not_paid' END, 1.0, b.day, b.day
           FROM bench_purchase b
     CROSS JOIN LATERAL (SELECT CASE WHEN b.day > now() - interval '60 days' AND b.f < 0.5
                                     THEN b.amount ELSE 0 END AS residual) u
          WHERE b.source = 'invoice'
       ORDER BY b.partner_id, b.k
      RETURNING id, name, partner_id, amount_total, amount_residual, date, invoice_date_due
)
INSERT INTO account_move_line (move_id, move_name, journal_id, company_id, company_currency_id,
                               currency_id, account_id, partner_id, display_type, name,
                               product_id, quantity, price_unit, discount, price_subtotal,
                               price_total, balance, debit, credit, amount_currency,
                               amount_residual, amount_residual_currency, reconciled, date,
                               date_maturity, parent_state, create_date, write_date)
     SELECT m.id, m.name, %(journal)s, %(company)s, %(currency)s, %(currency)s, l.account_id,
            m.partner_id, l.display_type, l.name, l.product_id, l.quantity, l.price_unit, 0,
            l.price_subtotal, l.price_subtotal, l.balance, greatest(l.balance, 0),
            greatest(-l.balance, 0), l.balance, l.residual, l.residual, l.residual = 0, m.date,
            l.date_maturity, 'posted', m.date, m.date
       FROM moves m
 CROSS JOIN LATERAL (
            VALUES (%(income)s, 'product', 'Bench service', %(product)s, 1.0, m.amount_total,
                    m.amount_total, -m.amount_total, 0::numeric, NULL::date),
                   (%(receivable)s, 'payment_term', NULL, NULL, NULL, NULL, NULL, m.amount_total,
                    m.amount_residual, m.invoice_date_due)
            ) l(account_id, display_type, name, product_id, quantity, price_unit, price_subtotal,
                balance, residual, date_maturity);
"""
ANALYZE = """
ANALYZE res_partner;
ANALYZE sale_order;
ANALYZE sale_order_line;
ANALYZE pos_order;
ANALYZE pos_order_line;
ANALYZE account_move;
ANALYZE account_move_line;
"""

# The catalogue (an existing database without it gets it in place, generated data too): 500
# products in 30 categories under 6 departments, and every bench document's lines rewritten as
# 1 to 5 lines of them whose amounts add up to the document's untaxed amount to the cent (the
# purchases, their amounts and the figures of the engine stay as they were). Popularity is skewed
# (Zipf-like: category c about 1/(c+1) of the lines drawn at large, product rank r about 1/(r+1)
# within its category) and customers come in ten clusters, each buying mostly from a group of
# three categories of its own (the co-purchases the affinity finds). Product i is in category
# i %% 30; categories 0-19 hold 17 products, 20-29 hold 16. A slice of customers per transaction.
CATALOGUE = "customer_lifecycle.bench_catalogue"  # size the catalogue was laid on
CATALOGUE_DONE = "customer_lifecycle.bench_catalogue_slices"  # "L:3": slices 0-2 committed
CATALOGUE_SLICE = int(os.environ.get("BENCH_CATALOGUE_SLICE", "25000"))  # customers per slice
CATALOGUE_PRODUCTS, CATALOGUE_CATEGORIES, CATALOGUE_DEPARTMENTS = 500, 30, 6
CATALOGUE_LINES = """
SELECT setseed(%(seed)s);
CREATE TEMP TABLE bench_doc ON COMMIT DROP AS
     SELECT 'sale' AS source, o.id AS doc, o.partner_id, o.amount_untaxed AS amount,
            o.margin AS margin
       FROM sale_order o
      WHERE o.partner_id BETWEEN %(first)s AND %(last)s AND o.name LIKE 'BENCH/%%'
        AND o.name NOT LIKE 'BENCH/NEW/%%'
  UNION ALL
     SELECT 'pos', o.id, o.partner_id, o.amount_total, round(o.amount_total * 0.3, 2)
       FROM pos_order o
      WHERE o.partner_id BETWEEN %(first)s AND %(last)s AND o.name LIKE 'BENCH-POS/%%'
  UNION ALL
     SELECT 'invoice', m.id, m.partner_id, m.amount_untaxed, 0
       FROM account_move m
      WHERE m.partner_id BETWEEN %(first)s AND %(last)s AND m.name LIKE 'BENCH/INV/%%';
-- 1 to 5 lines a document (30, 25, 20, 15, 10 %%); each line's weight, category and rank drawn
-- in a fixed order (documents by source and id, then k), so that the same data gives the same
-- catalogue; "+ k * 0" draws them again for every line
CREATE TEMP TABLE bench_line ON COMMIT DROP AS
WITH d AS (
    SELECT b.*, CASE WHEN u < 0.3 THEN 1 WHEN u < 0.55 THEN 2 WHEN u < 0.75 THEN 3
                     WHEN u < 0.9 THEN 4 ELSE 5 END AS n
      FROM (SELECT b.*, random() AS u FROM bench_doc b ORDER BY source, doc) b
), l AS (
    SELECT d.source, d.doc, d.amount, d.margin, k, x.w,
           CASE WHEN x.u_group < 0.65 THEN (d.partner_id %% 10) * 3 + floor(x.u_pick * 3)::int
                ELSE floor(power(%(categories)s + 1, x.u_pick))::int - 1 END AS category,
           x.u_rank
      FROM d
CROSS JOIN generate_series(1, d.n) k
CROSS JOIN LATERAL (SELECT (0.2 + random() + k * 0)::numeric AS w, random() + k * 0 AS u_group,
                           random() + k * 0 AS u_pick, random() + k * 0 AS u_rank) x
  ORDER BY d.source, d.doc, k
), c AS (
    SELECT l.*, sum(w) OVER (PARTITION BY source, doc ORDER BY k) AS upto,
           sum(w) OVER (PARTITION BY source, doc) AS total
      FROM l
)
-- the amounts telescope: each line takes the rounded share up to it less the rounded share
-- before it, so that the lines add up to the document's amount (and margin) exactly
SELECT source, doc, k,
       (%(products)s::int[])[1 + category + %(categories)s * (floor(power(
           CASE WHEN category < %(full)s THEN %(per)s + 2 ELSE %(per)s + 1 END, u_rank))::int - 1)]
           AS product_id,
       round(amount * upto / total, 2) - round(amount * (upto - w) / total, 2) AS amount,
       round(margin * upto / total, 2) - round(margin * (upto - w) / total, 2) AS margin
  FROM c;

DELETE FROM sale_order_line l USING bench_doc b WHERE b.source = 'sale' AND l.order_id = b.doc;
-- a fifth of the lines at 10 %% off, as before (the customers' average discount)
INSERT INTO sale_order_line (order_id, sequence, name, product_id, product_uom_qty, price_unit,
                             discount, price_subtotal, price_total, price_tax, margin,
                             purchase_price, customer_lead, company_id, currency_id, create_date,
                             write_date)
     SELECT l.doc, l.k, 'Bench line', l.product_id, 1,
            CASE WHEN x.off THEN round(l.amount / 0.9, 2) ELSE l.amount END,
            CASE WHEN x.off THEN 10 ELSE 0 END, l.amount, l.amount, 0, l.margin,
            l.amount - l.margin, 0, o.company_id, o.currency_id, o.create_date, o.write_date
       FROM bench_line l
       JOIN sale_order o ON o.id = l.doc
 CROSS JOIN LATERAL (SELECT (l.doc + l.k) %% 5 = 0 AS off) x
      WHERE l.source = 'sale'
   ORDER BY l.doc, l.k;

DELETE FROM pos_order_line l USING bench_doc b WHERE b.source = 'pos' AND l.order_id = b.doc;
INSERT INTO pos_order_line (order_id, product_id, name, full_product_name, uuid, qty, price_unit,
                            discount, price_subtotal, price_subtotal_incl, total_cost,
                            is_total_cost_computed, company_id, create_date, write_date)
     SELECT l.doc, l.product_id, 'Bench counter line', 'Bench product',
            md5('bench-pos-line/' || l.doc || '/' || l.k), 1,
            CASE WHEN x.off THEN round(l.amount / 0.9, 2) ELSE l.amount END,
            CASE WHEN x.off THEN 10 ELSE 0 END, l.amount, l.amount, l.amount - l.margin, TRUE,
            o.company_id, o.date_order, o.date_order
       FROM bench_line l
       JOIN pos_order o ON o.id = l.doc
 CROSS JOIN LATERAL (SELECT (l.doc + l.k) %% 5 = 0 AS off) x
      WHERE l.source = 'pos'
   ORDER BY l.doc, l.k;

DELETE FROM account_move_line l USING bench_doc b
 WHERE b.source = 'invoice' AND l.move_id = b.doc AND l.display_type = 'product';
INSERT INTO account_move_line (move_id, move_name, journal_id, company_id, company_currency_id,
                               currency_id, account_id, partner_id, display_type, name,
                               product_id, quantity, price_unit, discount, price_subtotal,
                               price_total, balance, debit, credit, amount_currency,
                               amount_residual, amount_residual_currency, reconciled, date,
                               parent_state, sequence, create_date, write_date)
     SELECT m.id, m.name, m.journal_id, m.company_id, m.currency_id, m.currency_id, %(income)s,
            m.partner_id, 'product', 'Bench service', l.product_id, 1.0, l.amount, 0, l.amount,
            l.amount, -l.amount, 0, l.amount, -l.amount, 0, 0, TRUE, m.date, 'posted', l.k,
            m.date, m.date
       FROM bench_line l
       JOIN account_move m ON m.id = l.doc
      WHERE l.source = 'invoice'
   ORDER BY l.doc, l.k;
"""

RESET = """
UPDATE res_partner SET %(nulls)s WHERE name LIKE 'Bench Customer %%';
DELETE FROM customer_lifecycle_history;
DELETE FROM customer_lifecycle_fact;
UPDATE res_company SET lifecycle_last_run = NULL, lifecycle_last_full_run = NULL;
"""
# Back to the generated data: the orders earlier invocations added go, the rest carry their
# order date as write date, so that no earlier run's writes look new to a daily run.
NORMALIZE = """
DELETE FROM sale_order o USING res_partner p
 WHERE p.id = o.partner_id AND p.name LIKE 'Bench Customer %%'
   AND (o.name LIKE 'BENCH/NEW/%%' OR o.name NOT LIKE 'BENCH/%%');
UPDATE sale_order SET write_date = date_order
 WHERE name LIKE 'BENCH/%%' AND write_date IS DISTINCT FROM date_order;
UPDATE pos_order SET write_date = date_order
 WHERE name LIKE 'BENCH-POS/%%' AND write_date IS DISTINCT FROM date_order;
UPDATE account_move SET write_date = date
 WHERE name LIKE 'BENCH/INV/%%' AND write_date IS DISTINCT FROM date;
ANALYZE sale_order;
ANALYZE sale_order_line;
"""
FORCE_FULL = "UPDATE res_company SET lifecycle_last_full_run = NULL"
# A day passes between two daily runs: the last run was a day ago, and nothing was written in
# the hour before it (the daily run looks that far back again).
NEXT_DAY = """
UPDATE sale_order SET write_date = write_date - interval '2 days'
 WHERE write_date > now() - interval '1 day';
UPDATE pos_order SET write_date = write_date - interval '2 days'
 WHERE write_date > now() - interval '1 day';
UPDATE account_move SET write_date = write_date - interval '2 days'
 WHERE write_date > now() - interval '1 day';
UPDATE res_company SET lifecycle_last_run = lifecycle_last_run - interval '1 day';
"""

# The history as a database installed before the reconstruction has it: one row per customer,
# its stage at install, dated now.
INSTALL_ROWS = """
DELETE FROM customer_lifecycle_history h USING res_partner p
 WHERE p.id = h.partner_id AND p.name LIKE 'Bench Customer %%';
INSERT INTO customer_lifecycle_history (partner_id, stage_to_id, date, trigger, won_back,
                                        create_date, write_date)
     SELECT id, lifecycle_stage_id, now(), 'schedule', FALSE, now(), now()
       FROM res_partner
      WHERE name LIKE 'Bench Customer %%' AND lifecycle_stage_id IS NOT NULL;
ANALYZE customer_lifecycle_history;
"""

# Phone numbers for the customers that have none (a database generated before they had them
# gets them too): Italian mobiles (+39 347), Milan landlines (+39 02) and Polish mobiles
# (+48 60x), typed with spaces, with the E.164 form phone_validation stores beside them.
PHONES = """
WITH p AS (
    SELECT id, id %% 3 AS kind, lpad((id %% 10000000)::text, 7, '0') AS d
      FROM res_partner
     WHERE name LIKE 'Bench Customer %%' AND phone IS NULL
)
UPDATE res_partner r
   SET country_id = CASE WHEN p.kind = 2 THEN %(poland)s ELSE %(italy)s END,
       phone = CASE p.kind
                 WHEN 0 THEN '+39 347 ' || substr(p.d, 1, 3) || ' ' || substr(p.d, 4)
                 WHEN 1 THEN '+39 02 ' || substr(p.d, 1, 4) || ' ' || substr(p.d, 5) || '0'
                 ELSE '+48 60' || substr(p.d, 1, 1) || ' ' || substr(p.d, 2, 3) || ' '
                      || substr(p.d, 5)
               END,
       phone_sanitized = CASE p.kind
                           WHEN 0 THEN '+39347' || p.d
                           WHEN 1 THEN '+3902' || p.d || '0'
                           ELSE '+4860' || p.d
                         END
  FROM p
 WHERE r.id = p.id;
"""

# The floor: one bare GROUP BY over every purchase (confirmed sale orders, posted POS orders,
# posted customer invoices), about as many rows as the confirmed sale orders of the data before
# POS orders and invoices (the ratios stay comparable).
FLOOR = """
SELECT partner_id, count(*), sum(amount), max(day)
  FROM (SELECT partner_id, amount_untaxed AS amount, date_order AS day
          FROM sale_order WHERE state = 'sale'
        UNION ALL
        SELECT partner_id, amount_total, date_order FROM pos_order WHERE state IN ('paid', 'done')
        UNION ALL
        SELECT partner_id, amount_untaxed_signed, invoice_date FROM account_move
         WHERE move_type = 'out_invoice' AND state = 'posted') p
 GROUP BY partner_id
"""

NEW_ORDERS = """
INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                        currency_id, date_order, state, amount_untaxed, amount_tax, amount_total,
                        currency_rate, margin, picking_policy, create_date, write_date)
     SELECT 'BENCH/NEW/' || p.id || '/' || %(tag)s, p.id, p.id, p.id, %(company)s, %(currency)s,
            now(), 'sale', 100, 0, 100, 1.0, 30, 'direct', now(), now()
       FROM res_partner p
      WHERE p.name LIKE 'Bench Customer %%' AND random() < %(share)s
"""


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function, runs, before=None):
    """Seconds of `runs` calls of function(), each after before() when given."""
    seconds = []
    for _run in range(runs):
        if before:
            before()
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
        # as it goes: an XL run is long
        print(f"  {function.__name__}: {seconds[-1]:.3f} s", file=sys.stderr, flush=True)
    return seconds


class Bench:
    """The scenarios, each a callable that opens its own transaction as Odoo would."""

    def __init__(self, config, database):
        odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
        self.registry = odoo.modules.registry.Registry(database)
        self.tags = iter(range(10**6))
        with self.cursor() as cr:
            env = self.env(cr)
            company = env.ref("base.main_company")
            self.company_id, self.currency_id = company.id, company.currency_id.id

    def cursor(self):
        return self.registry.cursor()

    @staticmethod
    def env(cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def execute(self, query, **params):
        with self.cursor() as cr:
            cr.execute(SQL(query, **params))
            return cr.fetchall() if cr.description else None

    def generate(self, size):
        """The synthetic customers and orders, written once per database, a slice of SLICE
        customers per transaction (an interrupted generation resumes at its next slice)."""
        with self.cursor() as cr:
            env = self.env(cr)
            if env["ir.config_parameter"].get_param(MARK) == size:
                return
            done = env["ir.config_parameter"].get_param(SLICES_DONE) or ""
            start = int(done.split(":")[1]) if done.startswith(f"{size}:") else 0
            product = env["product.product"].search([("name", "=", "Bench product")], limit=1)
            product = product or env["product.product"].create({"name": "Bench product"})
            sources = self._source_ids(env)
        customers = SIZES[size]
        slices = range(start, -(-customers // SLICE))
        print(f"Generating {size}: {customers:,} customers ...", file=sys.stderr)
        started = time.perf_counter()
        for index in slices:
            with self.cursor() as cr:
                self._lower_priority(cr)
                cr.execute("SELECT coalesce(max(id), 0) FROM res_partner")
                (after,) = cr.fetchone()
                cr.execute(
                    SQL(
                        GENERATE_SLICE,
                        # slice 0 keeps the seed S and L always had; the others get their own
                        seed=0.42 if index == 0 else round((index * 0.618034) % 1.8 - 0.9, 6),
                        first=index * SLICE + 1,
                        last=min((index + 1) * SLICE, customers),
                        after=after,
                        company=self.company_id,
                        currency=self.currency_id,
                        product=product.id,
                        **sources,
                    )
                )
                self.env(cr)["ir.config_parameter"].set_param(SLICES_DONE, f"{size}:{index + 1}")
            if len(slices) > 1:
                print(
                    f"  slice {index + 1}/{slices.stop} at {time.perf_counter() - started:.0f}s",
                    file=sys.stderr,
                )
        with self.cursor() as cr:
            self._lower_priority(cr)
            cr.execute(ANALYZE)
            self.env(cr)["ir.config_parameter"].set_param(MARK, size)
        print(f"  generated in {time.perf_counter() - started:.0f}s", file=sys.stderr)

    def catalogue(self, size):
        """The catalogue and every bench document's lines drawn from it (CATALOGUE_LINES), once
        per database: a database generated before the catalogue gets it in place, a slice of
        CATALOGUE_SLICE customers per transaction (an interrupted step resumes at its next
        slice)."""
        with self.cursor() as cr:
            env = self.env(cr)
            params = env["ir.config_parameter"]
            if params.get_param(CATALOGUE) == size:
                return
            done = params.get_param(CATALOGUE_DONE) or ""
            start = int(done.split(":")[1]) if done.startswith(f"{size}:") else 0
            products = self._catalogue_products(env).ids
            income = self._source_ids(env)["income"]
            cr.execute(
                "SELECT min(id), max(id) FROM res_partner WHERE name LIKE 'Bench Customer %%'"
            )
            low, high = cr.fetchone()
        slices = range(start, -(-(high - low + 1) // CATALOGUE_SLICE))
        print(f"Catalogue for {size}: {len(products)} products ...", file=sys.stderr)
        started = time.perf_counter()
        for index in slices:
            with self.cursor() as cr:
                self._lower_priority(cr)
                first = low + index * CATALOGUE_SLICE
                cr.execute(
                    SQL(
                        CATALOGUE_LINES,
                        seed=round((index * 0.381966) % 1.8 - 0.9, 6),
                        first=first,
                        last=first + CATALOGUE_SLICE - 1,
                        products=products,
                        categories=CATALOGUE_CATEGORIES,
                        per=CATALOGUE_PRODUCTS // CATALOGUE_CATEGORIES,
                        full=CATALOGUE_PRODUCTS % CATALOGUE_CATEGORIES,
                        income=income,
                    )
                )
                self.env(cr)["ir.config_parameter"].set_param(CATALOGUE_DONE, f"{size}:{index + 1}")
            print(
                f"  slice {index + 1}/{slices.stop} at {time.perf_counter() - started:.0f}s",
                file=sys.stderr,
            )
        with self.cursor() as cr:
            self._lower_priority(cr)
            cr.execute(ANALYZE)
            self.env(cr)["ir.config_parameter"].set_param(CATALOGUE, size)
        print(f"  catalogue laid in {time.perf_counter() - started:.0f}s", file=sys.stderr)

    @staticmethod
    def _catalogue_products(env):
        """The catalogue's products in their order (BENCH-001 ... BENCH-500), created with the
        ORM when missing: 6 departments of 5 categories each, saleable, a price and a cost."""
        Product = env["product.product"].with_context(active_test=False)
        codes = [f"BENCH-{index + 1:03d}" for index in range(CATALOGUE_PRODUCTS)]
        products = Product.search([("default_code", "in", codes)])
        if len(products) < CATALOGUE_PRODUCTS:
            Category = env["product.category"]
            departments = Category.create(
                [{"name": f"Bench Department {d + 1}"} for d in range(CATALOGUE_DEPARTMENTS)]
            )
            per_department = CATALOGUE_CATEGORIES // CATALOGUE_DEPARTMENTS
            categories = Category.create(
                [
                    {
                        "name": f"Bench Category {c + 1:02d}",
                        "parent_id": departments[c // per_department].id,
                    }
                    for c in range(CATALOGUE_CATEGORIES)
                ]
            )
            products = Product.create(
                [
                    {
                        "name": f"Bench Product {index + 1:03d}",
                        "default_code": code,
                        "categ_id": categories[index % CATALOGUE_CATEGORIES].id,
                        "type": "service" if index % 7 == 0 else "consu",
                        "sale_ok": True,
                        "list_price": 5 + (index * 37) % 200,
                        "standard_price": round((5 + (index * 37) % 200) * 0.7, 2),
                    }
                    for index, code in enumerate(codes)
                ]
            )
        return products.sorted("default_code")

    @staticmethod
    def _source_ids(env):
        """What the POS orders and direct invoices are written with: a shop and one closed
        session holding every order, the sales journal, the income and receivable accounts."""
        if "pos.config" not in env:
            raise RuntimeError("the bench database needs point_of_sale (bench.sh installs it)")
        config = env["pos.config"].search([("name", "=", "Bench shop")], limit=1)
        config = config or env["pos.config"].create({"name": "Bench shop"})
        session = env["pos.session"].search([("config_id", "=", config.id)], limit=1)
        if not session:
            session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
            session.write({"state": "closed"})
        company = env.ref("base.main_company")
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        accounts = env["account.account"].with_company(company)
        return {
            "config": config.id,
            "session": session.id,
            "user": env.uid,
            "journal": journal.id,
            "income": accounts.search([("account_type", "=", "income")], limit=1).id,
            "receivable": accounts.search([("account_type", "=", "asset_receivable")], limit=1).id,
        }

    @staticmethod
    def _lower_priority(cr):
        """The generating PostgreSQL backend yields the CPU to the others on a shared machine
        (nice 10), when this process may renice it (a private cluster of the same user, root)."""
        cr.execute("SELECT pg_backend_pid()")
        pid = cr.fetchone()[0]
        try:  # the pid is a process of this machine only when it is a postgres backend here
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if cmdline.read().startswith(b"postgres"):
                    os.setpriority(os.PRIO_PROCESS, pid, 10)
        except OSError:
            pass

    def phones(self):
        """Numbers for the customers (once), in the company's country Italy; a sample checked
        against what Odoo's own phone formatting stores."""
        with self.cursor() as cr:
            env = self.env(cr)
            italy, poland = env.ref("base.it"), env.ref("base.pl")
            env.ref("base.main_company").country_id = italy
            cr.execute(SQL(PHONES, italy=italy.id, poland=poland.id))
            if cr.rowcount:
                print(f"  phone numbers given to {cr.rowcount:,} customers", file=sys.stderr)
                cr.execute("ANALYZE res_partner")
            cr.execute(
                """SELECT id, phone_sanitized FROM res_partner
                    WHERE name LIKE 'Bench Customer %%' ORDER BY id DESC LIMIT 300"""
            )
            for partner_id, sanitized in cr.fetchall():
                partner = env["res.partner"].browse(partner_id)
                if partner._phone_format(fname="phone") != sanitized:
                    raise ValueError(
                        f"{partner.phone}: Odoo stores another number than {sanitized}"
                    )

    def phone_lookup(self, count=1000):
        """Milliseconds of each of `count` caller lookups (res.partner._lifecycle_find_by_phone)
        as a salesperson, nothing cached in between: the numbers of random customers in the
        formats a caller ID shows, one in twenty a number nobody has. Returns (timings, found)."""
        formats = [
            lambda e164: e164,  # +390212345678
            lambda e164: "00" + e164[1:],  # 0039021234...
            lambda e164: e164[1:],  # the prefix without its "+"
            lambda e164: f"{e164[:3]} {e164[3:6]} {e164[6:9]} {e164[9:]}",  # +39 021 234 5678
            # as dialled in Italy (02-1234-5678, 347-123-4567); a Polish number keeps "+48"
            lambda e164: f"{e164[3:5]}-{e164[5:9]}-{e164[9:]}" if e164.startswith("+39") else e164,
        ]
        rng = random.Random(42)
        with self.cursor() as cr:
            cr.execute(
                """SELECT phone_sanitized FROM res_partner
                    WHERE name LIKE 'Bench Customer %%' AND phone_sanitized IS NOT NULL"""
            )
            known = [row[0] for row in cr.fetchall()]
        numbers = [
            rng.choice(formats)(rng.choice(known) if rng.random() >= 0.05 else "+39348" + "9" * 7)
            for _number in range(count)
        ]
        timings, found = [], 0
        with self.cursor() as cr:
            user = self.env(cr)["res.users"].search([("login", "=", "bench_salesperson")])
            partners = api.Environment(cr, user.id, {})["res.partner"]
            partners._lifecycle_find_by_phone(numbers[0])  # the user's groups and rules cached
            for number in numbers:
                partners.env.invalidate_all()
                started = time.perf_counter()
                found += bool(partners._lifecycle_find_by_phone(number))
                timings.append((time.perf_counter() - started) * 1000)
        return timings, found

    def engine_run(self):
        with self.cursor() as cr:
            self.env(cr)["customer.lifecycle.engine"]._recompute_all()

    def predictions(self):
        """The purchase and spend models fitted on every customer and every customer scored,
        as the nightly run does before classifying."""
        with self.cursor() as cr:
            env = self.env(cr)
            company = env["res.company"]._lifecycle_company()
            env["customer.lifecycle.prediction"]._predict(None, company, fit=True)

    def reset(self):
        from odoo.addons.customer_lifecycle.models import res_partner as lifecycle  # noqa: PLC0415

        nulls = SQL(", ").join(
            SQL("%s = NULL", SQL.identifier(name)) for name in lifecycle.MIRRORED_FIELDS
        )
        self.execute(RESET, nulls=nulls)

    def install_rows(self):
        self.execute(INSTALL_ROWS)

    def reconstruction(self):
        """Every customer's history rebuilt from its orders, as at install."""
        with self.cursor() as cr:
            counts = self.env(cr)["customer.lifecycle.history"]._reconstruct_from_orders()
        print(
            f"  reconstruction: {counts['customers']:,} customers, {counts['rows']:,} rows",
            file=sys.stderr,
        )

    def force_full(self):
        self.execute(FORCE_FULL)

    def next_day(self):
        self.execute(NEXT_DAY)

    def floor(self):
        self.execute(FLOOR)

    def new_orders(self, share):
        def insert():
            self.next_day()
            self.execute(
                NEW_ORDERS,
                tag=next(self.tags),
                company=self.company_id,
                currency=self.currency_id,
                share=share,
            )

        return insert

    def new_orders_through_odoo(self, share):
        """1 % of the customers order through Odoo: created and confirmed with the ORM, so
        each customer is re-evaluated at once, as in daily use (not timed)."""

        def order():
            self.next_day()
            with self.cursor() as cr:
                env = self.env(cr)
                cr.execute(
                    SQL(
                        """SELECT id FROM res_partner
                            WHERE name LIKE 'Bench Customer %%' AND random() < %s""",
                        share,
                    )
                )
                partner_ids = [row[0] for row in cr.fetchall()]
                product = env["product.product"].search([("name", "=", "Bench product")], limit=1)
                orders = env["sale.order"].create(
                    [
                        {
                            "partner_id": partner_id,
                            "order_line": [
                                Command.create({"product_id": product.id, "price_unit": 100})
                            ],
                        }
                        for partner_id in partner_ids
                    ]
                )
                orders.action_confirm()

        return order

    def _lifecycle_company(self, cr):
        env = self.env(cr)
        return env, env["res.company"]._lifecycle_company()

    def product_lines(self):
        """How many product lines the purchases hold (what the affinity reads)."""
        with self.cursor() as cr:
            env, _company = self._lifecycle_company(cr)
            lines = env["customer.lifecycle.fact"]._purchase_product_lines_query(None)
            cr.execute(SQL("SELECT count(*) FROM (%s) l WHERE l.state = 'sale'", lines))
            return cr.fetchone()[0]

    def affinity(self):
        """The nightly affinity computation as the full run makes it: the co-purchase rules
        from every customer's purchases, then every customer's next best offers ranked from
        them (one read of what everyone bought for both)."""
        with self.cursor() as cr:
            env, _company = self._lifecycle_company(cr)
            env["customer.lifecycle.offer"]._refresh_nightly(None, full=True)

    def category_mix(self):
        """Every customer's category mix and rhythm per category."""
        with self.cursor() as cr:
            env, company = self._lifecycle_company(cr)
            env["customer.lifecycle.category.mix"]._refresh(None, company, fields.Datetime.now())

    def single_offer(self):
        """One customer's next best offers ranked again (what saving an order costs)."""
        (partner_id,) = self.execute(
            "SELECT min(id) FROM res_partner WHERE name LIKE 'Bench Customer %%'"
        )[0]

        def offers():
            with self.cursor() as cr:
                self.env(cr)["customer.lifecycle.offer"]._refresh([partner_id])

        return offers

    def backtest(self):
        """The offers' backtest: each repeat customer's last purchase hidden, the offers made
        from the history before it, against the most popular products."""
        with self.cursor() as cr:
            env, company = self._lifecycle_company(cr)
            env["customer.lifecycle.offer.backtest"]._run(company)

    def backtest_figures(self):
        with self.cursor() as cr:
            _env, company = self._lifecycle_company(cr)
            return (
                company.lifecycle_offer_backtest_customers,
                company.lifecycle_offer_backtest_hit_rate,
                company.lifecycle_offer_backtest_baseline_rate,
            )

    def single_customer(self):
        (partner_id,) = self.execute(
            "SELECT min(id) FROM res_partner WHERE name LIKE 'Bench Customer %%'"
        )[0]
        with self.cursor() as cr:
            env = self.env(cr)
            env["customer.lifecycle.engine"]._recompute_partners(
                env["res.partner"].browse(partner_id), "order"
            )

    def funnel_first_screen(self):
        """What the Lifecycle Funnel asks when a salesperson opens it: every stage column with
        its count and 12-month revenue, the first 40 cards of each open column (the kanban's
        own fields), and the health bars. The web client sends these two calls at once."""
        with self.cursor() as cr:
            env = self.env(cr)
            user = env["res.users"].search([("login", "=", "bench_salesperson")])
            if not user:
                user = env["res.users"].create(
                    {
                        "name": "Bench Salesperson",
                        "login": "bench_salesperson",
                        "group_ids": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
                    }
                )
            action = env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
            kanban = env.ref("customer_lifecycle.res_partner_view_kanban_lifecycle_funnel")
            views = env["res.partner"].with_user(user).get_views([(kanban.id, "kanban")])
            fields = views["models"]["res.partner"]["fields"]
            spec = {
                name: {"fields": {"display_name": {}}} if field["type"] == "many2one" else {}
                for name, field in fields.items()
            }
            domain, user_id = safe_eval(action.domain), user.id

        def first_screen():
            with self.cursor() as cr:
                partners = (
                    api.Environment(cr, user_id, {})["res.partner"]
                    .with_context(read_group_expand=True, bin_size=True)
                )  # fmt: skip
                partners.web_read_group(
                    domain,
                    ["lifecycle_stage_id"],
                    ["lifecycle_revenue_12m:sum"],
                    auto_unfold=True,
                    unfold_read_specification=spec,
                    unfold_read_default_limit=40,
                )
                partners.read_progress_bar(
                    domain,
                    "lifecycle_stage_id",
                    {"field": "lifecycle_health", "colors": {"on_track": "success"}},
                )

        return first_screen


def print_phone_lookup(bench):
    timings, found = bench.phone_lookup()
    quantiles = statistics.quantiles(timings, n=20)
    print(
        f"\nPhone lookup as a salesperson, {len(timings):,} random numbers in mixed formats "
        f"({found:,} found): median {statistics.median(timings):.2f} ms, "
        f"p95 {quantiles[-1]:.2f} ms, slowest {max(timings):.2f} ms"
    )


def saves(bench, config, database, during=None, seconds=20):
    """Milliseconds of the saves and order confirmations of bench_saves.py's two clients while
    during() runs (or for `seconds` when there is nothing to run)."""
    here = os.path.dirname(os.path.abspath(__file__))
    stop_file = os.path.join(os.path.dirname(os.path.abspath(config)), f"{database}.stop")
    log_file = stop_file[: -len(".stop")] + ".clients.log"
    if os.path.exists(stop_file):
        os.remove(stop_file)
    with open(log_file, "w") as log:
        clients = subprocess.Popen(
            [sys.executable, os.path.join(here, "bench_saves.py"), config, database, stop_file,
             str(MAX_CLIENT_SECONDS)],
            stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
    try:
        while "ready" not in open(log_file).read():
            if clients.poll() is not None:
                raise RuntimeError(f"the save clients stopped: see {log_file}")
            time.sleep(0.2)
        time.sleep(2)  # their first saves done: warm
        started = time.perf_counter()
        if during:
            during()
        else:
            time.sleep(seconds)
        elapsed = time.perf_counter() - started
    finally:
        open(stop_file, "w").close()
        out, _err = clients.communicate(timeout=120)
        os.remove(stop_file)
    return json.loads(out), elapsed


def print_saves(bench, config, database):
    """A user's save and a confirmed order, timed while the weekly full run goes and with no run:
    how long a user waits behind the run's committed batches."""

    def weekly_run():
        bench.force_full()
        bench.engine_run()

    idle, idle_seconds = saves(bench, config, database)
    busy, run_seconds = saves(bench, config, database, weekly_run)
    print(
        f"\nUsers' saves (every 0.2 s) and confirmed orders (every second) of random customers, "
        f"ms: {idle_seconds:.0f} s with no run, then during a weekly full run "
        f"({run_seconds:.0f} s)\n"
    )
    print("| client | no run: median | p95 | max | during the run: median | p95 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, label in (("saves", "save a customer's street"), ("orders", "confirm an order")):
        cells = [f"{label} ({len(idle[kind])} / {len(busy[kind])} calls)"]
        for series in (idle[kind], busy[kind]):
            median, p95 = bench_screens.summary(series)
            cells += [f"{median:.0f}", f"{p95:.0f}", f"{max(series):.0f}"]
        print(f"| {' | '.join(cells)} |")
    for errors in (idle["errors"], busy["errors"]):
        for error in sorted(set(errors)):
            print(f"  failed save: {error} ({errors.count(error)}×)")


def what_they_buy(bench, runs, customers):
    """The scenarios of the category mix and the next best offers (issue 17)."""
    return [
        (
            "nightly affinity: co-purchase rules, then every customer's offers",
            timed(bench.affinity, runs),
            customers,
        ),
        ("category mix and rhythm, every customer", timed(bench.category_mix, runs), customers),
        ("one customer's next best offers", timed(bench.single_offer(), runs), 1),
        ("offers' backtest against the most popular products", timed(bench.backtest, runs), None),
    ]


def print_what_they_buy(bench, results):
    """Below the table: the product lines, the seconds per 100,000 of them of the scenarios
    that read them all (linear in lines: compare S and L), the backtest's hit rates."""
    lines = bench.product_lines()
    per_lines = ", ".join(
        f"{name.split(':')[0]} {statistics.median(seconds) / lines * 100_000:.2f} s"
        for name, seconds, count in results
        if count != 1
    )
    print(f"\nProduct lines of the purchases: {lines:,}; per 100,000 lines: {per_lines}")
    tested, hit_rate, baseline = bench.backtest_figures()
    print(
        f"Backtest on {tested:,} repeat customers: hit rate at 3 {hit_rate:.1f} % "
        f"against {baseline:.1f} % for the most popular products "
        f"(× {hit_rate / baseline if baseline else 0:.2f})"
    )


def print_mailing(bench, runs):
    """The Email Marketing bridge's scenarios (bench_mailing.py) with their ratio to the floor."""
    marketer_id, first_sync = bench_mailing.setup(bench)
    floor = statistics.median(timed(bench.floor, runs))
    results = [
        (f"a mailing made from {bench_mailing.SEGMENT_SIZE:,} customers of a segment (the "
         "funnel's action, the form's consent figures)",
         timed(bench_mailing.mailing_from_segment(bench, marketer_id), runs)),
        ("the nightly sync of 20 bound lists, no change",
         timed(lambda: bench_mailing.sync_lists(bench), runs)),
    ]  # fmt: skip
    print("\n| scenario | seconds (median) | fastest–slowest | × floor |\n|---|---:|---:|---:|")
    for name, seconds in results:
        median = statistics.median(seconds)
        print(f"| {name} | {median:.3f} | {min(seconds):.3f}–{max(seconds):.3f} | "
              f"{median / floor:,.1f} |")  # fmt: skip
    lists, members = bench_mailing.lists_summary(bench)
    print(f"\n{lists} bound lists, {members:,} subscriptions; floor {floor:.3f} s")
    if first_sync is not None:
        print(f"First sync (every contact created): {first_sync:.1f} s")


def main(config, database, size, runs=3):
    bench = Bench(config, database)
    bench.generate(size)
    bench.catalogue(size)
    bench.execute(NORMALIZE)
    bench.phones()
    # What Odoo's own screens cost without and with the addon, kept beside the configuration
    results_file = os.path.join(os.path.dirname(os.path.abspath(config)), f"{database}.json")
    if os.environ.get("PHASE") == "generate":  # the data alone, before the addon is installed
        return
    if os.environ.get("PHASE") == "screens":  # LABEL=without (before the install) or with
        bench_screens.save(results_file, "calls", SCREEN_CALLS)
        bench_screens.save(
            results_file, os.environ["LABEL"], bench_screens.measure(bench, SCREEN_CALLS)
        )
        return
    if os.environ.get("PHASE") == "phone":  # make bench PHASE=phone: the phone lookup alone
        bench.funnel_first_screen()  # creates the salesperson
        print_phone_lookup(bench)
        return
    customers = SIZES[size]
    if os.environ.get("PHASE") == "offers":  # make bench PHASE=offers: issue 17's figures alone
        floor = statistics.median(timed(bench.floor, runs))
        results = what_they_buy(bench, runs, customers)
        print("\n| scenario | seconds (median) | fastest–slowest | × floor |\n|---|---:|---:|---:|")
        for name, seconds, _count in results:
            median = statistics.median(seconds)
            print(f"| {name} | {median:.3f} | {min(seconds):.3f}–{max(seconds):.3f} | "
                  f"{median / floor:,.1f} |")  # fmt: skip
        print_what_they_buy(bench, results)
        return
    if os.environ.get("PHASE") == "mailing":  # make bench PHASE=mailing: issue 18's figures
        print_mailing(bench, runs)
        return
    orders, pos, invoices = bench.execute(
        """SELECT (SELECT count(*) FROM sale_order WHERE name LIKE 'BENCH/%%'),
                  (SELECT count(*) FROM pos_order WHERE name LIKE 'BENCH-POS/%%'),
                  (SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/INV/%%')"""
    )[0]
    memory_before = peak_mb()
    run = bench.engine_run
    results = [
        ("floor: bare GROUP BY over the purchases", timed(bench.floor, runs), None),
        ("full run, every customer from scratch", timed(run, runs, bench.reset), customers),
        ("weekly full run, no change", timed(run, runs, bench.force_full), customers),
        ("daily run, no change", timed(run, runs, bench.next_day), customers),
        (
            "daily run after 1 % of customers ordered through Odoo",
            timed(run, runs, bench.new_orders_through_odoo(0.01)),
            customers,
        ),
        (
            "daily run after 1 % of customers got an order inserted in SQL (an import)",
            timed(run, runs, bench.new_orders(0.01)),
            customers,
        ),
        (
            "predictions: models fitted (weekly run), every customer scored (every run)",
            timed(bench.predictions, runs),
            customers,
        ),
        *(buying := what_they_buy(bench, runs, customers)),
        ("single customer re-evaluation", timed(bench.single_customer, runs), 1),
        (
            "Lifecycle Funnel first screen for a salesperson (7 columns, 40 cards each)",
            timed(bench.funnel_first_screen(), runs),
            None,
        ),
    ]
    if size != "XL":  # at XL the install's own reconstruction is part of the install's time
        results.append(
            (
                f"history reconstruction ({customers:,} customers)",
                timed(bench.reconstruction, runs, bench.install_rows),
                customers,
            )
        )
    growth = peak_mb() - memory_before

    print(
        f"\n{size}: {customers:,} customers, {orders:,} sale orders, {pos:,} POS orders, "
        f"{invoices:,} direct invoices; median of {runs} runs\n"
    )
    floor = statistics.median(results[0][1])
    print("| scenario | seconds (median) | fastest–slowest | × floor | customers per second |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, count in results:
        median = statistics.median(seconds)
        rate = f"{count / median:,.0f}" if count else ""
        ratio = f"{median / floor:,.1f}" if floor else ""
        cells = [name, f"{median:.3f}", f"{min(seconds):.3f}–{max(seconds):.3f}", ratio, rate]
        print(f"| {' | '.join(cells)} |")
    print_what_they_buy(bench, buying)
    print(f"\nPeak memory growth of the Odoo process: {growth:.0f} MB")
    print_phone_lookup(bench)
    print_saves(bench, config, database)
    bench_screens.save(results_file, "with", bench_screens.measure(bench, SCREEN_CALLS))
    bench_screens.report(results_file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:5]))
