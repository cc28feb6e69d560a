"""Demo petitioners and petition texts, made by this project's own code from the templates in
``texts``: names, valid GB 11643 ID numbers, mobile numbers, addresses, titles, contents and answers.

Everything is drawn from one ``random.Random(seed)``, so the same seed gives the same district.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from xinfang.accounts.models import Unit
from xinfang.cases.services import PetitionerInput
from xinfang.core.idnumber import id_number_check_code
from xinfang.demo import texts
from xinfang.demo.texts import Template

# Region codes (first 6 digits): mostly 闵行 (310112) and other Shanghai districts, some from the
# provinces many of Shanghai's workers come from.
LOCAL_REGIONS = ["310112"] * 6 + ["310104", "310105", "310107", "310115", "310117", "310120", "310230"]
OTHER_REGIONS = ["341222", "342401", "320923", "411323", "510722", "362428", "430524", "130626"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "157", "158", "159", "166", "173", "177", "180", "181", "186", "187", "188", "189", "199"]
CHINESE_DIGITS = "零一二三四五六七八九"


def id_number_make(*, region: str, born: date, sequence: int) -> str:
    """An 18-digit resident ID number (GB 11643-1999) with its check code: region, birth date, a
    3-digit sequence (odd for men, even for women) and the ISO 7064 MOD 11-2 check character."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_code(first17)


@dataclass(frozen=True)
class Person:
    """A demo petitioner with the street they live in."""

    data: PetitionerInput
    street_name: str


class PetitionGenerator:
    """Makes people and texts for the demo cases; ``today`` anchors the ages."""

    def __init__(self, *, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self._id_numbers: set[str] = set()
        self._phones: set[str] = set()

    # --- People ---------------------------------------------------------------------------------

    def name(self, *, male: bool | None = None) -> str:
        male = self.rng.random() < 0.5 if male is None else male
        given = self.rng.choice(texts.GIVEN_MALE if male else texts.GIVEN_FEMALE)
        return self.rng.choice(texts.SURNAMES) + given

    def id_number(self, *, male: bool, local: bool = True) -> str:
        """A valid, not yet used ID number of an adult (20–85 years old)."""
        while True:
            region = self.rng.choice(LOCAL_REGIONS if local else OTHER_REGIONS)
            born = self.today - timedelta(days=self.rng.randint(20 * 365, 85 * 365))
            sequence = self.rng.randrange(1 if male else 0, 1000, 2)
            number = id_number_make(region=region, born=born, sequence=sequence)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def complex_name(self) -> str:
        return self.rng.choice(texts.COMPLEX_HEADS) + self.rng.choice(texts.COMPLEX_TAILS)

    def address(self, *, street: Unit | None) -> str:
        place = street.name if street is not None else ""
        return (f"上海市闵行区{place}{self.rng.choice(texts.ROADS)}{self.rng.randint(1, 1200)}弄"
                f"{self.rng.randint(1, 60)}号{self.rng.randint(1, 18)}0{self.rng.randint(1, 4)}室")

    def person(self, *, street: Unit | None, with_id: bool = True, with_phone: bool = True) -> PetitionerInput:
        """A new petitioner; about one in six comes from another province (ID region)."""
        male = self.rng.random() < 0.5
        return PetitionerInput(
            name=self.name(male=male),
            id_number=self.id_number(male=male, local=self.rng.random() < 0.83) if with_id else "",
            phone=self.mobile() if with_phone else "",
            address=self.address(street=street),
        )

    # --- Texts ----------------------------------------------------------------------------------

    def amount(self) -> str:
        value = self.rng.choice([self.rng.randint(8, 99) * 100, self.rng.randint(10, 90) * 1000,
                                 self.rng.randint(3, 60) * 5000])
        return f"{value / 10000:g}万元" if value >= 10000 else f"{value}元"

    def details(self, *, street: Unit | None, person: PetitionerInput, when: date) -> dict[str, Any]:
        """Values for every placeholder the templates use; dates lie before ``when`` (the petition's date)."""
        rng = self.rng
        earlier = when - timedelta(days=rng.randint(30, 240))
        roads = rng.sample(texts.ROADS, 2)
        complex_name = self.complex_name()
        fee = rng.choice([1.2, 1.5, 1.8, 2.0, 2.3])
        return {
            "name": person.name, "address": person.address or "闵行区", "street": street.name if street else "闵行区",
            "complex": complex_name, "road": roads[0], "road2": roads[1], "building": rng.randint(1, 48),
            "duration": rng.choice(texts.DURATIONS), "amount": self.amount(), "households": rng.randint(12, 260),
            "company": rng.choice(texts.COMPANY_HEADS) + rng.choice(texts.COMPANY_TAILS),
            "builder": rng.choice(texts.COMPANY_HEADS) + rng.choice(["建设工程有限公司", "建筑工程有限公司"]),
            "developer": rng.choice(texts.COMPANY_HEADS) + rng.choice(["置业有限公司", "房地产开发有限公司"]),
            "month": f"{earlier.year}年{earlier.month}月" if earlier.year != when.year else f"{earlier.month}月",
            "year": when.year - 1, "years": rng.randint(2, 15),
            "days": rng.choice([15, 30, 45, 60, 90, 120]), "fee": f"{fee:.2f}", "fee2": f"{fee + rng.choice([0.5, 0.8, 1.0]):.2f}",
            "area": rng.randint(15, 80), "km": rng.randint(3, 9), "job": rng.choice(texts.JOBS),
            "factory": rng.choice(texts.FACTORIES), "hospital": rng.choice(texts.HOSPITALS),
            "village": rng.choice(texts.VILLAGE_NAMES), "school": f"{rng.choice(texts.ROADS)[:-1]}小学",
        }

    def petition(self, *, template: Template, channel: str, street: Unit | None, person: PetitionerInput,
                 when: date, group_size: int = 1, representatives: int = 0, point: Unit | None = None,
                 accused_unit: Unit | None = None, accused_person: str = "",
                 repeat_of: dict[str, Any] | None = None) -> tuple[str, str, dict[str, Any]]:
        """Title and content of one petition as the registrar writes it down for ``channel``, and the
        details drawn for it. ``repeat_of``: the details of the earlier petition on the same matter."""
        repeat = repeat_of is not None
        values = dict(repeat_of) if repeat_of is not None else self.details(street=street, person=person, when=when)
        values.update(point=point.name if point else "家门口服务站", group_size=group_size, reps=representatives,
                      accused_unit=accused_unit.name if accused_unit else "", accused_person=accused_person)
        if group_size > 5 and channel == "visit":
            opener = self.rng.choice(texts.GROUP_OPENERS)
        else:
            opener = self.rng.choice(texts.OPENERS[channel])
        parts = [opener.format(**values)]
        if repeat:
            parts.append(self.rng.choice(texts.REPEAT_OPENERS))
        parts.append(template.body.format(**values))
        parts.append(self.rng.choice(texts.CLOSINGS[channel]))
        title = template.title.format(**values)
        return (f"再次反映：{title}" if repeat else title), "".join(parts), values

    def accused_person(self) -> tuple[str, str]:
        """An accused person as petitions name them (surname and 某某) and their position."""
        return f"{self.rng.choice(texts.SURNAMES)}某某", self.rng.choice(texts.ACCUSED_POSITIONS)

    def reply(self, *, matter_type: str, outcome: str, title: str, street: Unit | None, when: date) -> str:
        """The text of the 处理意见书 for ``outcome`` (信访工作条例 Art. 32, 33)."""
        if matter_type == texts.SUGGESTION:
            return texts.SUGGESTION_REPLIES[outcome].format(title=title, year=when.year)
        if matter_type == texts.ACCUSATION:
            return texts.ACCUSATION_REPLIES[outcome]
        text = self.rng.choice(texts.REPLY_TEXTS[outcome]).format(
            title=title, action=self.rng.choice(texts.SUPPORT_ACTIONS), days=self.rng.choice([10, 15, 30]),
            street=street.name if street else "区", explanation=self.rng.choice(texts.EXPLANATIONS))
        return text + (texts.CLAIM_REPLY_SUFFIX if matter_type == texts.CLAIM else "")

    def objection(self, *, right_unit: Unit, street: Unit | None) -> str:
        if right_unit.kind == Unit.Kind.STREET:
            return texts.OBJECTION_REASONS[0].format(street=right_unit.name)
        return texts.OBJECTION_REASONS[1].format(unit=right_unit.name, street=street.name if street else "")

    def choice(self, items: list[str]) -> str:
        return self.rng.choice(items)
