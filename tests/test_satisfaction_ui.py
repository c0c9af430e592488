from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSatisfactionUi(HttpCase):
    def test_a_salesperson_records_a_score_given_in_the_shop(self):
        """Record Satisfaction on the Lifecycle tab, in the browser, as a salesperson with "Own
        Documents Only" (no right to edit contacts)."""
        rep = new_test_user(
            self.env,
            login="clc_tour_satisfaction",
            password="clc_tour_satisfaction",
            groups="sales_team.group_sale_salesman",
        )
        shop = self.env["res.partner"].create(
            {"name": "Enoteca Tour", "is_company": True, "user_id": rep.id}
        )
        self.start_tour(
            f"/odoo/contacts/{shop.id}",
            "customer_lifecycle_satisfaction_record_tour",
            login=rep.login,
        )
        request = self.env["customer.satisfaction.request"].search([("partner_id", "=", shop.id)])
        self.assertRecordValues(
            request,
            [
                {
                    "source": "shop",
                    "score": 9,
                    "category": "promoter",
                    "comment": "Bella esperienza",
                    "recorded_by_id": rep.id,
                }
            ],
        )
        self.assertEqual(request.answer_ids.user_id, rep)
