"""Mailing lists that follow a segment: bound to a lifecycle stage, an RFM segment, a value class
or a saved filter of customers (any of them, all applying), a list's members are the customers
who match and may receive marketing on its channel (current consent, an address, not
blacklisted). The nightly run brings every bound list in line, set-based: the customers who came
in are added, those who left (or withdrew) removed; a member who unsubscribed from the list
stays unsubscribed."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.res_partner import VALUE_CLASSES
from odoo.addons.customer_lifecycle.tools.lifecycle_rules import RFM_SEGMENTS

# Rows added or removed by a sync above which the tables' statistics are refreshed at once.
ANALYZE_AFTER = 10_000
# What a list may follow: set one or more, the customers matching all of them are its members.
BINDING_FIELDS = (
    "lifecycle_stage_id", "lifecycle_rfm_segment", "lifecycle_value_class", "lifecycle_filter_id",
)  # fmt: skip
# The customers whose contact is missing or differs from them (name, e-mail, mobile).
STALE_CONTACTS = """
    SELECT p.id, p.name, p.email, p.phone, c.id
      FROM res_partner p
 LEFT JOIN mailing_contact c ON c.lifecycle_partner_id = p.id
      JOIN unnest(%(partner_ids)s::int[]) w(partner_id) ON w.partner_id = p.id
     WHERE (c.id IS NULL OR c.name IS DISTINCT FROM p.name
            OR COALESCE(c.email, '') <> COALESCE(p.email, '')
            OR COALESCE(c.mobile, '') <> COALESCE(p.phone, ''))
"""
# The members every list should have: (list, customer) pairs, one relation for all the lists.
PAIRS = "unnest(%(list_ids)s::int[], %(partner_ids)s::int[]) w(list_id, partner_id)"
# Members added by the sync: its contacts, subscribed; an opted-out row is left as it is.
SUBSCRIBE = """
    INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_uid, create_date,
                                      write_uid, write_date)
         SELECT c.id, w.list_id, FALSE, %(uid)s, now() at time zone 'UTC', %(uid)s,
                now() at time zone 'UTC'
           FROM %(pairs)s
           JOIN mailing_contact c ON c.lifecycle_partner_id = w.partner_id
          WHERE NOT EXISTS (SELECT 1 FROM mailing_subscription s
                             WHERE s.contact_id = c.id AND s.list_id = w.list_id)
    ON CONFLICT (contact_id, list_id) DO NOTHING
"""
# Members who no longer match (or may no longer be contacted) leave; the sync's own members
# only (a contact added by hand stays), and not one who unsubscribed (the opt-out is kept).
# The members as a relation (unnest) of every list at once: `<> ALL(array)` compared each of a
# list's rows with the whole array (2.5 minutes for 30,000 members at L), and a statement per
# list read the contacts 20 times.
UNSUBSCRIBE = """
    DELETE FROM mailing_subscription s
     USING mailing_contact c
     WHERE c.id = s.contact_id AND s.list_id = ANY(%(lists)s) AND NOT s.opt_out
       AND c.lifecycle_partner_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM %(pairs)s
                        WHERE w.list_id = s.list_id AND w.partner_id = c.lifecycle_partner_id)
"""


class MailingList(models.Model):
    _inherit = "mailing.list"

    lifecycle_stage_id = fields.Many2one(
        "customer.lifecycle.stage",
        string="Follows Stage",
        help="The list's members are the customers in this lifecycle stage.",
    )
    lifecycle_rfm_segment = fields.Selection(
        list(RFM_SEGMENTS), string="Follows RFM Segment",
        help="The list's members are the customers in this RFM segment.",
    )  # fmt: skip
    lifecycle_value_class = fields.Selection(
        VALUE_CLASSES, string="Follows Value Class",
        help="The list's members are the customers of this value class.",
    )  # fmt: skip
    lifecycle_filter_id = fields.Many2one(
        "ir.filters",
        string="Follows Saved Filter",
        domain=[("model_id", "=", "res.partner")],
        ondelete="set null",
        help="A filter saved on the Lifecycle Funnel (or on contacts): the list's members are "
        "the customers it shows.",
    )
    lifecycle_channel_id = fields.Many2one(
        "customer.consent.channel",
        string="Consent Channel",
        default=lambda self: self.env.ref(
            "customer_lifecycle.consent_channel_email", raise_if_not_found=False
        ),
        domain=[("address_field", "in", ("email", "phone"))],
        help="Only the customers with a current marketing consent on this channel become members.",
    )
    lifecycle_bound = fields.Boolean(
        string="Follows a Segment", compute="_compute_lifecycle_bound", store=True
    )
    lifecycle_synced = fields.Datetime(string="Members Updated", readonly=True, copy=False)

    @api.depends(*BINDING_FIELDS)
    def _compute_lifecycle_bound(self):
        for mailing_list in self:
            mailing_list.lifecycle_bound = any(mailing_list[name] for name in BINDING_FIELDS)

    @api.constrains(*BINDING_FIELDS, "lifecycle_channel_id")
    def _check_lifecycle_channel(self):
        for mailing_list in self:
            bound = any(mailing_list[name] for name in BINDING_FIELDS)
            if bound and not mailing_list.lifecycle_channel_id:
                raise ValidationError(
                    self.env._(
                        "The list %(list)s follows a segment: choose the consent channel its "
                        "members must have consented to.",
                        list=mailing_list.name,
                    )
                )

    def _lifecycle_domain(self):
        """The customers the list follows (every condition set applies)."""
        self.ensure_one()
        domain = Domain("lifecycle_is_customer", "=", True)
        if self.lifecycle_stage_id:
            domain &= Domain("lifecycle_stage_id", "=", self.lifecycle_stage_id.id)
        if self.lifecycle_rfm_segment:
            domain &= Domain("rfm_segment", "=", self.lifecycle_rfm_segment)
        if self.lifecycle_value_class:
            domain &= Domain("lifecycle_value_class", "=", self.lifecycle_value_class)
        if self.lifecycle_filter_id:
            domain &= Domain(self.lifecycle_filter_id._get_eval_domain())
        return domain

    def action_lifecycle_sync(self):
        """Button: bring the list's members in line now (Email Marketing users)."""
        if not self.env.user.has_group("mass_mailing.group_mass_mailing_user"):
            raise AccessError(self.env._("Only Email Marketing users can update a list."))
        self.check_access("write")
        counts = self.sudo()._lifecycle_sync()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(added)s customers added, %(removed)s removed.", **counts),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _lifecycle_sync_bound_lists(self):
        """The nightly run's step: every bound list brought in line. Returns the counts."""
        return self.sudo().search([("lifecycle_bound", "=", True)])._lifecycle_sync()

    def _lifecycle_sync(self):
        """Bring the members of these bound lists in line with the customers they follow, as
        superuser: the contacts of customers new to any bound list created in one batch, their
        addresses kept to the customers', subscriptions added and removed in SQL. Returns
        {'added': n, 'removed': n} over the lists."""
        Partner = self.env["res.partner"].with_context(active_test=True)
        Contact = self.env["mailing.contact"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        bound = self.filtered("lifecycle_bound")
        wanted = {mailing_list: Partner.search(mailing_list._lifecycle_domain()).ids
                  for mailing_list in bound}  # fmt: skip
        # who may be contacted, once per channel for every list's customers (one query each,
        # not one per list: 3.7 of the 6.8 s of 20 lists at L)
        contactable = {}
        for channel in bound.lifecycle_channel_id:
            customers = {i for lst in bound if lst.lifecycle_channel_id == channel
                         for i in wanted[lst]}  # fmt: skip
            contactable[channel] = set(
                Partner._lifecycle_audience(sorted(customers), channel)["contactable"]
            )
        members = {
            mailing_list: [i for i in wanted[mailing_list]
                           if i in contactable[mailing_list.lifecycle_channel_id]]
            for mailing_list in bound
        }  # fmt: skip
        self._lifecycle_contacts(sorted({i for ids in members.values() for i in ids}), Contact)
        self.env.flush_all()
        cr, counts = self.env.cr, {"added": 0, "removed": 0}
        if bound:
            pairs = SQL(
                PAIRS,
                list_ids=[lst.id for lst, ids in members.items() for _i in ids],
                partner_ids=[i for ids in members.values() for i in ids],
            )
            cr.execute(SQL(UNSUBSCRIBE, pairs=pairs, lists=bound.ids))
            counts["removed"] = cr.rowcount
            cr.execute(SQL(SUBSCRIBE, pairs=pairs, uid=self.env.uid))
            counts["added"] = cr.rowcount
        if counts["added"] + counts["removed"] > ANALYZE_AFTER:
            # the next sync plans with the new rows counted (49 s instead of 7 at L, the
            # night after a first sync of 134,000 members, until autovacuum came)
            cr.execute(SQL("ANALYZE mailing_contact, mailing_subscription"))
        bound.lifecycle_synced = fields.Datetime.now()
        self.env["mailing.subscription"].invalidate_model()
        self.env["mailing.contact"].invalidate_model(["list_ids", "subscription_ids"])
        self.invalidate_model(["contact_ids", "subscription_ids"])
        return counts

    @api.model
    def _lifecycle_contacts(self, partner_ids, Contact):
        """The mailing contacts of these customers: created, in one batch, for those without
        one; name, e-mail and mobile copied from the customer where they differ (the
        differences found in SQL: a night changes few)."""
        self.env["res.partner"].flush_model(["name", "email", "phone"])
        Contact.flush_model()
        self.env.cr.execute(SQL(STALE_CONTACTS, partner_ids=list(partner_ids)))
        new = []
        for partner_id, name, email, phone, contact_id in self.env.cr.fetchall():
            vals = {"name": name, "email": email or False, "mobile": phone or False}
            if contact_id:
                Contact.browse(contact_id).write(vals)
            else:
                new.append({**vals, "lifecycle_partner_id": partner_id})
        Contact.create(new)
