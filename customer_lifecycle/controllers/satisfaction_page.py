import logging

from odoo import fields, http
from odoo.http import request

from ..models.customer_satisfaction_request import ANSWER_DAYS, MAX_COMMENT
from . import public_page

_logger = logging.getLogger(__name__)

# The outcome of the last comment, kept in the visitor's session between the POST and the
# page it redirects to, and shown once.
DONE_KEY = "customer_lifecycle_satisfaction_done"
MAX_SCORE_DIGITS = 2


class SatisfactionPage(http.Controller):
    """The page of the satisfaction e-mail's links: /satisfaction/<token>/<score> records the
    score at once (the one click the e-mail promises) with the request's address and browser as
    proof, then shows a thank-you with an optional comment (a POST with Odoo's CSRF token).
    Another score's link changes the answer; every click is kept as an answer.

    A HEAD (link previews) records nothing. Every path under /satisfaction answers with a page
    of the addon in the customer's language: a wrong link 404, a score that is not 0-10 400, a
    question older than ANSWER_DAYS 410, too many answers 429."""

    # -- Who and in which language -------------------------------------------------------------

    def _request(self, token):
        """The satisfaction request of this link (or an empty recordset), its customer's
        language set on the request's context."""
        Request = request.env["customer.satisfaction.request"].sudo()
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return Request
        survey = Request.search([("token", "=", token)], limit=1)
        if survey:
            lang = survey.partner_id.lang or public_page.visitor_lang()
            request.update_context(lang=lang)
            survey = survey.with_context(lang=lang)
        return survey

    def _render(self, template, survey, values, status=200, headers=None):
        return public_page.render(template, survey.company_id, values, status, headers)

    def _message(self, survey, title, message, status, headers=None):
        return self._render(
            "customer_lifecycle.satisfaction_message",
            survey,
            {"title": title, "message": message, "token": False},
            status=status,
            headers=headers,
        )

    def _unknown_link(self):
        """No request behind this path: the consent page's 404 in the visitor's language."""
        request.update_context(lang=public_page.visitor_lang())
        env = request.env
        company = env.company.sudo()
        return self._render(
            "customer_lifecycle.satisfaction_message",
            env["customer.satisfaction.request"],
            {
                "title": env._("This link does not work"),
                "message": env._(
                    "The link is incomplete or it was changed. Thank you all the same: you can "
                    "tell %(company)s what you think by replying to their e-mail.",
                    company=company.name,
                ),
                "token": False,
                "way_back": public_page.company_contact(company),
            },
            status=404,
        )

    def _closed(self, survey):
        return self._message(
            survey,
            survey.env._("This question is closed"),
            survey.env._(
                "We stop collecting answers %(days)s days after asking. Thank you all the same: "
                "we will ask again after your next order.",
                days=ANSWER_DAYS,
            ),
            410,
        )

    def _too_many(self, survey):
        return self._message(
            survey,
            survey.env._("Too many answers"),
            survey.env._(
                "Your answer was changed many times in a few minutes. Nothing was saved: please "
                "try again later."
            ),
            429,
        )

    def _bad_score(self, survey):
        return self._message(
            survey,
            survey.env._("This score is not on the scale"),
            survey.env._(
                "Nothing was saved. Choose a score from 0 (not at all likely) to 10 (extremely "
                "likely) in our e-mail or on your page."
            ),
            400,
        )

    def _expired_form(self, survey):
        _logger.warning("Satisfaction page: a comment without a valid CSRF token was refused.")
        return self._message(
            survey,
            survey.env._("This page has expired"),
            survey.env._(
                "Your comment was not saved. Open the link in our e-mail again and write it."
            ),
            400,
        )

    # -- Answering ---------------------------------------------------------------------------

    def _valid_score(self, score):
        """A score as the page sends it: one or two digits, 0 to 10."""
        return (
            isinstance(score, str)
            and score.isdecimal()
            and len(score) <= MAX_SCORE_DIGITS
            and int(score) <= 10
        )

    def _posted_score(self, survey, score):
        """The score of a POST: the one sent (the page's scores), else the current answer (a
        comment alone); None when neither is valid."""
        if score is not None:
            return int(score) if self._valid_score(score) else None
        return survey.score if survey.state == "answered" else None

    def _is_open(self, survey):
        return survey.sent_date >= fields.Datetime.now() - survey._answer_period()

    def _answer(self, survey, score, comment=None):
        """Record the answer with the request's proof; 'too_many' when rate-limited."""
        proof = {"source": "page", **public_page.proof()}
        return survey._answer_from_page(score, comment, proof)

    def _page(self, survey, token, done=None, status=200):
        return self._render(
            "customer_lifecycle.satisfaction_page",
            survey,
            {
                "survey": survey,
                "partner": survey.partner_id,
                "token": token,
                "scores": range(11),
                "done": done,
                "max_comment": MAX_COMMENT,
            },
            status=status,
        )

    # -- The routes ------------------------------------------------------------------------------

    @http.route("/satisfaction/<string:token>", type="http", auth="public", methods=["GET"])
    def satisfaction_page(self, token, **kwargs):
        """The scores (unanswered) or the thank-you with the comment form (answered)."""
        survey = self._request(token)
        if not survey:
            return self._unknown_link()
        if not self._is_open(survey):
            return self._closed(survey)
        return self._page(survey, token, done=public_page.take_outcome(DONE_KEY, token))

    @http.route(
        "/satisfaction/<string:token>/<string:score>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def satisfaction_score(self, token, score, **kwargs):
        """One click in the e-mail: the score is recorded at once, then the page (303, so that
        a reload records nothing more). A HEAD, as link previews send, records nothing."""
        survey = self._request(token)
        if not survey:
            return self._unknown_link()
        if not self._valid_score(score):
            return self._bad_score(survey)
        if not self._is_open(survey):
            return self._closed(survey)
        if request.httprequest.method == "HEAD":
            return self._page(survey, token)
        if self._answer(survey, int(score)) == "too_many":
            return self._too_many(survey)
        return request.redirect(f"/satisfaction/{token}", code=303)

    @http.route(
        "/satisfaction/<string:token>", type="http", auth="public", methods=["POST"], csrf=False
    )
    def satisfaction_comment(self, token, comment=None, score=None, csrf_token=None, **kwargs):
        """The comment form (and the scores of the page, for a customer who opened the page
        without a score): CSRF checked here so that a stale form gets the addon's page."""
        survey = self._request(token)
        if not survey:
            return self._unknown_link()
        if not request.validate_csrf(csrf_token):
            return self._expired_form(survey)
        if not self._is_open(survey):
            return self._closed(survey)
        score = self._posted_score(survey, score)
        if score is None:
            return self._bad_score(survey)
        if not isinstance(comment, str):
            comment = None
        if self._answer(survey, score, comment) == "too_many":
            return self._too_many(survey)
        public_page.remember_outcome(DONE_KEY, token, "comment" if comment else "score")
        return request.redirect(f"/satisfaction/{token}", code=303)

    @http.route(
        ["/satisfaction", "/satisfaction/", "/satisfaction/<path:rest>"],
        type="http",
        auth="public",
        csrf=False,
    )
    def satisfaction_elsewhere(self, rest="", **kwargs):
        """Every other path or method under /satisfaction: the addon's page, never a bare
        server error; it changes nothing."""
        token, _slash, _tail = rest.partition("/")
        survey = self._request(token)
        if not survey:
            return self._unknown_link()
        return self._message(
            survey,
            survey.env._("This page does not exist"),
            survey.env._("Open the link in our e-mail to answer."),
            404,
        )
