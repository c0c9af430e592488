"""Fixtures of the Email Marketing bridge's tests: a marketing user, and customers whose e-mail
and SMS consent stand where each test needs them."""

import zlib

from odoo.tests import new_test_user

from ..common import LifecycleCase


class MailingLifecycleCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env,
            login="clc_marketer",
            name="Maria Marketing",
            groups="mass_mailing.group_mass_mailing_user,sales_team.group_sale_salesman",
        )
        cls.Mailing = cls.env["mailing.mailing"]
        cls.List = cls.env["mailing.list"]

    @classmethod
    def customer(cls, name, email=True, phone=True, **vals):
        """A customer with an e-mail address and a mobile number unless told otherwise."""
        slug = name.lower().replace(" ", ".")
        return cls.env["res.partner"].create(
            {
                "name": name,
                "email": f"{slug}@example.com" if email else False,
                "phone": f"+39 333 {zlib.crc32(name.encode()) % 10**7:07d}" if phone else False,
                **vals,
            }
        )

    @classmethod
    def consent(cls, partner, state, channel=None):
        return cls.env["customer.consent"].create(
            {"partner_id": partner.id, "channel_id": (channel or cls.email).id, "state": state}
        )

    def recipients(self, mailing):
        """The customers the mailing was sent to (its traces)."""
        return (
            self.env["mailing.trace"]
            .search([("mass_mailing_id", "=", mailing.id)])
            .mapped("res_id")
        )
