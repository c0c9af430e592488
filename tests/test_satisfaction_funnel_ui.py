"""The last satisfaction answer on the funnel's cards, its filter and the Net Promoter Score,
in the browser, as a salesperson with Own Documents Only."""

from datetime import datetime

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.customer_lifecycle.models.customer_satisfaction_request import (
    satisfaction_event,
)


@tagged("post_install", "-at_install")
class TestSatisfactionFunnelUi(HttpCase):
    def test_a_salesperson_reads_the_answers_on_the_cards_and_the_nps(self):
        rep = new_test_user(
            self.env,
            login="clc_tour_h2_rep",
            password="clc_tour_h2_rep",
            groups="sales_team.group_sale_salesman,customer_lifecycle.group_lifecycle_user",
        )
        Partner = self.env["res.partner"]
        names = ["Tour Detractor", "Tour Promoter 1", "Tour Promoter 2", "Tour Promoter 3"]
        partners = Partner.create(
            [{"name": name, "is_company": True, "user_id": rep.id} for name in names]
        )
        silent = Partner.create({"name": "Tour Silent", "is_company": True, "user_id": rep.id})
        with satisfaction_event():
            requests = (
                self.env["customer.satisfaction.request"]
                .sudo()
                .create([{"partner_id": p.id, "source": "email"} for p in partners | silent])
            )
        for request, score in zip(requests, [4, 10, 9, 10], strict=False):
            request._record_answer(score, date=datetime(2026, 11, 12, 10, 0))
        self.start_tour("/odoo", "customer_lifecycle_satisfaction_tour", login=rep.login)
