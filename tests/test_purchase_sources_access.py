"""Who may switch what counts as a purchase, and what the orders button opens of each source,
attacked as the weakest users over RPC-like calls (with_user, crafted values)."""

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .test_purchase_sources import PurchaseCase


@tagged("post_install", "-at_install")
class TestPurchaseSettingAccess(PurchaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="clc_portal_buyer", groups="base.group_portal")
        cls.lifecycle_manager = new_test_user(
            cls.env,
            login="clc_lifecycle_admin_only",
            groups="sales_team.group_sale_manager,customer_lifecycle.group_lifecycle_manager",
        )

    def test_only_settings_administrators_switch_direct_invoices(self):
        self.company.lifecycle_last_full_run = "2026-02-01 02:00:00"
        for user in (self.salesperson, self.employee, self.portal, self.lifecycle_manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.company.with_user(user).write({"lifecycle_count_invoices": False})
                with self.assertRaises(AccessError):
                    self.env["res.config.settings"].with_user(user).create(
                        {"lifecycle_count_invoices": False}
                    )
        self.assertTrue(self.company.lifecycle_count_invoices)
        self.assertEqual(str(self.company.lifecycle_last_full_run), "2026-02-01 02:00:00")
        # an administrator does, through the settings, and the next run is a full one
        settings = self.env["res.config.settings"].create({"lifecycle_count_invoices": False})
        settings.execute()
        self.assertFalse(self.company.lifecycle_count_invoices)
        self.assertFalse(self.company.lifecycle_last_full_run)

    def test_the_setting_is_shown_in_the_lifecycle_block_with_its_help(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        [setting] = etree.fromstring(arch).xpath("//setting[@id='lifecycle_count_invoices']")
        self.assertEqual(setting.getparent().get("name"), "customer_lifecycle_setting_container")
        self.assertIn("not made from a sale order", setting.get("help"))
        self.assertIn("next nightly run", setting.get("help"))
        self.assertEqual(setting.xpath("field/@name"), ["lifecycle_count_invoices"])


@tagged("post_install", "-at_install")
class TestPurchaseButtonAccess(PurchaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_rep = new_test_user(
            cls.env,
            login="clc_other_rep_inv",
            name="Olga Other Rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.lifecycle_only = new_test_user(
            cls.env,
            login="clc_lifecycle_only_inv",
            name="Lia Lifecycle",
            groups="customer_lifecycle.group_lifecycle_user",
        )
        cls.portal = new_test_user(cls.env, login="clc_portal_inv", groups="base.group_portal")

    def test_a_rep_opens_their_own_direct_invoices_and_is_told_about_the_others(self):
        own = self.direct_invoice("2026-01-05", 300.0, invoice_user_id=self.salesperson.id)
        theirs = self.direct_invoice("2026-02-05", 500.0, invoice_user_id=self.other_rep.id)
        self.assertFalse(self.salesperson.has_group("sales_team.group_sale_salesman_all_leads"))
        customer = self.customer.with_user(self.salesperson)
        self.assertEqual(customer.lifecycle_order_count, 2)  # the button's figure: both
        # one source: the button opens the direct invoices themselves
        action = customer.action_view_lifecycle_orders()
        self.assertEqual(action["res_model"], "account.move")
        self.assertEqual(action["name"], "Direct Invoices: 1 of 2 (the others are not yours)")
        self.assertIn("belong to other salespeople", action["help"])
        # the list is read as the rep: no elevated rights, no other rep's invoice
        Move = self.env["account.move"]
        self.assertEqual(Move.with_user(self.salesperson).search(action["domain"]), own)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesperson).check_access("read")
        # a sales administrator reads them both: the figure and the list agree
        action = self.customer.with_user(self.sales_manager).action_view_lifecycle_invoices()
        self.assertEqual(action["name"], "Direct Invoices")
        self.assertEqual(Move.with_user(self.sales_manager).search(action["domain"]), own | theirs)

    def test_several_sources_give_a_button_each_counting_what_the_figures_count(self):
        order = self.order(self.customer, "2026-01-02", amount=1000.0)
        with_order = order._create_invoices()
        with_order.action_post()
        invoices = self.direct_invoice("2026-01-05", 300.0) | self.direct_invoice(
            "2026-02-05", 50.0
        )
        self.direct_invoice("2026-02-06", 20.0, move_type="out_refund")
        self.direct_invoice("2026-02-07", 90.0, post=False)
        self.assertEqual(self.customer.lifecycle_order_count, 3)

        action = self.customer.with_user(self.sales_manager).action_view_lifecycle_orders()
        self.assertEqual(action["res_model"], "customer.lifecycle.purchases")
        self.assertEqual(action["target"], "new")
        wizard = self.env["customer.lifecycle.purchases"].with_user(self.sales_manager)
        wizard = wizard.browse(action["res_id"])
        self.assertRecordValues(wizard, [{"sale_order_count": 1, "invoice_count": 2}])
        arch = etree.fromstring(wizard.get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertEqual(
            arch.xpath("//button[@type='object']/@name"),
            ["action_open_sale_orders", "action_open_invoices"],
        )
        orders = wizard.action_open_sale_orders()
        self.assertEqual(self.env["sale.order"].search(orders["domain"]), order)
        listed = wizard.action_open_invoices()
        # the direct invoices, not the order's invoice, the credit note or the draft
        self.assertEqual(self.env["account.move"].search(listed["domain"]), invoices)
        self.assertEqual(listed["name"], "Direct Invoices")

    def test_who_may_not_read_invoices_gets_a_clear_refusal(self):
        self.direct_invoice("2026-01-05", 300.0)
        self.assertFalse(self.env["account.move"].with_user(self.lifecycle_only).has_access("read"))
        with self.assertRaisesRegex(UserError, "may not read invoices"):
            self.customer.with_user(self.lifecycle_only).action_view_lifecycle_orders()
        # an employee who is no lifecycle user, and a portal user, learn nothing
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.customer.with_user(user).action_view_lifecycle_invoices()
                with self.assertRaises(AccessError):
                    self.env["customer.lifecycle.purchases"].with_user(user).create(
                        {"partner_id": self.customer.id}
                    )

    def test_a_crafted_dialog_for_a_customer_the_user_may_not_read_counts_nothing(self):
        self.direct_invoice("2026-01-05", 300.0)
        self.direct_invoice("2026-01-06", 300.0)
        _company_b, rep_b = self.user_of_another_company(
            "clc_rep_b_inv",
            "sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        self.customer.company_id = self.company  # a customer of the first company only
        self.assertFalse(self.customer.with_user(rep_b).has_access("read"))
        wizard = (
            self.env["customer.lifecycle.purchases"]
            .with_user(rep_b)
            .create({"partner_id": self.customer.id})
        )
        self.assertRecordValues(wizard, [{"sale_order_count": 0, "invoice_count": 0}])
        with self.assertRaises(AccessError):
            wizard.action_open_invoices()


@tagged("post_install", "-at_install")
class TestPurchaseButtonUi(HttpCase):
    def test_the_button_opens_a_dialog_with_a_button_per_source(self):
        """As a sales administrator, in the browser (1366 px): the partner form's button, the
        dialog, the direct invoices' list."""
        manager = new_test_user(
            self.env,
            login="clc_tour_purchases",
            password="clc_tour_purchases",
            groups="sales_team.group_sale_manager,account.group_account_invoice",
        )
        customer = self.env["res.partner"].create({"name": "Officina Verdi", "is_company": True})
        product = self.env["product.product"].create({"name": "Maintenance Visit"})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "price_unit": 500.0, "tax_ids": []})
                ],
            }
        )
        order.action_confirm()
        for amount in (120.0, 80.0):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2026-10-01",
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            ).action_post()
        self.assertEqual(customer.lifecycle_order_count, 3)
        self.start_tour(
            f"/odoo/contacts/{customer.id}",
            "customer_lifecycle_purchases_tour",
            login=manager.login,
        )
