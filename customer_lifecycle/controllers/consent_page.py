from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

# A channel id is a PostgreSQL integer: longer digit strings are not ids (and would overflow).
MAX_ID_DIGITS = 9


class ConsentPage(http.Controller):
    """The customer's own consent page, reached by the private link of its partner: which
    channels they agreed to, and one click to grant or withdraw each, in their language. Every
    click is a consent record with the request's address and browser as proof.

    Bad input is a 400 or 404 page, never a 500; too many changes a 429 page. State changes
    are POSTs with Odoo's CSRF token: a GET (or HEAD, which werkzeug answers with the GET
    route), as mail scanners and link previews send, changes nothing."""

    def _partner(self, token):
        partner = request.env["res.partner"].sudo()._lifecycle_from_consent_token(token)
        if not partner:
            raise NotFound()
        request.update_context(lang=partner.lang or request.env.context.get("lang"))
        return partner.with_context(lang=partner.lang)

    def _message(self, partner, token, title, message, status):
        """A plain page in the customer's language saying what happened, with that HTTP status
        and the way back to their page."""
        company = (partner.company_id or request.env.company).sudo()
        return request.render(
            "customer_lifecycle.consent_message",
            {"company": company, "title": title, "message": message, "token": token},
            status=status,
        )

    def _not_on_the_page(self, partner, token, status):
        """A choice the page never offers (a crafted or stale request): 400 for a malformed
        one, 404 for a channel that does not exist (any more)."""
        return self._message(
            partner,
            token,
            partner.env._("This choice is not on your page"),
            partner.env._("Nothing was saved. Open your contact preferences and choose again."),
            status,
        )

    def _too_many(self, partner, token):
        return self._message(
            partner,
            token,
            partner.env._("Too many changes"),
            partner.env._(
                "Your choices were changed many times in a few minutes, or a confirmation "
                "e-mail was sent less than an hour ago. Nothing was saved: please try again "
                "later."
            ),
            429,
        )

    def _proof(self):
        """The request's own proof: the client address (behind a reverse proxy, the address it
        forwards when Odoo runs with proxy_mode) and the browser."""
        httprequest = request.httprequest
        return {
            "remote_addr": httprequest.remote_addr,
            "user_agent": httprequest.user_agent.string,
        }

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
        if (
            choice not in ("grant", "withdraw")
            or not isinstance(channel_id, str)
            or not channel_id.isdecimal()
            or len(channel_id) > MAX_ID_DIGITS
        ):
            return self._not_on_the_page(partner, token, 400)
        outcome = (
            request.env["customer.consent"]
            .sudo()
            .with_context(lang=partner.lang)
            ._record_from_page(partner, int(channel_id), choice, **self._proof())
        )
        if outcome == "unknown":
            return self._not_on_the_page(partner, token, 404)
        if outcome == "too_many":
            return self._too_many(partner, token)
        return request.redirect(f"/consent/{token}?done={outcome}")

    @http.route(
        "/consent/<string:token>/confirm/<string:code>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def consent_confirm_page(self, token, code, **kwargs):
        """The link of the confirmation e-mail: a page with a Confirm button, nothing more."""
        partner = self._partner(token)
        Consent = request.env["customer.consent"].sudo().with_context(lang=partner.lang)
        if not Consent._pending_for_code(partner, code):
            return self._dead_link(partner, token)
        company = (partner.company_id or request.env.company).sudo()
        return request.render(
            "customer_lifecycle.consent_confirm_page",
            {"partner": partner, "company": company, "token": token, "code": code},
        )

    @http.route(
        "/consent/<string:token>/confirm/<string:code>",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def consent_confirm(self, token, code, **kwargs):
        """The customer pressed Confirm: the pending email consent becomes granted."""
        partner = self._partner(token)
        confirmed = (
            request.env["customer.consent"]
            .sudo()
            .with_context(lang=partner.lang)
            ._confirm_from_email(partner, code, **self._proof())
        )
        if confirmed == "too_many":
            return self._too_many(partner, token)
        if not confirmed:
            return self._dead_link(partner, token)
        return request.redirect(f"/consent/{token}?done=confirmed")

    def _dead_link(self, partner, token):
        return self._message(
            partner,
            token,
            partner.env._("This link no longer works"),
            partner.env._(
                "The confirmation link was already used, has expired, or your choice changed "
                "since it was sent. Open your contact preferences to choose again."
            ),
            404,
        )
