"""Referral codes as plain functions: unique, printable, and a typo never lands on someone else."""

import random

import pytest


def test_codes_are_unique_and_decode_to_their_partner(referral_code):
    ids = [*range(1, 5001), *random.Random(3).sample(range(5001, 34_000_000_000), 5000)]
    codes = [referral_code.encode(partner_id) for partner_id in ids]
    assert len(set(codes)) == len(ids)
    assert all(referral_code.decode(code) == pid for code, pid in zip(codes, ids, strict=True))


def test_a_code_is_two_groups_of_four_printable_characters(referral_code):
    code = referral_code.encode(42)
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(referral_code.ALPHABET)
    assert not set(code) & set("ILOU")
    # neighbours do not look alike
    assert referral_code.encode(43)[:4] != code[:4]


def test_what_people_type_is_read_kindly(referral_code):
    code = referral_code.encode(12345)
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert referral_code.decode(typed) == 12345


def test_any_single_mistyped_character_is_refused(referral_code):
    for partner_id in (1, 777, 123_456_789):
        text = referral_code.encode(partner_id).replace("-", "")
        for position in range(8):
            for char in referral_code.ALPHABET:
                if char != text[position]:
                    typo = text[:position] + char + text[position + 1 :]
                    assert referral_code.decode(typo) is None, typo


@pytest.mark.parametrize("typed", ["", None, "ABC", "ABCD-EFGH-J", "UUUU-UUUU", "!!!!-!!!!"])
def test_what_is_not_a_code_decodes_to_nothing(referral_code, typed):
    assert referral_code.decode(typed) is None
