"""Who to offer this to (customer.lifecycle.offer.audience): from a product's form, the salon's
customers (tests/common_offers.py) most likely to want it, ranked from the stored rules, with
their score and reason; never one who bought it; as the user may see them; and who may ask.

By hand, from the rules of the full run (N = 10 customers):
- Colour is offered by Cut -> Colour (4/6, lift 1.33) and Shampoo One -> Colour (3/3, lift
  2.0). Who has not bought Colour: c5 (Cut, Shampoo Two), c6 (Cut), c8 (Diffuser, Shampoo Two),
  c9 and c10 (Diffuser). c5 and c6 bought Cut: 67 %, 1.3x; c8-c10 bought nothing a rule for
  Colour starts from: not listed. c5 and c6 tie: by customer (c5 first).
- Shampoo One is offered by Colour -> Shampoo One (3/5, lift 2.0) and by the category rule
  Hair -> Care (5/7, lift 1.19; Care's most bought product, Shampoo One). Who has not bought it:
  c3 and c4 bought Colour: 60 %; c6 bought in Hair and never in Care: the category rule, 71 %,
  listed after the product rules though its score is higher (weaker evidence, as in the
  customers' own offers); c5 and c8 bought in Care (Shampoo Two): the category rule is not for
  them, and no product rule either.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common_offers import CoPurchaseCase

CUT_COLOUR = "Bought by 67 % of customers who buy Cut; 1.3× the average"
COLOUR_SHAMPOO = "Bought by 60 % of customers who buy Colour; 2.0× the average"
HAIR_CARE = "Care: bought by 71 % of customers who buy in Hair; 1.2× the average"


@tagged("post_install", "-at_install")
class TestOfferAudience(CoPurchaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_rep = new_test_user(
            cls.env,
            login="clc_h4_other_rep",
            name="Otto Other Rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.portal = new_test_user(cls.env, login="clc_h4_portal", groups="base.group_portal")
        c3, c4 = cls.customers[2:4]
        # Sofia's customer, Otto's customer, and nobody's
        c3.user_id = cls.salesperson
        c4.user_id = cls.other_rep
        cls.full_run(cls)

    def audience(self, product, user=None):
        """The window opened by the product form's button as user; [(customer, score, reason)]."""
        product = product.with_user(user) if user else product
        action = product.action_lifecycle_offer_audience()
        self.assertEqual(action["res_model"], "customer.lifecycle.offer.audience")
        wizard = self.env["customer.lifecycle.offer.audience"].with_user(product.env.user)
        wizard = wizard.browse(action["res_id"])
        self.assertEqual(wizard.line_ids.mapped("rank"), list(range(1, len(wizard.line_ids) + 1)))
        return wizard, [
            (line.partner_id, round(line.confidence, 4), line.reason) for line in wizard.line_ids
        ]

    def test_ranking_and_reasons_match_the_hand_computation(self):
        c3, c4, c5, c6 = self.customers[2:6]
        wizard, listed = self.audience(self.colour.product_tmpl_id)
        self.assertEqual(listed, [(c5, 0.6667, CUT_COLOUR), (c6, 0.6667, CUT_COLOUR)])
        self.assertEqual(wizard.customer_count, 2)
        self.assertEqual(wizard.line_ids.basis_product_id, self.cut)
        self.assertEqual(
            wizard.summary,
            "2 customers you can see are likely to want Colour and have not bought it yet, "
            "best first.",
        )
        # the product rule first, then the category rule (its score is higher)
        _wizard, listed = self.audience(self.shampoo_one)
        self.assertEqual(
            listed, [(c3, 0.6, COLOUR_SHAMPOO), (c4, 0.6, COLOUR_SHAMPOO), (c6, 0.7143, HAIR_CARE)]
        )
        # the stage and the salesperson of each customer, as the list shows them
        line = _wizard.line_ids[0]
        self.assertEqual(line.stage_id, c3.lifecycle_stage_id)
        self.assertEqual(line.user_id, self.salesperson)
        action = line.action_open_customer()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", c3.id))

    def test_a_customer_who_bought_the_product_is_never_listed(self):
        c5, c6 = self.customers[4:6]
        self.buy(c5, self.colour, when="2026-11-02")
        _wizard, listed = self.audience(self.colour)
        self.assertEqual([partner for partner, _score, _reason in listed], [c6])
        # a product nobody's rule offers (Diffuser): nobody, and the sentence says why
        wizard, listed = self.audience(self.diffuser)
        self.assertEqual(listed, [])
        self.assertIn("Nobody to suggest yet", wizard.summary)

    def test_a_rep_with_own_documents_only_sees_their_customers_and_nobodys(self):
        c3, c4, _c5, c6 = self.customers[2:6]
        self.assertFalse(self.salesperson.has_group("sales_team.group_sale_salesman_all_leads"))
        customers = {
            user: [partner for partner, _score, _reason in self.audience(self.shampoo_one, user)[1]]
            for user in (self.salesperson, self.other_rep, self.sales_manager)
        }
        self.assertEqual(customers[self.salesperson], [c3, c6])
        self.assertEqual(customers[self.other_rep], [c4, c6])
        self.assertEqual(customers[self.sales_manager], [c3, c4, c6])

    def test_who_may_not_ask(self):
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "Only lifecycle users"):
                    self.colour.with_user(user).action_lifecycle_offer_audience()
                # the wizard over RPC: no right to create or read it
                Audience = self.env["customer.lifecycle.offer.audience"].with_user(user)
                with self.assertRaises(AccessError):
                    Audience.create({"product_id": self.colour.id})
                with self.assertRaises(AccessError):
                    self.env["customer.lifecycle.offer.audience.line"].with_user(user).search_read(
                        [], ["partner_id", "reason"]
                    )

    def test_the_lines_are_the_servers_and_the_askers(self):
        wizard, _listed = self.audience(self.colour, self.salesperson)
        Line = self.env["customer.lifecycle.offer.audience.line"]
        # a rep may not write a line of their own: crafted customers and reasons
        with self.assertRaises(AccessError):
            Line.with_user(self.salesperson).create(
                {"audience_id": wizard.id, "partner_id": self.customers[0].id, "rank": 1}
            )
        with self.assertRaises(AccessError):
            wizard.line_ids[0].with_user(self.salesperson).write({"confidence": 1.0})
        with self.assertRaises(AccessError):
            wizard.with_user(self.salesperson).write(
                {"line_ids": [Command.create({"partner_id": self.customers[0].id})]}
            )
        # another rep reads and refreshes none of it
        with self.assertRaises(AccessError):
            wizard.with_user(self.other_rep).read(["summary"])
        with self.assertRaises(AccessError):
            wizard.line_ids.with_user(self.other_rep).read(["reason"])
        with self.assertRaises(AccessError):
            wizard.with_user(self.other_rep).action_refresh()

    def test_another_companys_user_sees_nothing_of_this_company(self):
        company_b, rep_b = self.user_of_another_company(
            "clc_h4_rep_b", "sales_team.group_sale_salesman"
        )
        # their own company has no rule: nobody to suggest, and no number of ours
        wizard, listed = self.audience(self.colour, rep_b)
        self.assertEqual(wizard.company_id, company_b)
        self.assertEqual(listed, [])
        # a crafted window on this company is refused
        with self.assertRaises(AccessError):
            self.env["customer.lifecycle.offer.audience"].with_user(rep_b).create(
                {"product_id": self.colour.id, "company_id": self.company.id}
            )
        # and so is the button with a crafted context: the company by default, or among the
        # companies allowed (the user does not work there)
        for context in (
            {"default_company_id": self.company.id},
            {"allowed_company_ids": [company_b.id, self.company.id]},
            {"allowed_company_ids": [self.company.id]},
        ):
            with self.subTest(context=context), self.assertRaises(AccessError):
                self.colour.with_user(rep_b).with_context(
                    **context
                ).action_lifecycle_offer_audience()
        # a key the window does not read changes nothing: their company, nobody listed
        action = (
            self.colour.with_user(rep_b)
            .with_context(active_test=False, default_product_id=self.cut.id)
            .action_lifecycle_offer_audience()
        )
        wizard = (
            self.env["customer.lifecycle.offer.audience"].with_user(rep_b).browse(action["res_id"])
        )
        self.assertEqual((wizard.company_id, len(wizard.line_ids)), (company_b, 0))

    def test_the_backtest_banner_is_for_managers(self):
        wizard, _listed = self.audience(self.colour, self.sales_manager)
        self.assertTrue(wizard.backtest_summary.startswith("Too few repeat customers to tell"))
        wizard, _listed = self.audience(self.colour, self.salesperson)
        with self.assertRaises(AccessError):
            wizard.read(["backtest_summary"])
        arch = wizard.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("backtest_summary", arch)
        self.assertNotIn("action_run_backtest", arch)
