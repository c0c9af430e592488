"""Demo satisfaction answers, generated deterministically after the first computation.

Most demo customers who bought in the last year were asked by e-mail a week after their last
order; about six in ten answered (some after changing their mind once), a few gave their score
to staff by phone or in the shop. Half of the answers are promoters, a fifth detractors (drawn
first among repeat customers: the unhappy regulars a business must call back), so that the NPS
is about +30."""

import random
from datetime import datetime, time, timedelta

from odoo import api, fields, models

from ..models.customer_satisfaction_request import satisfaction_event

SATISFACTION_SEED = 1907 + 19
ASKED_SHARE = 0.8  # of the customers who bought: asked by e-mail
ANSWERED_SHARE = 0.6  # of those asked: answered
STAFF_SHARE = 0.1  # of the customers who bought: a score given to staff
PROMOTERS, DETRACTORS = 0.5, 0.2  # of the answers; the rest are passives
ASK_AFTER_DAYS = 7
RECENT_DAYS = 365
# fmt: off
COMMENTS = {
    "promoter": [
        "Ottimo caffè e consegna puntuale.", "Sempre gentili, lo consiglio a tutti.",
        "Świetna kawa, szybka dostawa.", "Polecam, bardzo dobra obsługa.", None, None, None,
    ],
    "passive": [
        "Buono, ma i prezzi sono saliti.", "Dostawa trochę za długa.", None, None,
    ],
    "detractor": [
        "Consegna in ritardo due volte di fila.", "Macchina arrivata con un pezzo rotto.",
        "Nikt nie oddzwonił w sprawie reklamacji.", "Za drogo w porównaniu z konkurencją.",
        None,
    ],
}
SCORES = {"promoter": (9, 10, 10), "passive": (7, 8), "detractor": (2, 4, 5, 6, 6)}
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
]
# fmt: on


class CustomerLifecycleDemo(models.AbstractModel):
    _inherit = "customer.lifecycle.demo"

    @api.model
    def _satisfaction_answers(self, customers):
        """Requests and answers for the demo customers who bought (run by the install hook
        after the engine, so that the answers keep the stage and segment of their day).
        Returns the requests."""
        rng = random.Random(SATISFACTION_SEED)
        now = fields.Datetime.now()
        # customers who bought in the last year: an answer snapshots the stage of its day,
        # and a customer lost long ago was not asked anything lately
        since = fields.Date.context_today(self) - timedelta(days=RECENT_DAYS)
        buyers = customers.filtered(
            lambda p: p.lifecycle_last_order_date and p.lifecycle_last_order_date >= since
        )
        # each customer's last confirmed order (placed by it or one of its contacts)
        last_orders = {}
        orders = self.env["sale.order"].search(
            [("partner_id", "child_of", buyers.ids), ("state", "=", "sale")], order="id"
        )
        for order in orders:
            last_orders[order.partner_id.commercial_partner_id.id] = order
        asked, staff = [], []
        for partner in buyers:
            draw = rng.random()
            if draw < STAFF_SHARE:
                staff.append(partner)
            elif draw < STAFF_SHARE + ASKED_SHARE and partner.id in last_orders:
                asked.append(partner)
        answering = [p for p in asked if rng.random() < ANSWERED_SHARE] + staff
        categories = self._satisfaction_categories(rng, answering)
        requests = self.env["customer.satisfaction.request"]
        plans = []
        for partner in asked + staff:
            by_staff = partner in staff
            order = last_orders.get(partner.id) if not by_staff else None
            base = order.date_order if order else now - timedelta(days=rng.randint(5, 200))
            sent = min(base + timedelta(days=ASK_AFTER_DAYS), now - timedelta(days=2))
            sent = datetime.combine(sent.date(), time(9, rng.randint(0, 59)))
            plans.append((sent, partner, order, by_staff))
        plans.sort(key=lambda plan: (plan[0], plan[1].id))  # answers in the order of the days
        for sent, partner, order, by_staff in plans:
            with satisfaction_event():
                request = requests.create(
                    {
                        "partner_id": partner.id,
                        "company_id": (partner.company_id or self.env.company).id,
                        "order_id": order.id if order else False,
                        "source": rng.choice(["phone", "shop"]) if by_staff else "email",
                        "sent_date": sent,
                        "recorded_by_id": partner.user_id.id if by_staff else False,
                    }
                )
            requests |= request
            category = categories.get(partner.id)
            if category:
                self._satisfaction_answer(rng, request, category, by_staff, now)
        return requests

    @api.model
    def _satisfaction_categories(self, rng, answering):
        """{partner id: category} with the shares above, detractors drawn first among the
        repeat customers."""
        total = len(answering)
        detractors = round(total * DETRACTORS)
        promoters = round(total * PROMOTERS)
        repeat = [p for p in answering if p.lifecycle_order_count >= 2]
        others = [p for p in answering if p.lifecycle_order_count < 2]
        rng.shuffle(repeat)
        rng.shuffle(others)
        ordered = repeat[:detractors] + others + repeat[detractors:]
        head, rest = ordered[:detractors], ordered[detractors:]
        rng.shuffle(rest)
        categories = dict.fromkeys((p.id for p in head), "detractor")
        categories.update((p.id, "promoter") for p in rest[:promoters])
        categories.update((p.id, "passive") for p in rest[promoters:])
        return categories

    @api.model
    def _satisfaction_answer(self, rng, request, category, by_staff, now):
        """The answer of the day (a few customers clicked another score first)."""
        answered = min(request.sent_date + timedelta(hours=rng.randint(1, 72)), now)
        if by_staff:
            proof = {"source": request.source, "user_id": request.recorded_by_id.id}
        else:
            proof = {
                "source": "page",
                "remote_addr": f"192.0.2.{rng.randint(1, 254)}",
                "user_agent": rng.choice(BROWSERS),
            }
            if rng.random() < 0.1:  # a first click on another score, changed a minute later
                first = rng.choice(SCORES[rng.choice(list(SCORES))])
                request._record_answer(first, proof=proof, date=answered)
                answered += timedelta(minutes=1)
        score = rng.choice(SCORES[category])
        request._record_answer(score, rng.choice(COMMENTS[category]), proof, date=answered)
