"""Recognise the caller: any format a caller ID shows finds the customer through the E.164
number Odoo's phone_validation stores (res.partner.phone_sanitized), read in the country of the
user's company; a contact finds its company; several customers sharing a number give a list,
nobody a new contact with the number filled in. Attacked as a rep with "Own Documents Only", a
user of another company, a plain employee and a portal user, with crafted input."""

import importlib.util
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .common import LifecycleCase

MIGRATION = (
    Path(__file__).parent.parent
    / "customer_lifecycle/migrations/19.0.1.4.0/post-phone_sanitized.py"
)


class CallerCase(LifecycleCase):
    """An Italian company (the main one) and a Polish one, each with customers whose numbers
    were typed as people type them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.italy = cls.env.ref("base.it")
        cls.poland = cls.env.ref("base.pl")
        cls.company.country_id = cls.italy
        cls.company_pl, cls.rep_pl = cls.user_of_another_company(
            "clc_caller_rep_pl", "sales_team.group_sale_salesman", "Hurtownia Kraków"
        )
        cls.company_pl.country_id = cls.poland
        cls.other_rep = new_test_user(
            cls.env,
            login="clc_caller_other_rep",
            name="Ottavio Other Rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.portal = new_test_user(cls.env, login="clc_caller_portal", groups="base.group_portal")
        # Milan landline on the company, a mobile typed without prefix on its contact; the
        # salesperson is another rep than the one who answers the phone
        cls.trattoria = cls.Partner.create(
            {
                "name": "Trattoria Milano",
                "is_company": True,
                "country_id": cls.italy.id,
                "phone": "+39 02 1234 5678",
                "company_id": cls.company.id,
                "user_id": cls.other_rep.id,
            }
        )
        cls.gino = cls.Partner.create(
            {
                "name": "Gino Rossi",
                "parent_id": cls.trattoria.id,
                "country_id": cls.italy.id,
                "phone": "333 123 4567",
            }
        )
        # a Polish customer of the Italian company, and one of the Polish company
        cls.marta = cls.Partner.create(
            {
                "name": "Marta Zielińska",
                "country_id": cls.poland.id,
                "phone": "+48 600 100 200",
                "company_id": cls.company.id,
            }
        )
        cls.kawiarnia = cls.Partner.create(
            {
                "name": "Kawiarnia Pod Wawelem",
                "is_company": True,
                "country_id": cls.poland.id,
                "phone": "22 123 45 67",
                "company_id": cls.company_pl.id,
            }
        )

    def find(self, number, user=None):
        return self.Partner.with_user(user or self.salesperson)._lifecycle_find_by_phone(number)


@tagged("post_install", "-at_install")
class TestCallerLookup(CallerCase):
    def test_the_numbers_are_stored_in_e164(self):
        # the premise: phonenumbers is installed and phone_validation formats what was typed
        self.assertEqual(self.trattoria.phone_sanitized, "+390212345678")
        self.assertEqual(self.gino.phone_sanitized, "+393331234567")
        self.assertEqual(self.marta.phone_sanitized, "+48600100200")
        self.assertEqual(self.kawiarnia.phone_sanitized, "+48221234567")

    def test_every_format_of_an_italian_number_finds_the_customer(self):
        for number in (
            "+39 02 1234 5678",
            "+390212345678",
            "0039 02 1234 5678",
            "0039021234 5678",
            "02-1234-5678",
            "02 1234 5678",
            "(02) 1234.5678",
            "390212345678",  # the prefix without its "+", as some phone systems send it
            "+39 (0)2 1234 5678",
            "  +39 02 1234 5678  ",
            "tel:+39-02-1234-5678",
        ):
            with self.subTest(number=number):
                self.assertEqual(self.find(number), self.trattoria)

    def test_a_contact_finds_its_company(self):
        for number in ("333 123 4567", "3331234567", "+39 333 123 4567", "0039 333 1234567"):
            with self.subTest(number=number):
                self.assertEqual(self.find(number), self.trattoria)

    def test_a_polish_caller_of_the_italian_company(self):
        for number in ("+48 600 100 200", "+48600100200", "0048 600 100 200", "48600100200"):
            with self.subTest(number=number):
                self.assertEqual(self.find(number), self.marta)

    def test_in_the_polish_company_a_number_without_prefix_is_read_in_poland(self):
        for number in (
            "22 123 45 67",
            "221234567",
            "22-123-45-67",
            "+48 22 123 45 67",
            "0048 22 123 45 67",
            "48 22 123 45 67",
        ):
            with self.subTest(number=number):
                self.assertEqual(self.find(number, self.rep_pl), self.kawiarnia)

    def test_the_reading_depends_on_the_company_of_the_user(self):
        Partner = self.Partner.with_user(self.salesperson)
        self.assertEqual(Partner._lifecycle_phone_readings("02 1234 5678"), ["+390212345678"])
        # a Polish national number is no Italian one: only its digits read as international
        # would remain, and +600100200 is no number either
        with self.assertRaisesRegex(UserError, "as dialled in Italy"):
            Partner._lifecycle_phone_readings("600 100 200")
        self.assertEqual(
            self.Partner.with_user(self.rep_pl)._lifecycle_phone_readings("600 100 200"),
            ["+48600100200"],
        )
        # first as dialled in Italy (a mobile), then the digits as an international number
        # (Hungary, +36)
        self.assertEqual(
            Partner._lifecycle_phone_readings("3682034176"), ["+393682034176", "+3682034176"]
        )

    def test_the_national_reading_wins_over_the_international_one(self):
        italian = self.Partner.create(
            {"name": "Mobile Italiano", "country_id": self.italy.id, "phone": "368 203 4176"}
        )
        hungarian = self.Partner.create(
            {
                "name": "Magyar Ügyfél",
                "country_id": self.env.ref("base.hu").id,
                "phone": "+36 82 034 176",
            }
        )
        self.assertEqual(
            (italian | hungarian).mapped("phone_sanitized"), ["+393682034176", "+3682034176"]
        )
        self.assertEqual(self.find("3682034176"), italian)
        italian.phone = False
        self.assertEqual(self.find("3682034176"), hungarian)
        self.assertEqual(self.find("+36 82 034 176"), hungarian)

    def test_several_customers_with_the_number_are_all_found_by_name(self):
        bar = self.Partner.create({"name": "Bar Centrale", "phone": "+39 051 555 0101"})
        bar_srl = self.Partner.create(
            {"name": "Bar Centrale Srl", "is_company": True, "phone": "051 555 0101"}
        )
        contact = self.Partner.create(
            {"name": "Anna", "parent_id": bar_srl.id, "phone": "0515550101"}
        )
        found = self.find("051-555-0101")
        self.assertEqual(found.ids, [bar.id, bar_srl.id])
        self.assertNotIn(contact, found)

    def test_no_match_and_archived_contacts(self):
        self.assertFalse(self.find("+39 02 9999 0000"))
        self.gino.action_archive()
        self.assertFalse(self.find("333 123 4567"))

    def test_a_number_that_reads_as_no_phone_number_is_refused_clearly(self):
        for number in ("", "   ", "12", "abc", "anonymous", None, False, True, ["+39"], 3.14):
            with (
                self.subTest(number=number),
                self.assertRaisesRegex(
                    UserError, "is not a phone number|No phone number can be read"
                ),
            ):
                self.find(number)
        # the digits of a JSON number are a number
        self.assertEqual(self.find(390212345678), self.trattoria)

    def test_the_lookup_is_one_indexed_query_per_reading(self):
        bar = self.Partner.create({"name": "Bar", "is_company": True, "phone": "051 555 0101"})
        self.Partner.create({"name": "Bar Bis", "phone": "+39 051 555 0101"})
        self.Partner.create({"name": "Anna", "parent_id": bar.id, "phone": "051 555 0101"})
        Partner = self.Partner.with_user(self.salesperson)
        self.env.flush_all()
        counts = []
        # the first pass caches the user's groups and rules
        for number, customers in (("02 1234 5678", 1), ("051 555 0101", 2)) * 2:
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.assertEqual(len(Partner._lifecycle_find_by_phone(number)), customers)
            counts.append(self.env.cr.sql_log_count - before)
        # the company's country (four narrow reads, made in every request), the contacts with
        # the number, their customers that the user may read: as many for one as for many
        self.assertEqual(counts[2:], [6, 6])
        self.env.cr.execute(
            """SELECT indexdef FROM pg_indexes
                WHERE indexname = 'res_partner_lifecycle_phone_sanitized_idx'"""
        )
        self.assertEqual(
            self.env.cr.fetchone()[0],
            "CREATE INDEX res_partner_lifecycle_phone_sanitized_idx ON public.res_partner "
            "USING btree (phone_sanitized) WHERE (phone_sanitized IS NOT NULL)",
        )


@tagged("post_install", "-at_install")
class TestCallerRules(CallerCase):
    def test_a_rep_finds_a_customer_of_another_rep_as_the_funnel_shows_it(self):
        # the funnel shows a rep with Own Documents Only every customer of their companies
        funnel = self.env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        shown = self.Partner.with_user(self.salesperson).search(
            [("id", "=", self.trattoria.id), *safe_eval(funnel.domain)]
        )
        self.assertEqual(shown, self.trattoria)
        self.assertEqual(self.trattoria.user_id, self.other_rep)
        self.assertEqual(self.find("02 1234 5678"), self.trattoria)

    def test_a_user_of_another_company_finds_nothing_of_this_one(self):
        self.assertFalse(self.find("+39 02 1234 5678", self.rep_pl))
        self.assertFalse(self.find("+48 600 100 200", self.rep_pl))
        self.assertFalse(self.find("+48 22 123 45 67", self.salesperson))

    def test_a_contact_of_another_company_does_not_reveal_its_customer(self):
        # a contact shared by every company whose commercial entity belongs to the Polish one
        shared = self.Partner.create(
            {"name": "Jan", "parent_id": self.kawiarnia.id, "phone": "+48 601 234 567"}
        )
        shared.company_id = False
        self.assertFalse(self.find("+48 601 234 567"))

    def test_a_contact_the_user_may_not_read_reveals_nothing(self):
        # a customer shared by every company, whose contact belongs to the Polish one: the
        # Italian rep may read the customer, not the contact, so the number is nobody's to them
        shared = self.Partner.create({"name": "Shared Srl", "is_company": True})
        self.Partner.create(
            {
                "name": "Jan",
                "parent_id": shared.id,
                "company_id": self.company_pl.id,
                "phone": "+48 601 234 567",
            }
        )
        self.assertFalse(self.find("+48 601 234 567"))
        self.assertEqual(self.find("+48 601 234 567", self.rep_pl), shared)

    def test_the_lookup_is_not_reachable_over_rpc(self):
        for method in ("_lifecycle_find_by_phone", "_lifecycle_match_phone",
                       "_lifecycle_phone_readings", "_lifecycle_sanitize_phones"):  # fmt: skip
            with self.subTest(method=method), self.assertRaises(AccessError):
                get_public_method(self.Partner, method)

    def test_the_caller_page_is_for_lifecycle_users(self):
        for user in (self.employee, self.portal):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Only Customer Lifecycle users"):
                    self.Partner.with_user(user).action_lifecycle_caller("02 1234 5678")

    def test_the_funnel_phone_box_as_outsiders(self):
        domain = [("lifecycle_phone_lookup", "ilike", "02-1234-5678")]
        self.assertFalse(self.Partner.with_user(self.rep_pl).search(domain))
        self.assertFalse(self.Partner.with_user(self.portal).search(domain))
        # a plain employee reads contacts in Odoo: the box finds what a name search would
        self.assertEqual(self.Partner.with_user(self.employee).search(domain), self.trattoria)


@tagged("post_install", "-at_install")
class TestCallerActions(CallerCase):
    def caller(self, number, user=None):
        return self.Partner.with_user(user or self.salesperson).action_lifecycle_caller(number)

    def test_one_customer_opens_its_form_from_the_funnel(self):
        action = self.caller("0039 333 123 4567")
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], self.trattoria.id)
        self.assertEqual(action["views"], [(self.env.ref("base.view_partner_form").id, "form")])
        self.assertEqual(action["path"], "lifecycle-funnel")

    def test_several_customers_open_a_list_of_them(self):
        bar = self.Partner.create({"name": "Bar Centrale", "phone": "+39 051 555 0101"})
        bar_srl = self.Partner.create(
            {"name": "Bar Centrale Srl", "is_company": True, "phone": "051 555 0101"}
        )
        action = self.caller("+39 051 555 0101")
        self.assertEqual(action["domain"], [("id", "in", [bar.id, bar_srl.id])])
        self.assertEqual(action["name"], "Customers with the Number +390515550101")
        self.assertEqual([view_type for _view, view_type in action["views"]], ["list", "form"])
        self.assertFalse(action.get("res_id"))

    def test_nobody_opens_a_new_contact_with_the_number_filled_in(self):
        self.assertTrue(self.Partner.with_user(self.sales_manager).has_access("create"))
        action = self.caller("02-9999-0000", user=self.sales_manager)
        self.assertEqual(action["views"], [(self.env.ref("base.view_partner_form").id, "form")])
        self.assertFalse(action.get("res_id"))
        self.assertNotIn("path", action)
        self.assertEqual(
            action["context"],
            {"default_phone": "+39 02 9999 0000", "default_country_id": self.italy.id},
        )
        # a foreign number: the contact's country is the number's
        action = self.caller("0048 601 234 567", user=self.sales_manager)
        self.assertEqual(
            action["context"],
            {"default_phone": "+48 601 234 567", "default_country_id": self.poland.id},
        )
        # the form opened with that context gets them
        new = self.Partner.with_user(self.sales_manager).with_context(action["context"])
        self.assertEqual(
            new.default_get(["phone", "country_id"]),
            {"phone": "+48 601 234 567", "country_id": self.poland.id},
        )

    def test_nobody_and_no_right_to_create_contacts_says_so_instead_of_an_access_error(self):
        self.assertFalse(self.Partner.with_user(self.salesperson).has_access("create"))
        action = self.caller("02-9999-0000")
        self.assertEqual(action["name"], "Nobody Has the Number +390299990000")
        self.assertEqual(action["domain"], [("id", "=", False)])
        self.assertEqual([view_type for _view, view_type in action["views"]], ["list"])
        self.assertEqual(action["context"], {"create": False})
        self.assertIn("No customer you may see has the number +390299990000.", action["help"])
        self.assertIn("Contact Creation", action["help"])
        self.assertNotIn("path", action)

    def test_an_unreadable_number_is_a_clear_error(self):
        with self.assertRaisesRegex(UserError, '"anonymous" is not a phone number'):
            self.caller("anonymous")


@tagged("post_install", "-at_install")
class TestFunnelPhoneBox(CallerCase):
    def funnel_search(self, typed, user=None):
        funnel = self.env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        return self.Partner.with_user(user or self.salesperson).search(
            [("lifecycle_phone_lookup", "ilike", typed), *safe_eval(funnel.domain)]
        )

    def test_the_funnel_search_view_has_the_phone_box(self):
        search = self.env.ref("customer_lifecycle.res_partner_view_search_lifecycle_funnel")
        arch = self.Partner.with_user(self.salesperson).get_views([(search.id, "search")])
        self.assertIn(
            '<field name="lifecycle_phone_lookup" string="Phone"/>',
            arch["views"]["search"]["arch"],
        )

    def test_what_is_typed_is_normalised(self):
        for typed in ("02-1234-5678", "+39 02 1234 5678", "0039021234 5678", "333 123 4567"):
            with self.subTest(typed=typed):
                self.assertEqual(self.funnel_search(typed), self.trattoria)
        self.assertEqual(self.funnel_search("48600100200"), self.marta)
        self.assertEqual(self.funnel_search("+39 02 9999 0000"), self.Partner)

    def test_a_fragment_finds_the_digits_anywhere_on_the_customer_or_its_contacts(self):
        self.assertEqual(self.funnel_search("5678"), self.trattoria)
        self.assertEqual(self.funnel_search("123 4567"), self.trattoria)  # Gino's mobile
        self.assertEqual(self.funnel_search("100 200"), self.marta)

    def test_negation_and_equality(self):
        Partner = self.Partner.with_user(self.salesperson)
        others = Partner.search([("lifecycle_phone_lookup", "not ilike", "02-1234-5678")])
        self.assertNotIn(self.trattoria, others)
        self.assertIn(self.marta, others)
        self.assertEqual(
            Partner.search([("lifecycle_phone_lookup", "=", "+39 02 1234 5678")]), self.trattoria
        )
        self.assertEqual(
            Partner.search([("lifecycle_phone_lookup", "in", ["02 1234 5678", "48600100200"])]),
            self.trattoria | self.marta,
        )
        self.assertFalse(Partner.search([("lifecycle_phone_lookup", "=", False)]))


@tagged("post_install", "-at_install")
class TestPhonesSavedWithoutPhonenumbers(CallerCase):
    def stale(self, partner, value):
        """phone_sanitized as Odoo without phonenumbers left it: the number as typed."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE res_partner SET phone_sanitized = %s WHERE id = %s", value, partner.id)
        )
        self.env.invalidate_all()

    def test_numbers_saved_as_typed_become_e164_once(self):
        self.stale(self.trattoria, "+39 02 1234 5678")
        self.stale(self.gino, "333 123 4567")
        self.stale(self.kawiarnia, "22 123 45 67")  # no Polish company in sight: read by country
        self.assertFalse(self.find("02 1234 5678"))
        broken = self.Partner.create({"name": "Broken", "phone": "n/a"})
        self.assertFalse(broken.phone_sanitized)
        self.stale(broken, "n/a")

        self.assertEqual(self.Partner._lifecycle_sanitize_phones(), 4)

        self.assertEqual(self.trattoria.phone_sanitized, "+390212345678")
        self.assertEqual(self.gino.phone_sanitized, "+393331234567")
        self.assertEqual(self.kawiarnia.phone_sanitized, "+48221234567")
        self.assertFalse(broken.phone_sanitized)
        self.assertEqual(self.find("02 1234 5678"), self.trattoria)
        self.assertEqual(self.Partner._lifecycle_sanitize_phones(), 0)

    def test_the_upgrade_to_1_4_runs_it_and_a_new_install_does_not(self):
        spec = importlib.util.spec_from_file_location("clc_post_phone_sanitized", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.stale(self.gino, "333 123 4567")
        migration.migrate(self.env.cr, False)  # a new install: the hook does it
        self.env.invalidate_all()
        self.assertEqual(self.gino.phone_sanitized, "333 123 4567")
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(self.gino.phone_sanitized, "+393331234567")

    def test_the_install_hook_runs_it(self):
        from odoo.addons.customer_lifecycle.hooks import post_init_hook  # noqa: PLC0415

        calls = []
        partner_class = type(self.Partner)
        self.patch(
            partner_class,
            "_lifecycle_sanitize_phones",
            lambda partners: calls.append(partners._name) or 0,
        )
        self.patch(type(self.engine), "_recompute_all", lambda *args, **kwargs: {})
        self.patch(
            type(self.env["customer.lifecycle.history"]), "_reconstruct_from_orders", lambda *a: {}
        )
        post_init_hook(self.env)
        self.assertEqual(calls, ["res.partner"])
