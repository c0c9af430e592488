import secrets
from collections import defaultdict
from contextvars import ContextVar
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize, html_escape

CONSENT_STATES = [
    ("granted", "Granted"),
    ("withdrawn", "Withdrawn"),
    ("refused", "Refused"),
    ("pending", "Pending Confirmation"),
]
PURPOSES = [("marketing", "Marketing"), ("profiling", "Profiling")]
LEGAL_BASES = [
    ("consent", "Consent"),
    ("soft_opt_in", "Soft Opt-in (Existing Customer)"),
    ("legitimate_interest", "Legitimate Interest"),
]
SOURCES = [
    ("web_form", "Web Form"),
    ("store", "In Store"),
    ("event", "Event / Fair"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("import", "Import"),
    ("other", "Other"),
]
CLOCK_SKEW = timedelta(minutes=5)
OPT_OUT = ("withdrawn", "refused")
# The proof of an event on the customer's side: only the consent page and the confirmation
# link set these (through _record_event), never a caller's values.
PROOF_FIELDS = ("remote_addr", "user_agent", "confirmation_code")
# Rate limits of the consent page, counted from the log itself (Odoo runs several workers):
# changes per link in PAGE_WINDOW, confirmation e-mails per channel in MAIL_WINDOW.
PAGE_CHANGES = 10
PAGE_WINDOW = timedelta(minutes=10)
MAIL_WINDOW = timedelta(hours=1)

# True only while _record_event creates the records of an event the server witnessed (a click
# on the consent page or on a confirmation link). A ContextVar, not a context key: an RPC
# caller chooses every context key, never this.
_SERVER_EVENT = ContextVar("customer_lifecycle_consent_server_event", default=False)

# The current marketing consent of each partner on each channel: the newest record wins.
CURRENT = """
    SELECT DISTINCT ON (c.partner_id, c.channel_id)
           c.partner_id, c.channel_id, c.state, c.valid_until, c.id, c.source, c.date
      FROM customer_consent c
     WHERE c.purpose = 'marketing'
       AND (%(partner_ids)s::int[] IS NULL OR c.partner_id = ANY(%(partner_ids)s::int[]))
  ORDER BY c.partner_id, c.channel_id, c.date DESC, c.id DESC
"""
# Granted consent lasts until valid_until, or a validity period after the customer's last
# order, whichever is later: a customer who keeps buying keeps its consent fresh.
STILL_VALID = """
    GREATEST(cur.valid_until,
             (p.lifecycle_last_order_date + %(validity)s * interval '1 month')::date)
        >= %(today)s
"""
# Partners contactable on a channel (of channel_ids, None: any): consent granted and still
# valid, and the address the channel needs.
CONTACTABLE = """
    SELECT cur.partner_id, cur.channel_id
      FROM (%(current)s) cur
      JOIN res_partner p ON p.id = cur.partner_id
      JOIN customer_consent_channel ch ON ch.id = cur.channel_id
     WHERE cur.state = 'granted'
       AND (%(channel_ids)s::int[] IS NULL OR cur.channel_id = ANY(%(channel_ids)s::int[]))
       AND %(still_valid)s
       AND CASE ch.address_field
               WHEN 'email' THEN COALESCE(p.email, '') <> ''
               WHEN 'phone' THEN COALESCE(p.phone, '') <> ''
               WHEN 'street' THEN COALESCE(p.street, '') <> '' AND COALESCE(p.city, '') <> ''
               ELSE TRUE END
"""


class CustomerConsent(models.Model):
    """The consent log: one record per statement of a customer about one channel and purpose.

    Append-only for everyone, administrators and the superuser included: write() and unlink()
    refuse, a correction is a new record. The newest record of a partner, channel and purpose
    is its current state, and the blacklists follow it. The proof of the customer's own click
    (address, browser, confirmation code, source "web form") is set only by the server where
    the event happens (_record_event); any other creation is recorded as the user's own.

    Uninstalling the addon removes this model's table, and the log with it: export the Consent
    Log first if the proof must be kept."""

    _name = "customer.consent"
    _description = "Customer Consent"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="restrict", index=True
    )
    # Cascade only for uninstalling the addon: a channel with consent cannot be deleted
    # (customer.consent.channel._unlink_except_used).
    channel_id = fields.Many2one(
        "customer.consent.channel", required=True, ondelete="cascade", index=True
    )
    purpose = fields.Selection(PURPOSES, required=True, default="marketing")
    state = fields.Selection(CONSENT_STATES, required=True, default="granted")
    legal_basis = fields.Selection(LEGAL_BASES, required=True, default="consent")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    valid_until = fields.Date(
        default=lambda self: self._default_valid_until(),
        help="Until when a granted consent lets the business contact the customer (it also "
        "lasts the validity period after the customer's last order). After it, ask again.",
    )
    source = fields.Selection(SOURCES, required=True, default="store")
    notice = fields.Text(
        string="Notice Shown",
        help="The text, or the version of the privacy notice, the customer saw when deciding.",
    )
    lift_reason = fields.Char(
        string="Reason to Lift an Opt-out",
        help="Only a lifecycle administrator can record a grant over the customer's own "
        "withdrawal or unsubscribe, and only with this reason.",
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded By", default=lambda self: self.env.user, readonly=True
    )
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    # A pending email consent waits for the click on the link that carries this code.
    confirmation_code = fields.Char(readonly=True, copy=False, index="btree_not_null")

    def _default_valid_until(self):
        months = self.env.company.lifecycle_consent_months
        return fields.Date.context_today(self) + relativedelta(months=months)

    @api.constrains("date", "valid_until")
    def _check_dates(self):
        latest = fields.Datetime.now() + CLOCK_SKEW
        for consent in self:
            if consent.date > latest:
                raise ValidationError(
                    self.env._(
                        "The consent of %(partner)s is dated %(date)s, in the future: a consent "
                        "is recorded when the customer gives or refuses it.",
                        partner=consent.partner_id.display_name,
                        date=consent.date,
                    )
                )
            if consent.valid_until and consent.valid_until < consent.date.date():
                raise ValidationError(
                    self.env._("A consent cannot end before the day it was given.")
                )

    @api.depends("partner_id", "channel_id", "state")
    def _compute_display_name(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for consent in self:
            consent.display_name = f"{consent.channel_id.name}: {states.get(consent.state, '')}"

    # -- CRUD: append-only, proof from the server ----------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Record statements. Outside an event the server witnessed, the recorder is the
        current user and no proof of the customer's own click is accepted; a grant over the
        customer's own opt-out needs a lifecycle administrator and a reason."""
        event = _SERVER_EVENT.get()
        if not event:
            # explicit value: a default_user_id in the context does not choose the recorder
            vals_list = [{**vals, "user_id": self.env.uid} for vals in vals_list]
        consents = super().create(vals_list)
        if not self.env.su:
            # the customer must be one the user may see (another company's is not)
            consents.partner_id.check_access("read")
        if not event:
            consents._check_recorded_by_staff()
            consents._check_no_silent_lift()
        consents.filtered(lambda c: c.purpose == "marketing")._apply_blacklists()
        return consents

    def write(self, vals):
        """The log is append-only, for administrators too: a correction is a new record."""
        if vals:
            raise UserError(
                self.env._(
                    "A consent record cannot be changed: it is the proof of what the customer "
                    "said. Record a new consent instead; the newest one is the current state."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_proof(self):
        """Nobody deletes the proof, administrators included; uninstalling the addon does."""
        raise UserError(
            self.env._(
                "A consent record cannot be deleted: it is the proof of what the customer said. "
                "Record a new consent instead; the newest one is the current state."
            )
        )

    def _check_recorded_by_staff(self):
        """A record made by a user (form, import, RPC) carries no proof of a customer's click."""
        for consent in self:
            if consent.source == "web_form":
                raise UserError(
                    self.env._(
                        "The source Web Form is set by the customer's consent page only. Record "
                        "what %(partner)s told you with the source where it happened (in store, "
                        "event, phone, email, import or other).",
                        partner=consent.partner_id.display_name,
                    )
                )
            if consent.state == "pending":
                raise UserError(
                    self.env._(
                        "Pending Confirmation is set by the consent page when the customer asks "
                        "for email news and must confirm it: record granted, withdrawn or "
                        "refused."
                    )
                )
            if any(consent[name] for name in PROOF_FIELDS):
                raise UserError(
                    self.env._(
                        "The remote address, browser and confirmation code are recorded by the "
                        "server when the customer uses their consent page; they cannot be "
                        "given."
                    )
                )

    def _check_no_silent_lift(self):
        """A grant recorded by a user that becomes the current state must not undo the
        customer's own withdrawal (on the consent page) or unsubscribe (an address on an Odoo
        blacklist that the log did not put there), unless a lifecycle administrator gives a
        reason."""
        grants = self.filtered(lambda c: c.state == "granted")
        if not grants:
            return
        manager = self.env.user.has_group("customer_lifecycle.group_lifecycle_manager")
        before = self._newest(grants.partner_id.ids, exclude_ids=self.ids)
        explained = self._opted_out_kinds(before)
        lifting = []
        for grant in grants:
            if manager and grant.lift_reason:
                continue
            key = (grant.partner_id.id, grant.channel_id.id, grant.purpose)
            previous = before.get(key)
            if previous and previous["date"] > grant.date:
                continue  # an older statement: the current state does not change
            lifting.append((grant, previous))
        # one query per blacklist for the addresses on it, not one search per grant
        listed = self._listed_addresses(
            {
                (grant.channel_id.blacklist, address)
                for grant, _previous in lifting
                if grant.channel_id.blacklist and (address := grant._blacklist_address())
            }
        )
        for grant, previous in lifting:
            if message := grant._own_opt_out(previous, explained, listed):
                raise UserError(message)

    @api.model
    def _opted_out_kinds(self, rows):
        """{(partner id, blacklist)} where a current marketing record of a channel feeding that
        blacklist is withdrawn or refused: the log itself explains the listing."""
        kinds = {
            channel.id: channel.blacklist
            for channel in self.env["customer.consent.channel"]
            .with_context(active_test=False)
            .search([("blacklist", "!=", False)])
        }
        return {
            (partner_id, kinds[channel_id])
            for (partner_id, channel_id, purpose), row in rows.items()
            if purpose == "marketing" and channel_id in kinds and row["state"] in OPT_OUT
        }

    def _own_opt_out(self, previous, explained, listed=None):
        """The message naming the customer's own opt-out this grant would lift, or None.
        explained: _opted_out_kinds of the current records; listed: _listed_addresses of the
        addresses concerned, when known."""
        self.ensure_one()
        partner = self.partner_id
        channel = self.channel_id
        if previous and previous["state"] in OPT_OUT and previous["source"] == "web_form":
            return self.env._(
                "%(partner)s withdrew %(channel)s consent themselves on %(date)s (consent page): "
                "only the customer or a lifecycle administrator with a reason can record a new "
                "grant.",
                partner=partner.display_name,
                channel=channel.name,
                date=fields.Datetime.to_string(previous["date"]),
            )
        kind = channel.blacklist
        if self.purpose != "marketing" or not kind:
            return None
        # the log explains a listing when a channel feeding this blacklist is withdrawn
        address = self._blacklist_address()
        if not address or (partner.id, kind) in explained:
            return None
        if listed is not None and address not in listed[kind]:
            return None
        entry = self._blacklist_entry(kind, address)
        if not entry:
            return None
        return self.env._(
            "%(partner)s unsubscribed from %(channel)s themselves on %(date)s (%(address)s is "
            "on Odoo's blacklist, not put there by the consent log): only the customer or a "
            "lifecycle administrator with a reason can record a new grant.",
            partner=partner.display_name,
            channel=channel.name,
            date=fields.Datetime.to_string(entry.write_date),
            address=address,
        )

    @api.model
    def _blacklist_entry(self, kind, address):
        """The active entry of that Odoo blacklist for this address, or an empty recordset."""
        model, column = (
            ("mail.blacklist", "email") if kind == "email" else ("phone.blacklist", "number")
        )
        return self.env[model].sudo().search([(column, "=", address)], limit=1)

    @api.model
    def _record_event(self, vals_list):
        """Create the records of an event the server witnessed on the customer's side (the
        consent page, the confirmation link): the only path where the proof fields and the
        source Web Form are kept. Private: not callable over RPC."""
        token = _SERVER_EVENT.set(True)
        try:
            return self.sudo().create(vals_list)
        finally:
            _SERVER_EVENT.reset(token)

    # -- Blacklists ------------------------------------------------------------------------------

    def _apply_blacklists(self):
        """The blacklists follow the current state, whatever the order in which records come:
        where one of these records is now the newest of its partner and channel, the partner's
        address goes on the channel's blacklist while any channel feeding it is withdrawn or
        refused, and comes off once they are granted. An older record changes nothing."""
        if not self.channel_id.filtered("blacklist"):
            return
        current = self._newest(self.partner_id.ids)
        Channel = self.env["customer.consent.channel"].with_context(active_test=False)
        kinds = {c.id: c.blacklist for c in Channel.search([("blacklist", "!=", False)])}
        # the current marketing records of each partner, by the blacklist their channel feeds
        rows_by = defaultdict(list)
        for (partner_id, channel_id, purpose), row in current.items():
            if purpose == "marketing" and channel_id in kinds:
                rows_by[partner_id, kinds[channel_id]].append(row)
        # the pairs where one of these records is now the current state, in one pass
        touched = {}
        for consent in self:
            kind = consent.channel_id.blacklist
            key = (consent.partner_id.id, consent.channel_id.id, "marketing")
            if kind and current.get(key, {}).get("id") == consent.id:
                touched.setdefault((consent.partner_id.id, kind), consent)
        addresses = {pair: consent._blacklist_address() for pair, consent in touched.items()}
        listed = self._listed_addresses(
            {(kind, address) for (_p, kind), address in addresses.items() if address}
        )
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        for (partner_id, kind), consent in touched.items():
            address = addresses[partner_id, kind]
            if not address:
                continue
            states = rows_by[partner_id, kind]
            newest = max(states, key=lambda row: (row["date"], row["id"]))
            message = self.env._(
                "%(channel)s consent of %(partner)s: %(state)s (customer lifecycle).",
                state=state_labels[newest["state"]],
                channel=Channel.browse(newest["channel_id"]).name,
                partner=consent.partner_id.display_name,
            )
            blacklist = self.env["mail.blacklist" if kind == "email" else "phone.blacklist"].sudo()
            # mail.blacklist takes one address, phone.blacklist a list of numbers
            argument = address if kind == "email" else [address]
            if any(row["state"] in OPT_OUT for row in states):
                blacklist._add(argument, message=message)
            elif any(row["state"] == "granted" for row in states) and address in listed[kind]:
                blacklist._remove(argument, message=message)

    def _blacklist_address(self):
        """The partner's address as the channel's blacklist stores it (normalised email, or the
        number in international format), or False."""
        self.ensure_one()
        partner = self.partner_id
        if self.channel_id.blacklist == "email":
            return email_normalize(partner.email) if partner.email else False
        if not partner.phone:
            return False
        return self.env.user._phone_format(number=partner.phone) or partner.phone

    @api.model
    def _listed_addresses(self, addresses):
        """Which of these (blacklist, address) pairs are on Odoo's blacklists now, by list."""
        lists = {"email": ("mail.blacklist", "email"), "phone": ("phone.blacklist", "number")}
        listed = {kind: set() for kind in lists}
        for kind, (model, column) in lists.items():
            if wanted := [address for blacklist, address in addresses if blacklist == kind]:
                Blacklist = self.env[model]
                Blacklist.flush_model([column, "active"])
                query = SQL(
                    "SELECT %(column)s FROM %(table)s"
                    " WHERE active AND %(column)s = ANY(%(wanted)s)",
                    column=SQL.identifier(column),
                    table=SQL.identifier(Blacklist._table),
                    wanted=wanted,
                )
                listed[kind] = {address for (address,) in self.env.execute_query(query)}
        return listed

    @api.model
    def _newest(self, partner_ids, exclude_ids=()):
        """{(partner id, channel id, purpose): {id, channel_id, state, source, date}}: the newest
        record of each, by date then id, leaving out exclude_ids; one query."""
        self.flush_model()
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT DISTINCT ON (partner_id, channel_id, purpose)
                          id, partner_id, channel_id, purpose, state, source, date
                     FROM customer_consent
                    WHERE partner_id = ANY(%(partners)s) AND NOT id = ANY(%(exclude)s)
                 ORDER BY partner_id, channel_id, purpose, date DESC, id DESC""",
                partners=list(partner_ids),
                exclude=list(exclude_ids),
            )
        )
        return {(row["partner_id"], row["channel_id"], row["purpose"]): row for row in rows}

    @api.model
    def _grant_again(self, partners, blacklist, reason):
        """A user takes an address off an Odoo blacklist (Odoo's removal wizards): the consent
        is granted again, with the reason, on the channels feeding that blacklist where these
        partners had withdrawn or refused it. Called before the removal, so that a refusal
        leaves the blacklist as it was. Without a reason nothing can be recorded, so the
        removal is refused while the log says no; an address the log did not list (the
        customer's own unsubscribe) is lifted by a lifecycle administrator with a reason only."""
        channels = self.env["customer.consent.channel"].search([("blacklist", "=", blacklist)])
        current = self._newest(partners.ids)
        opted_out = [
            (partner, channel)
            for partner in partners
            for channel in channels
            if current.get((partner.id, channel.id, "marketing"), {}).get("state") in OPT_OUT
        ]
        if not opted_out:
            explained = self._opted_out_kinds(current)
            manager = self.env.user.has_group("customer_lifecycle.group_lifecycle_manager")
            if manager and reason:
                return self.browse()
            for partner in partners:
                for channel in channels:
                    probe = self.new(
                        {"partner_id": partner.id, "channel_id": channel.id, "purpose": "marketing"}
                    )
                    if message := probe._own_opt_out(None, explained):
                        raise UserError(message)
            return self.browse()
        if not reason:
            raise UserError(
                self.env._(
                    "%(partner)s said no to %(channel)s in the consent log: give a reason, it is "
                    "recorded as the customer's consent granted again.",
                    partner=opted_out[0][0].display_name,
                    channel=opted_out[0][1].name,
                )
            )
        return self.create(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": channel.id,
                    "state": "granted",
                    "source": "other",
                    "lift_reason": reason,
                    "notice": self.env._(
                        "Removed from the blacklist by %(user)s: %(reason)s",
                        user=self.env.user.name,
                        reason=reason,
                    ),
                }
                for partner, channel in opted_out
            ]
        )

    # -- The customer's own page (controllers/consent_page.py) ----------------------------------

    @api.model
    def _page_notice(self):
        return self.env._(
            "Consent page: the customer chose, for marketing messages, on the page of their "
            "private link."
        )

    @api.model
    def _page_rate_limited(self, partner):
        """True when this customer's link made PAGE_CHANGES changes within PAGE_WINDOW; takes
        a lock per customer so that two workers count one after the other."""
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", 74_1401, partner.id))
        since = fields.Datetime.now() - PAGE_WINDOW
        recent = self.sudo().search_count(
            [
                ("partner_id", "=", partner.id),
                ("source", "=", "web_form"),
                ("create_date", ">=", since),
            ]
        )
        return recent >= PAGE_CHANGES

    @api.model
    def _record_from_page(self, partner, channel_id, choice, remote_addr, user_agent):
        """One click on the page: a consent record with the request as proof. An email grant
        waits for confirmation when the company asks for double opt-in. Returns the outcome:
        the new state, 'unknown' (no such channel) or 'too_many' (rate limit: nothing
        recorded, nothing sent)."""
        channel = self.env["customer.consent.channel"].browse(channel_id).exists()
        if not channel or not channel.active:
            return "unknown"
        if self._page_rate_limited(partner):
            return "too_many"
        double_opt_in = (
            choice == "grant"
            and channel.address_field == "email"
            and partner.email
            and (partner.company_id or self.env.company).lifecycle_consent_double_opt_in
        )
        if double_opt_in and self.sudo().search_count(
            [
                ("partner_id", "=", partner.id),
                ("channel_id", "=", channel.id),
                ("state", "=", "pending"),
                ("create_date", ">=", fields.Datetime.now() - MAIL_WINDOW),
            ]
        ):
            return "too_many"  # one confirmation e-mail per channel and hour
        state = "pending" if double_opt_in else "granted" if choice == "grant" else "withdrawn"
        consent = self._record_event(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": channel.id,
                    "state": state,
                    "source": "web_form",
                    "legal_basis": "consent",
                    "notice": self._page_notice(),
                    "remote_addr": remote_addr,
                    "user_agent": (user_agent or "")[:500],
                    "confirmation_code": secrets.token_urlsafe(16) if double_opt_in else False,
                    "user_id": False,
                }
            ]
        )
        if double_opt_in:
            consent._send_confirmation()
        return state

    def _send_confirmation(self):
        """The email with the confirmation link, queued for Odoo's mail server."""
        for consent in self:
            partner = consent.partner_id
            page = partner._lifecycle_consent_url()
            url = f"{page}/confirm/{consent.confirmation_code}"
            body = self.env._(
                "<p>Hello %(name)s,</p><p>please confirm that you want to receive our news by "
                'email: <a href="%(url)s">confirm</a>.</p><p>If you did not ask for it, '
                "ignore this message.</p>",
                name=html_escape(partner.name),
                url=html_escape(url),
            )
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.env._("Please confirm your email subscription"),
                    "email_to": partner.email,
                    "body_html": body,
                    "auto_delete": True,
                }
            )

    @api.model
    def _pending_for_code(self, partner, code):
        """The pending consent this confirmation code confirms, or an empty recordset: the code
        must be the partner's, still the current state of its channel (a later withdrawal or
        grant, or its own confirmation, kills it) and younger than the company's confirmation
        period."""
        if not code or len(code) > 64:
            return self.browse()
        pending = self.sudo().search(
            [
                ("partner_id", "=", partner.id),
                ("confirmation_code", "=", code),
                ("state", "=", "pending"),
            ],
            limit=1,
        )
        if not pending:
            return pending
        company = partner.company_id or self.env.company
        if pending.create_date < fields.Datetime.now() - timedelta(
            days=company.lifecycle_consent_confirm_days
        ):
            return self.browse()
        current = self._newest(partner.ids).get(
            (partner.id, pending.channel_id.id, pending.purpose)
        )
        return pending if current and current["id"] == pending.id else self.browse()

    @api.model
    def _confirm_from_email(self, partner, code, remote_addr, user_agent):
        """The customer's press on Confirm, on the page of the confirmation link: the pending
        consent becomes granted. Returns True, False (dead, expired or used code) or
        'too_many'."""
        if self._page_rate_limited(partner):
            return "too_many"
        pending = self._pending_for_code(partner, code)
        if not pending:
            return False
        self._record_event(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": pending.channel_id.id,
                    "purpose": pending.purpose,
                    "state": "granted",
                    "source": "web_form",
                    "legal_basis": "consent",
                    "notice": self.env._(
                        "Confirmed from the link sent to %(email)s.", email=partner.email
                    ),
                    "remote_addr": remote_addr,
                    "user_agent": (user_agent or "")[:500],
                    "user_id": False,
                }
            ]
        )
        return True

    # -- Reading the log, set-based ----------------------------------------------------------

    def _flush_for_queries(self):
        """What the queries below read, written to the database first."""
        self.flush_model()
        self.env["res.partner"].flush_model(
            ["email", "phone", "street", "city", "lifecycle_last_order_date", "active"]
        )

    @api.model
    def _still_valid(self, on=None):
        """SQL: the current consent cur of partner p is still valid on that day (today)."""
        return SQL(
            STILL_VALID,
            validity=self.env.company.lifecycle_consent_months,
            today=on or fields.Date.context_today(self),
        )

    @api.model
    def _current_states(self, partner_ids):
        """{partner id: {channel id: 'granted' | 'expired' | 'withdrawn' | 'refused' |
        'pending'}}, from one query."""
        self._flush_for_queries()
        self.env.cr.execute(
            SQL(
                """SELECT cur.partner_id, cur.channel_id,
                          CASE WHEN cur.state = 'granted' AND NOT %(still_valid)s
                               THEN 'expired' ELSE cur.state END
                     FROM (%(current)s) cur
                     JOIN res_partner p ON p.id = cur.partner_id""",
                current=SQL(CURRENT, partner_ids=list(partner_ids)),
                still_valid=self._still_valid(),
            )
        )
        states = {}
        for partner_id, channel_id, state in self.env.cr.fetchall():
            states.setdefault(partner_id, {})[channel_id] = state
        return states

    @api.model
    def _channel_states(self, partner_ids):
        """{partner id: [{id, name, icon, state}]} over the active channels ('unknown' where
        nothing was recorded), for the page, the cards and the form."""
        channels = self.env["customer.consent.channel"].search([])
        states = self._current_states(partner_ids)
        return {
            partner_id: [
                {
                    "id": channel.id,
                    "name": channel.name,
                    "icon": channel.icon or "fa-comment",
                    "state": states.get(partner_id, {}).get(channel.id, "unknown"),
                }
                for channel in channels
            ]
            for partner_id in partner_ids
        }

    @api.model
    def _contactable_query(self, channel_ids=None):
        """SQL selecting (partner_id, channel_id) where the partner is contactable."""
        self._flush_for_queries()
        return SQL(
            CONTACTABLE,
            current=SQL(CURRENT, partner_ids=None),
            channel_ids=channel_ids,
            still_valid=self._still_valid(),
        )

    @api.model
    def _expired_query(self):
        """SQL selecting the partners with a granted consent that is no longer valid."""
        self._flush_for_queries()
        return SQL(
            """SELECT cur.partner_id
                 FROM (%(current)s) cur
                 JOIN res_partner p ON p.id = cur.partner_id
                WHERE cur.state = 'granted' AND NOT %(still_valid)s""",
            current=SQL(CURRENT, partner_ids=None),
            still_valid=self._still_valid(),
        )

    @api.model
    def _contactable_channel_ids(self, partner_ids):
        """{partner id: set of the channel ids it is contactable on}, one query."""
        result = {partner_id: set() for partner_id in partner_ids}
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    "SELECT partner_id, channel_id FROM (%s) q WHERE partner_id = ANY(%s)",
                    self._contactable_query(),
                    list(partner_ids),
                )
            )
            for partner_id, channel_id in self.env.cr.fetchall():
                result[partner_id].add(channel_id)
        return result

    @api.model
    def _cron_remind_expiring(self):
        """Ask again: an activity for the salesperson of each customer whose granted consent
        ends within the next 30 days (or has ended), once per customer and consent."""
        today = fields.Date.context_today(self)
        self._flush_for_queries()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT cur.partner_id
                     FROM (%(current)s) cur
                     JOIN res_partner p ON p.id = cur.partner_id
                    WHERE cur.state = 'granted' AND p.active
                      AND NOT %(still_valid)s""",
                current=SQL(CURRENT, partner_ids=None),
                still_valid=self._still_valid(today + timedelta(days=30)),
            )
        )
        partners = self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())
        ask = self.env.ref("customer_lifecycle.activity_type_ask_consent")
        pending = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", ask.id),
            ]
        )
        reminded = set(pending.mapped("res_id"))
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": partner.id,
                    "activity_type_id": ask.id,
                    "summary": self.env._("Ask again for consent: it ends soon"),
                    "user_id": (partner.commercial_partner_id.user_id or self.env.user).id,
                    "date_deadline": today,
                }
                for partner in partners
                if partner.id not in reminded
            ]
        )
