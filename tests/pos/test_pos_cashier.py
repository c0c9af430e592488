"""What the POS loads of a customer's lifecycle for the cashier: the stage and value class for
every cashier (the main addon shows them to every internal user), the next special date only to
lifecycle users (the main addon's special dates are theirs), nothing to a portal user."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .pos_common import PosLifecycleCase

LIFECYCLE = (
    "lifecycle_pos_stage",
    "lifecycle_pos_value_class",
    "lifecycle_pos_special_date",
    "lifecycle_pos_special_name",
)


@tagged("post_install", "-at_install")
class TestPosCashier(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env,
            login="clc_cashier",
            name="Carla Cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        cls.shop_manager = new_test_user(
            cls.env,
            login="clc_shop_manager",
            name="Paolo Shop Manager",
            groups="point_of_sale.group_pos_manager,customer_lifecycle.group_lifecycle_user",
        )
        cls.company_customer = cls.Partner.create({"name": "Hotel Aurora", "is_company": True})
        cls.customer = cls.Partner.create(
            {
                "name": "Giulia Aurora",
                "parent_id": cls.company_customer.id,
                "email": "g@example.com",
            }
        )
        cls.env["customer.special.date"].create(
            [
                {"partner_id": cls.company_customer.id, "kind": "company", "date": "1998-12-20"},
                {"partner_id": cls.customer.id, "kind": "birthday", "date": "1990-12-04"},
                {"partner_id": cls.customer.id, "kind": "name_day", "date": "1990-06-24"},
            ]
        )
        cls.company_customer.sudo().lifecycle_value_class = "A"

    def loaded(self, user, partner=None):
        """The partner as the POS of `user` loads it when the cashier searches it."""
        partner = partner or self.customer
        data = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(lang="en_US")
            .get_new_partner(self.shop.id, [("id", "=", partner.id)], 0)
        )
        [row] = data["res.partner"]
        return {name: row[name] for name in LIFECYCLE}

    def test_a_cashier_sees_stage_and_class_not_special_dates(self):
        self.sell(self.customer, 50.0)
        with freeze_time("2026-11-30"):
            self.assertEqual(
                self.loaded(self.cashier),
                {
                    "lifecycle_pos_stage": "Buyer",
                    "lifecycle_pos_value_class": "A",
                    "lifecycle_pos_special_date": False,
                    "lifecycle_pos_special_name": False,
                },
            )
            # a lifecycle user: the next one of the contact's and its company's dates
            self.assertEqual(
                self.loaded(self.shop_manager),
                {
                    "lifecycle_pos_stage": "Buyer",
                    "lifecycle_pos_value_class": "A",
                    "lifecycle_pos_special_date": date(2026, 12, 4),
                    "lifecycle_pos_special_name": "Birthday",
                },
            )
            self.assertEqual(
                self.loaded(self.shop_manager, self.company_customer)["lifecycle_pos_special_name"],
                "Company Anniversary",
            )

    def test_the_session_loads_the_partners_with_their_lifecycle(self):
        self.sell(self.customer, 50.0)
        session = self.shop.current_session_id.with_user(self.cashier)
        data = session.load_data(["pos.order", "res.partner"])
        rows = {row["id"]: row for row in data["res.partner"]}
        self.assertIn(self.customer.id, rows)
        self.assertEqual(rows[self.customer.id]["lifecycle_pos_stage"], "Buyer")
        self.assertEqual(rows[self.customer.id]["lifecycle_pos_special_date"], False)
        params = session.load_data_params()
        self.assertTrue(set(LIFECYCLE) <= set(params["res.partner"]["fields"]))

    def test_the_pos_gets_the_new_stage_back_with_the_order(self):
        self.assertEqual(self.loaded(self.cashier)["lifecycle_pos_stage"], "Potential")
        self.sell(self.customer, 50.0, env=self.env(user=self.cashier))
        [row] = self.last_sync["res.partner"]
        self.assertEqual((row["id"], row["lifecycle_pos_stage"]), (self.customer.id, "Buyer"))
        self.sell(self.customer, 20.0, env=self.env(user=self.cashier))
        [row] = self.last_sync["res.partner"]
        self.assertEqual(row["lifecycle_pos_stage"], "Repeat Customer")

    def test_a_portal_user_gets_nothing_of_the_lifecycle(self):
        self.sell(self.customer, 50.0)
        portal = new_test_user(
            self.env, login="clc_pos_portal", groups="base.group_portal", name="Portal Giulia"
        )
        portal.partner_id.write({"parent_id": self.company_customer.id})
        self.sell(portal.partner_id, 30.0)
        self.assertEqual(self.figures(self.company_customer)[0], "customer")
        # over RPC, the POS's own loading method gives it nothing of the lifecycle
        data = (
            self.env["res.partner"]
            .with_user(portal)
            .get_new_partner(self.shop.id, [("id", "=", portal.partner_id.id)], 0)
        )
        [row] = data["res.partner"]
        self.assertEqual({name: row[name] for name in LIFECYCLE}, dict.fromkeys(LIFECYCLE, False))
        # and reading the fields of its own contact gives nothing of the lifecycle
        [row] = portal.partner_id.with_user(portal).read(list(LIFECYCLE))
        self.assertEqual({name: row[name] for name in LIFECYCLE}, dict.fromkeys(LIFECYCLE, False))
