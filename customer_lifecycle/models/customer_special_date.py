from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .res_partner import EARLIEST_BIRTHDATE, check_date_texts

KINDS = [
    ("birthday", "Birthday"),
    ("name_day", "Name Day"),
    ("wedding", "Wedding Anniversary"),
    ("company", "Company Anniversary"),
    ("custom", "Other"),
]

# The day the special date d falls on in the year %(year)s. 29 February is celebrated on
# 28 February in other years.
OCCURRENCE = """
    make_date(%(year)s, extract(month FROM d.date)::int,
              LEAST(extract(day FROM d.date)::int,
                    extract(day FROM (make_date(%(year)s, extract(month FROM d.date)::int, 1)
                                      + interval '1 month - 1 day'))::int))
"""
# The special dates whose next yearly occurrence falls on %(target)s.
DUE_ON = """
    SELECT d.id
      FROM customer_special_date d
      JOIN res_partner p ON p.id = d.partner_id
     WHERE p.active AND %(occurrence)s = %(target)s
"""


class CustomerSpecialDate(models.Model):
    """A date that recurs every year for a customer (birthday, name day, anniversaries...): the
    salesperson is reminded a few days before (the number of days is a setting)."""

    _name = "customer.special.date"
    _description = "Customer Special Date"
    _order = "partner_id, date"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(KINDS, required=True, default="birthday")
    name = fields.Char(string="Description", help="What to celebrate, e.g. 'Shop opening'.")
    date = fields.Date(required=True, help="Its day and month recur every year.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_date_texts(self.env, vals, ["date"])
        return super().create(vals_list)

    def write(self, vals):
        check_date_texts(self.env, vals, ["date"])
        return super().write(vals)

    @api.constrains("date")
    def _check_date(self):
        """A day and month that recur (the calendar refuses 31 April at input); the year is
        the first occurrence, after 1900 and not more than a year ahead."""
        latest = fields.Date.context_today(self) + timedelta(days=366)
        for special in self:
            if not EARLIEST_BIRTHDATE <= special.date <= latest:
                raise ValidationError(
                    self.env._(
                        "The date of %(occasion)s must be between %(earliest)s and %(latest)s.",
                        occasion=special.display_name,
                        earliest=EARLIEST_BIRTHDATE.isoformat(),
                        latest=latest.isoformat(),
                    )
                )

    @api.depends("kind", "name", "date")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for special in self:
            special.display_name = special.name or kinds.get(special.kind, "")

    @api.model
    def _next_occurrence_sql(self, today):
        """SQL of the next day on or after ``today`` that the special date ``d`` recurs on,
        by the reminders' rule (OCCURRENCE)."""
        this_year = SQL(OCCURRENCE, year=today.year)
        return SQL(
            "CASE WHEN %(this_year)s >= %(today)s THEN %(this_year)s ELSE %(next_year)s END",
            this_year=this_year,
            next_year=SQL(OCCURRENCE, year=today.year + 1),
            today=today,
        )

    @api.model
    def _cron_remind(self):
        """An activity for the salesperson N days before each special date, once a year."""
        days = self.env.company.lifecycle_special_date_days
        target = fields.Date.context_today(self) + timedelta(days=days)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(DUE_ON, occurrence=SQL(OCCURRENCE, year=target.year), target=target)
        )
        specials = self.browse(row[0] for row in self.env.cr.fetchall())
        activity_type = self.env.ref("customer_lifecycle.activity_type_special_date")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": special.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._(
                        "%(occasion)s of %(partner)s on %(day)s",
                        occasion=special.display_name,
                        partner=special.partner_id.name,
                        day=target.strftime("%d/%m"),
                    ),
                    "user_id": (
                        special.partner_id.commercial_partner_id.user_id or self.env.user
                    ).id,
                    "date_deadline": target,
                }
                for special in specials
            ]
        )
        return specials
