from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request


class ConsentPage(http.Controller):
    """The customer's own consent page, reached by the private link of its partner: which
    channels they agreed to, and one click to grant or withdraw each, in their language. Every
    click is a consent record with the request's address and browser as proof."""

    def _partner(self, token):
        partner = request.env["res.partner"].sudo()._lifecycle_from_consent_token(token)
        if not partner:
            raise NotFound()
        request.update_context(lang=partner.lang or request.env.context.get("lang"))
        return partner.with_context(lang=partner.lang)

    @http.route("/consent/<string:token>", type="http", auth="public", methods=["GET"])
    def consent_page(self, token, done=None, **kwargs):
        partner = self._partner(token)
        company = (partner.company_id or request.env.company).sudo()
        Consent = request.env["customer.consent"].sudo().with_context(lang=partner.lang)
        # One sentence for the translators, names as placeholders, so each language orders it.
        intro = partner.env._(
            "%(customer)s, choose how %(company)s may send you news and offers. "
            "You can change your mind at any time.",
            customer=partner.name,
            company=company.name,
        )
        return request.render(
            "customer_lifecycle.consent_page",
            {
                "partner": partner,
                "company": company,
                "intro": intro,
                "token": token,
                "channels": Consent._channel_states(partner.ids)[partner.id],
                "done": done,
            },
        )

    @http.route("/consent/<string:token>", type="http", auth="public", methods=["POST"])
    def consent_change(self, token, channel_id=None, choice=None, **kwargs):
        partner = self._partner(token)
        if choice not in ("grant", "withdraw") or not (channel_id or "").isdigit():
            raise NotFound()
        outcome = (
            request.env["customer.consent"]
            .sudo()
            .with_context(lang=partner.lang)
            ._record_from_page(
                partner,
                int(channel_id),
                choice,
                remote_addr=request.httprequest.remote_addr,
                user_agent=request.httprequest.user_agent.string,
            )
        )
        return request.redirect(f"/consent/{token}?done={outcome}")

    @http.route(
        "/consent/<string:token>/confirm/<string:code>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def consent_confirm(self, token, code, **kwargs):
        partner = self._partner(token)
        confirmed = (
            request.env["customer.consent"]
            .sudo()
            ._confirm_from_email(
                partner,
                code,
                remote_addr=request.httprequest.remote_addr,
                user_agent=request.httprequest.user_agent.string,
            )
        )
        if not confirmed:
            raise NotFound()
        return request.redirect(f"/consent/{token}?done=confirmed")
