"""Demo customers and their sale orders, generated deterministically.

About 200 commercial entities (Italian and Polish companies with a contact, and private people)
and about 2,000 sale orders spread over the last three years, in a realistic mix: a few big
accounts making most of the revenue, regular repeat buyers, one-time buyers, customers who stopped
buying, prospects with open quotations, customers brought by other customers, and names nobody
has contacted yet. The same seed gives the same customers and orders; dates are relative to the
day of installation so that the mix still looks current in the demo.

The orders of the last four months are invoiced (due in 30 days) and most invoices are paid, some
early, some late, some not yet, so that the accountants' views have figures.

A few customers never place a sale order: the business invoices their machine maintenance
directly (direct invoices, one of them partly refunded by a credit note), and the lifecycle counts
those invoices as their purchases.
"""

import random
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.tools.translate import LazyTranslate

from ..models.customer_lifecycle_engine import deferred_reevaluation

SEED = 1907
INVOICED_DAYS = 120
INTERESTS = ["Espresso", "Organic", "Equipment", "Events", "Tea", "Gifts"]
PAYMENT_DAYS = 30

# fmt: off
IT = {
    "country": "base.it",
    "phone": "+39 3{:02d} {:03d} {:04d}",
    "first": [
        "Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Matteo", "Sara",
        "Giovanni", "Elena", "Andrea", "Valentina", "Stefano", "Federica", "Paolo", "Martina",
        "Davide", "Silvia", "Roberto", "Anna",
    ],
    "last": [
        ("Rossi",) * 2, ("Russo",) * 2, ("Ferrari",) * 2, ("Esposito",) * 2, ("Bianchi",) * 2,
        ("Romano",) * 2, ("Colombo",) * 2, ("Ricci",) * 2, ("Marino",) * 2, ("Greco",) * 2,
        ("Bruno",) * 2, ("Gallo",) * 2, ("Conti",) * 2, ("De Luca",) * 2, ("Mancini",) * 2,
        ("Costa",) * 2, ("Giordano",) * 2, ("Rizzo",) * 2, ("Lombardi",) * 2, ("Moretti",) * 2,
    ],
    "female": {"Giulia", "Francesca", "Chiara", "Sara", "Elena", "Valentina", "Federica",
               "Martina", "Silvia", "Anna"},
    "company": [
        "Bar {last}", "Caffetteria {last}", "Pasticceria {last} S.n.c.", "Ristorante Da {first}",
        "Hotel {last} S.r.l.", "Studio {last} & Associati", "{last} Uffici S.r.l.",
        "Agriturismo {last}", "Officina {last} S.r.l.", "Tipografia {last}",
    ],
    "cities": [
        ("Milano", "20121"), ("Roma", "00184"), ("Torino", "10121"), ("Bologna", "40121"),
        ("Firenze", "50122"), ("Napoli", "80132"), ("Verona", "37121"), ("Bergamo", "24121"),
        ("Padova", "35122"), ("Bari", "70121"),
    ],
    "streets": ["Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Via Cavour",
                "Piazza del Duomo", "Via Verdi", "Viale Europa"],
}
PL = {
    "country": "base.pl",
    "phone": "+48 5{:02d} {:03d} {:03d}",
    "first": [
        "Piotr", "Anna", "Krzysztof", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka",
        "Michał", "Joanna", "Marcin", "Aleksandra", "Jakub", "Monika", "Łukasz", "Ewa",
        "Grzegorz", "Barbara", "Adam", "Zofia",
    ],
    "last": [
        ("Kowalski", "Kowalska"), ("Nowak", "Nowak"), ("Wiśniewski", "Wiśniewska"),
        ("Wójcik", "Wójcik"), ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"),
        ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"),
        ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"),
        ("Jankowski", "Jankowska"), ("Mazur", "Mazur"), ("Kwiatkowski", "Kwiatkowska"),
    ],
    "female": {"Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Aleksandra", "Monika",
               "Ewa", "Barbara", "Zofia"},
    "company": [
        "Kawiarnia {last}", "Restauracja {last}", "Cukiernia {last} s.c.",
        "Hotel {last} Sp. z o.o.", "Biuro Rachunkowe {last}", "{last} Serwis Sp. z o.o.",
        "Piekarnia {last}", "Kancelaria {last}", "Drukarnia {last} Sp. z o.o.", "Pensjonat {last}",
    ],
    "cities": [
        ("Warszawa", "00-001"), ("Kraków", "30-001"), ("Wrocław", "50-001"), ("Poznań", "60-001"),
        ("Gdańsk", "80-001"), ("Łódź", "90-001"), ("Lublin", "20-001"), ("Katowice", "40-001"),
        ("Szczecin", "70-001"), ("Białystok", "15-001"),
    ],
    "streets": ["ul. Marszałkowska", "ul. Długa", "ul. Piłsudskiego", "ul. Mickiewicza",
                "ul. Kościuszki", "ul. Słowackiego", "ul. Polna", "ul. Ogrodowa"],
}

# fmt: on

# The catalogue: what a coffee roaster sells to bars, offices and hotels, in product categories
# two levels deep ((parent, category, products)). Each product: [internal reference, name, type,
# sales price, cost], a list: Odoo's term extractor reads a tuple opened after an _lt() call as
# one more call (the references would be exported as terms). Names are translatable (_lt:
# exported by make pot); the first six are the demo's products from before the catalogue, which
# the Point of Sale demo sells too.
_lt = LazyTranslate(__name__)
CATALOGUE = [
    (
        _lt("Coffee"),
        _lt("Coffee Beans"),
        [
            ["CLC-BEAN", _lt("Coffee Beans, 1 kg"), "consu", 24.0, 13.5],
            ["CLC-BEAN-DEC", _lt("Decaf Coffee Beans, 1 kg"), "consu", 27.0, 15.0],
            ["CLC-BEAN-ORG", _lt("Organic Blend Beans, 1 kg"), "consu", 29.0, 17.0],
            ["CLC-BEAN-ETH", _lt("Single Origin Ethiopia, 1 kg"), "consu", 34.0, 19.5],
        ],
    ),
    (
        _lt("Coffee"),
        _lt("Capsules"),
        [
            ["CLC-CAPS", _lt("Capsules, box of 100"), "consu", 39.0, 21.0],
            ["CLC-CAPS-DEC", _lt("Decaf Capsules, box of 100"), "consu", 41.0, 22.5],
            ["CLC-CAPS-LUN", _lt("Lungo Capsules, box of 100"), "consu", 42.0, 23.0],
            ["CLC-CAPS-ORG", _lt("Organic Capsules, box of 50"), "consu", 26.0, 14.0],
        ],
    ),
    (
        _lt("Equipment"),
        _lt("Machines and Grinders"),
        [
            ["CLC-ESP", _lt("Espresso Machine Pro"), "consu", 890.0, 610.0],
            ["CLC-ESP-CMP", _lt("Compact Espresso Machine"), "consu", 450.0, 300.0],
            ["CLC-GRND", _lt("Burr Grinder"), "consu", 320.0, 205.0],
            ["CLC-FROTH", _lt("Milk Frother"), "consu", 140.0, 85.0],
        ],
    ),
    (
        _lt("Equipment"),
        _lt("Service and Training"),
        [
            ["CLC-MAINT", _lt("Machine Maintenance Visit"), "service", 120.0, 55.0],
            ["CLC-DESC", _lt("Descaling Service"), "service", 60.0, 25.0],
            ["CLC-TRAIN", _lt("Barista Training, half day"), "service", 180.0, 70.0],
            ["CLC-FILTER", _lt("Water Filter Replacement"), "consu", 35.0, 18.0],
        ],
    ),
    (
        _lt("Café Supplies"),
        _lt("Cups and Tableware"),
        [
            ["CLC-CUPS", _lt("Porcelain Cups, set of 6"), "consu", 45.0, 19.0],
            ["CLC-CAPP", _lt("Cappuccino Cups, set of 6"), "consu", 52.0, 23.0],
            ["CLC-GLASS", _lt("Latte Glasses, set of 6"), "consu", 38.0, 16.0],
            ["CLC-TAKE", _lt("Takeaway Cups, pack of 100"), "consu", 14.0, 6.0],
        ],
    ),
    (
        _lt("Café Supplies"),
        _lt("Counter Supplies"),
        [
            ["CLC-SUGAR", _lt("Cane Sugar Sticks, box of 500"), "consu", 18.0, 8.0],
            ["CLC-COCOA", _lt("Cocoa Powder, 1 kg"), "consu", 16.0, 7.5],
            ["CLC-SYRUP", _lt("Vanilla Syrup, 70 cl"), "consu", 9.0, 4.0],
            ["CLC-CLEAN", _lt("Machine Cleaning Tablets, box of 100"), "consu", 22.0, 9.0],
        ],
    ),
    (
        _lt("Café Supplies"),
        _lt("Tea"),
        [
            ["CLC-TEA-GRN", _lt("Green Tea, 100 bags"), "consu", 12.0, 5.0],
            ["CLC-TEA-BRK", _lt("Breakfast Tea, 100 bags"), "consu", 10.0, 4.0],
            ["CLC-TEA-HERB", _lt("Herbal Infusions, 100 bags"), "consu", 13.0, 5.5],
        ],
    ),
]
PRODUCTS = [product for _parent, _category, products in CATALOGUE for product in products]

# The names the demo business gives its products and interests in the languages it works in;
# set by _translate_names when a language is loaded (make demo LANG=it_IT).
NAME_TRANSLATIONS = {
    "Espresso Machine Pro": {"it_IT": "Macchina espresso Pro", "pl_PL": "Ekspres do espresso Pro"},
    "Coffee Beans, 1 kg": {"it_IT": "Caffè in grani, 1 kg", "pl_PL": "Kawa ziarnista, 1 kg"},
    "Capsules, box of 100": {"it_IT": "Capsule, confezione da 100", "pl_PL": "Kapsułki, 100 szt."},
    "Porcelain Cups, set of 6": {
        "it_IT": "Tazzine in porcellana, set da 6",
        "pl_PL": "Filiżanki porcelanowe, komplet 6 szt.",
    },
    "Burr Grinder": {"it_IT": "Macinacaffè a macine", "pl_PL": "Młynek żarnowy"},
    "Machine Maintenance Visit": {
        "it_IT": "Intervento di manutenzione macchina",
        "pl_PL": "Serwis ekspresu u klienta",
    },
    "Espresso": {"it_IT": "Espresso", "pl_PL": "Espresso"},
    "Organic": {"it_IT": "Biologico", "pl_PL": "Ekologiczne"},
    "Equipment": {"it_IT": "Attrezzature", "pl_PL": "Sprzęt"},
    "Events": {"it_IT": "Eventi", "pl_PL": "Wydarzenia"},
    "Tea": {"it_IT": "Tè", "pl_PL": "Herbata"},
    "Gifts": {"it_IT": "Regali", "pl_PL": "Prezenty"},
}

# (archetype, how many, companies among them). Orders per archetype are drawn in _order_dates.
MIX = [
    ("big", 12, 12),  # big accounts: frequent, large orders, most of the revenue
    ("regular", 58, 30),  # repeat buyers, every one to four months
    ("one_time", 40, 8),  # bought once
    ("lapsed", 30, 12),  # bought several times, then stopped a year or two ago
    ("referred_buyer", 10, 3),  # brought by a customer, then bought
    ("prospect", 20, 8),  # open quotations only
    ("referral", 12, 2),  # brought by a customer, not bought yet
    ("potential", 18, 5),  # never contacted
]
# Drawn from a stream of their own after the rest, which stays that of the seed (its spend
# figures are what the prediction models are fitted on).
COMEBACK_MIX = [
    ("won_back", 8, 3),  # repeat buyers who stopped for most of a year, then came back
]
# A stream of its own too, after the rest: customers invoiced directly for services, no order.
SERVICE_MIX = [
    ("service", 6, 4),  # machine maintenance invoiced directly, every few weeks or months
]
LOST_NOTES = [
    "Said on the phone they will not order again this year.",
    "Closed the shop in the spring.",
    "The new manager buys from a wholesaler.",
    False,
]
ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻàèéìòù ", "acelnoszzACELNOSZZaeeiou.")
DAYS = 3 * 365


class CustomerLifecycleDemo(models.AbstractModel):
    _name = "customer.lifecycle.demo"
    _description = "Customer Lifecycle Demo Data Generator"

    # Deferred (the loaders below too, when called alone): one computation after loading, the
    # install's, not one per order or referrer.
    @api.model
    @deferred_reevaluation()
    def _generate(self):
        rng = random.Random(SEED)
        today = fields.Date.context_today(self)
        products = self._products()
        salespeople = self.env.ref("base.user_admin")
        if demo_user := self.env.ref("base.user_demo", raise_if_not_found=False):
            salespeople |= demo_user
        people, orders = self._customers_and_orders(rng, salespeople, products, today)
        # streams of their own: the customers and orders stay those of the seed
        self._invoices(random.Random(SEED + 1), orders, today)
        people += self._service_customers(random.Random(SEED + 6), salespeople, people, today)
        self._acquisition(random.Random(SEED + 2), people)
        self._consents(random.Random(SEED + 3), people, today)
        self._profiles(random.Random(SEED + 4), people, today)
        self._translate_names()
        # Fresh statistics for what the install plays next (the first computation, the
        # satisfaction answers re-evaluating their customers one at a time): with the tables
        # still counted nearly empty, the planner loops over every order line for each of them
        # (seconds per customer instead of milliseconds).
        self.env.flush_all()
        self.env.cr.execute(
            "ANALYZE res_partner, sale_order, sale_order_line, account_move, account_move_line, "
            "product_product, product_template, product_category"
        )

    @deferred_reevaluation()
    def _customers_and_orders(self, rng, salespeople, products, today):
        """The customers, their referrers and their orders: those of the seed, then the ones
        who came back after a pause (a stream of their own). Returns ([(archetype, partner)],
        orders)."""
        taken = set()  # company names given so far
        people = self._people(rng, salespeople, MIX, taken)
        self._referrals(rng, people)
        # what each order holds beyond the lines of before: drawn from a stream of its own, so
        # that the customers, their order days and states stay those of the seed
        orders = self._orders(rng, people, products, today, random.Random(SEED + 7))
        comeback_rng = random.Random(SEED + 5)
        comeback = self._people(comeback_rng, salespeople, COMEBACK_MIX, taken)
        orders |= self._orders(comeback_rng, comeback, products, today, random.Random(SEED + 8))
        return people + comeback, orders

    @api.model
    def _translate_names(self):
        """The demo's product and interest names in each active language of NAME_TRANSLATIONS
        (at install, those loaded with it; make demo LANG=... calls it again after loading)."""
        active = {code for code, _name in self.env["res.lang"].get_installed()}
        products = self.env["product.template"].search(
            [("default_code", "in", [code for code, *_rest in PRODUCTS])]
        )
        interests = self.env["customer.lifecycle.interest"].search([("name", "in", INTERESTS)])
        catalogue = {code: name for code, name, *_rest in PRODUCTS}
        for record in [*products, *interests]:
            names = NAME_TRANSLATIONS.get(record.with_context(lang="en_US").name, {})
            wanted = {lang: name for lang, name in names.items() if lang in active}
            code = record.default_code if record._name == "product.template" else None
            if (lazy := catalogue.get(code)) is not None:
                # the catalogue's own names: their translations in the addon's .po files
                for lang in active - set(wanted) - {"en_US"}:
                    if (name := self.with_context(lang=lang).env._(lazy)) != record.name:
                        wanted[lang] = name
            if wanted:
                record.update_field_translations("name", wanted)

    @api.model
    def _play_manual_moves(self, customers):
        """What the sales reps did after the first computation, so that the funnel shows moves
        by hand: a few repeat customers lost to reasons the data cannot know, a few names called
        and now prospects. Run by the install hook, after the engine, on the demo customers."""
        rng = random.Random(SEED)
        admin = self.env.ref("base.user_admin")
        reasons = self.env["customer.lifecycle.lost.reason"].search([])
        stages = {stage.code: stage for stage in self.env["customer.lifecycle.stage"].search([])}
        by_stage = {
            code: customers.filtered(lambda p, c=code: p.lifecycle_stage_id.code == c)
            for code in stages
        }
        for partner in rng.sample(by_stage["customer"].ids + by_stage["buyer"].ids, 6):
            reason = rng.choice(reasons)
            self.env["res.partner"].browse(partner).with_user(admin)._lifecycle_move(
                stages["lost"], reason=rng.choice(LOST_NOTES), lost_reason=reason
            )
        called = self.env["res.partner"].browse(rng.sample(by_stage["potential"].ids, 3))
        called.with_user(admin).lifecycle_stage_id = stages["prospect"]

    def _products(self):
        """What the demo business sells, {internal reference: product}, in its categories (two
        levels). Created without an external id, like the customers and their orders, so that
        uninstalling the addon leaves that history in place."""
        Product = self.env["product.product"]
        english = self.with_context(lang="en_US").env
        products = {}
        for parent_name, category_name, items in CATALOGUE:
            parent = self._category(english._(parent_name))
            category = self._category(english._(category_name), parent)
            for code, name, kind, price, cost in items:
                products[code] = Product.search(
                    [("default_code", "=", code)], limit=1
                ) or Product.create(
                    {
                        "default_code": code,
                        "name": english._(name),
                        "type": kind,
                        "categ_id": category.id,
                        "list_price": price,
                        "standard_price": cost,
                    }
                )
        return products

    def _category(self, name, parent=None):
        """The product category of that name (under parent, or at the top), created if missing."""
        Category = self.env["product.category"]
        parent_id = parent.id if parent else False
        return Category.search(
            [("name", "=", name), ("parent_id", "=", parent_id)], limit=1
        ) or Category.create({"name": name, "parent_id": parent_id})

    def _people(self, rng, salespeople, mix, taken):
        """Create the customers of mix; returns [(archetype, commercial partner)] in creation
        order. taken: the company names given so far, which the new ones join."""
        plan, vals_list = [], []
        for archetype, count, companies in mix:
            for index in range(count):
                country = IT if rng.random() < 0.55 else PL
                plan.append(archetype)
                vals_list.append(
                    self._partner_vals(
                        rng,
                        country,
                        is_company=index < companies,
                        salesperson=rng.choice(salespeople),
                        taken=taken,
                    )
                )
        partners = self.env["res.partner"].create(vals_list)
        return list(zip(plan, partners, strict=True))

    def _partner_vals(self, rng, country, is_company, salesperson, taken):
        """One customer's values; a company gets a name not in taken (the names given so far),
        which it joins."""
        first = rng.choice(country["first"])
        last = rng.choice(country["last"])[1 if first in country["female"] else 0]
        city, zip_code = rng.choice(country["cities"])
        person = f"{first} {last}"
        login = f"{first}.{last}".lower().translate(ASCII)
        vals = {
            "street": f"{rng.choice(country['streets'])} {rng.randint(1, 120)}",
            "city": city,
            "zip": zip_code,
            "country_id": self.env.ref(country["country"]).id,
            "phone": country["phone"].format(
                rng.randint(10, 99),
                rng.randint(0, 999),
                rng.randint(0, 9999 if country is IT else 999),
            ),
            "user_id": salesperson.id,
        }
        if not is_company:
            return {**vals, "name": person, "email": f"{login}{rng.randint(1, 99)}@example.com"}
        name = rng.choice(country["company"]).format(first=first, last=last)
        name = self._unique(name, taken, city)
        domain = name.split(" ")[0].lower().translate(ASCII) + f"-{last.lower().translate(ASCII)}"
        return {
            **vals,
            "name": name,
            "is_company": True,
            "email": f"info@{domain}.example.com",
            "child_ids": [
                Command.create({"name": person, "email": f"{login}@{domain}.example.com"})
            ],
        }

    @staticmethod
    def _unique(name, taken, city):
        """name, or when another demo company has it already, the name with its city (and a
        number, should that be taken too); the result is added to taken. No random draw: the
        rest of the demo stays that of the seed."""
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name} ({city})" if number == 2 else f"{name} ({city} {number})"
        taken.add(candidate)
        return candidate

    def _acquisition(self, rng, people):
        """How the customers came: most have a channel (the referred ones: referral), some a
        campaign source too."""
        channels = [
            ("walk_in", 4), ("web", 4), ("event", 3), ("networking", 2), ("advertising", 2),
            ("partner_promotion", 1), ("strategic_alliance", 1), ("other", 1),
        ]  # fmt: skip
        sources = [
            self.env.ref(xmlid, raise_if_not_found=False)
            for xmlid in ("utm.utm_source_search_engine", "utm.utm_source_facebook",
                          "utm.utm_source_newsletter", "utm.utm_source_linkedin")
        ]  # fmt: skip
        sources = [source for source in sources if source]
        for _archetype, partner in people:
            if partner.lifecycle_acquisition_channel or rng.random() < 0.15:
                continue
            channel = rng.choices([c for c, _w in channels], [w for _c, w in channels])[0]
            vals = {"lifecycle_acquisition_channel": channel}
            if channel in ("web", "advertising") and sources:
                vals["lifecycle_source_id"] = rng.choice(sources).id
            partner.write(vals)

    def _consents(self, rng, people, today):
        """What the customers agreed to: most said yes to email, some to SMS or post, some
        changed their mind since, a few never answered again for years (expired)."""
        channels = {
            code: self.env.ref(f"customer_lifecycle.consent_channel_{code}")
            for code in ("email", "sms", "post")
        }
        # "web_form" is the consent page's own: only the page records it, with its proof
        sources = ["store", "event", "email", "phone"]
        vals_list = []

        def add(partner, code, state, day):
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "channel_id": channels[code].id,
                    "state": state,
                    "source": rng.choice(sources),
                    "date": datetime.combine(day, time(10)),
                    "valid_until": day + relativedelta(months=36),
                    "notice": "Privacy notice 2024-03",
                }
            )

        for archetype, partner in people:
            if archetype == "potential" or rng.random() < 0.25:
                continue
            day = today - timedelta(days=rng.randint(30, 700))
            if archetype in ("prospect", "referral") and rng.random() < 0.4:
                # asked long ago and never bought since: expired by now
                day = today - timedelta(days=rng.randint(1100, 1300))
            add(partner, "email", "granted" if rng.random() < 0.92 else "refused", day)
            if rng.random() < 0.15:
                add(partner, "email", "withdrawn", day + timedelta(days=rng.randint(5, 25)))
            if rng.random() < 0.35:
                add(partner, "sms", "granted", day)
            if rng.random() < 0.15:
                add(partner, "post", "granted", day)
        self.env["customer.consent"].create(vals_list)

    def _profiles(self, rng, people, today):
        """Part of each profile filled in, as a rep would: birthdays and name days, what
        companies do and how big they are, interests, preferences, special dates."""
        Interest = self.env["customer.lifecycle.interest"]
        interests = Interest.search([("name", "in", INTERESTS)]) or Interest.create(
            [{"name": name} for name in INTERESTS]
        )
        industries = self.env["res.partner.industry"].search([], limit=8)
        channels = self.env["customer.consent.channel"].search([])
        specials = []
        for _archetype, partner in people:
            if rng.random() < 0.3:
                continue  # nobody asked yet
            vals = {
                "lifecycle_interest_ids": [
                    Command.set(rng.sample(interests.ids, rng.randint(1, 3)))
                ],
                "lifecycle_preferred_channel_id": rng.choice(channels).id,
                "lifecycle_preferred_time": rng.choice(["morning", "afternoon", "any"]),
                "lifecycle_preferred_payment": rng.choice(["bank_transfer", "card", "cash"]),
            }
            if partner.is_company:
                vals["lifecycle_size_band"] = rng.choice(["micro", "micro", "small", "medium"])
                vals["lifecycle_turnover_band"] = rng.choice(["under_2m", "under_2m", "2m_10m"])
                if industries:
                    vals["industry_id"] = rng.choice(industries).id
                if rng.random() < 0.3:
                    founded = today.replace(year=today.year - rng.randint(3, 40))
                    specials.append(
                        (partner, "company", founded - timedelta(days=rng.randint(0, 364)))
                    )
            else:
                born = date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28))
                vals["lifecycle_birthdate"] = born
                vals["lifecycle_gender"] = rng.choice(["female", "male", "undisclosed"])
                vals["lifecycle_children"] = rng.choice([0, 0, 1, 2, 3])
                if rng.random() < 0.4:
                    specials.append((partner, "birthday", born))
            if rng.random() < 0.4:
                vals["lifecycle_profile_reviewed_on"] = today - timedelta(days=rng.randint(10, 500))
            partner.write(vals)
        self.env["customer.special.date"].create(
            [
                {"partner_id": partner.id, "kind": kind, "date": day}
                for partner, kind, day in specials
            ]
        )

    def _referrals(self, rng, people):
        referrers = [partner for archetype, partner in people if archetype in ("big", "regular")]
        for archetype, partner in people:
            if archetype in ("referral", "referred_buyer"):
                partner.lifecycle_referred_by_id = rng.choice(referrers[:20])

    def _orders(self, rng, people, products, today, picks):
        """Quotations, confirmed and cancelled orders, each dated in the past. picks: the
        stream the customers' tastes and the catalogue's lines are drawn from."""
        tastes = {}
        plans = []  # (partner, archetype, date, state)
        for archetype, partner in people:
            for day in self._order_days(rng, archetype):
                if archetype == "prospect":
                    state = "draft"
                else:
                    state = "cancel" if rng.random() < 0.04 else "sale"
                plans.append((partner, archetype, today - timedelta(days=day), state))
        plans.sort(key=lambda plan: plan[2])
        Order = self.env["sale.order"].with_context(tracking_disable=True, mail_notrack=True)
        orders = Order.create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "order_line": self._lines(
                        rng, picks, products, archetype, self._taste(picks, partner, tastes)
                    ),
                }
                for partner, archetype, _date, _state in plans
            ]
        )
        states = [state for _partner, _archetype, _date, state in plans]
        confirmed = Order.browse(
            o.id for o, state in zip(orders, states, strict=True) if state != "draft"
        )
        confirmed.action_confirm()
        Order.browse(
            o.id for o, state in zip(orders, states, strict=True) if state == "cancel"
        )._action_cancel()
        # Confirming stamps today's date: put every order back on its own day.
        for order, (_partner, _archetype, day, _state) in zip(orders, plans, strict=True):
            order.date_order = datetime.combine(day, time(9)) + timedelta(
                minutes=rng.randint(0, 540)
            )
        return orders

    def _invoices(self, rng, orders, today):
        """Invoice the confirmed orders of the last months on their own day, due 30 days later;
        each customer pays in its own way: mostly on time, some late, a few not at all."""
        recent = orders.filtered(
            lambda o: o.state == "sale" and (today - o.date_order.date()).days <= INVOICED_DAYS
        )
        habits = {}
        for partner in recent.partner_id.commercial_partner_id.sorted("id"):
            draw = rng.random()
            habits[partner] = "on_time" if draw < 0.6 else "late" if draw < 0.9 else "unpaid"
        moves = recent._create_invoices(grouped=True)
        for move in moves:
            day = move.invoice_line_ids.sale_line_ids.order_id[:1].date_order.date()
            move.write(
                {
                    "invoice_date": day,
                    "invoice_payment_term_id": False,
                    "invoice_date_due": day + timedelta(days=PAYMENT_DAYS),
                }
            )
        moves.action_post()
        # Fresh statistics: Odoo's payment queries join on OR conditions, and with the tables
        # still counted empty the planner picks plans that take minutes.
        self.env.flush_all()
        self.env.cr.execute(
            "ANALYZE account_move, account_move_line, account_partial_reconcile, account_payment"
        )
        paid_on = {}
        for move in moves:
            habit = habits[move.commercial_partner_id]
            if habit == "unpaid":
                continue
            shift = -rng.randint(0, 10) if habit == "on_time" else rng.randint(3, 40)
            day = move.invoice_date_due + timedelta(days=shift)
            if day <= today:
                paid_on.setdefault(day, []).append(move.id)
        Register = self.env["account.payment.register"]
        for day, move_ids in sorted(paid_on.items()):  # one payment per invoice, made that day
            Register.with_context(active_model="account.move", active_ids=move_ids).create(
                {"payment_date": day, "group_payment": False}
            )._create_payments()

    def _service_customers(self, rng, salespeople, people, today):
        """Customers who never place a sale order: their machine maintenance is invoiced
        directly (one to three visits an invoice, every 30 to 120 days, for up to two years),
        posted on the invoice's day and due 30 days later; most pay on time, one not at all,
        and one invoice is partly refunded by a credit note (a visit that did not happen).
        Returns [(archetype, partner)]."""
        taken = {partner.name for _archetype, partner in people if partner.is_company}
        service = self._people(rng, salespeople, SERVICE_MIX, taken)
        maintenance, descaling, tablets = (
            self.env["product.product"].search([("default_code", "=", code)], limit=1)
            for code in ("CLC-MAINT", "CLC-DESC", "CLC-CLEAN")
        )
        extras = random.Random(SEED + 9)  # services that go with the visit, a stream of its own
        Move = self.env["account.move"].with_context(tracking_disable=True, mail_notrack=True)
        vals_list = []
        for _archetype, partner in service:
            day = today - timedelta(days=rng.randint(60, 700))
            while day <= today:
                vals_list.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_user_id": partner.user_id.id,
                        "invoice_date": day,
                        "invoice_date_due": day + timedelta(days=PAYMENT_DAYS),
                        "invoice_line_ids": [
                            Command.create(
                                {"product_id": maintenance.id, "quantity": rng.randint(1, 3)}
                            )
                        ],
                    }
                )
                day += timedelta(days=rng.randint(30, 120))
        # the visit often comes with the descaling and cleaning tablets (not on the first
        # invoice: its credit note refunds one visit)
        for vals in vals_list[1:]:
            vals["invoice_line_ids"] += [
                Command.create({"product_id": product.id, "quantity": 1})
                for product, share in ((descaling, 0.6), (tablets, 0.4))
                if extras.random() < share
            ]
        invoices = Move.create(vals_list)
        invoices.action_post()
        # a visit that did not happen: one visit of the customer's first invoice refunded
        refunded = invoices[0]
        [credit_note] = refunded._reverse_moves(
            [{"invoice_date": refunded.invoice_date + timedelta(days=10)}]
        )
        credit_note.invoice_line_ids[0].quantity = 1
        credit_note.action_post()
        unpaid = service[-1][1]  # owes every invoice
        paid_on = {}
        for invoice in invoices - refunded:
            if invoice.partner_id == unpaid:
                continue
            day = invoice.invoice_date_due - timedelta(days=rng.randint(0, 10))
            if day <= today:
                paid_on.setdefault(day, []).append(invoice.id)
        Register = self.env["account.payment.register"]
        for day, move_ids in sorted(paid_on.items()):
            Register.with_context(active_model="account.move", active_ids=move_ids).create(
                {"payment_date": day, "group_payment": False}
            )._create_payments()
        return service

    def _order_days(self, rng, archetype):
        """Days before today on which this customer ordered, oldest first."""
        if archetype == "potential":
            return []
        if archetype == "referral":  # some already asked for a quotation
            return [rng.randint(3, 40)] if rng.random() < 0.3 else []
        if archetype in ("prospect", "one_time"):  # once: a quotation, an order
            return [rng.randint(1, 60) if archetype == "prospect" else rng.randint(5, DAYS)]
        if archetype == "referred_buyer":
            first = rng.randint(60, 400)
            return [first, first - rng.randint(20, 50)] if rng.random() < 0.5 else [first]
        if archetype == "won_back":  # regular, silent for 220 to 360 days, back since
            gap = rng.randint(20, 60)
            back = rng.randint(30, 200)
            paused = back + rng.randint(220, 360)
            return self._every(rng, gap, rng.randint(paused + 200, DAYS), paused) + self._every(
                rng, gap, back, rng.randint(1, 20)
            )
        gap, start, stop = {
            "big": (rng.randint(9, 16), DAYS, rng.randint(1, 20)),
            "regular": (rng.randint(25, 110), rng.randint(200, DAYS), rng.randint(1, 90)),
            "lapsed": (rng.randint(30, 90), DAYS, rng.randint(420, 800)),
        }[archetype]
        return self._every(rng, gap, start, stop)

    @staticmethod
    def _every(rng, gap, start, stop):
        """Days before today from start down to stop (excluded), about gap days apart."""
        days, day = [], start
        while day > stop:
            days.append(day)
            day -= max(3, int(rng.gauss(gap, gap / 4)))
        return days

    @staticmethod
    def _taste(picks, partner, tastes):
        """What this customer buys, drawn once (tastes: {partner id: taste} so far): a bar
        (beans, a counter's supplies, porcelain) or an office (capsules, takeaway cups), its
        usual blend, the supplies it restocks about every other order, whether it takes tea, and
        its size: how much more or less than the usual customer it orders at a time (customers
        whose typical spend differs, which the spend model needs to converge)."""
        if partner.id not in tastes:
            bar = picks.random() < (0.6 if partner.is_company else 0.25)
            main = ["CLC-BEAN", "CLC-BEAN-ORG", "CLC-BEAN-DEC", "CLC-BEAN-ETH"] if bar else [
                "CLC-CAPS", "CLC-CAPS-LUN", "CLC-CAPS-DEC", "CLC-CAPS-ORG"
            ]  # fmt: skip
            usual = picks.choices(main, [5, 2, 2, 1])[0]
            supplies = {"CLC-SUGAR": 0.9, "CLC-COCOA": 0.5, "CLC-SYRUP": 0.4} if bar else {
                "CLC-SUGAR": 0.7, "CLC-TAKE": 0.6
            }  # fmt: skip
            tastes[partner.id] = {
                "bar": bar,
                "main": main,
                "usual": usual,
                "supplies": [code for code, share in supplies.items() if picks.random() < share],
                "cups": ["CLC-CUPS", "CLC-CAPP", "CLC-GLASS"] if bar else ["CLC-CUPS", "CLC-TAKE"],
                "tea": picks.sample(["CLC-TEA-GRN", "CLC-TEA-BRK", "CLC-TEA-HERB"], 2)
                if picks.random() < 0.35
                else [],
                "size": picks.lognormvariate(0, 0.6),
            }
        return tastes[partner.id]

    def _lines(self, rng, picks, products, archetype, taste):
        """An order's lines. rng draws what the orders held before the catalogue (the same
        draws, so the same days and states); picks draws the rest from the customer's taste:
        its usual coffee every time (a second kind now and then), the counter's supplies (all at
        once) and tea about every other order, and services that go together (a machine with
        the training and a water filter, a maintenance visit with the descaling and cleaning
        tablets)."""
        scale = rng.randint(6, 15) if archetype == "big" else 1
        rng.choice([0, 1])  # was: beans or capsules; the customer's taste says now
        lines = [(taste["usual"], max(1, round(rng.randint(2, 12) * scale * taste["size"])))]
        if picks.random() < 0.2:
            other = picks.choice([code for code in taste["main"] if code != taste["usual"]])
            lines.append((other, picks.randint(1, 3)))
        if rng.random() < 0.3:
            lines.append((picks.choice(taste["cups"]), rng.randint(1, 4)))
        if rng.random() < 0.12:
            kind = rng.choice(["machine", "grinder", "maintenance"])
            if kind == "machine":
                lines.append(("CLC-ESP" if taste["bar"] else "CLC-ESP-CMP", 1))
                lines += [(code, 1) for code in ("CLC-TRAIN", "CLC-FILTER") if picks.random() < 0.7]
            elif kind == "grinder":
                lines.append(("CLC-GRND", 1))
                if picks.random() < 0.3:
                    lines.append(("CLC-FROTH", 1))
            else:
                lines.append(("CLC-MAINT", 1))
                lines += [(code, 1) for code in ("CLC-DESC", "CLC-CLEAN") if picks.random() < 0.6]
        if taste["supplies"] and picks.random() < 0.5:  # the counter restocked at once
            stock = max(1, scale // 3)
            lines += [(code, picks.randint(1, 3) * stock) for code in taste["supplies"]]
        if taste["tea"] and picks.random() < 0.45:
            lines.append((picks.choice(taste["tea"]), picks.randint(1, 4)))
        return [
            Command.create({"product_id": products[code].id, "product_uom_qty": qty})
            for code, qty in lines
        ]
