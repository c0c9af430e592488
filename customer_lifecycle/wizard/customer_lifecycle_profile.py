from odoo import Command, api, fields, models

from ..models.customer_special_date import KINDS
from ..models.res_partner import (
    ACQUISITION_CHANNELS,
    CONTACT_TIMES,
    EDUCATION_LEVELS,
    GENDERS,
    MARITAL_STATUSES,
    PAYMENT_PREFERENCES,
    REP_FIELDS,
    SIZE_BANDS,
    TURNOVER_BANDS,
)


class CustomerLifecycleProfile(models.TransientModel):
    """The customer's profile as a rep keeps it: the addon's own fields (REP_FIELDS) and the
    special dates, editable by every lifecycle user on the customers they may read, also
    without Odoo's right to edit contacts. Saving writes the customer through res.partner.write,
    whose rep path allows these fields only."""

    _name = "customer.lifecycle.profile"
    _description = "Customer Profile Update"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    is_company = fields.Boolean(related="partner_id.is_company")
    lifecycle_birthdate = fields.Date(string="Birthdate")
    lifecycle_gender = fields.Selection(GENDERS, string="Gender")
    lifecycle_marital_status = fields.Selection(MARITAL_STATUSES, string="Marital Status")
    lifecycle_children = fields.Integer(string="Children")
    lifecycle_profession = fields.Char(string="Profession")
    lifecycle_education = fields.Selection(EDUCATION_LEVELS, string="Education")
    lifecycle_size_band = fields.Selection(SIZE_BANDS, string="Company Size")
    lifecycle_turnover_band = fields.Selection(TURNOVER_BANDS, string="Turnover")
    lifecycle_interest_ids = fields.Many2many("customer.lifecycle.interest", string="Interests")
    lifecycle_preferred_channel_id = fields.Many2one(
        "customer.consent.channel", string="Preferred Channel"
    )
    lifecycle_preferred_time = fields.Selection(CONTACT_TIMES, string="Preferred Time")
    lifecycle_preferred_payment = fields.Selection(PAYMENT_PREFERENCES, string="Preferred Payment")
    lifecycle_expectations = fields.Text(string="Expectations")
    lifecycle_reason_id = fields.Many2one("customer.lifecycle.lost.reason", string="Why Not Buying")
    lifecycle_referred_by_id = fields.Many2one("res.partner", string="Referred By")
    lifecycle_acquisition_channel = fields.Selection(
        ACQUISITION_CHANNELS, string="Acquisition Channel"
    )
    lifecycle_source_id = fields.Many2one("utm.source", string="Source")
    special_date_ids = fields.One2many(
        "customer.lifecycle.profile.date", "profile_id", string="Special Dates"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(values.get("partner_id"))
        if not partner:
            return values
        partner.check_access("read")
        for name in REP_FIELDS & set(fields_list):
            value = partner[name]
            field = partner._fields[name]
            if field.type == "many2many":
                values[name] = [Command.set(value.ids)]
            elif field.type == "many2one":
                values[name] = value.id
            else:
                values[name] = value
        if "special_date_ids" in fields_list:
            values["special_date_ids"] = [
                Command.create(
                    {
                        "special_date_id": day.id,
                        "kind": day.kind,
                        "name": day.name,
                        "date": day.date,
                    }
                )
                for day in partner.lifecycle_special_date_ids
            ]
        return values

    def action_save(self):
        """Write what changed, with the user's rights: the customer through res.partner.write,
        the special dates as records of their own."""
        self.ensure_one()
        self.env["res.partner"]._lifecycle_check_funnel_user()
        partner = self.partner_id
        vals = {}
        for name in REP_FIELDS:
            new, old = self[name], partner[name]
            field = partner._fields[name]
            if field.relational:
                if new.ids != old.ids:
                    vals[name] = [Command.set(new.ids)] if field.type == "many2many" else new.id
            elif new != old:
                vals[name] = new
        if vals:
            partner.write(vals)
        self._save_special_dates()
        return {"type": "ir.actions.act_window_close"}

    def _save_special_dates(self):
        Special = self.env["customer.special.date"]
        kept = self.special_date_ids.special_date_id
        (self.partner_id.lifecycle_special_date_ids - kept).unlink()
        for line in self.special_date_ids:
            vals = {"kind": line.kind, "name": line.name, "date": line.date}
            special = line.special_date_id
            if not special:
                Special.create({**vals, "partner_id": self.partner_id.id})
            elif (special.kind, special.name, special.date) != (line.kind, line.name, line.date):
                special.write(vals)


class CustomerLifecycleProfileDate(models.TransientModel):
    _name = "customer.lifecycle.profile.date"
    _description = "Customer Profile Update: Special Date"

    profile_id = fields.Many2one("customer.lifecycle.profile", required=True, ondelete="cascade")
    special_date_id = fields.Many2one("customer.special.date", readonly=True)
    kind = fields.Selection(KINDS, required=True, default="birthday")
    name = fields.Char(string="Description")
    date = fields.Date(required=True)
