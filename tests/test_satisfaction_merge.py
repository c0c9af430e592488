"""The customer's last satisfaction answer is the customer's own: no user's create or write sets
it (the engine reads it: a detractor is never a Fan), and merging customers keeps the newest
answer of all of them."""

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_satisfaction_request import (
    satisfaction_event,
)

from .common import LifecycleCase

REFUSED = "are the customer's own answer"


@tagged("post_install", "-at_install")
class TestLastAnswerIsTheCustomers(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["customer.satisfaction.request"]
        cls.admin = new_test_user(
            cls.env,
            login="clc_merge_admin",
            groups="base.group_system,base.group_partner_manager,"
            "sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )
        cls.older = cls.Partner.create({"name": "Bar Sport", "is_company": True})
        cls.newer = cls.Partner.create({"name": "Bar Sport S.r.l.", "is_company": True})

    def answer(self, partner, score, when, comment=None):
        with satisfaction_event():
            request = self.Request.create({"partner_id": partner.id, "source": "email"})
        request._record_answer(score, comment, date=fields.Datetime.to_datetime(when))
        return request

    def test_no_user_writes_or_creates_a_last_answer(self):
        self.answer(self.older, 3, "2026-10-01 10:00:00", "Slow service")
        as_admin = self.older.with_user(self.admin)
        for vals in (
            {"lifecycle_satisfaction_category": "promoter"},
            {"lifecycle_satisfaction_score": 10},
            {"lifecycle_satisfaction_comment": "Lovely"},
            {"lifecycle_satisfaction_date": "2026-11-29 10:00:00"},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, REFUSED):
                as_admin.write(vals)
        with self.assertRaisesRegex(UserError, REFUSED):
            self.Partner.with_user(self.admin).create(
                {"name": "Forged Fan", "lifecycle_satisfaction_category": "promoter"}
            )
        # the context key the merge once sent is no way around it (the merge has its own path)
        with self.assertRaisesRegex(UserError, REFUSED):
            as_admin.with_context(lifecycle_skip_stage_fields=True).write(
                {"lifecycle_satisfaction_category": "promoter", "lifecycle_satisfaction_score": 10}
            )
        self.assertRecordValues(
            self.older,
            [
                {
                    "lifecycle_satisfaction_category": "detractor",
                    "lifecycle_satisfaction_score": 3,
                    "lifecycle_satisfaction_comment": "Slow service",
                }
            ],
        )

    def merge(self, partners, into):
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(self.admin)
        wizard._merge(partners.ids, dst_partner=into.with_user(self.admin))

    def test_a_merge_keeps_the_newest_answer_of_the_merged_customers(self):
        first = self.answer(self.older, 3, "2026-10-01 10:00:00", "Slow service")
        second = self.answer(self.newer, 10, "2026-11-20 10:00:00", "Great now")
        self.merge(self.older | self.newer, into=self.older)
        self.assertFalse(self.newer.exists())
        self.assertEqual((first | second).partner_id, self.older, "both answers moved")
        self.assertRecordValues(
            self.older,
            [
                {
                    "lifecycle_satisfaction_score": 10,
                    "lifecycle_satisfaction_category": "promoter",
                    "lifecycle_satisfaction_date": fields.Datetime.to_datetime(
                        "2026-11-20 10:00:00"
                    ),
                    "lifecycle_satisfaction_comment": "Great now",
                }
            ],
        )

    def test_a_survivor_without_an_answer_takes_the_merged_customer_s(self):
        self.answer(self.newer, 4, "2026-11-20 10:00:00", "Wrong size")
        self.merge(self.older | self.newer, into=self.older)
        self.assertRecordValues(
            self.older,
            [{"lifecycle_satisfaction_score": 4, "lifecycle_satisfaction_category": "detractor"}],
        )
