"""What the funnel does with a satisfaction answer (issue 19, "In the funnel's rules").

- A detractor's answer schedules "Call Back the Detractor" for the customer's salesperson, due
  the next working day of the company's calendar, with the score and comment in the note: one
  per request (a second click that stays a detractor's updates its note; one that is not any
  more removes it while it is still open). Marking it done stamps the request "called back":
  the "Detractors not yet called back" filters (requests and funnel) read that stamp.
- A promoter's answer schedules "Ask for a Referral" with the customer's referral code, unless
  a referral was asked lately: an activity of that type still open on the customer (or one of
  its contacts), or one done in the last N days (company setting; Odoo keeps a done activity
  as a chatter message carrying its type, mail.message.mail_activity_type_id).
- The NPS of the reports: the average of nps_points over the answered requests only (an
  unanswered request holds 0 points, which would pull the average towards 0).
"""

from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, format_date, plaintext2html

from .customer_satisfaction_request import satisfaction_event

# How far the next working day is looked for: a calendar with no working day in two weeks
# (a closed season) gets the activity tomorrow rather than none.
WORKING_DAY_SEARCH = timedelta(days=14)


class CustomerSatisfactionRequest(models.Model):
    _inherit = "customer.satisfaction.request"

    answers = fields.Integer(
        string="Number of Answers",
        compute="_compute_answers",
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

    @api.depends("state")
    def _compute_answers(self):
        for request in self:
            request.answers = 1 if request.state == "answered" else 0

    @api.depends("category", "callback_date")
    def _compute_is_awaiting_callback(self):
        for request in self:
            request.is_awaiting_callback = (
                request.category == "detractor" and not request.callback_date
            )

    def _read_group_select(self, aggregate_spec, query):
        """The pivot's and graph's NPS: the average of the points of the answered requests."""
        if aggregate_spec == "nps_points:avg":
            return SQL(
                "AVG(CASE WHEN %s = 'answered' THEN %s END)",
                self._field_to_sql(self._table, "state", query),
                self._field_to_sql(self._table, "nps_points", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # -- After an answer ------------------------------------------------------------------------

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
