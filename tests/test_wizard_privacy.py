"""A window the addon opens is its user's alone. Odoo 19 gives transient records no owner rule
of their own: without the addon's, any user with the model's access right read every other
user's windows over RPC, among them a customer's consent page link (its token changes the
customer's consent) and the profile being edited, across companies."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase

LIFECYCLE_REP = "customer_lifecycle.group_lifecycle_user,sales_team.group_sale_salesman_all_leads"


@tagged("post_install", "-at_install")
class TestWizardPrivacy(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="clc_window_owner", groups=LIFECYCLE_REP)
        cls.colleague = new_test_user(cls.env, login="clc_window_colleague", groups=LIFECYCLE_REP)
        _company, cls.outsider = cls.user_of_another_company(
            "clc_window_outsider", LIFECYCLE_REP, company_name="Bottega Finestre"
        )
        cls.customer = cls.Partner.create(
            {"name": "Salone Finestra", "email": "finestra@example.com", "user_id": cls.rep.id}
        )

    def windows(self):
        """One window of each kind the rep opens on the customer, as the rep."""
        env = self.env(user=self.rep)
        reason = self.env["customer.lifecycle.lost.reason"].search([], limit=1)
        return {
            "customer.consent.link": env["customer.consent.link"].create(
                {"partner_id": self.customer.id}
            ),
            "customer.lifecycle.profile": env["customer.lifecycle.profile"].create(
                {"partner_id": self.customer.id}
            ),
            "customer.lifecycle.purchases": env["customer.lifecycle.purchases"].create(
                {"partner_id": self.customer.id}
            ),
            "customer.lifecycle.lost": env["customer.lifecycle.lost"].create(
                {"partner_ids": [Command.set(self.customer.ids)], "lost_reason_id": reason.id}
            ),
            "customer.satisfaction.record": env["customer.satisfaction.record"].create(
                {"partner_id": self.customer.id, "score": "9", "comment": "Loves the colour"}
            ),
        }

    def test_nobody_else_reads_a_reps_windows(self):
        windows = self.windows()
        self.assertTrue(windows["customer.consent.link"].url, "the rep sees their link")
        for other in (self.colleague, self.outsider):
            for model, window in windows.items():
                with self.subTest(user=other.login, model=model):
                    found = self.env[model].with_user(other).search_read([], ["id"])
                    self.assertNotIn(window.id, [row["id"] for row in found])
                    with self.assertRaises(AccessError, msg="read by id refused"):
                        window.with_user(other).read(["id"])

    def test_the_consent_link_of_another_company_customer_is_never_read(self):
        link = self.windows()["customer.consent.link"]
        found = self.env["customer.consent.link"].with_user(self.outsider).search_read([], ["url"])
        self.assertNotIn(link.url, [row["url"] for row in found])

    def test_the_owner_still_uses_them(self):
        windows = self.windows()
        for model, window in windows.items():
            with self.subTest(model=model):
                self.assertEqual(window.with_user(self.rep).read(["id"]), [{"id": window.id}])
        renewed = windows["customer.consent.link"].with_user(self.rep).action_renew()
        self.assertEqual(renewed["res_id"], windows["customer.consent.link"].id)
