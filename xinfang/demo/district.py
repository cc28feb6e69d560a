"""The demo district as data: a unit tree modelled on Shanghai's 闵行区, the petition categories of
DOMAIN.md with their default responsible units, and the category × street routes.

Unit names are those of real district bodies and streets/towns; neighbourhood (居村委) names are made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.accounts.models import Unit
from xinfang.accounts.services import unit_create
from xinfang.cases.models import Category, CategoryStreetRoute

Kind = Unit.Kind


@dataclass(frozen=True)
class UnitSpec:
    """One unit of the demo tree; ``parent`` is the parent's code."""

    code: str
    name: str
    kind: str
    parent: str | None = None
    scope_includes_children: bool = False


ROOT = "MH"
BUREAU = "MH-XFB"
SUGGESTION_OFFICE = "MH-XFB-JY"
DISCIPLINE = "MH-JW"
POLITICS_LAW_COMMITTEE = "MH-ZFW"

# Functional departments (职能部门): code, name.
DEPARTMENTS: list[tuple[str, str]] = [
    ("MH-BGS", "区政府办公室"),
    ("MH-ZZB", "区委组织部"),
    ("MH-FGW", "区发展改革委"),
    ("MH-FGJ", "区房管局"),
    ("MH-RSJ", "区人社局"),
    ("MH-WJW", "区卫健委"),
    ("MH-YBJ", "区医保局"),
    ("MH-JYJ", "区教育局"),
    ("MH-STJ", "区生态环境局"),
    ("MH-JGW", "区建管委"),
    ("MH-SCJ", "区市场监管局"),
    ("MH-MZJ", "区民政局"),
    ("MH-CGJ", "区城管执法局"),
    ("MH-GHJ", "区规划资源局"),
    ("MH-JTW", "区交通委"),
    ("MH-LHJ", "区绿化市容局"),
    ("MH-NYW", "区农业农村委"),
    ("MH-WLJ", "区文化旅游局"),
    ("MH-KW", "区科委"),
    ("MH-SWW", "区商务委"),
]

# Streets and towns (街道、镇) with a relative weight: how many petitions come from there.
STREETS: list[tuple[str, str, int]] = [
    ("MH-JCL", "江川路街道", 6),
    ("MH-GML", "古美路街道", 6),
    ("MH-XH", "新虹街道", 3),
    ("MH-PJJ", "浦锦街道", 4),
    ("MH-XZ", "莘庄镇", 9),
    ("MH-QB", "七宝镇", 8),
    ("MH-ZQ", "颛桥镇", 6),
    ("MH-HC", "华漕镇", 5),
    ("MH-HQ", "虹桥镇", 6),
    ("MH-ML", "梅陇镇", 8),
    ("MH-WJ", "吴泾镇", 4),
    ("MH-MQ", "马桥镇", 3),
    ("MH-PJ", "浦江镇", 8),
    ("MH-XZGYQ", "莘庄工业区", 2),
]
# Towns that still have villages and farmland (农村农业 matters).
RURAL_TOWNS = ["MH-PJ", "MH-MQ", "MH-HC", "MH-ZQ", "MH-WJ"]

# A couple of neighbourhoods (居委/村委) in some streets, each with its 家门口服务站.
NEIGHBOURHOODS: dict[str, list[str]] = {
    "MH-JCL": ["东风居委", "红旗居委"],
    "MH-GML": ["古美一村居委", "平南居委"],
    "MH-XZ": ["莘松居委", "西湖居委"],
    "MH-QB": ["七宝居委", "航华居委"],
    "MH-ML": ["梅陇一村居委", "朝春居委"],
    "MH-PJ": ["革新村村委", "正义村村委"],
}

# 政法 units (涉法涉诉 matters go to them, 信访工作条例 Art. 22), with one police station and one
# judicial office of 江川路 (三所联动).
POLITICS_LAW: list[UnitSpec] = [
    UnitSpec(POLITICS_LAW_COMMITTEE, "区委政法委", Kind.POLITICS_LAW, ROOT),
    UnitSpec("MH-FY", "区人民法院", Kind.POLITICS_LAW, ROOT),
    UnitSpec("MH-JCY", "区人民检察院", Kind.POLITICS_LAW, ROOT),
    UnitSpec("MH-GA", "公安闵行分局", Kind.POLITICS_LAW, ROOT, scope_includes_children=True),
    UnitSpec("MH-GA-JCL", "江川路派出所", Kind.POLITICS_LAW, "MH-GA"),
    UnitSpec("MH-SFJ", "区司法局", Kind.POLITICS_LAW, ROOT, scope_includes_children=True),
    UnitSpec("MH-SFJ-JCL", "江川路司法所", Kind.POLITICS_LAW, "MH-SFJ"),
]

# Kinds whose units handle cases: each gets a handler and a unit head in the demo.
HANDLING_KINDS = frozenset({Kind.DEPARTMENT, Kind.STREET, Kind.POLITICS_LAW, Kind.DISCIPLINE})


def demo_units() -> list[UnitSpec]:
    """Every unit of the demo district, parents before children."""
    units = [
        UnitSpec(ROOT, "闵行区委区政府", Kind.GOVERNMENT),
        UnitSpec(BUREAU, "区信访办", Kind.BUREAU, ROOT),
        UnitSpec(SUGGESTION_OFFICE, "区人民建议征集办", Kind.BUREAU, BUREAU),
        UnitSpec(DISCIPLINE, "区纪委监委", Kind.DISCIPLINE, ROOT),
    ]
    units += [UnitSpec(code, name, Kind.DEPARTMENT, ROOT) for code, name in DEPARTMENTS]
    units += POLITICS_LAW
    for code, name, _weight in STREETS:
        # A street sees the cases of its neighbourhoods.
        units.append(UnitSpec(code, name, Kind.STREET, ROOT, scope_includes_children=True))
        for index, neighbourhood in enumerate(NEIGHBOURHOODS.get(code, []), start=1):
            n_code = f"{code}-{index:02d}"
            units.append(UnitSpec(n_code, neighbourhood, Kind.NEIGHBOURHOOD, code))
            units.append(UnitSpec(f"{n_code}-FW", f"{neighbourhood}家门口服务站", Kind.SERVICE_POINT, n_code))
    return units


@dataclass(frozen=True)
class CategorySpec:
    """A content category (DOMAIN.md "Categories") and its default responsible unit (None: the street)."""

    code: str
    name: str
    default_unit: str | None


CATEGORIES: list[CategorySpec] = [
    CategorySpec("CXJS", "城乡建设", "MH-JGW"),
    CategorySpec("NCNY", "农村农业", "MH-NYW"),
    CategorySpec("LDSB", "劳动和社会保障", "MH-RSJ"),
    CategorySpec("JYWT", "教育文体", "MH-JYJ"),
    CategorySpec("JJGL", "经济管理", "MH-SCJ"),
    CategorySpec("WSJK", "卫生健康", "MH-WJW"),
    CategorySpec("ZZRS", "组织人事", "MH-ZZB"),
    CategorySpec("DWZW", "党务政务", "MH-BGS"),
    CategorySpec("JJJC", "纪检监察", DISCIPLINE),
    CategorySpec("JTYS", "交通运输", "MH-JTW"),
    CategorySpec("ZF", "政法", POLITICS_LAW_COMMITTEE),
    CategorySpec("KJXX", "科技与信息", "MH-KW"),
    CategorySpec("MZ", "民政", "MH-MZJ"),
    CategorySpec("HJBH", "环境保护", "MH-STJ"),
    CategorySpec("SMLY", "商贸旅游", "MH-SWW"),
    CategorySpec("ZFBZ", "住房保障", "MH-FGJ"),
    CategorySpec("WYFW", "物业服务", "MH-FGJ"),
    CategorySpec("QT", "其他", None),
]

# Category × street routes: (category, street codes or "*" for all, unit: None = the street itself).
STREET_ROUTES: list[tuple[str, list[str] | str, str | None]] = [
    # Property management is supervised by the street's housing office (房办) in every street.
    ("WYFW", "*", None),
    # Towns clear illegal structures (拆违) themselves.
    ("CXJS", ["MH-QB", "MH-PJ", "MH-HC", "MH-MQ"], None),
    # Village matters are handled by the town.
    ("NCNY", RURAL_TOWNS, None),
]


@dataclass
class District:
    """The demo district once created: units and categories by code."""

    units: dict[str, Unit]
    categories: dict[str, Category]

    def streets(self) -> list[Unit]:
        return [self.units[code] for code, _name, _weight in STREETS]

    def handling_units(self) -> list[Unit]:
        return [u for u in self.units.values() if u.kind in HANDLING_KINDS]

    def service_points_of(self, street: Unit) -> list[Unit]:
        prefix = f"{street.code}-"
        return [u for u in self.units.values() if u.kind == Kind.SERVICE_POINT and u.code.startswith(prefix)]

    def neighbourhoods_of(self, street: Unit) -> list[Unit]:
        prefix = f"{street.code}-"
        return [u for u in self.units.values() if u.kind == Kind.NEIGHBOURHOOD and u.code.startswith(prefix)]


def district_create() -> District:
    """Create the units, categories and street routes of the demo district (through ``unit_create``)."""
    units: dict[str, Unit] = {}
    for sort, spec in enumerate(demo_units()):
        units[spec.code] = unit_create(code=spec.code, name=spec.name, kind=spec.kind,
                                       parent=units[spec.parent] if spec.parent else None, sort=sort,
                                       scope_includes_children=spec.scope_includes_children)
    categories: dict[str, Category] = {}
    for sort, cat in enumerate(CATEGORIES):
        categories[cat.code] = Category.objects.create(
            code=cat.code, name=cat.name, sort=sort,
            default_unit=units[cat.default_unit] if cat.default_unit else None)
    routes = []
    for category_code, streets, unit_code in STREET_ROUTES:
        codes = [code for code, _name, _weight in STREETS] if streets == "*" else streets
        for street_code in codes:
            target = units[unit_code] if unit_code else units[street_code]
            routes.append(CategoryStreetRoute(category=categories[category_code], street=units[street_code],
                                              unit=target))
    CategoryStreetRoute.objects.bulk_create(routes)
    return District(units=units, categories=categories)
