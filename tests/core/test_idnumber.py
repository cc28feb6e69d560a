"""GB 11643-1999 resident ID numbers and phone numbers: validation, normalization, masking (SECURITY.md 5–6).

Check digits here are computed by ``mod11_2`` below, the recursive form of ISO 7064 MOD 11-2, not by the
weight table the code uses, so a wrong table or code string in the code cannot agree with the tests by
construction.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.core.idnumber import (
    InvalidIdNumber,
    id_number_check_code,
    id_number_mask,
    id_number_normalize,
    id_number_validate,
    phone_mask,
    phone_normalize,
)


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2, the recursive (pure system) form."""
    p = 0
    for char in first17:
        p = ((p + int(char)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    assert len(first17) == 17
    return first17 + mod11_2(first17)


# The two examples printed in GB 11643-1999 (北京市朝阳区 1949-12-31, 汕头市潮阳县 1880-01-01) and a few more.
STANDARD_X = "11010519491231002X"
STANDARD_1880 = "440524188001010014"
VALID = [
    STANDARD_X,
    "110101199003074514",  # tests/conftest.py VALID_ID
    "310112198506120027",
    with_check("44030619990101001"),  # check character X
    with_check("32058319880808123"),
    with_check("65010220000229001"),  # 29 February of a leap year
]


def test_reference_check_digits_of_the_standard():
    assert mod11_2(STANDARD_X[:17]) == "X"
    assert mod11_2(STANDARD_1880[:17]) == "4"
    assert id_number_check_code(STANDARD_X[:17]) == "X"
    assert id_number_check_code(STANDARD_1880[:17]) == "4"


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_validate_to_themselves(number):
    assert id_number_validate(number) == number


def test_lower_case_x_is_accepted_and_upper_cased():
    assert id_number_validate(STANDARD_X.lower()) == STANDARD_X


def test_full_width_digits_and_spaces_are_normalized():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in STANDARD_X[:17]) + "ｘ"
    assert id_number_normalize(full_width) == STANDARD_X
    assert id_number_validate(full_width) == STANDARD_X
    assert id_number_validate("  110101 19900307 4514 ") == "110101199003074514"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110101199003074515", "check_digit"),
        ("11010519491231002" + "1", "check_digit"),
        ("110101199003074513", "check_digit"),
        ("11010119900307451", "format"),  # 17 characters
        ("1101011990030745144", "format"),  # 19 characters
        ("110101900307451", "format"),  # the old 15-digit number is not accepted
        ("", "format"),
        ("11010119900307451A", "format"),
        ("1101011990030X4514", "format"),  # X only as the check character
        ("11010119900307-514", "format"),
        (with_check("99010119900307451"), "region"),  # 99 is no province
        (with_check("00010119900307451"), "region"),
        (with_check("11010119900230123"), "birth_date"),  # 30 February
        (with_check("11010119891301123"), "birth_date"),  # month 13
        (with_check("11010119890100123"), "birth_date"),  # day 0
        (with_check("11010119000229123"), "birth_date"),  # 1900 was no leap year
        (with_check("11010118800101001"), "birth_date"),  # before 1890
        (STANDARD_1880, "birth_date"),
    ],
)
def test_invalid_numbers_name_the_reason(raw, reason):
    with pytest.raises(InvalidIdNumber) as caught:
        id_number_validate(raw)
    assert caught.value.reason == reason


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    number = with_check(f"110101{tomorrow:%Y%m%d}123")
    with pytest.raises(InvalidIdNumber) as caught:
        id_number_validate(number)
    assert caught.value.reason == "birth_date"
    today = date.today()
    assert id_number_validate(with_check(f"110101{today:%Y%m%d}123"))


@pytest.mark.parametrize(
    "digit",
    ["\u0665", "\u096b", "\u09eb", "\U0001d7d3"],  # 5 in Arabic-Indic, Devanagari, Bengali, mathematical bold
)
def test_non_ascii_decimal_digits_are_not_taken_for_digits(digit):
    # ``\d`` and ``int()`` accept every Unicode decimal digit; a number spelled with them must not validate
    # (it would be stored, hashed and masked in a form that never matches the same person's ASCII number).
    number = "110101199003074514"
    spoofed = number[:15] + digit + number[16:]
    assert spoofed != number
    with pytest.raises(InvalidIdNumber):
        id_number_validate(spoofed)


# -- property: every correctly built number validates, every single-character change is refused ----------

_REGIONS = ["110101", "110105", "310112", "320583", "440305", "500101", "650102", "810000", "820000"]


@st.composite
def id_numbers(draw) -> str:
    region = draw(st.sampled_from(_REGIONS))
    born = draw(st.dates(min_value=date(1890, 1, 1), max_value=date.today()))
    serial = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{region}{born:%Y%m%d}{serial:03d}")


@settings(max_examples=200, deadline=None)
@given(id_numbers())
def test_property_correct_check_digit_validates(number):
    assert id_number_validate(number) == number
    assert id_number_validate(number.lower()) == number


@settings(max_examples=150, deadline=None)
@given(id_numbers(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_property_any_single_character_change_is_refused(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[position]:  # shift == len(alphabet) on the first 17 positions
        replacement = alphabet[(current + 1) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1:]
    assert changed != number
    with pytest.raises(InvalidIdNumber):
        id_number_validate(changed)


def test_every_single_digit_change_of_one_number_is_refused_exhaustively():
    number = "110101199003074514"
    for position in range(18):
        for char in "0123456789X" if position == 17 else "0123456789":
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1:]
            with pytest.raises(InvalidIdNumber):
                id_number_validate(changed)


# -- masking ---------------------------------------------------------------------------------------------

def test_id_mask_keeps_first_six_and_last_four():
    assert id_number_mask("110101199003074514") == "110101********4514"
    assert id_number_mask(STANDARD_X) == "110105********002X"
    masked = id_number_mask("310112198506120027")
    assert len(masked) == 18
    assert "19850612" not in masked


def test_id_mask_of_something_short_reveals_nothing():
    assert id_number_mask("12345") == "*****"


# -- phone numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8619912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width
        ("021-64123456", "02164123456"),
        ("02164123456", "02164123456"),
        ("0755-1234567", "07551234567"),
    ],
)
def test_phone_normalize(raw, normalized):
    assert phone_normalize(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    ["", "12812345678", "1381234567", "138123456789", "2164123456", "abc", "1381234567x",
     "138123456\u0667\u0668"],  # the last with Arabic-Indic digits
)
def test_phone_normalize_refuses_bad_numbers(raw):
    with pytest.raises(ValueError):
        phone_normalize(raw)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("02164123456", "021****3456"),
        ("07551234567", "075****4567"),
        ("0211234567", "021***4567"),
        ("1234", "****"),
    ],
)
def test_phone_mask(phone, masked):
    assert phone_mask(phone) == masked
