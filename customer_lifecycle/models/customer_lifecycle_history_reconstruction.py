"""The SQL that rebuilds customers' stage history from their purchases (see
customer.lifecycle.history._reconstruct_from_orders for the rules and what is rebuilt).

One statement fills the work table clc_rebuilt with every row to write, in order; the next ones
rewrite the install rows into the last of them, insert the others, and move the customers'
"in stage since" back to the day they really entered their stage. Everything is set-based:
window functions over each customer's orders, no loop per customer.
"""

# The rows to write, per customer, in order (seq; last: the customer's last row). Parameters:
# population (the engine's), purchases (the engine's purchases of every kind:
# customer.lifecycle.fact._purchases_query), company_id (the lifecycle company), lost_factor,
# min_lost_days, expected_default (the company median interval, else the default interval),
# fan_referrals.
REBUILD = """
INSERT INTO clc_rebuilt (partner_id, seq, anchor_id, last, stage_from, stage_to, date, trigger,
                         days_in_stage)
WITH population AS (%(population)s),
purchases AS MATERIALIZED (
    SELECT p.partner_id, p.company_id, p.state, p.date_order
      FROM (%(purchases)s) p
     WHERE p.company_id = %(company_id)s AND p.state IN ('sale', 'draft', 'sent', 'cancel')
),
-- The install row of each customer: its earliest row, when a run (trigger schedule) wrote it
-- as the customer's first stage (from no stage, or from Potential, the stage of a partner
-- created after the install: the demo's) and nothing was reconstructed for the customer yet.
anchors AS MATERIALIZED (
    SELECT a.* FROM (
        SELECT DISTINCT ON (h.partner_id)
               h.partner_id, h.id, h.date, h.stage_to_id, h.stage_from_id, h.trigger,
               h.reconstructed IS TRUE AS reconstructed
          FROM customer_lifecycle_history h
          JOIN population p ON p.id = h.partner_id
      ORDER BY h.partner_id, h.date, h.id
    ) a
     WHERE a.trigger = 'schedule' AND NOT a.reconstructed
       AND (a.stage_from_id IS NULL
            OR a.stage_from_id = (SELECT id FROM customer_lifecycle_stage WHERE code = 'potential'))
       AND NOT EXISTS (SELECT 1 FROM customer_lifecycle_history r
                        WHERE r.partner_id = a.partner_id AND r.reconstructed IS TRUE)
),
-- The engine's purchases (confirmed sale orders, direct invoices, a bridge's orders, of the
-- lifecycle company, by commercial partner) placed before the install row: what the history
-- is rebuilt from.
orders AS MATERIALIZED (
    SELECT o.partner_id, o.date_order AS at, a.date AS anchor_date
      FROM purchases o
      JOIN anchors a ON a.partner_id = o.partner_id
     WHERE o.state = 'sale' AND o.date_order < a.date
),
-- Each order with the lost threshold known on its day: GREATEST(min days, factor * expected),
-- expected being the customer's own mean gap so far once it has two orders, else the company's
-- (as the engine judges a customer whose last order it is).
numbered AS (
    SELECT o.partner_id, o.at, o.anchor_date, o.next_at,
           o.at + GREATEST(%(min_lost_days)s, %(lost_factor)s *
                  CASE WHEN n >= 2 AND o.at > first_at
                       THEN EXTRACT(EPOCH FROM o.at - first_at) / 86400.0 / (n - 1)
                       ELSE %(expected_default)s END) * interval '1 day' AS lost_at
      FROM (SELECT o.*, row_number() OVER w AS n, first_value(o.at) OVER w AS first_at,
                   lead(o.at) OVER w AS next_at
              FROM orders o
            WINDOW w AS (PARTITION BY o.partner_id ORDER BY o.at)) o
),
-- The day each customer's N-th referral placed its first order (N: the company's setting),
-- before the install row: the referral rule made a fan then.
fans AS (
    SELECT referrer AS partner_id, at
      FROM (SELECT r.lifecycle_referred_by_id AS referrer, min(o.date_order) AS at
              FROM res_partner r
              JOIN purchases o ON o.partner_id = r.id
             WHERE r.lifecycle_referred_by_id IN (SELECT partner_id FROM anchors)
               AND r.id = r.commercial_partner_id AND r.active AND o.state = 'sale'
          GROUP BY r.id, r.lifecycle_referred_by_id) first_orders
),
fan_days AS (
    SELECT f.partner_id, f.at
      FROM (SELECT partner_id, at, row_number() OVER (PARTITION BY partner_id ORDER BY at) AS k
              FROM fans) f
      JOIN anchors a ON a.partner_id = f.partner_id
     WHERE f.k = %(fan_referrals)s AND f.at < a.date
),
-- What happened, in order: 0 lost (a gap longer than the threshold, on the day it was crossed,
-- or since the last order if crossed before the install row), 1 an order, 2 the N-th referral.
events AS (
    SELECT partner_id, at, 1 AS kind FROM numbered
    UNION ALL
    SELECT partner_id, lost_at, 0 FROM numbered
     WHERE lost_at < COALESCE(next_at, anchor_date + interval '1 microsecond')
    UNION ALL
    SELECT partner_id, at, 2 FROM fan_days
),
ordered AS (
    SELECT e.*, row_number() OVER (PARTITION BY partner_id ORDER BY at, kind) AS ord
      FROM events e
),
-- The stage after each event, by the engine's rule: lost (since the last order), else fan,
-- else repeat customer (two orders or more), else buyer; none before the first order.
staged AS (
    SELECT s.*, lag(s.stage) OVER (PARTITION BY s.partner_id ORDER BY s.ord) AS before
      FROM (SELECT e.partner_id, e.at, e.kind, e.ord,
                   CASE WHEN count(*) FILTER (WHERE kind = 1) OVER w = 0 THEN NULL
                        WHEN COALESCE(max(ord) FILTER (WHERE kind = 0) OVER w, 0)
                             > max(ord) FILTER (WHERE kind = 1) OVER w THEN 'lost'
                        WHEN bool_or(kind = 2) OVER w THEN 'fan'
                        WHEN count(*) FILTER (WHERE kind = 1) OVER w >= 2 THEN 'customer'
                        ELSE 'buyer' END AS stage
              FROM ordered e
            WINDOW w AS (PARTITION BY e.partner_id ORDER BY e.ord ROWS UNBOUNDED PRECEDING)) s
),
moves AS (
    SELECT partner_id, at, stage, CASE WHEN kind = 0 THEN 'schedule' ELSE 'order' END AS trigger,
           row_number() OVER (PARTITION BY partner_id ORDER BY ord) AS seq
      FROM staged
     WHERE stage IS NOT NULL AND stage IS DISTINCT FROM before
),
-- Each customer's first quotation (or cancelled order).
quotations AS (
    SELECT o.partner_id, min(o.date_order) AS at
      FROM purchases o
      JOIN anchors a ON a.partner_id = o.partner_id
     WHERE o.state IN ('draft', 'sent', 'cancel')
  GROUP BY 1
),
-- Before its first order a customer was a referral (referred by someone), a prospect (it asked
-- for a quotation first) or a potential customer, since it was created (or since that
-- quotation, when it was created later, as an import does). That stage gets no row of its own:
-- a customer created after the install starts in it without one either.
entries AS (
    SELECT m.partner_id, LEAST(p.create_date, q.at, m.at) AS at,
           CASE WHEN p.lifecycle_referred_by_id IS NOT NULL THEN 'referral'
                WHEN q.at IS NOT NULL THEN 'prospect'
                ELSE 'potential' END AS stage
      FROM moves m
      JOIN res_partner p ON p.id = m.partner_id
 LEFT JOIN quotations q ON q.partner_id = m.partner_id AND q.at < m.at
     WHERE m.seq = 1
),
-- Each move with the stage it left and since when: the previous move's, or the entry's.
linked AS (
    SELECT m.partner_id, m.seq, m.at, m.stage, m.trigger,
           COALESCE(lag(m.stage) OVER w, e.stage) AS stage_from,
           COALESCE(lag(m.at) OVER w, e.at) AS previous_at,
           m.seq = max(m.seq) OVER (PARTITION BY m.partner_id) AS is_last
      FROM moves m
      JOIN entries e ON e.partner_id = m.partner_id
    WINDOW w AS (PARTITION BY m.partner_id ORDER BY m.seq)
),
-- The last row must land on the stage the install row gave (a stage set by hand, a fan of the
-- top RFM cell, the probability lost rule): one more row to it, on the install row's date.
closing AS (
    SELECT l.partner_id, l.seq + 1 AS seq, a.date AS at, s.code AS stage, a.trigger,
           l.stage AS stage_from, l.at AS previous_at
      FROM linked l
      JOIN anchors a ON a.partner_id = l.partner_id
      JOIN customer_lifecycle_stage s ON s.id = a.stage_to_id
     WHERE l.is_last AND s.code <> l.stage
)
SELECT r.partner_id, r.seq, a.id,
       row_number() OVER (PARTITION BY r.partner_id ORDER BY r.seq DESC) = 1,
       f.id, t.id, r.at, r.trigger,
       -- unknown when the customer was not known before its first order (an import)
       CASE WHEN r.previous_at < r.at
            THEN round((EXTRACT(EPOCH FROM r.at - r.previous_at) / 86400.0)::numeric, 1) END
  FROM (SELECT partner_id, seq, at, stage, trigger, stage_from, previous_at FROM linked
        UNION ALL
        SELECT partner_id, seq, at, stage, trigger, stage_from, previous_at FROM closing) r
  JOIN anchors a ON a.partner_id = r.partner_id
  JOIN customer_lifecycle_stage t ON t.code = r.stage
 LEFT JOIN customer_lifecycle_stage f ON f.code = r.stage_from
"""

# The install row becomes the last rebuilt row (the move into the stage it gave, now on the day
# it was made); the rows before it are inserted, in order (ids follow seq). Rewriting the row
# rather than replacing it spares a delete and an insert per customer, and the foreign-key
# checks of an insert (most of the cost of writing history rows in bulk).
UPDATE_ANCHORS = """
UPDATE customer_lifecycle_history h
   SET stage_from_id = r.stage_from, date = r.date, trigger = r.trigger, user_id = NULL,
       days_in_stage = r.days_in_stage, reconstructed = TRUE,
       won_back = COALESCE(f.code = 'lost' AND t.code IN ('buyer', 'customer', 'fan'), FALSE),
       write_uid = %(uid)s, write_date = %(now)s
  FROM clc_rebuilt r
  JOIN customer_lifecycle_stage t ON t.id = r.stage_to
 LEFT JOIN customer_lifecycle_stage f ON f.id = r.stage_from
 WHERE h.id = r.anchor_id AND r.last
"""
INSERT_ROWS = """
INSERT INTO customer_lifecycle_history
       (partner_id, stage_from_id, stage_to_id, date, trigger, user_id, days_in_stage,
        won_back, reconstructed, create_uid, create_date, write_uid, write_date)
SELECT r.partner_id, r.stage_from, r.stage_to, r.date, r.trigger, NULL, r.days_in_stage,
       COALESCE(f.code = 'lost' AND t.code IN ('buyer', 'customer', 'fan'), FALSE), TRUE,
       %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM clc_rebuilt r
  JOIN customer_lifecycle_stage t ON t.id = r.stage_to
 LEFT JOIN customer_lifecycle_stage f ON f.id = r.stage_from
 WHERE NOT r.last
 ORDER BY r.partner_id, r.seq
"""
# A customer still in the stage of its install row (nothing moved it since) has been in it since
# the rebuilt row that entered it; its contacts mirror it.
STAGE_SINCE = """
UPDATE res_partner p SET lifecycle_stage_date = e.date
  FROM clc_rebuilt e
 WHERE e.last AND p.commercial_partner_id = e.partner_id
   AND p.lifecycle_stage_id = e.stage_to
   AND NOT EXISTS (SELECT 1 FROM customer_lifecycle_history h
                    WHERE h.partner_id = e.partner_id AND h.reconstructed IS NOT TRUE)
   AND p.lifecycle_stage_date IS DISTINCT FROM e.date
"""
# Customers with purchases whose history was left as it was: it was rebuilt before, or it
# starts with a real move (a customer created after the install: its first order moved it).
LEFT_AS_THEY_WERE = """
WITH population AS (%(population)s)
SELECT count(DISTINCT o.partner_id)
  FROM (%(purchases)s) o
  JOIN population p ON p.id = o.partner_id
 WHERE o.state = 'sale' AND o.company_id = %(company_id)s
   AND NOT EXISTS (SELECT 1 FROM clc_rebuilt r WHERE r.partner_id = o.partner_id)
"""
