"""The history of the RFM segments: every change the nightly run writes is a row (from, to,
when), written with the segment in the same statement batch; a second run the same day writes
none; users read it as they read the stage history, and nobody writes it."""

import itertools

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestSegmentHistory(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the week of test_fan_hysteresis: Flavia moves between champions and loyal every night
        cls.flavia, cls.others = cls.customer_on_the_segment_edge()
        cls.History = cls.env["customer.lifecycle.segment.history"]

    def week(self):
        """Six nights after the first: Flavia orders on odd days, four others on even days."""
        for day in range(2, 8):
            when = f"2026-06-{day:02d}"
            if day % 2:
                self.order(self.flavia, when, amount=1000.0)
            else:
                for other in self.others[:4] if day % 4 else self.others[4:8]:
                    self.order(other, when)
            self.nightly_run(when)

    def rows(self, partner):
        return [
            (h.segment_from or None, h.segment_to, str(h.date.date()))
            for h in self.History.search([("partner_id", "=", partner.id)], order="date, id")
        ]

    def test_every_segment_change_is_a_row_and_a_second_run_writes_none(self):
        self.nightly_run("2026-06-01")
        self.week()
        self.assertEqual(
            self.rows(self.flavia),
            [(None, "champions", "2026-06-01"), ("champions", "loyal", "2026-06-02"),
             ("loyal", "champions", "2026-06-03"), ("champions", "loyal", "2026-06-04"),
             ("loyal", "champions", "2026-06-05"), ("champions", "loyal", "2026-06-06"),
             ("loyal", "champions", "2026-06-07")],
        )  # fmt: skip
        # a row is a change: never from a segment to the same one (the others' figures moved
        # every night, their segments did not always)
        self.assertFalse(self.History.search([]).filtered(lambda h: h.segment_from == h.segment_to))
        # every customer's last row is where they stand, and the rows chain without a gap
        for customer in self.flavia | self.others:
            history = self.rows(customer)
            self.assertEqual(history[-1][1], customer.rfm_segment, customer.name)
            for before, after in itertools.pairwise(history):
                self.assertEqual(after[0], before[1], customer.name)
        count = self.History.search_count([])
        self.nightly_run("2026-06-07 23:00:00")
        self.assertEqual(self.History.search_count([]), count)
        self.assertEqual(
            self.flavia.lifecycle_segment_history_ids[:1].segment_to, self.flavia.rfm_segment
        )

    def test_who_reads_it_and_nobody_writes_it(self):
        self.nightly_run("2026-06-01")
        row = self.History.search([("partner_id", "=", self.flavia.id)])
        self.assertEqual(row.with_user(self.salesperson).segment_to, "champions")
        for user in (self.salesperson, self.sales_manager):
            for operation in (
                lambda h: h.write({"segment_to": "lost"}),
                lambda h: h.unlink(),
                lambda h: h.create({"partner_id": self.flavia.id, "segment_to": "lost",
                                    "date": "2026-06-02"}),
            ):  # fmt: skip
                with self.assertRaises(AccessError):
                    operation(row.with_user(user))
        with self.assertRaises(AccessError):
            self.History.with_user(self.employee).search_read([], ["segment_to"])
        _company, outsider = self.user_of_another_company(
            "clc_segment_outsider", "sales_team.group_sale_salesman"
        )
        self.flavia.company_id = self.company
        self.assertFalse(
            self.History.with_user(outsider).search([("partner_id", "=", self.flavia.id)])
        )
