import logging
import re

from odoo import http
from odoo.http import request

from . import public_page

_logger = logging.getLogger(__name__)

# A channel id is a PostgreSQL integer: longer digit strings are not ids (and would overflow).
MAX_ID_DIGITS = 9
# The outcome of the last change, kept in the visitor's session between the POST and the page
# it redirects to, and shown once (public_page.remember_outcome / take_outcome).
DONE_KEY = "customer_lifecycle_consent_done"
# The methods the page's own routes answer; anything else is a 405 page of the addon.
PAGE_METHODS = "GET, HEAD, POST"


def mask_email(email):
    """g***@example.com: the first letter of the mailbox and the domain, enough for the customer
    to recognise their address, not enough for whoever the link was forwarded to."""
    mailbox, _at, domain = (email or "").strip().rpartition("@")
    if not mailbox or not domain:
        return "***"
    return f"{mailbox[0]}***@{domain}"


def mask_phone(phone):
    """******7890: the last four digits, the others as stars (formatting dropped)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) <= 4:
        return "*" * len(digits) or "***"
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_street(partner):
    """V*** · 20121 Milano: the first letter of the street, then the town as written (post code
    and city), never the house number."""
    street = (partner.street or "").strip()
    town = " ".join(part for part in (partner.zip, partner.city) if part)
    return " · ".join(part for part in (street and f"{street[0]}***", town) if part)


MASKS = {
    "email": lambda partner: partner.email and mask_email(partner.email),
    "phone": lambda partner: partner.phone and mask_phone(partner.phone),
    "street": lambda partner: partner.street and mask_street(partner),
}


class ConsentPage(http.Controller):
    """The customer's own consent page, reached by the private link of its partner: which
    channels they agreed to, at which (partly hidden) address, and one click to grant or
    withdraw each, in their language. Every click is a consent record with the request's
    address and browser as proof.

    Every path under /consent answers with a page of the addon and a way back, never a bare
    server error: a wrong or revoked link, no token, an unknown sub-path or a wrong method (404
    or 405), bad input or an expired form (400), too many changes (429). State changes are
    POSTs with Odoo's CSRF token: a GET (or HEAD, which werkzeug answers with the GET route),
    as mail scanners and link previews send, changes nothing."""

    # -- Who and in which language -------------------------------------------------------------

    def _partner(self, token):
        """The customer of this link (or an empty recordset), in their language."""
        partner = request.env["res.partner"].sudo()._lifecycle_from_consent_token(token)
        if partner:
            lang = partner.lang or public_page.visitor_lang()
            request.update_context(lang=lang)
            partner = partner.with_context(lang=lang)
        return partner

    def _render(self, template, partner, values, status=200, headers=None):
        return public_page.render(template, partner.company_id, values, status, headers)

    def _message(self, partner, token, title, message, status, headers=None):
        """A plain page in the customer's language saying what happened, with that HTTP status
        and the way back to their page."""
        return self._render(
            "customer_lifecycle.consent_message",
            partner,
            {"title": title, "message": message, "token": token},
            status=status,
            headers=headers,
        )

    def _unknown_link(self):
        """No customer behind this path (made up, revoked, cut short, or no token at all): a
        404 page in the visitor's language; the way back is asking the company for a new link."""
        request.update_context(lang=public_page.visitor_lang())
        env = request.env
        company = env.company.sudo()
        return self._render(
            "customer_lifecycle.consent_message",
            env["res.partner"],
            {
                "title": env._("This link does not work"),
                "message": env._(
                    "The link is incomplete, or it was replaced by a newer one. Ask "
                    "%(company)s for a new link to your contact preferences.",
                    company=company.name,
                ),
                "token": False,
                "way_back": public_page.company_contact(company),
            },
            status=404,
        )

    # -- The messages of the page ------------------------------------------------------------

    def _not_on_the_page(self, partner, token, status, headers=None):
        """A choice the page never offers (a crafted or stale request): 400 for a malformed
        one, 404 for a channel that does not exist (any more), 405 for a wrong method."""
        return self._message(
            partner,
            token,
            partner.env._("This choice is not on your page"),
            partner.env._("Nothing was saved. Open your contact preferences and choose again."),
            status,
            headers=headers,
        )

    def _expired_form(self, partner, token):
        """The form's CSRF token is missing or no longer valid (the page stayed open past the
        visitor's session, or the request was forged elsewhere)."""
        _logger.warning("Consent page: a change without a valid CSRF token was refused.")
        return self._message(
            partner,
            token,
            partner.env._("This page has expired"),
            partner.env._(
                "Nothing was saved. Open your contact preferences again and make your choice."
            ),
            400,
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

    # -- Proof and the one-time confirmation ---------------------------------------------------

    def _done(self, token, outcome):
        """Redirect to the customer's page (POST-redirect-GET), which shows the outcome once."""
        public_page.remember_outcome(DONE_KEY, token, outcome)
        return request.redirect(f"/consent/{token}", code=303)

    # -- The routes ------------------------------------------------------------------------------

    @http.route("/consent/<string:token>", type="http", auth="public", methods=["GET"])
    def consent_page(self, token, **kwargs):
        partner = self._partner(token)
        if not partner:
            return self._unknown_link()
        company = (partner.company_id or request.env.company).sudo()
        Consent = request.env["customer.consent"].sudo().with_context(lang=partner.lang)
        # One sentence for the translators, names as placeholders, so each language orders it.
        intro = partner.env._(
            "%(customer)s, choose how %(company)s may send you news and offers. "
            "You can change your mind at any time.",
            customer=partner.name,
            company=company.name,
        )
        channels = Consent._channel_states(partner.ids)[partner.id]
        needs = {
            channel.id: channel.address_field
            for channel in request.env["customer.consent.channel"]
            .sudo()
            .browse([channel["id"] for channel in channels])
        }
        for channel in channels:
            need = needs[channel["id"]]
            channel["needs_address"] = bool(need)
            channel["address"] = (need and MASKS[need](partner)) or False
        return self._render(
            "customer_lifecycle.consent_page",
            partner,
            {
                "partner": partner,
                "intro": intro,
                "token": token,
                "channels": channels,
                "done": public_page.take_outcome(DONE_KEY, token),
            },
        )

    @http.route("/consent/<string:token>", type="http", auth="public", methods=["POST"], csrf=False)
    def consent_change(self, token, channel_id=None, choice=None, csrf_token=None, **kwargs):
        # Odoo's CSRF check is done here rather than by the route (csrf=False) so that a stale
        # or missing token gets the addon's page in the customer's language, not a bare 400.
        partner = self._partner(token)
        if not partner:
            return self._unknown_link()
        if not request.validate_csrf(csrf_token):
            return self._expired_form(partner, token)
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
            ._record_from_page(partner, int(channel_id), choice, **public_page.proof())
        )
        if outcome == "unknown":
            return self._not_on_the_page(partner, token, 404)
        if outcome == "too_many":
            return self._too_many(partner, token)
        return self._done(token, outcome)

    @http.route(
        "/consent/<string:token>/confirm/<string:code>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def consent_confirm_page(self, token, code, **kwargs):
        """The link of the confirmation e-mail: a page with a Confirm button, nothing more."""
        partner = self._partner(token)
        if not partner:
            return self._unknown_link()
        Consent = request.env["customer.consent"].sudo().with_context(lang=partner.lang)
        if not Consent._pending_for_code(partner, code):
            return self._dead_link(partner, token)
        return self._render(
            "customer_lifecycle.consent_confirm_page",
            partner,
            {"partner": partner, "token": token, "code": code},
        )

    @http.route(
        "/consent/<string:token>/confirm/<string:code>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
    )
    def consent_confirm(self, token, code, csrf_token=None, **kwargs):
        """The customer pressed Confirm: the pending email consent becomes granted. (CSRF
        checked here, as for consent_change.)"""
        partner = self._partner(token)
        if not partner:
            return self._unknown_link()
        if not request.validate_csrf(csrf_token):
            return self._expired_form(partner, token)
        confirmed = (
            request.env["customer.consent"]
            .sudo()
            .with_context(lang=partner.lang)
            ._confirm_from_email(partner, code, **public_page.proof())
        )
        if confirmed == "too_many":
            return self._too_many(partner, token)
        if not confirmed:
            return self._dead_link(partner, token)
        return self._done(token, "confirmed")

    @http.route(
        ["/consent", "/consent/", "/consent/<path:rest>"],
        type="http",
        auth="public",
        csrf=False,
    )
    def consent_elsewhere(self, rest="", **kwargs):
        """Every other path or method under /consent: a page of the addon, never Werkzeug's
        bare English error. It changes nothing, hence no CSRF check.

        - a wrong method (PUT, DELETE...) on the page or its confirmation link: 405;
        - anything else after a customer's token: 404 with the way back to their page;
        - no token, or one that names no customer: 404 in the visitor's language."""
        token, _slash, tail = rest.partition("/")
        partner = self._partner(token)
        if not partner:
            return self._unknown_link()
        parts = tail.split("/")
        if tail == "" or (len(parts) == 2 and parts[0] == "confirm" and parts[1]):
            return self._not_on_the_page(partner, token, 405, headers={"Allow": PAGE_METHODS})
        return self._message(
            partner,
            token,
            partner.env._("This page does not exist"),
            partner.env._("Open your contact preferences to see and change your choices."),
            404,
        )
