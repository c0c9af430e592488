"""A mailing made from the funnel (res.partner.action_lifecycle_mailing) carries the consent
channel it is sent on: when it is sent (and whenever Odoo counts its recipients), only the
customers of its domain contactable for marketing on that channel at that moment are its
recipients. Its form says how many of the selected customers are left out, and why.

A control group: such a mailing may hold out a share of those customers (lifecycle_holdout_percent,
drawn by the mailing's seed, so the same customers for the same seed), recorded with the
recipients when it is sent (customer.lifecycle.mailing.member) and never sent. After its result
window (lifecycle_result_days) the form compares the two groups: who ordered, orders, revenue,
stage moves, the difference with its 95 % interval, and says so when the groups are too small."""

import math
import random

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from .res_partner import LEFT_OUT_REASONS, MAILING_CHANNELS

# Fewer customers than this in either group: the result is too small to tell.
MIN_GROUP = 30
Z_95 = 1.959964  # the normal quantile of a two-sided 95 % interval

# The customers of ids held out for a seed: the first `count` by a hash of (seed, id), so that
# a seed holds out the same customers whatever their order.
HOLDOUT = """
    SELECT id FROM unnest(%(ids)s::int[]) id
  ORDER BY md5(%(seed)s::text || ':' || id::text), id
     LIMIT %(count)s
"""
# The members of a mailing when it is sent: each customer with their stage, RFM segment and
# value class at that moment.
RECORD = """
    INSERT INTO customer_lifecycle_mailing_member
           (mailing_id, partner_id, held_out, "group", sent_date, stage_id, rfm_segment,
            value_class, currency_id, orders, revenue, ordered, won_back, became_repeat,
            create_uid, create_date, write_uid, write_date)
    SELECT %(mailing)s, p.id, p.id = ANY(%(held_out)s),
           CASE WHEN p.id = ANY(%(held_out)s) THEN 'held_out' ELSE 'sent' END,
           %(now)s, p.lifecycle_stage_id, p.rfm_segment, p.lifecycle_value_class, %(currency)s,
           0, 0, FALSE, FALSE, FALSE, %(uid)s, %(now)s, %(uid)s, %(now)s
      FROM res_partner p
     WHERE p.id = ANY(%(ids)s)
    ON CONFLICT (mailing_id, partner_id) DO NOTHING
"""


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    lifecycle_consent_required = fields.Boolean(
        string="Lifecycle Consent Applied",
        readonly=True,
        help="Made from the Lifecycle Funnel: only the customers with a current marketing "
        "consent on the mailing's channel (e-mail or SMS), an address and no blacklisting "
        "receive it.",
    )
    lifecycle_channel_id = fields.Many2one(
        "customer.consent.channel",
        string="Consent Channel",
        compute="_compute_lifecycle_channel_id",
    )
    lifecycle_holdout_percent = fields.Integer(
        string="Control Group (%)",
        help="Hold out this share of the customers, drawn at random but reproducibly (the "
        "seed): they are recorded and never sent, and the result compares them with the "
        "recipients. 0: no control group.",
    )
    lifecycle_holdout_seed = fields.Integer(
        string="Control Group Seed",
        default=lambda self: random.SystemRandom().randint(1, 999_999),
        copy=False,
        help="The same seed holds out the same customers.",
    )
    lifecycle_result_days = fields.Integer(
        string="Result After (Days)",
        default=30,
        help="The result counts what the customers did within this many days of the sending.",
    )
    lifecycle_member_ids = fields.One2many(
        "customer.lifecycle.mailing.member", "mailing_id", string="Recipients and Control Group"
    )
    lifecycle_sent_count = fields.Integer(string="Recipients", compute="_compute_lifecycle_result")
    lifecycle_held_out_count = fields.Integer(
        string="Held Out", compute="_compute_lifecycle_result"
    )
    lifecycle_result_summary = fields.Text(
        string="Result Against the Control Group", compute="_compute_lifecycle_result"
    )
    lifecycle_utm_revenue = fields.Monetary(
        string="Revenue Attributed (UTM)",
        compute="_compute_lifecycle_result",
        currency_field="lifecycle_currency_id",
        help="Untaxed amount of the confirmed sale orders Odoo attributes to this mailing "
        "(its UTM source), in company currency.",
    )
    lifecycle_currency_id = fields.Many2one("res.currency", compute="_compute_lifecycle_result")
    lifecycle_selected_count = fields.Integer(
        string="Customers Selected", compute="_compute_lifecycle_audience"
    )
    lifecycle_left_out_no_address = fields.Integer(
        string="Left Out: No Address", compute="_compute_lifecycle_audience"
    )
    lifecycle_left_out_blacklisted = fields.Integer(
        string="Left Out: Blacklisted", compute="_compute_lifecycle_audience"
    )
    lifecycle_left_out_withdrawn = fields.Integer(
        string="Left Out: Consent Withdrawn", compute="_compute_lifecycle_audience"
    )
    lifecycle_left_out_no_consent = fields.Integer(
        string="Left Out: No Consent", compute="_compute_lifecycle_audience"
    )
    lifecycle_audience_summary = fields.Char(
        string="Recipients and Consent", compute="_compute_lifecycle_audience"
    )

    @api.depends("lifecycle_consent_required", "mailing_type")
    def _compute_lifecycle_channel_id(self):
        for mailing in self:
            mailing.lifecycle_channel_id = mailing.lifecycle_consent_required and self.env.ref(
                MAILING_CHANNELS.get(mailing.mailing_type, MAILING_CHANNELS["mail"])
            )

    @api.depends("lifecycle_channel_id", "mailing_domain", "mailing_model_id")
    @api.depends_context("lang")
    def _compute_lifecycle_audience(self):
        for mailing in self:
            audience = mailing._lifecycle_audience()
            counts = {reason: len(audience.get(reason, ())) for reason in LEFT_OUT_REASONS}
            mailing.lifecycle_selected_count = sum(len(ids) for ids in audience.values())
            for reason, count in counts.items():
                mailing[f"lifecycle_left_out_{reason}"] = count
            mailing.lifecycle_audience_summary = mailing._lifecycle_audience_text(
                len(audience.get("contactable", ())), counts
            )

    def _lifecycle_audience_text(self, contactable, counts):
        """Who receives it, in words: "Consent applied (Email): 1 of 7 selected customers
        receive it; 6 left out: 2 without consent, …"."""
        if not self.lifecycle_consent_required:
            return False
        left_out = sum(counts.values())
        figures = {
            "channel": self.lifecycle_channel_id.name,
            "contactable": contactable,
            "selected": contactable + left_out,
        }
        if not left_out:
            return self.env._(
                "Consent applied (%(channel)s): every selected customer (%(selected)s) "
                "receives it.",
                **figures,
            )
        labels = {
            "no_consent": self.env._("%(count)s without consent"),
            "withdrawn": self.env._("%(count)s withdrew their consent"),
            "no_address": self.env._("%(count)s without an address"),
            "blacklisted": self.env._("%(count)s blacklisted"),
        }
        reasons = ", ".join(
            labels[reason] % {"count": counts[reason]}
            for reason in ("no_consent", "withdrawn", "no_address", "blacklisted")
            if counts[reason]
        )
        return self.env._(
            "Consent applied (%(channel)s): %(contactable)s of %(selected)s selected customers "
            "receive it; %(left_out)s left out: %(reasons)s.",
            left_out=left_out,
            reasons=reasons,
            **figures,
        )

    def _lifecycle_audience(self):
        """{'contactable' or a left-out reason: [partner ids]} of the customers of the
        mailing's domain on its consent channel; {} for other mailings."""
        self.ensure_one()
        if not self.lifecycle_consent_required or self.mailing_model_real != "res.partner":
            return {}
        partners = self.env["res.partner"].search(Domain(self._parse_mailing_domain()))
        return self.env["res.partner"]._lifecycle_audience(partners.ids, self.lifecycle_channel_id)

    def _get_recipients_domain(self):
        """The customers of the domain contactable on the mailing's consent channel now, less
        its control group: the recipients when it is sent, and the count Odoo shows."""
        domain = super()._get_recipients_domain()
        audience = self._lifecycle_audience()
        if audience:
            held_out = set(self._lifecycle_held_out_ids(audience["contactable"]))
            domain &= Domain("id", "in", [i for i in audience["contactable"] if i not in held_out])
        elif self.lifecycle_consent_required:  # not on partners: nobody's consent is known
            domain = Domain.FALSE
        return domain

    def _lifecycle_held_out_ids(self, contactable):
        """The control group: once sent, the customers recorded as held out; before, the
        lifecycle_holdout_percent of the contactable customers the seed draws."""
        self.ensure_one()
        members = self.lifecycle_member_ids
        if members:
            return members.filtered("held_out").partner_id.ids
        count = round(len(contactable) * (self.lifecycle_holdout_percent or 0) / 100)
        if not count:
            return []
        self.env.cr.execute(
            SQL(HOLDOUT, ids=list(contactable), seed=self.lifecycle_holdout_seed, count=count)
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _lifecycle_record_members(self):
        """Before the first sending: the recipients and the control group recorded, with their
        stage and segment now (once: a mailing sent in several batches keeps its first
        groups)."""
        for mailing in self.filtered("lifecycle_consent_required"):
            if mailing.sudo().lifecycle_member_ids:
                continue
            contactable = mailing._lifecycle_audience().get("contactable", [])
            held_out = mailing._lifecycle_held_out_ids(contactable)
            now = fields.Datetime.now()
            self.env.cr.execute(
                SQL(
                    RECORD,
                    mailing=mailing.id,
                    ids=contactable,
                    held_out=held_out,
                    now=now,
                    currency=self.env["res.company"]._lifecycle_company().currency_id.id,
                    uid=self.env.uid,
                )
            )
        self.env["customer.lifecycle.mailing.member"].invalidate_model()
        self.invalidate_recordset(["lifecycle_member_ids"])

    def _action_send_mail(self, res_ids=None):
        self._lifecycle_record_members()
        return super()._action_send_mail(res_ids=res_ids)

    def action_send_sms(self, res_ids=None):
        self._lifecycle_record_members()
        return super().action_send_sms(res_ids=res_ids)

    # -- The result ---------------------------------------------------------------------------

    @api.depends("lifecycle_member_ids", "lifecycle_result_days", "source_id")
    @api.depends_context("lang")
    def _compute_lifecycle_result(self):
        currency = self.env["res.company"]._lifecycle_company().currency_id
        for mailing in self:
            mailing.lifecycle_currency_id = currency
            figures = mailing._lifecycle_group_figures()
            mailing.lifecycle_sent_count = figures["sent"]["customers"]
            mailing.lifecycle_held_out_count = figures["held_out"]["customers"]
            mailing.lifecycle_result_summary = mailing._lifecycle_result_text(figures)
            mailing.lifecycle_utm_revenue = mailing._lifecycle_utm_revenue()

    def _lifecycle_group_figures(self):
        """{'sent' | 'held_out': {customers, ordered, orders, revenue, revenue_squares,
        won_back, became_repeat, lost, buyers}} of the mailing's members, one query."""
        self.ensure_one()
        empty = dict.fromkeys(
            ("customers", "ordered", "orders", "revenue", "revenue_squares", "won_back",
             "became_repeat", "lost", "buyers"), 0,
        )  # fmt: skip
        figures = {"sent": dict(empty), "held_out": dict(empty)}
        if not self.id:
            return figures
        self.env["customer.lifecycle.mailing.member"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT m.held_out, count(*), count(*) FILTER (WHERE m.ordered),
                          COALESCE(sum(m.orders), 0), COALESCE(sum(m.revenue), 0),
                          COALESCE(sum(m.revenue * m.revenue), 0),
                          count(*) FILTER (WHERE m.won_back),
                          count(*) FILTER (WHERE m.became_repeat),
                          count(*) FILTER (WHERE m.stage_id = %(lost)s),
                          count(*) FILTER (WHERE m.stage_id = %(buyer)s)
                     FROM customer_lifecycle_mailing_member m
                    WHERE m.mailing_id = %(mailing)s
                 GROUP BY m.held_out""",
                mailing=self.id,
                lost=self.env.ref("customer_lifecycle.stage_lost").id,
                buyer=self.env.ref("customer_lifecycle.stage_buyer").id,
            )
        )
        for held_out, *values in self.env.cr.fetchall():
            figures["held_out" if held_out else "sent"] = dict(
                zip(empty, [float(v) for v in values], strict=True)
            )
        return figures

    def _lifecycle_result_text(self, figures):
        """The comparison of the two groups in words (None before the mailing is sent)."""
        sent, held = figures["sent"], figures["held_out"]
        if not sent["customers"] and not held["customers"]:
            return False
        env, days = self.env, self.lifecycle_result_days

        def percent(value):
            return formatLang(env, value * 100, digits=1)

        def money(value):
            return formatLang(env, value, currency_obj=self.lifecycle_currency_id)

        rate = sent["ordered"] / sent["customers"] if sent["customers"] else 0.0
        lines = [
            env._(
                "Recipients: %(count)s; %(percent)s %% ordered within %(days)s days "
                "(%(orders)s orders, %(revenue)s).",
                count=int(sent["customers"]),
                percent=percent(rate),
                days=days,
                orders=int(sent["orders"]),
                revenue=money(sent["revenue"]),
            )
        ]
        moves = env._(
            "Stage moves: %(won_back)s of %(lost)s lost customers won back, %(repeat)s of "
            "%(buyers)s buyers bought again.",
            won_back=int(sent["won_back"]),
            lost=int(sent["lost"]),
            repeat=int(sent["became_repeat"]),
            buyers=int(sent["buyers"]),
        )
        if not held["customers"]:
            lines += [moves, env._("No control group: nothing to compare the result with.")]
            return "\n".join(lines)
        held_rate = held["ordered"] / held["customers"]
        lines.append(
            env._(
                "Control group: %(count)s; %(percent)s %% ordered (%(orders)s orders, "
                "%(revenue)s).",
                count=int(held["customers"]),
                percent=percent(held_rate),
                orders=int(held["orders"]),
                revenue=money(held["revenue"]),
            )
        )
        lines.append(moves)
        if min(sent["customers"], held["customers"]) < MIN_GROUP:
            lines.append(
                env._(
                    "Too small to tell: at least %(min)s customers are needed in each group.",
                    min=MIN_GROUP,
                )
            )
            return "\n".join(lines)
        difference, low, high = difference_in_shares(
            sent["ordered"], sent["customers"], held["ordered"], held["customers"]
        )
        per_customer, money_low, money_high = difference_in_means(sent, held)
        verdict = (
            env._("the mailing made a difference")
            if low > 0 or high < 0
            else env._("no difference shown")
        )
        lines.append(
            env._(
                "Difference: %(points)s points of customers who ordered (95 %% interval "
                "%(low)s to %(high)s): %(verdict)s; %(revenue)s of revenue per customer "
                "(95 %% interval %(revenue_low)s to %(revenue_high)s).",
                points=formatLang(env, difference * 100, digits=1),
                low=formatLang(env, low * 100, digits=1),
                high=formatLang(env, high * 100, digits=1),
                verdict=verdict,
                revenue=money(per_customer),
                revenue_low=money(money_low),
                revenue_high=money(money_high),
            )
        )
        return "\n".join(lines)

    def _lifecycle_utm_revenue(self):
        """What Odoo attributes to the mailing: the confirmed sale orders of its UTM source,
        untaxed, in company currency."""
        self.ensure_one()
        if not self.source_id or not self.lifecycle_consent_required:
            return 0.0
        self.env["sale.order"].flush_model(["source_id", "state", "amount_untaxed"])
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(sum(o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1)),
                                   0)
                     FROM sale_order o WHERE o.source_id = %s AND o.state = 'sale'""",
                self.source_id.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def action_lifecycle_refresh_result(self):
        """Button: the members' outcomes brought up to date now (Email Marketing users)."""
        if not self.env.user.has_group("mass_mailing.group_mass_mailing_user"):
            raise AccessError(self.env._("Only Email Marketing users can refresh a result."))
        self.check_access("write")
        self.env["customer.lifecycle.mailing.member"].sudo()._refresh_outcomes(self.sudo())
        self.invalidate_recordset()
        return True

    @api.constrains("lifecycle_holdout_percent", "lifecycle_result_days")
    def _check_lifecycle_result_settings(self):
        for mailing in self:
            if not 0 <= mailing.lifecycle_holdout_percent <= 50:
                raise ValidationError(
                    self.env._(
                        "The control group of %(mailing)s must be between 0 and 50 %% of its "
                        "customers.",
                        mailing=mailing.subject,
                    )
                )
            if mailing.lifecycle_result_days < 1:
                raise ValidationError(
                    self.env._(
                        "The result of %(mailing)s needs at least one day after the sending.",
                        mailing=mailing.subject,
                    )
                )

    def write(self, vals):
        sent = self.filtered(lambda m: m.sudo().lifecycle_member_ids)
        if sent and {"lifecycle_holdout_percent", "lifecycle_holdout_seed"} & set(vals):
            raise UserError(
                self.env._(
                    "The control group of a mailing already sent cannot change: its customers "
                    "were held out when it was sent."
                )
            )
        if "lifecycle_consent_required" in vals and not vals["lifecycle_consent_required"]:
            if not self.env.su and any(self.mapped("lifecycle_consent_required")):
                raise UserError(
                    self.env._(
                        "A mailing made from the Lifecycle Funnel is sent only to the customers "
                        "who consented: that cannot be switched off."
                    )
                )
        return super().write(vals)


def difference_in_shares(hits_a, n_a, hits_b, n_b):
    """The difference of two shares (a - b) with its 95 % interval (normal approximation, the
    groups independent): (difference, low, high)."""
    p_a, p_b = hits_a / n_a, hits_b / n_b
    error = Z_95 * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return p_a - p_b, p_a - p_b - error, p_a - p_b + error


def difference_in_means(a, b):
    """The difference of the revenue per customer of two groups (a - b, each a dict of
    customers, revenue and revenue_squares) with its 95 % interval (Welch, normal quantile):
    (difference, low, high)."""

    def mean_and_variance(group):
        n, total = group["customers"], group["revenue"]
        mean = total / n
        variance = max(group["revenue_squares"] - n * mean * mean, 0.0) / (n - 1)
        return mean, variance, n

    mean_a, var_a, n_a = mean_and_variance(a)
    mean_b, var_b, n_b = mean_and_variance(b)
    error = Z_95 * math.sqrt(var_a / n_a + var_b / n_b)
    return mean_a - mean_b, mean_a - mean_b - error, mean_a - mean_b + error
