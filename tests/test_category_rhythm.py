"""The rhythm per category (issue 17): each regular's own interval per category, the next
purchase expected, overdue (also when time alone passes it, in a daily run), the funnel filter
and the list "Overdue for a category", and the optional playbook activity: scheduled once per
due cycle, again after a new purchase of the category."""

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .test_category_mix import CategoryMixCase


@tagged("post_install", "-at_install")
class TestCategoryRhythm(CategoryMixCase):
    def due_activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref("customer_lifecycle.activity_type_category_due").id,
                ),
            ]
        )

    def age_documents(self, when):
        """This test is one transaction, whose documents all carry the real time of its start
        as their write date: date them back to when, so that a daily run finds nothing new."""
        self.env.flush_all()
        for table in ("sale_order", "account_move", "res_partner"):
            self.env.cr.execute(SQL("UPDATE %s SET write_date = %s", SQL.identifier(table), when))

    def funnel_filter_domain(self):
        """The funnel's "Overdue for a Category" filter, as the search view defines it."""
        view = self.env.ref("customer_lifecycle.res_partner_view_search_lifecycle_funnel")
        arch = etree.fromstring(
            self.env["res.partner"].get_views([(view.id, "search")])["views"]["search"]["arch"]
        )
        [node] = arch.xpath("//filter[@name='category_overdue']")
        return safe_eval(node.get("domain"), {"uid": self.env.uid})

    def test_intervals_and_next_dates_are_exact_and_the_mean_of_the_gaps(self):
        # cuts 5, 5 and 51 days apart: 61 days over 3 gaps, 20.3 (their median would be 5)
        self.visit("2026-01-01", self.cut, self.colour)
        self.visit("2026-01-06", self.cut)
        self.visit("2026-01-11", self.cut)
        self.visit("2026-02-15", self.colour)
        self.visit("2026-03-03", self.cut, self.shampoo)
        # two shampoos the same day: two purchases, but no rhythm to tell
        self.visit("2026-03-03", self.shampoo)
        self.nightly_run("2026-03-05")
        self.assertEqual(
            {
                name: (row.orders, row.interval_days, row.next_date and str(row.next_date))
                for name, row in self.mix().items()
            },
            {
                "Cut": (4, 20.3, "2026-03-23"),
                "Colour": (2, 45.0, "2026-04-01"),
                "Shampoo": (2, 0.0, False),
            },
        )

    def test_a_category_becomes_overdue_in_a_daily_run_and_shows_in_the_filter_and_list(self):
        self.three_visits()  # cut expected on 2026-04-05, colour on 2026-05-05
        other = self.Partner.create({"name": "On Time"})
        self.visit("2026-03-20", self.cut, partner=other)
        self.visit("2026-03-30", self.cut, partner=other)  # expected 2026-04-09
        self.assertTrue(self.nightly_run("2026-04-01")["full"])
        self.assertFalse(self.mix()["Cut"].overdue)
        # a daily run: nobody's purchases changed, time alone passed the cut's date
        self.age_documents("2026-03-31")
        report = self.nightly_run("2026-04-06")
        self.assertFalse(report["full"])
        self.assertEqual(report["aggregated"], 0, report)
        self.assertEqual(
            {name: row.overdue for name, row in self.mix().items()},
            {"Cut": True, "Colour": False, "Shampoo": False},
        )
        self.assertFalse(self.mix(other)["Cut"].overdue)
        # the funnel filter, as a salesperson uses it
        Partner = self.Partner.with_user(self.salesperson)
        domain = self.funnel_filter_domain()
        self.assertEqual(
            Partner.search([*domain, ("id", "in", (self.customer | other).ids)]), self.customer
        )
        # the list: its action's filter, grouped by category, days overdue
        action = self.env.ref("customer_lifecycle.customer_lifecycle_category_mix_action_overdue")
        self.assertEqual(safe_eval(action.context), {"search_default_overdue": 1})
        Mix = self.Mix.with_user(self.salesperson)
        with freeze_time("2026-04-06"):
            rows = Mix.search_read(
                [("overdue", "=", True)],
                [
                    "partner_id",
                    "category_id",
                    "last_date",
                    "interval_days",
                    "next_date",
                    "days_overdue",
                ],
            )
        self.assertEqual(
            [
                (r["partner_id"][1], r["category_id"][1], str(r["last_date"]), r["interval_days"],
                 str(r["next_date"]), r["days_overdue"])
                for r in rows
            ],
            [("Marta Rossi", "Hair / Cut", "2026-03-06", 30.0, "2026-04-05", 1)],
        )  # fmt: skip
        groups = Mix.formatted_read_group([("overdue", "=", True)], ["category_id"], ["__count"])
        self.assertEqual([(g["category_id"][1], g["__count"]) for g in groups], [("Hair / Cut", 1)])
        # a purchase of the category: on time again, at once
        self.visit("2026-04-07", self.cut)
        self.assertFalse(self.mix()["Cut"].overdue)
        self.assertFalse(Partner.search([*domain, ("id", "=", self.customer.id)]))

    def test_the_playbook_schedules_one_activity_per_due_cycle(self):
        self.three_visits()
        self.company.lifecycle_category_overdue_activity = True
        self.nightly_run("2026-04-01")
        self.assertFalse(self.due_activities())
        self.age_documents("2026-03-31")
        # the cut is overdue, in a daily run that re-reads nobody's purchases
        self.assertEqual(self.nightly_run("2026-04-06")["aggregated"], 0)
        activity = self.due_activities()
        self.assertEqual(
            (activity.summary, activity.user_id, str(activity.date_deadline)),
            ("Due for Cut", self.salesperson, "2026-04-06"),
        )
        # a second night, a re-run: nothing more
        self.nightly_run("2026-04-07")
        self.nightly_run("2026-04-07")
        self.assertEqual(self.due_activities(), activity)
        # a new purchase of the category starts a new cycle: (04-08 - 01-05) / 3 = 31 days
        self.visit("2026-04-08", self.cut)
        self.assertEqual(str(self.mix()["Cut"].next_date), "2026-05-09")
        self.nightly_run("2026-05-04")
        self.assertEqual(self.due_activities(), activity)
        self.nightly_run("2026-05-10")  # the colour (2026-05-05) and the cut are due
        self.assertEqual(
            sorted((self.due_activities() - activity).mapped("summary")),
            ["Due for Colour", "Due for Cut"],
        )

    def test_the_playbook_is_off_by_default_and_skips_what_was_overdue_when_switched_on(self):
        self.three_visits()
        self.assertFalse(self.company.lifecycle_category_overdue_activity)
        self.nightly_run("2026-04-06")
        self.assertTrue(self.mix()["Cut"].overdue)
        self.assertFalse(self.due_activities())
        # switched on: the cut overdue for a day already is not announced, the colour will be
        self.company.lifecycle_category_overdue_activity = True
        self.nightly_run("2026-04-07")
        self.assertFalse(self.due_activities())
        self.nightly_run("2026-05-06")
        self.assertEqual(self.due_activities().mapped("summary"), ["Due for Colour"])

    def test_a_lost_customer_gets_no_category_activity(self):
        self.three_visits()
        self.company.lifecycle_category_overdue_activity = True
        self.nightly_run("2026-04-01")
        with freeze_time("2026-04-02"):
            self.customer._lifecycle_move(self.stage("lost"), reason="Moved away")
        self.nightly_run("2026-04-06")
        self.assertTrue(self.mix()["Cut"].overdue)
        self.assertFalse(self.due_activities())

    def test_a_category_long_overdue_when_first_seen_schedules_nothing(self):
        self.three_visits()
        self.company.lifecycle_category_overdue_activity = True
        # first computed on 2026-04-20: the cut is overdue since 2026-04-05, over a week
        self.nightly_run("2026-04-20")
        self.assertTrue(self.mix()["Cut"].overdue)
        self.assertFalse(self.due_activities())
        # another category level makes its rows anew: Hair, overdue as long, is no new cycle
        self.company.lifecycle_category_level = 1
        self.nightly_run("2026-04-21")
        self.assertTrue(self.mix()["Hair"].overdue)
        self.assertFalse(self.due_activities())
        # back to each product's own: the colour, due on 2026-05-05, is announced in time
        self.company.lifecycle_category_level = 0
        self.nightly_run("2026-05-06")
        self.assertEqual(self.due_activities().mapped("summary"), ["Due for Colour"])
