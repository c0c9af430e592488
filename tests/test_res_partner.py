from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestResPartnerReferral(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.anna = Partner.create({"name": "Anna Nowak"})
        cls.marco = Partner.create({"name": "Marco Rossi"})
        cls.bar = Partner.create({"name": "Bar Sport", "is_company": True})

    def test_a_salesperson_who_may_edit_contacts_records_who_brought_a_customer(self):
        self.salesperson.group_ids |= self.env.ref("base.group_partner_manager")
        self.marco.with_user(self.salesperson).lifecycle_referred_by_id = self.anna
        self.assertEqual(self.anna.lifecycle_referral_ids, self.marco)

    def test_referral_cycles_are_refused(self):
        self.marco.lifecycle_referred_by_id = self.anna
        self.bar.lifecycle_referred_by_id = self.marco
        with self.assertRaisesRegex(ValidationError, "referred, directly or through others"):
            self.anna.lifecycle_referred_by_id = self.bar
        with self.assertRaisesRegex(ValidationError, "by itself"):
            self.anna.lifecycle_referred_by_id = self.anna

    def test_removing_the_referrer_keeps_the_customer(self):
        self.marco.lifecycle_referred_by_id = self.anna
        self.anna.unlink()
        self.assertTrue(self.marco.exists())
        self.assertFalse(self.marco.lifecycle_referred_by_id)
