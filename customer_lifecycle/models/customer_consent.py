import secrets
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
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

# The current marketing consent of each partner on each channel: the newest record wins.
CURRENT = """
    SELECT DISTINCT ON (c.partner_id, c.channel_id)
           c.partner_id, c.channel_id, c.state, c.valid_until
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
    Append-only: users record, nobody but administrators corrects or deletes (access rights).
    The newest record of a partner, channel and purpose is its current state."""

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

    @api.model_create_multi
    def create(self, vals_list):
        consents = super().create(vals_list)
        consents.filtered(lambda c: c.purpose == "marketing")._apply_blacklists()
        return consents

    def _apply_blacklists(self):
        """Withdrawn or refused: the address goes on the channel's Odoo blacklist, so that no
        mass mailing reaches it. Granted: it comes off, unless the removal itself recorded
        this consent."""
        if self.env.context.get("lifecycle_from_blacklist"):
            return
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        addresses = {
            consent: address
            for consent in self.filtered("channel_id.blacklist")
            if (address := consent._blacklist_address())
        }
        # one query per list for what is on it now, not one search per granted consent
        listed = self._listed_addresses(
            {(c.channel_id.blacklist, a) for c, a in addresses.items() if c.state == "granted"}
        )
        for consent, address in addresses.items():
            partner = consent.partner_id
            channel = consent.channel_id
            message = self.env._(
                "%(channel)s consent of %(partner)s: %(state)s (customer lifecycle).",
                state=state_labels[consent.state],
                channel=channel.name,
                partner=partner.display_name,
            )
            kind = channel.blacklist
            blacklist = self.env["mail.blacklist" if kind == "email" else "phone.blacklist"].sudo()
            # mail.blacklist takes one address, phone.blacklist a list of numbers
            argument = address if kind == "email" else [address]
            if consent.state in ("withdrawn", "refused"):
                blacklist._add(argument, message=message)
                listed[kind].add(address)
            elif consent.state == "granted" and address in listed[kind]:
                blacklist._remove(argument, message=message)
                listed[kind].discard(address)

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
    def _grant_again(self, partners, blacklist, reason):
        """Consent granted again on the channels feeding this blacklist where these partners
        had withdrawn or refused it: a user took their address off the blacklist, with this
        reason."""
        channels = self.env["customer.consent.channel"].search([("blacklist", "=", blacklist)])
        states = self._current_states(partners.ids)
        self.with_context(lifecycle_from_blacklist=True).create(
            [
                {
                    "partner_id": partner.id,
                    "channel_id": channel.id,
                    "state": "granted",
                    "source": "other",
                    "notice": self.env._(
                        "Removed from the blacklist by %(user)s: %(reason)s",
                        user=self.env.user.name,
                        reason=reason,
                    ),
                }
                for partner in partners
                for channel in channels
                if states.get(partner.id, {}).get(channel.id) in ("withdrawn", "refused")
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
    def _record_from_page(self, partner, channel_id, choice, remote_addr, user_agent):
        """One click on the page: a consent record with the request as proof. An email grant
        waits for confirmation when the company asks for double opt-in. Returns the outcome."""
        channel = self.env["customer.consent.channel"].browse(channel_id).exists()
        if not channel or not channel.active:
            return "unknown"
        double_opt_in = (
            choice == "grant"
            and channel.address_field == "email"
            and partner.email
            and (partner.company_id or self.env.company).lifecycle_consent_double_opt_in
        )
        state = "pending" if double_opt_in else "granted" if choice == "grant" else "withdrawn"
        consent = self.create(
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
    def _confirm_from_email(self, partner, code, remote_addr, user_agent):
        """The click on the confirmation link: the pending consent becomes granted."""
        pending = self.search(
            [
                ("partner_id", "=", partner.id),
                ("confirmation_code", "=", code),
                ("state", "=", "pending"),
            ],
            limit=1,
        )
        if not pending:
            return False
        self.create(
            {
                "partner_id": partner.id,
                "channel_id": pending.channel_id.id,
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
