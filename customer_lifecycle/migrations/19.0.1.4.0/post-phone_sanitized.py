"""19.0.1.4.0: callers are recognised by res.partner.phone_sanitized in E.164, and phonenumbers
is now a dependency of the addon. A database whose numbers were saved without it holds them as
typed: they are formatted again (res.partner._lifecycle_sanitize_phones)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["res.partner"]._lifecycle_sanitize_phones()
