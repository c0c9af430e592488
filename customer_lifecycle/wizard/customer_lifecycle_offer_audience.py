"""Who to offer this to: from a product's form, the customers most likely to want it, ranked.

Computed on demand, set-based, from the stored co-purchase rules of the company
(customer.lifecycle.affinity), not only from the customers' stored top 3: every customer who
bought what a rule offering the product starts from, and has not bought the product, is ranked
by the ranking of the next best offers (customer.lifecycle.offer._ranked_query, given only the
rules that offer this product): product rules before category rules, then the confidence, the
lift, the customer. The ranking runs in SQL over the customers the user may read; the listed
customers are then read through the ORM with the user's rights.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

AUDIENCE_LIMIT = 200  # customers listed: a list to work through, not a mailing list

# The lines that can make a customer a candidate for the product (its company's counted
# purchases of the products the rules start from, of the products in the rules' categories,
# and of the product itself: a customer who bought it is never listed), ranked by
# offer._ranked_query, for the customers the user may see (visible), best first.
AUDIENCE = """
WITH rules AS MATERIALIZED (
    SELECT * FROM customer_lifecycle_affinity
     WHERE company_id = %(company_id)s AND offer_product_id = %(product_id)s
),
relevant AS MATERIALIZED (
    SELECT antecedent_product_id AS product_id FROM rules WHERE kind = 'product'
    UNION
    SELECT pc.product_id
      FROM (%(categories)s) pc
      JOIN rules r ON r.kind = 'category'
                  AND pc.category_id IN (r.antecedent_category_id, r.consequent_category_id)
     WHERE pc.company_id = %(company_id)s
    UNION
    SELECT %(product_id)s
),
lines AS (
    SELECT l.* FROM (%(lines)s) l
     WHERE l.company_id = %(company_id)s AND l.state = 'sale'
       AND l.product_id IN (SELECT product_id FROM relevant)
)
SELECT r.partner_id, r.confidence, r.lift, r.basis_product_id, r.basis_category_id
  FROM (%(ranked)s) r
  JOIN (%(population)s) p ON p.id = r.partner_id
 WHERE r.partner_id IN (%(visible)s)
 ORDER BY r.basis_product_id IS NULL, r.confidence DESC, r.lift DESC, r.partner_id
 LIMIT %(limit)s
"""


class CustomerLifecycleOfferAudience(models.TransientModel):
    """The customers to offer a product to (see the module docstring), made from the product
    form's button; lines written by the server, read by the user who asked."""

    _name = "customer.lifecycle.offer.audience"
    _description = "Customer Lifecycle: Who to Offer a Product To"
    _check_company_auto = True

    product_id = fields.Many2one(
        "product.product",
        string="Product",
        required=True,
        readonly=True,
        check_company=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self._default_company_id(),
        help="The company whose customers and co-purchase rules are used.",
    )
    line_ids = fields.One2many(
        "customer.lifecycle.offer.audience.line", "audience_id", string="Customers", readonly=True
    )
    customer_count = fields.Integer(string="Customers Listed", readonly=True)
    summary = fields.Char(readonly=True)
    # the offers' backtest, for lifecycle managers: how far to trust the ranking
    backtest_summary = fields.Char(
        related="company_id.lifecycle_offer_backtest_summary",
        groups="customer_lifecycle.group_lifecycle_manager",
    )

    def _compute_display_name(self):
        for audience in self:
            audience.display_name = self.env._(
                "Who to Offer %(product)s To", product=audience.product_id.display_name
            )

    def _default_company_id(self):
        # the lifecycle company, when the user works in it; else the user's current company
        lifecycle_company = self.env["res.company"]._lifecycle_company()
        return lifecycle_company if lifecycle_company in self.env.companies else self.env.company

    # -- Actions ----------------------------------------------------------------------------

    def action_refresh(self):
        """Rank the customers again from the stored rules, as the user may see them."""
        self.ensure_one()
        self._fill()
        return True

    def action_run_backtest(self):
        """Managers: test the recommendations now (customer.lifecycle.offer.backtest)."""
        self.ensure_one()
        self.env["customer.lifecycle.offer.backtest"].action_run()
        return True

    # -- Business ---------------------------------------------------------------------------

    @api.model
    def _open_for(self, product):
        """The window of the customers to offer this product (product.product) to, computed
        now for the current user."""
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_user"):
            raise UserError(self.env._("Only lifecycle users can see who to offer a product to."))
        product.check_access("read")
        audience = self.create({"product_id": product.id})
        audience._fill()
        return {
            "type": "ir.actions.act_window",
            "name": audience.display_name,
            "res_model": self._name,
            "res_id": audience.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _visible_customers_query(self):
        """SQL: ids of the customers the user may read (the ORM's rules), and for a salesperson
        with "Own Documents Only" only theirs and nobody's, as their orders are: the list tells
        what customers bought, which such a rep may not read of another rep's customers."""
        domain = Domain.TRUE
        user = self.env.user
        if user.has_group("sales_team.group_sale_salesman") and not user.has_group(
            "sales_team.group_sale_salesman_all_leads"
        ):
            domain &= Domain("user_id", "in", [False, user.id])
        return self.env["res.partner"]._search(domain).subselect()

    def _ranked_customers(self):
        """Rows (partner_id, confidence, lift, basis_product_id, basis_category_id) of the
        customers to offer the product to, best first (AUDIENCE_LIMIT at most)."""
        self.env.flush_all()  # the lines are read from several models' tables
        ranked = self.env["customer.lifecycle.offer"]._ranked_query(
            SQL("SELECT * FROM lines"), SQL("SELECT * FROM rules"), limit=1
        )
        return self.env.execute_query(
            SQL(
                AUDIENCE,
                company_id=self.company_id.id,
                product_id=self.product_id.id,
                categories=self.env["customer.lifecycle.affinity"]._product_categories(),
                lines=self.env["customer.lifecycle.fact"]._purchase_product_lines_query(None),
                ranked=ranked,
                population=self.env["customer.lifecycle.fact"]._population_query(None),
                visible=self._visible_customers_query(),
                limit=AUDIENCE_LIMIT,
            )
        )

    def _fill(self):
        """Replace the lines by the ranked customers the user may read. The lines are the
        server's (sudo: users may read them, never write them); the customers are read as the
        user first."""
        self.ensure_one()
        self.check_access("write")
        rows = self._ranked_customers()
        readable = self.env["res.partner"].browse([row[0] for row in rows])._filtered_access("read")
        rows = [row for row in rows if row[0] in readable.ids]
        lines = self.sudo().line_ids
        lines.unlink()
        lines.create(
            [
                {
                    "audience_id": self.id,
                    "rank": rank,
                    "partner_id": partner_id,
                    "confidence": confidence,
                    "lift": lift,
                    "basis_product_id": basis_product_id,
                    "basis_category_id": basis_category_id,
                }
                for rank, (partner_id, confidence, lift, basis_product_id, basis_category_id) in (
                    enumerate(rows, start=1)
                )
            ]
        )
        self.sudo().write({"customer_count": len(rows), "summary": self._summary(len(rows))})

    def _summary(self, count):
        """The sentence above the list."""
        if not count:
            return self.env._(
                "Nobody to suggest yet: no customer you can see has bought what the customers "
                "who buy %(product)s bought before it, or the co-purchase rules are not computed "
                "yet (the weekly full computation does).",
                product=self.product_id.display_name,
            )
        if count == AUDIENCE_LIMIT:
            return self.env._(
                "The %(count)s customers you can see most likely to want %(product)s, who have "
                "not bought it yet, best first.",
                count=count,
                product=self.product_id.display_name,
            )
        return self.env._(
            "%(count)s customers you can see are likely to want %(product)s and have not bought "
            "it yet, best first.",
            count=count,
            product=self.product_id.display_name,
        )

    def _audience_partners(self):
        """The listed customers, best first. Hook for the mailing bridge (not part of this
        addon): where mass mailing is installed, the bridge adds a "Send Them a Mailing" button
        to the form that builds a mailing on these customers, within their e-mail consent."""
        return self.line_ids.sorted("rank").partner_id


class CustomerLifecycleOfferAudienceLine(models.TransientModel):
    """A customer to offer the product to: rank, score and why."""

    _name = "customer.lifecycle.offer.audience.line"
    _description = "Customer Lifecycle: Customer to Offer a Product To"
    _order = "audience_id, rank"

    audience_id = fields.Many2one(
        "customer.lifecycle.offer.audience", required=True, ondelete="cascade", index=True
    )
    rank = fields.Integer(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    stage_id = fields.Many2one(related="partner_id.lifecycle_stage_id", string="Stage")
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    confidence = fields.Float(
        string="Score",
        digits=(16, 4),
        readonly=True,
        help="Share of the customers who bought what this customer bought who also bought the "
        "product (the confidence of the best co-purchase rule).",
    )
    lift = fields.Float(
        digits=(16, 2),
        readonly=True,
        help="How many times more often than the average customer those customers bought it.",
    )
    basis_product_id = fields.Many2one(
        "product.product", string="Because They Bought", readonly=True
    )
    basis_category_id = fields.Many2one(
        "product.category", string="Because They Buy in", readonly=True
    )
    reason = fields.Char(compute="_compute_reason")

    @api.depends_context("lang")
    @api.depends("confidence", "lift", "basis_product_id", "basis_category_id")
    def _compute_reason(self):
        # the next best offer's own words (customer.lifecycle.offer.reason), on the fly
        Offer = self.env["customer.lifecycle.offer"]
        for line in self:
            line.reason = Offer.new(
                {
                    "product_id": line.audience_id.product_id.id,
                    "confidence": line.confidence,
                    "lift": line.lift,
                    "basis_product_id": line.basis_product_id.id,
                    "basis_category_id": line.basis_category_id.id,
                }
            ).reason

    def action_open_customer(self):
        """Open the customer's form."""
        self.ensure_one()
        self.partner_id.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
