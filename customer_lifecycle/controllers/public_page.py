"""What the customer's public pages (consent, satisfaction) share: the language of a visitor no
link names, a page in the company's brand and the request context's language, the way back to
the company, the request's proof, and the outcome of a POST shown once on the page it
redirects to."""

import re

from odoo.http import request


def visitor_lang():
    """For a link that names no customer: the browser's language when it is installed, else the
    language Odoo serves the site in (the website's default, or the default of new contacts)."""
    IrHttp = request.env["ir.http"]  # http_routing's, through portal
    return IrHttp.get_nearest_lang(request.best_lang) or IrHttp._get_default_lang().code


def render(template, company, values, status=200, headers=None):
    """A page of the addon in the language of the request's context, with company (or the
    site's) as brand and the page's `lang` attribute."""
    company = (company or request.env.company).sudo()
    lang = request.env.context.get("lang") or "en_US"
    return request.render(
        template,
        {"company": company, "html_lang": lang.replace("_", "-"), **values},
        status=status,
        headers=headers,
    )


def company_contact(company):
    """The way back when there is no customer page to go back to: write to the company, visit
    its website or call it (none when the company has none of them)."""
    if company.email:
        label = request.env._("Write to %(company)s", company=company.name)
        return {"url": f"mailto:{company.email}", "label": label}
    if company.website:
        label = request.env._("Visit %(company)s", company=company.name)
        return {"url": company.website, "label": label}
    if company.phone:
        label = request.env._("Call %(company)s", company=company.name)
        number = re.sub(r"[^+\d]", "", company.phone)
        return {"url": f"tel:{number}", "label": label}
    return None


def proof():
    """The request's own proof: the client address (behind a reverse proxy, the address it
    forwards when Odoo runs with proxy_mode) and the browser."""
    httprequest = request.httprequest
    return {"remote_addr": httprequest.remote_addr, "user_agent": httprequest.user_agent.string}


def remember_outcome(key, token, outcome):
    """Keep the outcome of a POST in the visitor's session for the page it redirects to (never
    in the URL, where anyone could write it)."""
    request.session[key] = {"token": token, "outcome": outcome}


def take_outcome(key, token):
    """The outcome of this visitor's last POST on this page, once: a reload (or any other
    visitor, or a crafted URL) gets nothing. A HEAD leaves it for the GET that follows."""
    done = request.session.get(key)
    if not done or done.get("token") != token or request.httprequest.method != "GET":
        return None
    request.session.pop(key)
    return done.get("outcome")
