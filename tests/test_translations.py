"""Italian and Polish (issue 7): with the language loaded, the ORM reads the stage names, the
selection values, the messages of the code and the views' words in it, and the customer's
consent page speaks it."""

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

EXPECTED = {
    "it_IT": {
        "stages": ["Potenziale", "Prospect", "Referral", "Acquirente", "Cliente", "Fan", "Perso"],
        "champions": "Campioni",
        "health_overdue": "In ritardo",
        "negative_days": "non può essere negativo",
        "funnel": "Funnel ciclo di vita",
        "page": "Le tue preferenze di contatto",
        "interest": "Regali",
    },
    "pl_PL": {
        "stages": ["Potencjalny", "Zainteresowany", "Polecony", "Kupujący", "Stały klient",
                   "Ambasador", "Utracony"],
        "champions": "Czempioni",
        "health_overdue": "Po terminie",
        "negative_days": "nie może być ujemna",
        "funnel": "Lejek cyklu życia",
        "page": "Twoje preferencje kontaktowe",
        "interest": "Prezenty",
    },
}  # fmt: skip


@tagged("post_install", "-at_install")
class TestTranslations(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in EXPECTED:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["customer_lifecycle"], list(EXPECTED))

    def _speaks(self, code):
        words = EXPECTED[code]
        env = self.env(context=dict(self.env.context, lang=code))
        stages = env["customer.lifecycle.stage"].search([], order="sequence")
        self.assertEqual(stages.mapped("name"), words["stages"])
        partner_fields = env["res.partner"]._fields
        segments = dict(partner_fields["rfm_segment"]._description_selection(env))
        self.assertEqual(segments["champions"], words["champions"])
        health = dict(partner_fields["lifecycle_health"]._description_selection(env))
        self.assertEqual(health["overdue"], words["health_overdue"])
        # a message of the code, raised in the user's language
        with self.assertRaisesRegex(ValidationError, words["negative_days"]):
            env["res.config.settings"].create({"lifecycle_min_lost_days": -5}).execute()
        # the words of a view
        funnel = env.ref("customer_lifecycle.res_partner_action_lifecycle_funnel")
        self.assertEqual(funnel.name, words["funnel"])
        # the demo's own names, which make demo LANG=... translates
        interest = env["customer.lifecycle.interest"].create({"name": "Gifts"})
        env["customer.lifecycle.demo"]._translate_names()
        self.assertEqual(interest.name, words["interest"])
        # the customer's page, in the customer's language
        customer = env["res.partner"].create({"name": f"Cliente {code}", "lang": code})
        page = self.url_open("/" + customer._lifecycle_consent_url().split("/", 3)[3])
        self.assertEqual(page.status_code, 200)
        self.assertIn(words["page"], page.text)

    def test_italian(self):
        self._speaks("it_IT")

    def test_polish(self):
        self._speaks("pl_PL")
