"""Referral codes: short, printable, typed by a rep from a card or a phone call.

A code is eight characters of Crockford's base32 (digits and capitals without I, L, O, U), shown
as two groups of four. The first seven carry the partner's id, scrambled by a bijection modulo
2^35 so that neighbouring customers do not get neighbouring codes; the eighth is a check
character that catches any single mistyped character. Being a function of the id, a code is
unique without a sequence or a retry, and decodes without a lookup table. No Odoo import: the
Odoo-free tests exercise it.
"""

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type for the letters the alphabet leaves out.
READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
BITS = 35
MODULUS = 1 << BITS
MULTIPLIER = 0x5DEECE66D  # odd, so invertible modulo 2^35
OFFSET = 0x2F1E3D4C5
INVERSE = pow(MULTIPLIER, -1, MODULUS)
WEIGHTS = (1, 3, 5, 7, 9, 11, 13)  # odd: a single wrong character always changes the check


def _check(digits):
    return sum(weight * digit for weight, digit in zip(WEIGHTS, digits, strict=True)) % 32


def encode(partner_id):
    """The referral code of this partner id, e.g. '7K3M-Q2XD'."""
    if not 0 < partner_id < MODULUS:
        raise ValueError(f"no referral code for id {partner_id}")
    value = (partner_id * MULTIPLIER + OFFSET) % MODULUS
    digits = [(value >> (5 * position)) & 31 for position in reversed(range(7))]
    code = "".join(ALPHABET[digit] for digit in [*digits, _check(digits)])
    return f"{code[:4]}-{code[4:]}"


def decode(code):
    """The partner id a typed code stands for, or None when it is not a valid code (wrong
    length, a character outside the alphabet, a failed check)."""
    text = (code or "").upper().translate(READ_AS)
    if len(text) != 8 or any(char not in ALPHABET for char in text):
        return None
    digits = [ALPHABET.index(char) for char in text]
    if _check(digits[:7]) != digits[7]:
        return None
    value = 0
    for digit in digits[:7]:
        value = (value << 5) | digit
    partner_id = ((value - OFFSET) * INVERSE) % MODULUS
    return partner_id or None
