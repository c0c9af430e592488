"""The Record Consent form as staff see it: the source Web Form is never offered (the consent
page sets it), and the Reason to Lift an Opt-out is shown to lifecycle administrators only."""

from lxml import etree

from odoo.tests import Form, tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestConsentFormView(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.Partner.create({"name": "Giulia Bianchi", "email": "g@example.com"})

    def arch(self, user):
        views = self.env["customer.consent"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_the_source_field_leaves_out_web_form(self):
        for user in (self.salesperson, self.sales_manager):
            with self.subTest(user=user.login):
                (source,) = self.arch(user).xpath("//field[@name='source']")
                self.assertEqual(source.get("widget"), "filterable_selection")
                self.assertEqual(source.get("options"), "{'blacklisted_values': ['web_form']}")

    def test_the_lift_reason_is_for_lifecycle_administrators(self):
        self.assertEqual(self.arch(self.salesperson).xpath("//field[@name='lift_reason']"), [])
        self.assertEqual(
            len(self.arch(self.sales_manager).xpath("//field[@name='lift_reason']")), 1
        )

    def test_a_salesperson_records_consent_through_the_form(self):
        """The form still saves for a salesperson without the hidden field."""
        form = Form(
            self.env["customer.consent"]
            .with_user(self.salesperson)
            .with_context(default_partner_id=self.partner.id)
        )
        form.channel_id = self.email
        form.source = "phone"
        consent = form.save()
        self.assertEqual(
            (consent.partner_id, consent.state, consent.source, consent.lift_reason),
            (self.partner, "granted", "phone", False),
        )
