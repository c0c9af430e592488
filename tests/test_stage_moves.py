"""Stage moves go through one private method, res.partner._lifecycle_move: a user's write of the
stage is a manual move with that user's rights, the funnel and the lost dialog lend elevated
rights to the move alone, and no context key sent over RPC makes a user's move look like the
engine's."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase

# The context keys the stage write used to read; sent over RPC they must change nothing.
FORGED_CONTEXT = {"lifecycle_trigger": "schedule", "lifecycle_reason": "forged"}


@tagged("post_install", "-at_install")
class TestStageMoves(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.editor = new_test_user(
            cls.env,
            login="clc_contact_editor",
            name="Paola Editor",
            groups="base.group_partner_manager,customer_lifecycle.group_lifecycle_user",
        )
        cls.customer = cls.Partner.create({"name": "Enoteca Sole", "is_company": True})
        cls.contact = cls.Partner.create({"name": "Gianni Sole", "parent_id": cls.customer.id})
        cls.reason = cls.env.ref("customer_lifecycle.lost_reason_competitor")

    def last_move(self):
        return self.history(self.customer)[-1]

    def test_the_move_method_is_not_callable_over_rpc(self):
        with self.assertRaises(AccessError):
            get_public_method(self.Partner, "_lifecycle_move")
        self.assertTrue(get_public_method(self.Partner, "action_lifecycle_set_stage"))

    def test_a_users_write_of_the_stage_is_a_manual_move_with_everything_kept(self):
        self.env.cr.precommit.run()  # the customer's creation, committed: no tracking in it
        customer = self.customer.with_user(self.editor)
        customer.lifecycle_stage_id = self.stage("buyer")
        self.env.cr.precommit.run()  # the chatter's tracking is posted at commit
        move = self.last_move()
        self.assertEqual(
            (move.stage_from_id, move.stage_to_id, move.trigger, move.user_id),
            (self.stage("potential"), self.stage("buyer"), "manual", self.editor),
        )
        self.assertTrue(self.customer.lifecycle_stage_manual)
        self.assertEqual(self.contact.lifecycle_stage_id, self.stage("buyer"), "mirrored")
        activity = self.customer.activity_ids.filtered(
            lambda a: a.activity_type_id == self.stage("buyer").activity_type_id
        )
        self.assertEqual(len(activity), 1, "the stage's playbook activity")
        tracking = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.new_value_integer == self.stage("buyer").id
        )
        self.assertEqual(tracking.mail_message_id.author_id, self.editor.partner_id)

    def test_a_write_on_a_contact_moves_its_company(self):
        self.contact.with_user(self.editor).lifecycle_stage_id = self.stage("prospect")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("prospect"))
        self.assertEqual(self.contact.lifecycle_stage_id, self.stage("prospect"))
        self.assertEqual(self.last_move().partner_id, self.customer)

    def test_forged_context_keys_do_not_make_a_users_move_the_engines(self):
        customer = self.customer.with_user(self.editor).with_context(
            **FORGED_CONTEXT, lifecycle_lost_reason_id=self.reason.id
        )
        with self.assertRaisesRegex(UserError, "needs a reason"):
            customer.lifecycle_stage_id = self.stage("lost")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        customer.lifecycle_stage_id = self.stage("prospect")
        move = self.last_move()
        self.assertEqual((move.trigger, move.reason, move.user_id), ("manual", False, self.editor))
        self.assertTrue(self.customer.lifecycle_stage_manual, "a user's move is a manual one")

    def test_the_proof_of_a_move_cannot_be_written_by_hand(self):
        self.customer.with_user(self.editor).lifecycle_stage_id = self.stage("prospect")
        entered = self.customer.lifecycle_stage_date
        for vals in (
            {"lifecycle_stage_manual": False},
            {"lifecycle_stage_date": "2020-01-01 00:00:00"},
            {"lifecycle_lost_reason_id": self.reason.id},
            {"lifecycle_stage_id": self.stage("buyer").id, "lifecycle_stage_manual": False},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "stage moves only"):
                self.customer.with_user(self.editor).write(vals)
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

    def test_users_without_write_rights_cannot_write_the_stage(self):
        for user in (self.employee, self.salesperson):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write({"lifecycle_stage_id": self.stage("fan").id})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("potential"))
        self.assertFalse(self.history(self.customer))

    def test_the_funnel_moves_for_a_salesperson_and_refuses_an_employee(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).action_lifecycle_set_stage(
                self.stage("prospect").id
            )
        customer = self.customer.with_user(self.salesperson).with_context(**FORGED_CONTEXT)
        self.assertIs(customer.action_lifecycle_set_stage(self.stage("prospect").id), True)
        move = self.last_move()
        self.assertEqual(
            (move.stage_to_id, move.trigger, move.reason, move.user_id),
            (self.stage("prospect"), "manual", False, self.salesperson),
        )
        # Lost always asks why, even with a reason id in the context
        lost = customer.with_context(lifecycle_lost_reason_id=self.reason.id)
        dialog = lost.action_lifecycle_set_stage(self.stage("lost").id)
        self.assertEqual(dialog["res_model"], "customer.lifecycle.lost")
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("prospect"))

    def test_the_lost_dialog_records_its_reason_and_refuses_an_employee(self):
        Lost = self.env["customer.lifecycle.lost"]
        with self.assertRaises(AccessError):
            Lost.with_user(self.employee).create(
                {"partner_ids": self.customer.ids, "lost_reason_id": self.reason.id}
            )
        wizard = (
            Lost.with_user(self.salesperson)
            .with_context(**FORGED_CONTEXT)
            .create(
                {
                    "partner_ids": self.customer.ids,
                    "lost_reason_id": self.reason.id,
                    "note": "Moved to Milan.",
                }
            )
        )
        wizard.action_mark_lost()
        move = self.last_move()
        self.assertEqual(
            (move.stage_to_id, move.trigger, move.reason, move.lost_reason_id, move.user_id),
            (self.stage("lost"), "manual", "Moved to Milan.", self.reason, self.salesperson),
        )
        self.assertEqual(self.customer.lifecycle_lost_reason_id, self.reason)
        self.assertTrue(self.customer.lifecycle_stage_manual)

    def test_the_engine_moves_without_the_manual_flag_and_with_its_trigger(self):
        with freeze_time("2026-01-05"):
            self.customer._lifecycle_move(self.stage("lost"), trigger="schedule", automatic=True)
        move = self.last_move()
        self.assertEqual((move.stage_to_id, move.trigger), (self.stage("lost"), "schedule"))
        self.assertFalse(self.customer.lifecycle_stage_manual)
        self.assertFalse(self.customer.lifecycle_lost_reason_id)
        # an order confirmed: the engine's move says "order"
        self.order(self.customer, date.today().isoformat())
        move = self.last_move()
        self.assertEqual((move.stage_to_id, move.trigger), (self.stage("buyer"), "order"))
        self.assertFalse(self.customer.lifecycle_stage_manual)
