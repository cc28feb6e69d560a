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

# The keyword rules of the demo categories (Category.keywords, xinfang.nlp.keywords): what the category
# suggestion uses below the training minimum, so `make demo` suggests sensibly before any model exists.
# Written for the project from everyday petition language; "其他" has none (it is never suggested).
CATEGORY_KEYWORDS: dict[str, str] = {
    "CXJS": "违建 违法搭建 拆违 施工 工地 噪声 道路 开挖 井盖 路灯 征收 拆迁 补偿 规划 市政 绿化 加装电梯",
    "NCNY": "村民 村委会 土地流转 承包地 宅基地 农田 耕地 农业 种植 养殖 农机 惠农补贴 河道 水利 集体经济",
    "LDSB": "拖欠工资 欠薪 讨薪 工资 劳动合同 解除合同 工伤 社保 社会保险 养老金 养老保险 失业 就业 职业技能培训 劳动仲裁",
    "JYWT": "学校 入学 学位 学区 教师 老师 学生 幼儿园 校外培训 培训机构 课外 体育 健身 文化 图书馆 招生",
    "JJGL": "预付卡 退费 消费者 商家 超市 食品安全 过期 无证经营 市场监管 价格 虚假宣传 借贷 合同纠纷",
    "WSJK": "医院 医生 诊疗 医疗纠纷 医保 报销 药品 卫生服务中心 门诊 疫苗 计划生育 护理",
    "ZZRS": "处分 党纪 干部 事业单位 招聘 考试 录用 编制 职称 人事 档案 退休待遇",
    "DWZW": "政务公开 信息公开 政务服务 办事效率 窗口 自助终端 审批 一网通办 热线 服务态度 政府工作",
    "JJJC": "贪污 受贿 收受好处 腐败 违纪 违规发放 侵占 吃拿卡要 公款 作风 滥用职权 以权谋私 检举",
    "JTYS": "公交 公交站 班次 地铁 出租车 网约车 停车 交通 拥堵 红绿灯 信号灯 路口 非机动车 共享单车 道路运输",
    "ZF": "派出所 公安 报警 诈骗 治安 打架 法院 检察院 起诉 判决 执行 律师 法律援助 司法 调解 矫正",
    "KJXX": "网络 宽带 信号 基站 通信 手机 网站 数据 个人信息 科技 专利 小程序",
    "MZ": "低保 救助 困难 残疾 残疾人 养老院 养老服务 老年人 高龄 殡葬 婚姻登记 社会组织 优抚",
    "HJBH": "污染 排污 废气 废水 异味 油烟 噪音 垃圾分类 环保 生态 黑臭 发臭 扬尘 环境",
    "SMLY": "商场 商铺 旅游 旅行社 景区 导游 酒店 餐饮 菜场 菜市场 摊位 摊贩 便民 夜市 促销",
    "ZFBZ": "公租房 公共租赁住房 廉租房 租金补贴 保障房 住房困难 旧改 旧住房 成套改造 回搬 交房 开发商 房产证",
    "WYFW": "物业 物业费 物业公司 业委会 业主 电梯 维修基金 小区 车库 消防通道 装修 押金 停车位 保洁",
}

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
            code=cat.code, name=cat.name, sort=sort, keywords=CATEGORY_KEYWORDS.get(cat.code, ""),
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
