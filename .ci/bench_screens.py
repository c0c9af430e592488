"""Odoo's own Contacts screens on the bench data, timed as the web client calls them.

Used by bench.py (PHASE=screens, and after the engine scenarios at XL): the same calls before the
addon is installed and after, so that what the addon costs the standard screens is measured on
the same data. Each call opens its own transaction, as an HTTP request does; one untimed call of
each first, so that the registry's caches are warm as in a running server. The calls, as Odoo 19's
web client sends them for the Contacts action (contacts.action_contacts, list view first):

- Contacts list: web_search_read([], <list fields>, limit=80, count_limit=10001);
- Contacts kanban: web_search_read([], <kanban fields>, limit=40, count_limit=10001) (the kanban's
  default page; the view has no grouping, so no web_read_group);
- search by name: a name typed in the search bar, "Search Name for: ..." applies the search view's
  filter_domain of `name` (complete_name, ref, email, vat or company_registry ilike) to the list;
- customer autocomplete: web_name_search(name, {"display_name": {}}, limit=9), what a many2one
  field (a quotation's Customer) sends while one types;
- save: web_save({"street": ...}, <form fields>) on a bench customer, committed, as the form's
  Save button does (the form's fields read back).

The field specifications come from the views as installed (get_views as that user), so the
addon's fields in the standard views are read when the addon is there: a many2one as its
display_name, a one2many/many2many as its records' display_name (40 of them), as the web client
asks for them.
"""

import json
import random
import statistics
import time

from odoo import Command, api

COUNT_LIMIT = 10001
SEARCH_VIEW_NAME_DOMAIN = [
    "|",
    "|",
    "|",
    "|",
    ("complete_name", "ilike", None),
    ("ref", "ilike", None),
    ("email", "ilike", None),
    ("vat", "ilike", None),
    ("company_registry", "ilike", None),
]


def name_domain(typed):
    """The search view's filter_domain for `name`, with what was typed."""
    return [
        leaf if isinstance(leaf, str) else (*leaf[:2], typed) for leaf in SEARCH_VIEW_NAME_DOMAIN
    ]


def specification(fields):
    """The web client's read specification for a view's fields (see the module docstring)."""
    spec = {}
    for name, field in fields.items():
        if field["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif field["type"] in ("one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}, "limit": 40}
        else:
            spec[name] = {}
    return spec


def users(env):
    """The administrator and a salesperson who sees only his own documents (created once)."""
    seller = env["res.users"].search([("login", "=", "bench_salesperson")])
    if not seller:
        seller = env["res.users"].create(
            {
                "name": "Bench Salesperson",
                "login": "bench_salesperson",
                "group_ids": [Command.link(env.ref("sales_team.group_sale_salesman").id)],
            }
        )
    return {"administrator": env.ref("base.user_admin").id, "salesperson": seller.id}


def measure(bench, calls=30, seed=7):
    """{"<user>: <screen>": [milliseconds of each call]} for every user and screen."""
    with bench.cursor() as cr:
        env = bench.env(cr)
        who = users(env)
        cr.execute(
            "SELECT min(id), max(id), count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'"
        )
        first, last, customers = cr.fetchone()
        specs = {}
        for user, uid in who.items():
            partners = env["res.partner"].with_user(uid)
            for kind, xmlid in (
                ("list", "base.view_partner_tree"),
                ("kanban", "base.res_partner_kanban_view"),
                ("form", "base.view_partner_form"),
            ):
                view = env.ref(xmlid)
                fields = partners.get_views([(view.id, kind)])["models"]["res.partner"]["fields"]
                specs[user, kind] = specification(fields)
    rng = random.Random(seed)
    context = {"default_is_company": True, "bin_size": True, "lang": "en_US"}

    def partners(cr, uid):
        return api.Environment(cr, uid, context)["res.partner"]

    def screens(user, uid):
        list_spec, kanban_spec, form_spec = (
            specs[user, kind] for kind in ("list", "kanban", "form")
        )

        def contacts_list(cr):
            partners(cr, uid).web_search_read([], list_spec, limit=80, count_limit=COUNT_LIMIT)

        def contacts_kanban(cr):
            partners(cr, uid).web_search_read([], kanban_spec, limit=40, count_limit=COUNT_LIMIT)

        def search_by_name(cr):
            typed = f"Customer {rng.randint(1, customers)}"
            partners(cr, uid).web_search_read(
                name_domain(typed), list_spec, limit=80, count_limit=COUNT_LIMIT
            )

        def autocomplete(cr):
            typed = f"Customer {rng.randint(1, customers)}"
            partners(cr, uid).web_name_search(typed, {"display_name": {}}, limit=9)

        def save(cr):
            partner = partners(cr, uid).browse(rng.randint(first, last))
            partner.web_save({"street": f"Via Bench {rng.randint(1, 999)}"}, form_spec)

        return {
            "Contacts list (80 rows)": contacts_list,
            "Contacts kanban (40 cards)": contacts_kanban,
            "search by name in the Contacts search bar": search_by_name,
            "customer autocomplete (a many2one)": autocomplete,
            "save a customer's street (form)": save,
        }

    timings = {}
    for user, uid in who.items():
        uid_screens = screens(user, uid)
        with bench.cursor() as cr:  # a salesperson alone reads contacts; he saves none
            if not partners(cr, uid).has_access("write"):
                del uid_screens["save a customer's street (form)"]
        for name, call in uid_screens.items():
            with bench.cursor() as cr:  # warm
                call(cr)
            timings[f"{user}: {name}"] = series = []
            for _call in range(calls):
                started = time.perf_counter()
                with bench.cursor() as cr:
                    call(cr)
                series.append((time.perf_counter() - started) * 1000)
    return timings


def summary(series):
    """(median, p95) of a list of milliseconds."""
    return statistics.median(series), statistics.quantiles(series, n=20, method="inclusive")[-1]


def save(path, key, value):
    """Store one result (the screens without or with the addon, the install's seconds)."""
    try:
        with open(path) as file:
            results = json.load(file)
    except FileNotFoundError:
        results = {}
    results[key] = value
    with open(path, "w") as file:
        json.dump(results, file, indent=1)


def report(path):
    """The Markdown table: each screen without and with the addon, and the ratio."""
    try:
        with open(path) as file:
            results = json.load(file)
    except FileNotFoundError:
        return
    without, with_addon = results.get("without", {}), results.get("with", {})
    if "install_seconds" in results:
        print(
            f"\nInstalling customer_lifecycle on this database (every customer computed): "
            f"{results['install_seconds']:.0f} s"
        )
    print(f"\nOdoo's own screens, milliseconds, warm, {results.get('calls', '?')} calls each\n")
    print("| screen | without: median | p95 | with the addon: median | p95 | median ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in with_addon or without:
        cells = [name]
        medians = []
        for series in (without.get(name), with_addon.get(name)):
            if series:
                median, p95 = summary(series)
                medians.append(median)
                cells += [f"{median:.1f}", f"{p95:.1f}"]
            else:
                cells += ["", ""]
        cells.append(f"{medians[1] / medians[0]:.2f}" if len(medians) == 2 else "")
        print(f"| {' | '.join(cells)} |")
