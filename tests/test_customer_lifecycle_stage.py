from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestCustomerLifecycleStage(LifecycleCase):
    def test_the_seven_stages_ship_in_funnel_order_with_lost_folded(self):
        stages = self.Stage.search([])
        self.assertEqual(
            stages.mapped("code"),
            ["potential", "prospect", "referral", "buyer", "customer", "fan", "lost"],
        )
        self.assertEqual(stages.filtered("fold").mapped("code"), ["lost"])
        self.assertTrue(all(stages.mapped("guidance")), "every stage tells the rep what to do")

    def test_a_manager_edit_is_kept_by_upgrades(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", "customer_lifecycle"), ("model", "=", "customer.lifecycle.stage")]
        )
        self.assertEqual(len(data), 7)
        self.assertTrue(all(data.mapped("noupdate")))

    def test_a_code_has_one_stage_only(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.Stage.create({"name": "Second buyer column", "code": "buyer"})
            self.env.flush_all()

    def test_a_stage_cannot_be_deleted(self):
        lost = self.env.ref("customer_lifecycle.stage_lost")
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            lost.with_user(self.sales_manager).unlink()
        self.assertTrue(lost.exists())

    def test_a_sales_manager_renames_and_reorders_stages(self):
        buyer = self.env.ref("customer_lifecycle.stage_buyer").with_user(self.sales_manager)
        buyer.write({"name": "First-time buyer", "sequence": 5, "fold": True})
        self.assertEqual(self.Stage.search([], limit=1), buyer)
        self.assertEqual(buyer.code, "buyer", "the rule stays with the code")

    def test_salespeople_and_employees_read_stages_but_cannot_change_them(self):
        for user in (self.salesperson, self.employee):
            stage = self.env.ref("customer_lifecycle.stage_fan").with_user(user)
            self.assertEqual(stage.name, "Fan")
            with self.assertRaises(AccessError):
                stage.write({"name": "Ambassador"})
            with self.assertRaises(AccessError):
                self.Stage.with_user(user).create({"name": "Mine", "code": "fan"})

    def test_sales_groups_bring_the_lifecycle_groups(self):
        user_group = self.env.ref("customer_lifecycle.group_lifecycle_user")
        manager_group = self.env.ref("customer_lifecycle.group_lifecycle_manager")
        self.assertIn(user_group, self.salesperson.all_group_ids)
        self.assertNotIn(manager_group, self.salesperson.all_group_ids)
        self.assertIn(manager_group, self.sales_manager.all_group_ids)
        self.assertNotIn(user_group, self.employee.all_group_ids)
