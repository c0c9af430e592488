"""Satisfaction: one record per question asked (the e-mail after a delivery) or per score given
to staff (phone, shop); its answers (customer.satisfaction.answer) are the proof of each click.

Nobody creates or changes these records directly, administrators included: only the paths that
witness an answer do (the cron that asks, the public page, the staff wizard), through
_satisfaction_event(). Proof fields are never taken from a caller."""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date, plaintext2html

from ..tools.lifecycle_rules import RFM_SEGMENTS, SATISFACTION_SCORES, satisfaction_category
from .customer_consent import CURRENT
from .res_partner import SATISFACTION_CATEGORIES, VALUE_CLASSES

SOURCES = [("email", "E-mail"), ("phone", "Phone"), ("shop", "In the Shop")]
STATES = [("sent", "Waiting for an Answer"), ("answered", "Answered")]
# NPS points of a category: the average over answered requests is the NPS itself.
NPS_POINTS = {"promoter": 100, "passive": 0, "detractor": -100}
# The public page takes answers (and changes of mind) for this many days after the e-mail.
ANSWER_DAYS = 30
# The asking cron: an order delivered (or first invoiced) the delay ago is still asked about
# up to this many days later (a missed night is caught up), never later (no e-mail about
# an old order when the survey is switched on). Requests created per committed batch.
GRACE_DAYS = 14
ASK_BATCH = 200
# Rate limit of the public page, counted from the answers themselves (several workers).
PAGE_ANSWERS = 10
PAGE_WINDOW = timedelta(minutes=10)
MAX_COMMENT = 2000

# How far the next working day is looked for: a calendar with no working day in two weeks
# (a closed season) gets the activity tomorrow rather than none.
WORKING_DAY_SEARCH = timedelta(days=14)

# True only inside _satisfaction_event(): the paths that witness an answer (the page, the
# staff wizard, the asking cron). A ContextVar, not a context key, which any RPC caller sets.
_SATISFACTION_EVENT = ContextVar("customer_lifecycle_satisfaction_event", default=False)


@contextmanager
def satisfaction_event():
    """The block in which requests and answers may be created and written."""
    token = _SATISFACTION_EVENT.set(True)
    try:
        yield
    finally:
        _SATISFACTION_EVENT.reset(token)


def refuse_outside_event(env):
    """Creating or changing a request or an answer is reserved to the paths that witness it."""
    if not _SATISFACTION_EVENT.get():
        raise UserError(
            env._(
                "Satisfaction answers are recorded only by the customer's satisfaction page or "
                "with the Record Satisfaction button on the customer: they are the proof of "
                "what the customer said and cannot be created or changed otherwise."
            )
        )


class CustomerSatisfactionRequest(models.Model):
    _name = "customer.satisfaction.request"
    _description = "Satisfaction Request"
    _order = "sent_date desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        help="The customer (the commercial entity: a company for its contacts).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True, default=lambda s: s.env.company
    )
    order_id = fields.Many2one(
        "sale.order", string="Order", ondelete="set null", readonly=True, index="btree_not_null"
    )
    source = fields.Selection(SOURCES, required=True, default="email", readonly=True)
    state = fields.Selection(STATES, required=True, default="sent", readonly=True, index=True)
    sent_date = fields.Datetime(
        string="Asked On", required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    answered_date = fields.Datetime(string="Answered On", readonly=True, index=True)
    score = fields.Integer(readonly=True, aggregator="avg", help="0-10, the current answer.")
    category = fields.Selection(
        SATISFACTION_CATEGORIES,
        compute="_compute_category",
        store=True,
        index=True,
        help="Promoter 9-10, passive 7-8, detractor 0-6; empty while unanswered.",
    )
    comment = fields.Text(readonly=True)
    recorded_by_id = fields.Many2one(
        "res.users", string="Recorded By", readonly=True, ondelete="set null"
    )
    # The private link of the e-mail: only managers see it (whoever has it can answer).
    token = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="customer_lifecycle.group_lifecycle_manager",
    )
    # Snapshots of the customer when the answer is recorded: the reports read these.
    stage_id = fields.Many2one(
        "customer.lifecycle.stage", string="Stage", readonly=True, ondelete="set null"
    )
    rfm_segment = fields.Selection(list(RFM_SEGMENTS), string="RFM Segment", readonly=True)
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, ondelete="set null"
    )
    value_class = fields.Selection(VALUE_CLASSES, readonly=True)
    nps_points = fields.Integer(
        string="NPS",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="100 for a promoter, 0 for a passive, -100 for a detractor: the average over "
        "answered requests is the Net Promoter Score. 0 while unanswered (filter on Answered).",
    )
    answered_count = fields.Integer(
        string="Response Rate",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        help="1 when answered, else 0: the average over requests is the response rate.",
    )
    answer_ids = fields.One2many(
        "customer.satisfaction.answer", "request_id", string="Answer History", readonly=True
    )
    # The funnel's follow-up (see _lifecycle_schedule_follow_up).
    answers = fields.Integer(
        string="Number of Answers",
        compute="_compute_category",
        store=True,
        help="1 when answered, else 0: summed, the number of answers.",
    )
    callback_date = fields.Datetime(
        string="Called Back On",
        readonly=True,
        copy=False,
        help="When the salesperson marked the call-back of this detractor's answer done.",
    )
    callback_user_id = fields.Many2one(
        "res.users", string="Called Back By", readonly=True, copy=False, ondelete="set null"
    )
    is_awaiting_callback = fields.Boolean(
        string="Not Yet Called Back",
        compute="_compute_is_awaiting_callback",
        store=True,
        index=True,
        help="A detractor's answer whose call-back activity is not done yet.",
    )

    _token_uniq = models.Constraint("UNIQUE(token)", "A satisfaction link must be unique.")
    _score_range = models.Constraint(
        "CHECK(score IS NULL OR score BETWEEN 0 AND 10)",
        "A satisfaction score is a whole number from 0 to 10.",
    )

    @api.depends("state", "score")
    def _compute_category(self):
        for request in self:
            answered = request.state == "answered"
            category = satisfaction_category(request.score) if answered else False
            request.category = category or False
            request.nps_points = NPS_POINTS.get(category, 0)
            request.answered_count = request.answers = 1 if answered else 0

    @api.depends("category", "callback_date")
    def _compute_is_awaiting_callback(self):
        for request in self:
            request.is_awaiting_callback = (
                request.category == "detractor" and not request.callback_date
            )

    @api.depends("partner_id", "score", "state")
    def _compute_display_name(self):
        for request in self:
            name = request.partner_id.display_name or ""
            if request.state == "answered":
                name = f"{name} ({request.score}/10)"
            request.display_name = name

    def _survey_url(self, score=None):
        """The private link of the e-mail (with a score: the one-click answer). Whoever has it
        answers in the customer's name: only the asking cron (it renders the e-mail as the
        superuser) and lifecycle administrators (who see the token) get it, never a user who
        renders or sends the template to themselves."""
        self.ensure_one()
        if not (
            self.env.su or self.env.user.has_group("customer_lifecycle.group_lifecycle_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only lifecycle administrators can see a satisfaction link: whoever has it "
                    "answers in the customer's name."
                )
            )
        url = f"{self.get_base_url()}/satisfaction/{self.sudo().token}"
        return url if score is None else f"{url}/{int(score)}"

    def _consent_page_url(self):
        """The customer's contact preferences (the way to object to these e-mails), when the
        customer has a consent page link."""
        self.ensure_one()
        partner = self.sudo().partner_id
        token = partner.lifecycle_consent_token
        return token and f"{partner.get_base_url()}/consent/{token}"

    def _read_group_select(self, aggregate_spec, query):
        """The pivot's and graph's NPS: the average of the points of the answered requests."""
        if aggregate_spec == "nps_points:avg":
            return SQL(
                "AVG(CASE WHEN %s = 'answered' THEN %s END)",
                self._field_to_sql(self._table, "state", query),
                self._field_to_sql(self._table, "nps_points", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # -- CRUD: only through the paths that witness an answer --------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Reserved to the asking cron and the answering paths; the customer is always the
        commercial entity, the link always the server's own."""
        refuse_outside_event(self.env)
        Partner = self.env["res.partner"]
        for vals in vals_list:
            if vals.get("partner_id"):
                partner = Partner.browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
            vals["token"] = secrets.token_urlsafe(24)
        return super().create(vals_list)

    def write(self, vals):
        refuse_outside_event(self.env)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proof(self):
        """An answer is the customer's statement: nobody deletes it (deleting the customer
        does, and uninstalling the addon)."""
        raise UserError(
            self.env._(
                "A satisfaction request cannot be deleted: it is the proof of what the customer "
                "said."
            )
        )

    # -- Asking: the nightly cron ---------------------------------------------------------------

    @api.model
    def _delivered_orders_query(self, company, first_day, last_day):
        """SQL: (order_id, customer_id, delivered_on) of the company's confirmed orders
        delivered between first_day and last_day: with sale_stock, the first delivery's date;
        otherwise (or for an order with nothing delivered) its first posted invoice's date."""
        first_invoice = SQL(
            """SELECT sol.order_id, MIN(am.invoice_date) AS invoiced_on
                 FROM sale_order_line sol
                 JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                 JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                 JOIN account_move am ON am.id = aml.move_id
                WHERE am.state = 'posted' AND am.move_type = 'out_invoice'
                  AND sol.order_id IN (
                      SELECT sol2.order_id
                        FROM account_move am2
                        JOIN account_move_line aml2 ON aml2.move_id = am2.id
                        JOIN sale_order_line_invoice_rel rel2 ON rel2.invoice_line_id = aml2.id
                        JOIN sale_order_line sol2 ON sol2.id = rel2.order_line_id
                       WHERE am2.state = 'posted' AND am2.move_type = 'out_invoice'
                         AND am2.invoice_date BETWEEN %(first)s AND %(last)s
                         AND am2.company_id = %(company)s)
             GROUP BY sol.order_id""",
            first=first_day,
            last=last_day,
            company=company.id,
        )
        if "effective_date" in self.env["sale.order"]._fields:
            # sale_stock: the first delivery's day; the invoice only for an order that has no
            # delivery at all (services), never for goods invoiced before they left
            delivered_on = SQL(
                """CASE WHEN so.effective_date IS NOT NULL
                        THEN (so.effective_date AT TIME ZONE 'UTC')::date
                        WHEN NOT EXISTS (SELECT 1 FROM stock_picking sp WHERE sp.sale_id = so.id)
                        THEN inv.invoiced_on END"""
            )
            join = SQL("LEFT JOIN")
            prefilter = SQL(
                "(so.effective_date >= %s OR inv.order_id IS NOT NULL)",
                fields.Datetime.to_datetime(first_day),
            )
        else:
            delivered_on = SQL("inv.invoiced_on")
            join = SQL("JOIN")
            prefilter = SQL("TRUE")
        return SQL(
            """SELECT so.id AS order_id, p.commercial_partner_id AS customer_id,
                      so.partner_id AS contact_id, %(delivered_on)s AS delivered_on
                 FROM sale_order so
                 JOIN res_partner p ON p.id = so.partner_id
                 %(join)s (%(first_invoice)s) inv ON inv.order_id = so.id
                WHERE so.state = 'sale' AND so.company_id = %(company)s AND %(prefilter)s
                  AND %(delivered_on)s BETWEEN %(first)s AND %(last)s""",
            delivered_on=delivered_on,
            join=join,
            first_invoice=first_invoice,
            prefilter=prefilter,
            company=company.id,
            first=first_day,
            last=last_day,
        )

    @api.model
    def _askable_query(self, company, today):
        """SQL: (customer_id, order_id) of the customers to ask today for this company, one row
        per customer (its latest delivered order), in one query:

        - an order delivered `delay` days ago (up to GRACE_DAYS more: a missed night is caught
          up), not asked about yet;
        - the customer not asked (nor recorded by staff) within the interval, any company;
        - never an internal user (nor a company of the database), nor an archived customer;
        - an e-mail address, not on Odoo's blacklist; and a valid e-mail consent, or with
          legitimate interest, no withdrawn or refused e-mail consent."""
        Consent = self.env["customer.consent"]
        email_channel = self.env.ref("customer_lifecycle.consent_channel_email")
        last_day = today - timedelta(days=company.lifecycle_satisfaction_delay_days)
        first_day = last_day - timedelta(days=GRACE_DAYS)
        if company.lifecycle_satisfaction_legitimate_interest:
            allowed = SQL(
                """NOT EXISTS (SELECT 1 FROM (%(current)s) cur
                                WHERE cur.partner_id = c.id AND cur.channel_id = %(channel)s
                                  AND cur.state IN ('withdrawn', 'refused'))""",
                current=SQL(CURRENT, partner_ids=None),
                channel=email_channel.id,
            )
        else:
            allowed = SQL(
                "c.id IN (SELECT q.partner_id FROM (%(contactable)s) q)",
                contactable=Consent._contactable_query(email_channel.ids),
            )
        delivered = self._delivered_orders_query(company, first_day, last_day)
        return SQL(
            """SELECT DISTINCT ON (d.customer_id) d.customer_id, d.order_id
                 FROM (%(delivered)s) d
                 JOIN res_partner c ON c.id = d.customer_id
                WHERE c.active AND COALESCE(c.email, '') <> ''
                  AND NOT EXISTS (SELECT 1 FROM customer_satisfaction_request r
                                   WHERE r.order_id = d.order_id)
                  AND NOT EXISTS (SELECT 1 FROM customer_satisfaction_request r
                                   WHERE r.partner_id = d.customer_id
                                     AND r.sent_date >= %(since)s)
                  AND NOT EXISTS (SELECT 1 FROM res_users u
                                   WHERE u.partner_id IN (c.id, d.contact_id)
                                     AND u.share IS NOT TRUE)
                  AND NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = c.id)
                  AND NOT EXISTS (SELECT 1 FROM mail_blacklist bl
                                   WHERE bl.active AND bl.email = c.email_normalized)
                  AND %(allowed)s
             ORDER BY d.customer_id, d.delivered_on DESC, d.order_id DESC""",
            delivered=delivered,
            since=fields.Datetime.to_datetime(today)
            - timedelta(days=company.lifecycle_satisfaction_interval_days - 1),
            allowed=allowed,
        )

    @api.model
    def _cron_ask_satisfaction(self, batch_size=ASK_BATCH):
        """Nightly: ask each customer whose order was delivered the configured days ago, in the
        companies that opted in (Settings), one e-mail per customer; committed per batch."""
        today = fields.Date.context_today(self)
        template = self.env.ref("customer_lifecycle.mail_template_satisfaction_request")
        companies = self.env["res.company"].search([("lifecycle_satisfaction_survey", "=", True)])
        for company in companies:
            self.env["sale.order"].flush_model()
            self.env["account.move"].flush_model()
            self.env.cr.execute(self._askable_query(company, today))
            rows = self.env.cr.fetchall()
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                requests = self._ask(company, batch, template)
                remaining = len(rows) - start - len(batch)
                self.env["ir.cron"]._commit_progress(len(requests), remaining=remaining)

    @api.model
    def _ask(self, company, rows, template):
        """Create the requests of (customer_id, order_id) rows and queue their e-mails."""
        with satisfaction_event():
            requests = self.sudo().create(
                [
                    {
                        "partner_id": customer_id,
                        "order_id": order_id,
                        "company_id": company.id,
                        "source": "email",
                    }
                    for customer_id, order_id in rows
                ]
            )
        # the e-mail links the customer's contact preferences (legitimate interest: the way to
        # object); their consent page token is made on first use
        for partner in requests.partner_id:
            partner._lifecycle_consent_url()
        template.sudo().send_mail_batch(requests.ids)
        return requests

    # -- The public page ------------------------------------------------------------------------

    def _answer_period(self):
        """How long after the e-mail the page takes answers (and changes of mind)."""
        return timedelta(days=ANSWER_DAYS)

    def _page_rate_limited(self):
        """True when this link recorded PAGE_ANSWERS answers within PAGE_WINDOW; takes a lock
        per request so that two workers count one after the other."""
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", 74_1901, self.id))
        since = fields.Datetime.now() - PAGE_WINDOW
        recent = (
            self.env["customer.satisfaction.answer"]
            .sudo()
            .search_count([("request_id", "=", self.id), ("create_date", ">=", since)])
        )
        return recent >= PAGE_ANSWERS

    def _answer_from_page(self, score, comment, proof):
        """A click (or a comment) on the public page: 'too_many' when rate-limited (nothing
        recorded), else the answer is recorded and 'recorded' returned. Private."""
        self.ensure_one()
        if self._page_rate_limited():
            return "too_many"
        self._record_answer(score, comment, proof)
        return "recorded"

    # -- Privacy ---------------------------------------------------------------------------------

    @api.model
    def _forget(self, partner_ids):
        """Anonymisation (res.partner.action_lifecycle_anonymise, lifecycle administrators):
        clear the comments, the answers' address and browser, and the links of these customers'
        requests; scores, dates and categories stay. In SQL: answers are otherwise
        unchangeable. Private."""
        self.env["customer.satisfaction.answer"].flush_model()
        self.flush_model()
        self.env.execute_query(
            SQL(
                """UPDATE customer_satisfaction_answer
                      SET comment = NULL, remote_addr = NULL, user_agent = NULL
                    WHERE partner_id = ANY(%(ids)s);
                   UPDATE customer_satisfaction_request SET comment = NULL, token = NULL
                    WHERE partner_id = ANY(%(ids)s)""",
                ids=list(partner_ids),
            )
        )
        self.env["customer.satisfaction.answer"].invalidate_model(
            ["comment", "remote_addr", "user_agent"]
        )
        self.invalidate_model(["comment", "token"])
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        partners.filtered("lifecycle_satisfaction_comment").lifecycle_satisfaction_comment = False

    @api.model
    def _refresh_last_answer(self, partners):
        """Set these customers' last-answer fields from their newest answered request: after a
        merge moved the requests of several partners onto one. Private."""
        for partner in partners.sudo():
            newest = self.sudo().search(
                [("partner_id", "=", partner.id), ("state", "=", "answered")],
                order="answered_date desc, id desc",
                limit=1,
            )
            partner.write(
                {
                    "lifecycle_satisfaction_score": newest.score,
                    "lifecycle_satisfaction_category": newest.category,
                    "lifecycle_satisfaction_date": newest.answered_date,
                    "lifecycle_satisfaction_comment": newest.comment,
                }
            )

    # -- Recording an answer -----------------------------------------------------------------

    @api.model
    def _check_score(self, score):
        """The score as an int, or a clear error: 0 to 10, a whole number."""
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or score not in SATISFACTION_SCORES
        ):
            raise ValidationError(
                self.env._(
                    "A satisfaction score is a whole number from 0 (not at all likely) to 10 "
                    "(extremely likely), not %(score)s.",
                    score=score,
                )
            )
        return score

    def _record_answer(self, score, comment=None, proof=None, date=None):
        """Record the customer's answer to this request: an answer row with the server's
        proof (proof: {'source', 'remote_addr', 'user_agent', 'user_id'}), then the request's
        current score, category, comment, date and snapshots, the customer's last answer when
        this one is its newest, and the funnel's consequences
        (res.partner._lifecycle_after_satisfaction_answer). Runs with elevated rights: the
        callers (the public page, the wizard) checked who may answer. Private."""
        self.ensure_one()
        score = self._check_score(score)
        comment = (comment or "").strip()[:MAX_COMMENT] or False
        proof = proof or {}
        date = date or fields.Datetime.now()
        # elevated, and deaf to the caller's context keys (default_* values, the partner's
        # lifecycle_* keys): the proof and its consequences are the server's
        context = {key: self.env.context[key] for key in ("lang", "tz") if key in self.env.context}
        request = self.with_env(self.env(context=context, su=True))
        partner = request.partner_id
        previous_category = partner.lifecycle_satisfaction_category or None
        with satisfaction_event():
            request.env["customer.satisfaction.answer"].create(
                {
                    "request_id": request.id,
                    "score": score,
                    "comment": comment,
                    "date": date,
                    "source": proof.get("source")
                    or ("page" if request.source == "email" else request.source),
                    "remote_addr": proof.get("remote_addr") or False,
                    "user_agent": (proof.get("user_agent") or "")[:500] or False,
                    "user_id": proof.get("user_id") or False,
                }
            )
            request.write(
                {
                    "state": "answered",
                    "score": score,
                    # a new score without a comment keeps the comment given with the old one
                    "comment": comment or request.comment,
                    "answered_date": date,
                    "stage_id": partner.lifecycle_stage_id.id,
                    "rfm_segment": partner.rfm_segment,
                    "salesperson_id": partner.user_id.id,
                    "value_class": partner.lifecycle_value_class,
                }
            )
        newest = (
            not partner.lifecycle_satisfaction_date or date >= partner.lifecycle_satisfaction_date
        )
        if newest:
            partner.write(
                {
                    "lifecycle_satisfaction_score": score,
                    "lifecycle_satisfaction_category": request.category,
                    "lifecycle_satisfaction_date": date,
                    "lifecycle_satisfaction_comment": request.comment,
                }
            )
            partner._lifecycle_after_satisfaction_answer(request, previous_category)
        return request

    # -- After an answer ------------------------------------------------------------------------
    # A detractor's answer schedules "Call Back the Detractor" for the salesperson, due the next
    # working day of the company's calendar, with the score and comment: one per request (a second
    # click that stays a detractor's updates its note, one that does not removes it while open).
    # Marking it done stamps the request "called back" (mail.activity._action_done). A promoter's
    # answer schedules "Ask for a Referral" with the referral code unless one is open on the
    # customer or its contacts, or was done within the company's window (a done activity is a
    # chatter message carrying its type: mail.message.mail_activity_type_id).

    def _lifecycle_schedule_follow_up(self):
        """The activities this request's (current) answer calls for. Runs with elevated rights
        from res.partner._lifecycle_after_satisfaction_answer: the answering paths checked who
        may answer. Private."""
        self.ensure_one()
        request = self.sudo()
        callbacks = (
            request.env["mail.activity"]
            .with_context(active_test=False)
            .search([("lifecycle_satisfaction_request_id", "=", request.id)])
        )
        if request.category == "detractor":
            open_callbacks = callbacks.filtered("active")
            if open_callbacks:  # a second click: the note says the newest score
                open_callbacks.note = request._lifecycle_answer_note()
            elif not callbacks:
                request._lifecycle_schedule_callback()
        else:  # changed its mind: nothing left to call back about
            callbacks.filtered("active").unlink()
        if request.category == "promoter" and not request._lifecycle_referral_asked_lately():
            request._lifecycle_schedule_referral_ask()

    def _lifecycle_schedule_callback(self):
        user = self._lifecycle_follow_up_user()
        return self._lifecycle_create_activity(
            "customer_lifecycle.activity_type_call_back_detractor",
            user,
            self.with_context(lang=user.lang).env._("Call back: %(score)s/10", score=self.score),
            self._lifecycle_answer_note(user),
            lifecycle_satisfaction_request_id=self.id,
        )

    def _lifecycle_schedule_referral_ask(self):
        user = self._lifecycle_follow_up_user()
        env = self.with_context(lang=user.lang).env
        code = self.partner_id.lifecycle_referral_code
        note = Markup("<p>%s</p>%s") % (
            env._("Referral code to hand out: %(code)s", code=code),
            self._lifecycle_answer_note(user),
        )
        return self._lifecycle_create_activity(
            "customer_lifecycle.activity_type_ask_referral",
            user,
            env._("Promoter (%(score)s/10): ask for a referral", score=self.score),
            note,
        )

    def _lifecycle_create_activity(self, type_xmlid, user, summary, note, **extra):
        return (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.partner_id.id,
                    "activity_type_id": self.env.ref(type_xmlid).id,
                    "summary": summary,
                    "note": note,
                    "date_deadline": self._lifecycle_next_working_day(),
                    "user_id": user.id,
                    **extra,
                }
            )
        )

    def _lifecycle_answer_note(self, user=None):
        """The answer as the activity's note: score, category, date and the comment."""
        user = user or self._lifecycle_follow_up_user()
        env = self.with_context(lang=user.lang).env
        category = dict(self._fields["category"]._description_selection(env))[self.category]
        when = format_date(env, fields.Datetime.context_timestamp(self, self.answered_date))
        note = Markup("<p>%s</p>") % env._(
            "Satisfaction answer: %(score)s/10 (%(category)s) on %(date)s",
            score=self.score,
            category=category,
            date=when,
        )
        if self.comment:
            note += plaintext2html(self.comment)  # escaped, its line breaks kept
        return note

    def _lifecycle_follow_up_user(self):
        """Who follows the answer up: the customer's salesperson; else the staff member who
        recorded the score (phone, shop); else the first lifecycle administrator of the
        company. Only active internal users of the request's company qualify."""
        company = self.company_id

        def qualifies(user):
            return user and user.active and not user.share and company in user.company_ids

        for user in (self.partner_id.user_id, self.recorded_by_id):
            if qualifies(user):
                return user
        managers = self.env.ref("customer_lifecycle.group_lifecycle_manager").sudo().all_user_ids
        managers = managers.filtered(qualifies).sorted("id")
        return managers[:1] or self.env.ref("base.user_admin")

    def _lifecycle_next_working_day(self):
        """Tomorrow when the company's calendar works then, else its next working day (public
        holidays, the calendar's global leaves, included), in the calendar's time zone."""
        company = self.company_id
        calendar = company.resource_calendar_id
        tz = pytz.timezone(calendar.tz or company.partner_id.tz or "UTC")
        now = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        tomorrow = now.date() + timedelta(days=1)
        if not calendar:
            return tomorrow
        start = tz.localize(datetime.combine(tomorrow, time.min))
        intervals = calendar._work_intervals_batch(start, start + WORKING_DAY_SEARCH, tz=tz)
        for interval_start, _stop, _meta in intervals[False]:
            return interval_start.astimezone(tz).date()
        return tomorrow

    def _lifecycle_referral_asked_lately(self):
        """A referral was asked of this customer (or one of its contacts) lately: an "Ask for a
        Referral" activity still open, or one done in the company's referral window."""
        ask = self.env.ref("customer_lifecycle.activity_type_ask_referral")
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", self.partner_id.id)])
        )
        on_customer = Domain("res_model", "=", "res.partner") & Domain("res_id", "in", partners.ids)
        if (
            self.env["mail.activity"]
            .sudo()
            .search_count(on_customer & Domain("activity_type_id", "=", ask.id), limit=1)
        ):
            return True
        days = self.company_id.lifecycle_referral_ask_days
        since = fields.Datetime.now() - timedelta(days=days)
        done = (
            Domain("model", "=", "res.partner")
            & Domain("res_id", "in", partners.ids)
            & Domain("mail_activity_type_id", "=", ask.id)
            & Domain("date", ">=", since)
        )
        return bool(self.env["mail.message"].sudo().search_count(done, limit=1))

    def _lifecycle_mark_called_back(self, user):
        """The call-back activity of these requests was marked done by user."""
        with satisfaction_event():
            self.sudo().write({"callback_date": fields.Datetime.now(), "callback_user_id": user.id})
