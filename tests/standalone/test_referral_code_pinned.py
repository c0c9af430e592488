"""Referral codes pinned: the printed code of known ids, and every kind of typo over thousands of
ids. The codes below were printed once and frozen: a change of the scrambling, the offset or the
check character changes codes customers already hold, and must fail here."""

import random

import pytest

KNOWN_CODES = {
    1: "38D1-ESJY",
    2: "TQVV-8CZ2",
    42: "62C3-8N77",
    12345: "QZXF-4RAW",
    1_000_000_000: "YE4F-NP5N",
    2**35 - 1: "M9FD-VJR6",  # the largest id that has a code
}
IDS = [*range(1, 1001), *random.Random(20).sample(range(1001, 2**35), 1000)]


@pytest.mark.parametrize(("partner_id", "code"), KNOWN_CODES.items())
def test_known_ids_print_known_codes(referral_code, partner_id, code):
    assert referral_code.encode(partner_id) == code
    assert referral_code.decode(code) == partner_id


def test_ids_without_a_code(referral_code):
    for partner_id in (0, -1, 2**35, 2**40):
        with pytest.raises(ValueError, match=f"no referral code for id {partner_id}"):
            referral_code.encode(partner_id)
    # the one well-formed code whose id would be 0 decodes to nothing
    assert referral_code.decode("BRY7-N65T") is None


def test_the_alphabet_is_crockfords(referral_code):
    assert referral_code.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_every_single_substitution_is_refused_over_two_thousand_ids(referral_code):
    alphabet, decode = referral_code.ALPHABET, referral_code.decode
    for partner_id in IDS:
        text = referral_code.encode(partner_id).replace("-", "")
        for position in range(8):
            for char in alphabet:
                if char != text[position]:
                    typo = text[:position] + char + text[position + 1 :]
                    assert decode(typo) is None, (partner_id, typo)


def test_adjacent_transpositions_are_refused_unless_16_apart(referral_code):
    """Weights 1, 3, 5 ... differ by 2, so swapping two neighbours shifts the check by twice
    their difference modulo 32: caught unless the two characters are exactly 16 apart in the
    alphabet (0 and G, 1 and H, ...), which then reads as another customer's code."""
    alphabet, decode = referral_code.ALPHABET, referral_code.decode
    swaps = accepted = 0
    for partner_id in IDS:
        text = referral_code.encode(partner_id).replace("-", "")
        for position in range(7):
            a, b = text[position], text[position + 1]
            if a == b:
                continue
            swaps += 1
            typo = text[:position] + b + a + text[position + 2 :]
            sixteen_apart = abs(alphabet.index(a) - alphabet.index(b)) == 16
            got = decode(typo)
            if sixteen_apart:
                accepted += 1
                assert got not in (None, partner_id), (partner_id, typo)
            else:
                assert got is None, (partner_id, typo)
    assert 0 < accepted < swaps / 20  # about 1 in 31 swaps


def test_what_people_type_for_the_missing_letters_is_read_as_the_digit(referral_code):
    decode = referral_code.decode
    for partner_id in IDS:
        code = referral_code.encode(partner_id)
        assert decode(code.replace("0", "O")) == partner_id
        assert decode(code.replace("0", "o")) == partner_id
        assert decode(code.replace("1", "I")) == partner_id
        assert decode(code.replace("1", "L")) == partner_id
        assert decode(code.replace("1", "i")) == partner_id
        assert decode(code.lower()) == partner_id
        assert decode(code.replace("-", "")) == partner_id
        assert decode(code.replace("-", " ")) == partner_id
        assert decode(f" {code[:2]}-{code[2:4]} {code[5:]}") == partner_id


def test_u_and_other_characters_are_not_read(referral_code):
    code = KNOWN_CODES[42].replace("-", "")  # 62C38N77
    assert referral_code.decode(code[:7] + "U") is None
    assert referral_code.decode(code + "0") is None
    assert referral_code.decode(code[:7]) is None
    assert referral_code.decode("62C3_8N77") is None
