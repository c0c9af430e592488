"""make bench PHASE=mailing: the Email Marketing bridge at the bench's size (issue 18).

Run by bench.py when PHASE=mailing, on a bench database where bench.sh installed mass_mailing
and mass_mailing_sms (the bridge comes in by itself). Once per database (MARK) the bench
customers get an e-mail address and consents in SQL (E-mail: 7 in 10 granted, 1 in 10
withdrawn; SMS: 4 in 10 granted), a marketing user and 20 lists bound to the stages and RFM
segments (e-mail and SMS), filled by a first sync (timed apart: it creates the contacts).
Then, RUNS times each: a mailing made from 30,000 customers of the Lost column as the funnel
makes it, with the form's figures read (left-out counts, recipients), rolled back; and the
nightly sync of the 20 lists with no change.
"""

import time

from odoo import Command, api
from odoo.tools import SQL

MARK = "customer_lifecycle.bench_mailing"
SEGMENT_SIZE = 30_000
SETUP = """
UPDATE res_partner p
   SET email = 'bench' || p.id || '@example.com',
       email_normalized = 'bench' || p.id || '@example.com'
 WHERE p.name LIKE 'Bench Customer %%' AND p.email IS NULL;
INSERT INTO customer_consent (partner_id, channel_id, purpose, state, legal_basis, date, source,
                              create_uid, create_date, write_uid, write_date)
SELECT p.id, ch.id, 'marketing',
       CASE WHEN ch.code = 'email' AND p.id %% 10 = 7 THEN 'withdrawn' ELSE 'granted' END,
       'consent', now() at time zone 'UTC', 'store', 1, now() at time zone 'UTC', 1,
       now() at time zone 'UTC'
  FROM res_partner p
  JOIN customer_consent_channel ch ON ch.code IN ('email', 'sms')
 WHERE p.name LIKE 'Bench Customer %%'
   AND (ch.code = 'email' AND p.id %% 10 < 8 OR ch.code = 'sms' AND p.id %% 10 < 4);
ANALYZE res_partner;
ANALYZE customer_consent;
"""


def setup(bench):
    """The consents, the marketer and the 20 bound lists, once; returns (the marketer's id,
    the seconds of the first sync, or None when it ran before)."""
    # the addons' path is known once the bench opened the registry
    from odoo.addons.customer_lifecycle.tools.lifecycle_rules import RFM_SEGMENTS  # noqa: PLC0415

    with bench.cursor() as cr:
        env = bench.env(cr)
        marketer = env["res.users"].search([("login", "=", "bench_marketer")])
        if env["ir.config_parameter"].get_param(MARK):
            return marketer.id, None
        cr.execute(SQL(SETUP))
        marketer = env["res.users"].create(
            {
                "name": "Bench Marketer",
                "login": "bench_marketer",
                "email": "bench.marketer@example.com",  # a mailing is sent from it
                "group_ids": [
                    Command.link(env.ref("mass_mailing.group_mass_mailing_user").id),
                    Command.link(env.ref("sales_team.group_sale_salesman_all_leads").id),
                ],
            }
        )
        email, sms = (env.ref(f"customer_lifecycle.consent_channel_{c}") for c in ("email", "sms"))
        stages = env["customer.lifecycle.stage"].search([("code", "!=", "potential")])
        segments = [code for code, _label in RFM_SEGMENTS][: 20 - 2 * len(stages)]
        env["mailing.list"].create(
            [{"name": f"Bench {stage.name} ({channel.name})", "lifecycle_stage_id": stage.id,
              "lifecycle_channel_id": channel.id}
             for stage in stages for channel in (email, sms)]
            + [{"name": f"Bench {segment}", "lifecycle_rfm_segment": segment,
                "lifecycle_channel_id": email.id} for segment in segments]
        )  # fmt: skip
        env["ir.config_parameter"].set_param(MARK, "1")
    started = time.perf_counter()
    sync_lists(bench)
    return marketer.id, time.perf_counter() - started


def sync_lists(bench):
    """The nightly run's step: every bound list brought in line, committed."""
    with bench.cursor() as cr:
        return bench.env(cr)["mailing.list"]._lifecycle_sync_bound_lists()


def mailing_from_segment(bench, marketer_id):
    """A callable: 30,000 customers of the Lost column made into a mailing as the funnel's action
    makes it, as the marketer, and the form's consent figures read; rolled back."""

    def mailing():
        with bench.cursor() as cr:
            env = api.Environment(cr, marketer_id, {})
            lost = env.ref("customer_lifecycle.stage_lost")
            customers = env["res.partner"].search(
                [("lifecycle_is_customer", "=", True), ("lifecycle_stage_id", "=", lost.id)],
                limit=SEGMENT_SIZE,
                order="id",
            )
            action = customers.action_lifecycle_mailing("mail")
            made = env["mailing.mailing"].browse(action["res_id"])
            made.read(["lifecycle_audience_summary", "total"])
            cr.rollback()

    return mailing


def lists_summary(bench):
    """(bound lists, their subscriptions) for the line below the table."""
    return bench.execute(
        """SELECT count(DISTINCT l.id), count(s.id) FROM mailing_list l
             LEFT JOIN mailing_subscription s ON s.list_id = l.id
            WHERE l.lifecycle_bound"""
    )[0]
