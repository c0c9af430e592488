"""res.partner.write reads no context key of the addon as a protocol: the key Odoo's merge used to
send so that a merge copying values skipped the stage and the last satisfaction answer
(lifecycle_skip_stage_fields) changes nothing when an RPC caller sends it. The merge skips
those fields by its own path (the MERGING ContextVar, which no caller can set), seen here too."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase

# The context key res.partner.write read until issue 21; sent over RPC it must change nothing.
OLD_KEYS = {"lifecycle_skip_stage_fields": True}


class PartnerWriteCase(LifecycleCase):
    """A sales manager who may edit contacts and an administrator who merges them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a sales manager (Odoo lets them edit contacts) who works the funnel
        cls.manager = new_test_user(
            cls.env,
            login="clc_h2_sales_lifecycle",
            name="Marta Manager",
            groups="sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_user",
        )
        cls.admin = new_test_user(
            cls.env,
            login="clc_h2_merge_admin",
            groups="base.group_system,base.group_partner_manager,"
            "sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )


@tagged("post_install", "-at_install")
class TestNoContextKeyProtocol(PartnerWriteCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Forno Antico", "is_company": True})
        cls.reason = cls.env.ref("customer_lifecycle.lost_reason_competitor")

    def test_the_old_merge_key_does_not_skip_a_users_move(self):
        # entered an hour ago: a move within the second of the creation has its own date too
        self.customer.flush_recordset()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_stage_date = lifecycle_stage_date - interval '1 hour'"
            " WHERE id = %s",
            [self.customer.id],
        )
        self.customer.invalidate_recordset()
        entered = self.customer.lifecycle_stage_date
        customer = self.customer.with_user(self.manager).with_context(**OLD_KEYS)
        customer.write({"lifecycle_stage_id": self.stage("prospect").id})
        self.assertRecordValues(
            self.customer,
            [{"lifecycle_stage_id": self.stage("prospect").id, "lifecycle_stage_manual": True}],
        )
        self.assertNotEqual(self.customer.lifecycle_stage_date, entered, "a new stage date")
        (move,) = self.history(self.customer)
        self.assertEqual(
            (move.stage_from_id, move.stage_to_id, move.trigger, move.user_id),
            (self.stage("potential"), self.stage("prospect"), "manual", self.manager),
        )

    def test_the_old_merge_key_lets_neither_a_moves_proof_nor_an_answer_through(self):
        customer = self.customer.with_user(self.manager).with_context(**OLD_KEYS)
        for vals, refused in (
            ({"lifecycle_stage_manual": True}, "set by stage moves only"),
            ({"lifecycle_stage_date": "2020-01-01 00:00:00"}, "set by stage moves only"),
            ({"lifecycle_lost_reason_id": self.reason.id}, "set by stage moves only"),
            ({"lifecycle_satisfaction_category": "promoter"}, "are the customer's own answer"),
            ({"lifecycle_satisfaction_score": 10}, "are the customer's own answer"),
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, refused):
                customer.write(vals)
        self.assertRecordValues(
            self.customer,
            [
                {
                    "lifecycle_stage_id": self.stage("potential").id,
                    "lifecycle_stage_manual": False,
                    "lifecycle_lost_reason_id": False,
                    "lifecycle_satisfaction_category": False,
                    "lifecycle_satisfaction_score": 0,
                }
            ],
        )
        self.assertFalse(self.history(self.customer))

    def test_a_salesperson_with_the_old_merge_key_still_cannot_move(self):
        customer = self.customer.with_user(self.salesperson).with_context(**OLD_KEYS)
        with self.assertRaises(AccessError):
            customer.write({"lifecycle_stage_id": self.stage("fan").id})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        self.assertFalse(self.history(self.customer))

    def test_a_merge_copies_no_stage_by_its_own_path(self):
        """The survivor keeps its own stage and move record: Odoo's merge would copy the merged
        customer's (its values come last when the survivor's are empty) and a manual move of
        the survivor holds, since no order came after it."""
        self.customer.with_user(self.manager).lifecycle_stage_id = self.stage("prospect")
        entered = self.customer.lifecycle_stage_date
        duplicate = self.Partner.create({"name": "Forno Antico S.r.l.", "is_company": True})
        duplicate.with_user(self.manager)._lifecycle_move(
            self.stage("lost"), lost_reason=self.reason
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(self.admin)
        wizard._merge(
            (self.customer | duplicate).ids, dst_partner=self.customer.with_user(self.admin)
        )
        self.assertFalse(duplicate.exists())
        self.assertRecordValues(
            self.customer,
            [
                {
                    "lifecycle_stage_id": self.stage("prospect").id,
                    "lifecycle_stage_manual": True,
                    "lifecycle_stage_date": entered,
                    "lifecycle_lost_reason_id": False,
                }
            ],
        )

    def test_a_create_carries_no_forged_move_record(self):
        """The record of a move (date, manual flag, lost reason) is a move's, at creation too:
        a manual flag given at creation would pin the customer's stage until newer evidence."""
        for vals in (
            {"lifecycle_stage_manual": True},
            {"lifecycle_stage_date": "2020-01-01 00:00:00"},
            {"lifecycle_lost_reason_id": self.reason.id},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "stage moves only"):
                self.Partner.with_user(self.manager).create({"name": "Forged Pin", **vals})
        self.assertFalse(self.Partner.search([("name", "=", "Forged Pin")]))
        created = self.Partner.with_user(self.manager).create({"name": "Plain Customer"})
        self.assertRecordValues(
            created,
            [{"lifecycle_stage_id": self.stage("potential").id, "lifecycle_stage_manual": False}],
        )

    def test_odoos_import_names_the_trigger_and_lends_nothing(self):
        """import_file is Odoo's own key (base_import loads rows with it): a stage imported by a
        user is that user's manual move, named 'import' in the history, with their rights."""
        rows = [[str(self.customer.id), str(self.stage("prospect").id)]]
        header = [".id", "lifecycle_stage_id/.id"]
        result = (
            self.Partner.with_user(self.manager).with_context(import_file=True).load(header, rows)
        )
        self.assertEqual(result["messages"], [])
        (move,) = self.history(self.customer)
        self.assertEqual(
            (move.stage_to_id, move.trigger, move.user_id),
            (self.stage("prospect"), "import", self.manager),
        )
        self.assertTrue(self.customer.lifecycle_stage_manual)
        result = (
            self.Partner.with_user(self.salesperson)
            .with_context(import_file=True)
            .load(header, [[str(self.customer.id), str(self.stage("fan").id)]])
        )
        (refused,) = result["messages"]
        self.assertEqual(refused["type"], "error")
        self.assertIn("You are not allowed to modify 'Contact'", refused["message"])
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("prospect"))


@tagged("post_install", "-at_install")
class TestEngineFiguresCannotBeForged(PartnerWriteCase):
    """The figures the engine computes (revenue, scores, segment, the card's offer and top
    categories) are read-only in the views, and refused to every user's write and create over
    RPC or an import: a forged revenue would show on the card, the invoices and the analysis
    until the next run. The engine writes them in SQL; a merge skips them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Bar Centrale", "is_company": True})
        cls.order_in(cls.env, cls.customer, "2026-05-04", amount=250.0)
        cls.contact = cls.Partner.create({"name": "Ada", "parent_id": cls.customer.id})

    def test_no_user_writes_or_creates_an_engine_figure(self):
        forged = {
            "lifecycle_revenue_total": 99999.0,
            "lifecycle_order_count": 40,
            "rfm_segment": "champions",
            "lifecycle_value_class": "a",
            "lifecycle_predicted_revenue_12m": 5000.0,
            "lifecycle_offer_product_id": self.product.id,
            "lifecycle_top_categories": "Everything",
        }
        crafted = ({}, {"install_mode": True}, {"lifecycle_engine": True}, {"import_file": True})
        for name, value in forged.items():
            for context in crafted:
                with (
                    self.subTest(field=name, context=context),
                    self.assertRaisesRegex(UserError, "computed by the lifecycle engine"),
                ):
                    self.customer.with_user(self.manager).with_context(**context).write(
                        {name: value}
                    )
                with (
                    self.subTest(field=name, context=context, create=True),
                    self.assertRaisesRegex(UserError, "computed by the lifecycle engine"),
                ):
                    self.Partner.with_user(self.manager).with_context(**context).create(
                        {"name": "Forged Figures", name: value}
                    )
        self.assertFalse(self.Partner.search([("name", "=", "Forged Figures")]))
        self.assertRecordValues(
            self.customer | self.contact,
            [{"lifecycle_revenue_total": 250.0, "lifecycle_order_count": 1}] * 2,
        )
        # a plain salesperson (Odoo lets every employee edit contacts) is refused as well
        with self.assertRaisesRegex(UserError, "computed by the lifecycle engine"):
            self.customer.with_user(self.salesperson).write({"lifecycle_revenue_total": 1.0})
        # the user's own fields still save beside the figures' refusal
        self.customer.with_user(self.manager).write({"phone": "+39 02 1234567"})
        self.assertEqual(self.customer.phone, "+39 02 1234567")

    def test_an_import_of_figures_is_refused_row_by_row(self):
        result = (
            self.Partner.with_user(self.manager)
            .with_context(import_file=True)
            .load([".id", "lifecycle_revenue_total"], [[str(self.customer.id), "123456"]])
        )
        (refused,) = result["messages"]
        self.assertEqual(refused["type"], "error")
        self.assertIn("computed by the lifecycle engine", refused["message"])
        self.assertEqual(self.customer.lifecycle_revenue_total, 250.0)

    def test_the_engine_and_a_merge_still_write_them(self):
        duplicate = self.Partner.create({"name": "Bar Centrale (old)", "is_company": True})
        self.order_in(self.env, duplicate, "2026-05-10", amount=100.0)
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(self.admin)
        wizard._merge(
            (self.customer | duplicate).ids, dst_partner=self.customer.with_user(self.admin)
        )
        self.assertFalse(duplicate.exists())
        # the merged orders are the survivor's: the re-evaluation after the merge counts both
        self.assertRecordValues(
            self.customer, [{"lifecycle_revenue_total": 350.0, "lifecycle_order_count": 2}]
        )
