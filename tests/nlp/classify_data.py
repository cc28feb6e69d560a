"""Synthetic petitions for the classification tests, written for this project (no public data set): three
categories of the test district (tests/conftest.py ``categories``), each with its own vocabulary, so a
classifier must separate them almost perfectly and a broken one is obvious."""

from __future__ import annotations

import csv
import random
from pathlib import Path

PLACES = ["江川路", "莘庄镇", "七宝镇", "古美路", "梅陇镇", "颛桥镇", "虹桥镇", "浦锦路"]
VOCABULARY = {
    # 住房保障 (code ZFBZ)
    "ZFBZ": {
        "subjects": ["公租房申请", "廉租房轮候", "保障房分配", "住房补贴发放", "共有产权房审核", "人才公寓入住"],
        "details": ["轮候了三年还没有分到房子", "补贴迟迟没有到账", "申请材料被退回多次",
                    "审核标准不透明", "家庭收入核定有误", "租金标准调整没有公示"],
    },
    # 劳动和社会保障 (code LDSB)
    "LDSB": {
        "subjects": ["拖欠工资", "社保断缴", "养老保险转移", "工伤认定", "劳动合同纠纷", "失业金领取"],
        "details": ["公司老板三个月不发工资", "单位没有给职工缴纳社会保险", "工伤鉴定拖了半年",
                    "解除劳动合同没有经济补偿", "退休金计算有误", "农民工讨薪无门"],
    },
    # 物业服务 (code WYFW)
    "WYFW": {
        "subjects": ["物业费上涨", "电梯长期故障", "小区保安失职", "绿化无人养护", "地下车库漏水", "垃圾清运不及时"],
        "details": ["物业公司不作为", "业主委员会多次反映无果", "电梯困人物业迟迟不来",
                    "物业服务质量越来越差", "停车位被物业私自出租", "楼道堆物物业不清理"],
    },
}


def petition_text(label: str, rng: random.Random) -> tuple[str, str]:
    """(title, content) of one synthetic petition of category ``label``."""
    words = VOCABULARY[label]
    place = rng.choice(PLACES)
    subject = rng.choice(words["subjects"])
    details = rng.sample(words["details"], 2)
    title = f"{place}{subject}问题"
    content = f"我住在{place}附近，反映{subject}的情况：{details[0]}，而且{details[1]}，请有关部门尽快处理。"
    return title, content


def rows(per_label: int = 30, *, seed: int = 1) -> list[tuple[str, str, str]]:
    """``per_label`` petitions of each category as (title, content, label), shuffled."""
    rng = random.Random(seed)
    result = [(*petition_text(label, rng), label) for label in VOCABULARY for _ in range(per_label)]
    rng.shuffle(result)
    return result


def segmented(text: str) -> str:
    """A crude word segmentation (every two characters, punctuation dropped), as other systems export."""
    chars = [c for c in text if c.isalnum()]
    return " ".join("".join(chars[i:i + 2]) for i in range(0, len(chars), 2))


def write_csv(path: Path, data: list[tuple[str, str, str]], *, layout: str = "text,label", encoding: str = "utf-8",
              delimiter: str = ",", segment: bool = False) -> Path:
    """Write ``data`` as a CSV file of ``layout`` ("text,label" or "title,body,label")."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        if layout == "text,label":
            writer.writerow(["text", "label"])
            for title, content, label in data:
                text = f"{title} {content}"
                writer.writerow([segmented(text) if segment else text, label])
        else:
            writer.writerow(["id", "title", "body", "label"])
            for index, (title, content, label) in enumerate(data):
                writer.writerow([index, title, content, label])
    return path
