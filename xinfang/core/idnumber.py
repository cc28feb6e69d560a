"""Resident identity numbers (居民身份证号码, GB 11643-1999) and phone numbers: validation and masking.

Pure functions: no database, no settings.
"""

from __future__ import annotations

import re
from datetime import date

# GB 11643-1999 §8.2: weights 2^(17-i) mod 11 for the first 17 digits; check code by ISO 7064 MOD 11-2.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"
# re.ASCII: without it ``\d`` also matches Arabic-Indic, Devanagari, ... digits, and such a number passed
# validation (int() reads them too) but was stored, hashed and masked in a form that never matches the
# same person's ASCII number (tests/core/test_idnumber.py).
_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_PHONE_RE = re.compile(r"^(?:\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", re.ASCII)

# First digit of the region code: 1-8 are the mainland regions; 9 is not allocated.
_VALID_PROVINCE_PREFIXES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
                            "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
                            "63", "64", "65", "71", "81", "82", "83"}


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-digit resident ID number; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def id_number_normalize(raw: str) -> str:
    """Upper-case the check character, drop spaces and turn full-width digits into ASCII."""
    text = raw.strip().translate(str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX"))
    return text.replace(" ", "").upper()


def id_number_check_code(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CODES[total % 11]


def id_number_validate(raw: str) -> str:
    """Return the normalized number, or raise ``InvalidIdNumber`` with the reason."""
    number = id_number_normalize(raw)
    if not _ID_RE.match(number):
        raise InvalidIdNumber("format")
    if number[:2] not in _VALID_PROVINCE_PREFIXES:
        raise InvalidIdNumber("region")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("birth_date") from exc
    if born.year < 1890 or born > date.today():
        raise InvalidIdNumber("birth_date")
    if id_number_check_code(number[:17]) != number[17]:
        raise InvalidIdNumber("check_digit")
    return number


def id_number_mask(number: str) -> str:
    """First 6 and last 4 shown, the rest starred (SECURITY.md 6)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def phone_normalize(raw: str) -> str:
    text = raw.strip().translate(str.maketrans("０１２３４５６７８９－＋", "0123456789-+"))
    text = text.replace(" ", "")
    match = _PHONE_RE.match(text)
    if not match:
        raise ValueError("phone")
    return match.group(1).replace("-", "")


def phone_mask(phone: str) -> str:
    """Mobile 138****1234; landline keeps the area code and the last 4."""
    if len(phone) <= 4:
        return "*" * len(phone)
    if phone.startswith("1") and len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
