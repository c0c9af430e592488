"""Shared fixtures of the Odoo test suite: users with the rights the product gives them."""

from odoo.tests import TransactionCase, new_test_user


class LifecycleCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="clc_salesperson",
            name="Sofia Salesperson",
            groups="sales_team.group_sale_salesman",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="clc_sales_manager",
            name="Marek Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.employee = new_test_user(
            cls.env,
            login="clc_employee",
            name="Ettore Employee",
            groups="base.group_user",
        )
        cls.Stage = cls.env["customer.lifecycle.stage"]
