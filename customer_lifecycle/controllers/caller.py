"""Who is calling: a JSON answer for telephony integrations (a PBX, a softphone, a CTI
connector) that know the caller ID of an incoming call and want the customer behind it.

GET /customer_lifecycle/caller?number=<caller ID in any format>
Authorization: Bearer <API key of a Customer Lifecycle user>

200 {"number": "+390212345678", "count": 1, "customers": [{"id", "name", "stage",
     "stage_code", "value_class", "salesperson", "url"}]}   (several customers: several items)
400 the number is missing or reads as no phone number
401 no key, or a key Odoo does not know (Odoo's bearer authentication answers it)
403 the key's user is not a Customer Lifecycle user
404 nobody the user may read has that number
Every answer the addon writes is JSON with "error" and "message" when it is not a 200.
"""

import json
from urllib.parse import unquote_plus

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

LIFECYCLE_USER = "customer_lifecycle.group_lifecycle_user"


def number_from_query(query_string):
    """The `number` of a raw query string, keeping a leading "+". Phone systems put the caller
    ID into the URL as it comes (`?number=+390212345678`), and form decoding would read that
    "+" as a space; elsewhere in the value "+" is a space, as an encoder that writes spaces as
    "+" also writes a real "+" as %2B. None when the query has no `number`."""
    for pair in query_string.split("&"):
        key, _sep, value = pair.partition("=")
        if unquote_plus(key) != "number":
            continue
        prefix = "+" if value.startswith("+") else ""
        return prefix + unquote_plus(value[len(prefix) :])
    return None


class LifecycleCaller(http.Controller):
    @http.route(
        "/customer_lifecycle/caller",
        type="http",
        auth="bearer",
        methods=["GET"],
        readonly=True,
    )
    def lifecycle_caller(self, **_params):
        """The customers behind a caller ID, as the key's user may read them (record rules
        apply: a user of another company finds nothing of this one). Read-only: it runs on the
        replica when Odoo has one."""
        env = request.env
        if not env.user.has_group(LIFECYCLE_USER):
            return self._error(
                403,
                "forbidden",
                env._(
                    "Only Customer Lifecycle users may look up callers: use the API key of a user "
                    "in the Customer Lifecycle / User group."
                ),
            )
        number = number_from_query(request.httprequest.query_string.decode("latin-1"))
        if not number or not number.strip():
            return self._error(
                400,
                "missing_number",
                env._(
                    "Give the caller's number as ?number=..., in any format: +39 02 1234 5678, "
                    "0048600100200, 02-1234-5678."
                ),
            )
        try:
            e164, customers = env["res.partner"]._lifecycle_match_phone(number)
        except UserError as error:
            return self._error(400, "bad_number", str(error))
        if not customers:
            return self._error(
                404,
                "not_found",
                env._("No customer you may see has the number %(number)s.", number=e164),
                number=e164,
            )
        return self._json(
            200,
            {
                "number": e164,
                "count": len(customers),
                "customers": [self._customer(customer) for customer in customers],
            },
        )

    def _customer(self, customer):
        return {
            "id": customer.id,
            "name": customer.display_name,
            "stage": customer.lifecycle_stage_id.name or None,
            "stage_code": customer.lifecycle_stage_id.code or None,
            "value_class": customer.lifecycle_value_class or None,
            "salesperson": customer.user_id.name or None,
            "url": f"{customer.get_base_url()}/odoo/lifecycle-funnel/{customer.id}",
        }

    def _error(self, status, code, message, **extra):
        return self._json(status, {"error": code, "message": message, **extra})

    def _json(self, status, payload):
        return request.make_response(
            json.dumps(payload, ensure_ascii=False),
            headers=[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Cache-Control", "no-store"),
            ],
            status=status,
        )
