from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLifecycleUi(HttpCase):
    def test_sales_manager_renames_a_stage_in_the_browser(self):
        new_test_user(
            self.env,
            login="clc_tour_manager",
            password="clc_tour_manager",
            groups="sales_team.group_sale_manager",
        )
        self.start_tour("/odoo", "customer_lifecycle_stage_tour", login="clc_tour_manager")
        self.assertEqual(self.env.ref("customer_lifecycle.stage_buyer").name, "First purchase")
