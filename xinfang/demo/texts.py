"""Templates and word lists for the demo petitions. Written for this project: no dataset is copied.

Placeholders are filled by ``generator.PetitionGenerator`` from the lists below (places, durations,
amounts, names); the resident compounds, companies and people are made up, the road names are 闵行's.
"""

from __future__ import annotations

from dataclasses import dataclass

CLAIM, SUGGESTION, INFORMATION, ACCUSATION = "claim", "suggestion", "information", "accusation"


@dataclass(frozen=True)
class Template:
    """One kind of petition: its category, matter type, title and body (with placeholders).

    ``unit``: the competent unit when it is not the category's default; ``legal_channel``: a claim that
    belongs to another legal procedure (诉访分离, refused with that channel); ``group``: plausible as a
    group petition; ``rural``: only from towns with villages; ``accused``: for an accusation, the kind of
    unit it is made against (a key of ``ACCUSED_UNITS``)."""

    category: str
    matter_type: str
    title: str
    body: str
    unit: str | None = None
    legal_channel: str = ""
    group: bool = False
    rural: bool = False
    accused: str = ""


T = Template

TEMPLATES: list[Template] = [
    # 住房保障
    T("ZFBZ", CLAIM, "公共租赁住房申请迟迟未审核",
      "{duration}前已向{street}社区事务受理服务中心提交公共租赁住房申请，材料齐全，至今未收到审核结果，"
      "多次询问均答复“等通知”。目前一家三口租住在{road}附近一间十几平方米的房子里，每月房租{amount}，负担很重。"
      "请求尽快审核并告知进度。"),
    T("ZFBZ", CLAIM, "旧住房成套改造回搬时间一再推迟",
      "{complex}列入旧住房成套改造，{households}户居民已于{duration}前搬出过渡，原定回搬日期早已过去，"
      "施工方一再推迟，过渡费只发到上个月。要求明确回搬时间并继续发放过渡费。", group=True),
    T("ZFBZ", CLAIM, "廉租住房租金补贴被停发",
      "家中两人均为残疾，享受廉租住房租金补贴多年，{month}起补贴突然停发，没有收到任何书面通知。"
      "请求查明原因，恢复发放并补发停发期间的补贴。"),
    T("ZFBZ", CLAIM, "开发商逾期交房要求赔偿违约金",
      "与{developer}签订商品房买卖合同，约定{month}交房，至今逾期{days}天仍未交付，开发商拒绝按合同支付违约金。"
      "请求政府责令开发商赔偿。", legal_channel="litigation"),
    # 物业服务
    T("WYFW", CLAIM, "小区电梯反复故障物业拖延维修",
      "{complex}{building}号楼电梯{duration}来反复故障，多次困人，物业公司以维修资金尚未审批为由一直拖延。"
      "楼内有多位老人行动不便，出行十分困难。请求督促物业尽快修复。", group=True),
    T("WYFW", CLAIM, "物业公司擅自上调物业费",
      "{complex}物业公司张贴通知，{month}起物业费由每平方米{fee}元上调到{fee2}元，未经业主大会表决，"
      "服务质量却没有提高，绿化无人修剪、垃圾清运不及时。要求撤回涨价通知。", group=True),
    T("WYFW", CLAIM, "地下车库长期渗水物业不处理",
      "{complex}地下车库顶板渗水{duration}，雨天积水没过脚踝，多辆车辆受损，物业只是放几个水桶应付。"
      "请求督促物业和维修单位查明原因彻底整修。"),
    T("WYFW", CLAIM, "小区消防通道被长期占用",
      "{complex}{building}号楼下消防通道长期停满车辆，物业不管，一旦发生火情消防车根本进不来，存在严重隐患。"
      "请求有关部门督促物业清理并加强管理。"),
    T("WYFW", CLAIM, "物业公司扣押装修押金不退",
      "装修完毕已{duration}，物业公司以“外墙空调孔不合规”为由扣押装修押金{amount}拒不退还，双方协商未果。"
      "请求政府出面责令退还。", legal_channel="litigation"),
    T("WYFW", SUGGESTION, "建议规范老旧小区停车管理",
      "{complex}建成于上世纪九十年代，车位只有{households}个左右，晚上车辆乱停，堵塞通道。"
      "建议由街道牵头，结合周边{road}沿线的空地设置错时共享停车位，并由业委会制定小区停车公约。"),
    # 城乡建设
    T("CXJS", CLAIM, "工地夜间施工噪声扰民",
      "{road}一处由{builder}承建的工地{duration}来每天晚上十点以后仍在施工，打桩和渣土车声音很大，"
      "附近{complex}居民无法休息，孩子第二天还要上学。请求依法查处夜间违规施工。", group=True),
    T("CXJS", CLAIM, "楼顶违法搭建影响房屋安全",
      "{complex}{building}号楼顶层住户在楼顶搭建彩钢板房，面积约{area}平方米，楼下多户出现墙体开裂渗水。"
      "多次向居委和物业反映未果，请求依法拆除。", unit="MH-CGJ"),
    T("CXJS", CLAIM, "道路开挖后长期未恢复",
      "{road}靠近{complex}路段管线施工开挖已{duration}，路面至今未恢复，围挡占用人行道，老人和孩子只能走机动车道，"
      "非常危险。请求督促施工单位尽快恢复。"),
    T("CXJS", CLAIM, "对房屋征收补偿决定不服",
      "本人房屋位于{street}征收范围内，区政府作出的房屋征收补偿决定对房屋面积认定有误，补偿金额明显偏低。"
      "请求重新评估补偿。", unit="MH-FGJ", legal_channel="administrative_review"),
    T("CXJS", SUGGESTION, "建议简化老旧小区加装电梯审批",
      "{complex}多数住户是老年人，加装电梯意愿强烈，但征询意见、规划公示、施工许可等环节耗时较长。"
      "建议推行加装电梯“一件事”联办，由街道提供全程代办服务，并公开各环节办理时限。"),
    # 农村农业
    T("NCNY", CLAIM, "土地流转费未按时支付",
      "{street}{village}村民反映，承包地流转给合作社后，{year}年度流转费共计{amount}至今未发放，涉及{households}户。"
      "请求督促合作社尽快支付。", group=True, rural=True),
    T("NCNY", CLAIM, "宅基地翻建审批进展缓慢",
      "本人系{street}{village}村民，老宅年久失修已成危房，{duration}前提交宅基地翻建申请，至今没有结果。"
      "请求加快审批。", rural=True),
    T("NCNY", INFORMATION, "反映村内河道被倾倒建筑垃圾",
      "{street}{village}村东侧河道边近期经常有车辆夜间倾倒建筑垃圾，已堆积成小山，影响河道行洪。特此反映。",
      rural=True),
    # 劳动和社会保障
    T("LDSB", CLAIM, "公司拖欠工资数月未发",
      "本人在{company}从事{job}工作，公司自{month}起拖欠工资共计{amount}，多次讨要无果，老板避而不见。"
      "请求劳动监察部门帮助追讨。", group=True),
    T("LDSB", CLAIM, "被公司违法解除劳动合同要求赔偿",
      "本人在{company}工作{years}年，公司以“业务调整”为由单方面解除劳动合同，未支付经济补偿。"
      "请求政府责令公司支付赔偿金。", legal_channel="arbitration"),
    T("LDSB", CLAIM, "养老金核定时缴费年限少算",
      "本人今年办理退休，养老金核定时{year}年前在外地的缴费年限没有转入，少算了{years}年，每月养老金因此少了几百元。"
      "请求核实并重新核定。"),
    T("LDSB", CLAIM, "灵活就业人员社保补贴申请被退回",
      "本人属于就业困难人员，{duration}前申请灵活就业社会保险费补贴，被以材料不全退回，但没有说明缺什么材料。"
      "请求说明理由并重新受理。"),
    T("LDSB", SUGGESTION, "建议增加外卖骑手职业技能培训",
      "{street}外卖和快递从业人员很多，希望人社部门在社区开设夜间或周末的职业技能培训班，"
      "并提供培训补贴，帮助新就业形态劳动者提升技能。"),
    # 教育文体
    T("JYWT", CLAIM, "孩子入学被统筹到较远学校",
      "孩子今年应入读小学，户籍和房产均在{complex}，按对口应入读{school}，却被统筹到{km}公里外的学校，"
      "每天接送非常困难。请求按对口原则重新安排。"),
    T("JYWT", CLAIM, "校外培训机构停课后拒不退费",
      "在{road}一家培训机构为孩子缴纳课时费{amount}，{month}起机构突然停课，工作人员失联。"
      "请求教育部门督促退费。", group=True),
    T("JYWT", CLAIM, "小区健身苑点器材损坏无人维修",
      "{complex}健身苑点多件器材损坏{duration}，有一件已经断裂，存在安全隐患，居民反映多次无人处理。"
      "请求尽快维修或更换。", unit="MH-WLJ"),
    T("JYWT", SUGGESTION, "建议学校体育场地错时向居民开放",
      "{street}居民健身场所不足，而周边中小学操场节假日大多闲置。建议在保证校园安全的前提下，"
      "实行预约制错时开放，由街道负责管理和保险。"),
    # 经济管理
    T("JJGL", CLAIM, "健身房预付卡关门无法退费",
      "在{road}一家健身房办理预付卡{amount}，{month}起门店突然关闭，会员{households}余人无法退费。"
      "请求有关部门查处并帮助追回费用。", group=True),
    T("JJGL", CLAIM, "超市销售过期食品投诉处理不到位",
      "在{complex}附近一家超市购买的牛奶已过保质期，向市场监管部门投诉后{duration}未收到处理结果。请求依法查处。"),
    T("JJGL", CLAIM, "民间借贷纠纷要求政府帮助追讨",
      "本人借给朋友{amount}，约定{month}归还，对方至今拒不还款并拉黑联系方式。请求政府帮助追讨欠款。",
      legal_channel="litigation"),
    T("JJGL", INFORMATION, "反映小区底商无证经营",
      "{complex}沿街底商中有几家小餐饮店疑似无证经营，卫生条件差，晚上占道经营。特此反映，供有关部门掌握。"),
    # 卫生健康
    T("WSJK", CLAIM, "对医院诊疗结果有异议要求赔偿",
      "家人在{hospital}接受手术后出现并发症，认为医院存在过错，要求医院赔偿{amount}，双方协商不成。",
      legal_channel="litigation"),
    T("WSJK", CLAIM, "社区卫生服务中心慢病药品种类少",
      "{street}社区卫生服务中心常用的降压药、降糖药经常缺货，老人只能跑到大医院配药，排队要大半天。请求增加配备品种。"),
    T("WSJK", CLAIM, "异地就医医保报销比例有疑问",
      "家中老人在外地住院，回沪后办理医保报销，实际报销比例比预想低很多，窗口工作人员解释不清。请求说明依据。",
      unit="MH-YBJ"),
    T("WSJK", SUGGESTION, "建议社区卫生服务中心开设夜间门诊",
      "上班族白天没有时间看病配药，建议{street}社区卫生服务中心每周安排两到三个晚上开设夜间门诊。"),
    # 组织人事
    T("ZZRS", CLAIM, "对党纪处分决定不服",
      "本人受到党内警告处分，认为认定事实有误，处分过重，请求撤销处分。", legal_channel="party_appeal"),
    T("ZZRS", CLAIM, "事业单位招聘考试成绩有疑问",
      "参加区属事业单位公开招聘考试，笔试成绩与自己估分相差较大，申请查分后没有得到答复。请求复核成绩并公开评分标准。"),
    # 党务政务
    T("DWZW", CLAIM, "办事窗口工作人员服务态度差",
      "{month}到{street}社区事务受理服务中心办理业务，窗口工作人员态度生硬，材料一次性告知不到位，让人来回跑了三趟。"
      "请求加强管理。"),
    T("DWZW", SUGGESTION, "建议政务服务自助终端增加适老化功能",
      "社区事务受理服务中心的自助终端字太小、步骤太多，老年人不会用。建议增加大字模式和语音引导，并安排志愿者现场帮办。"),
    T("DWZW", INFORMATION, "反映政务公开信息更新不及时",
      "区政府网站部分栏目信息{duration}没有更新，有些办事指南仍是旧版本。特此反映。"),
    # 纪检监察（检举控告）
    T("JJJC", ACCUSATION, "检举{accused_unit}工作人员在拆违中收受好处",
      "{accused_unit}{accused_person}在{street}违法建筑拆除工作中，对部分违建“只登记不拆除”，据说收受了当事人的好处费。"
      "请求纪检监察机关调查处理。", accused="demolition"),
    T("JJJC", ACCUSATION, "反映{accused_unit}违规发放补贴",
      "{accused_unit}在发放{year}年度困难补助时，部分不符合条件的人员也领到了补贴，{accused_person}的亲属也在其中。"
      "请求核查。", accused="subsidy"),
    T("JJJC", ACCUSATION, "控告{accused_unit}有关人员滥用职权",
      "{accused_unit}{accused_person}在办理本人申请事项时故意刁难，要求提供与办理无关的证明，并暗示“找人打招呼”。"
      "请求依纪依法查处。", accused="office"),
    T("JJJC", ACCUSATION, "检举{accused_unit}干部侵占集体资金",
      "{accused_unit}{accused_person}利用职务便利，将村集体房屋出租收入{amount}长期不入账。请求调查。", accused="village"),
    # 交通运输
    T("JTYS", CLAIM, "公交线路调整后出行不便",
      "{month}起经过{complex}的公交线路调整走向，最近的站点要步行二十多分钟，老人就医买菜很不方便。请求恢复原线路或增设站点。",
      group=True),
    T("JTYS", SUGGESTION, "建议在{road}增设公交站点",
      "{road}沿线新建了多个住宅小区，入住居民已有{households}户，但附近没有公交站点。建议增设站点并优化发车间隔。"),
    T("JTYS", CLAIM, "路口信号灯配时不合理",
      "{road}与{road2}交叉口左转绿灯时间太短，早晚高峰车辆排队很长，行人过街也不安全。请求优化信号灯配时。"),
    T("JTYS", INFORMATION, "反映共享单车乱停放堵塞人行道",
      "{road}地铁站出口共享单车大量堆放，早高峰人行道几乎无法通行。特此反映。"),
    # 政法（涉法涉诉, 信访工作条例 Art. 22）
    T("ZF", CLAIM, "民事判决生效后长期未执行到位",
      "本人与{company}的合同纠纷判决已生效{duration}，对方至今未履行，申请强制执行后进展缓慢。请求法院加大执行力度。",
      unit="MH-FY"),
    T("ZF", CLAIM, "报警后邻里纠纷未得到及时处理",
      "楼上住户长期在夜间制造噪音，本人多次报警，民警到场后只是口头劝说，问题反复发生。请求公安机关依法处理。",
      unit="MH-GA"),
    T("ZF", CLAIM, "对不起诉决定不服",
      "本人被打伤一案，检察机关作出不起诉决定，本人认为认定事实有误，请求重新审查。",
      unit="MH-JCY", legal_channel="procuratorate"),
    T("ZF", CLAIM, "对治安管理处罚决定不服",
      "本人因与邻居发生纠纷被处以行政拘留五日，认为处罚过重、事实认定不清，请求撤销处罚。",
      unit="MH-GA", legal_channel="administrative_review"),
    T("ZF", CLAIM, "申请法律援助未获批准",
      "本人经济困难，因工伤赔偿纠纷申请法律援助，被告知不符合条件，但未说明具体理由。请求重新审查。",
      unit="MH-SFJ"),
    # 科技与信息
    T("KJXX", SUGGESTION, "建议在社区推广智能养老设备",
      "{street}独居老人较多，建议为独居老人安装烟感、门磁和紧急呼叫等智能设备，数据接入社区服务站，发生异常及时上门。"),
    T("KJXX", CLAIM, "企业研发费用补贴申请久拖不决",
      "本公司{duration}前申报科技企业研发费用补贴，材料已按要求补正两次，至今没有审核结果。请求告知进度。"),
    # 民政
    T("MZ", CLAIM, "申请最低生活保障被拒",
      "本人离异独自抚养孩子，没有固定收入，申请低保被告知家庭收入超标，但计算时把已经不存在的收入也算了进去。"
      "请求重新核对。"),
    T("MZ", CLAIM, "养老院收费上涨服务下降",
      "母亲入住{street}一家养老机构，{month}起每月费用上涨{amount}，护理员却减少了，老人多次未及时得到照料。"
      "请求民政部门监督检查。", group=True),
    T("MZ", CLAIM, "高龄老人养老服务补贴未发放",
      "父亲今年年满八十岁，已按规定提交高龄老人养老服务补贴申请，{duration}了还未发放。请求查明原因。"),
    T("MZ", SUGGESTION, "建议在{street}增设社区长者食堂",
      "{street}老年人口比例高，现有长者食堂离{complex}较远，高峰时段排队时间长。建议在社区综合为老服务中心增设就餐点。"),
    # 环境保护
    T("HJBH", CLAIM, "工厂夜间排放刺鼻气味",
      "{street}{road}附近一家{factory}经常在夜间排放刺鼻气味，{complex}居民晚上不敢开窗，有老人孩子出现咳嗽症状。"
      "请求环保部门夜间执法检查。", group=True),
    T("HJBH", CLAIM, "餐饮店油烟直排扰民",
      "{complex}{building}号楼下一家餐饮店油烟未经净化直接排放，楼上住户家中满是油烟味。请求依法查处。"),
    T("HJBH", INFORMATION, "反映河道发黑发臭",
      "{road}旁的小河近{duration}水体发黑，夏天臭味明显，疑似有污水直排。特此反映，请有关部门关注。"),
    T("HJBH", SUGGESTION, "建议加强垃圾分类投放点管理",
      "{complex}垃圾分类投放点定时投放后经常有垃圾堆放在外，建议延长值守时间并增设洗手池和除臭设施。",
      unit="MH-LHJ"),
    # 商贸旅游
    T("SMLY", CLAIM, "菜场摊位费大幅上涨",
      "{street}一家标准化菜场{month}起摊位费上涨近三成，摊主们经营困难，部分菜价随之上涨。请求有关部门协调。",
      group=True),
    T("SMLY", SUGGESTION, "建议在{street}增设便民菜店",
      "{complex}周边一公里内没有菜场，老年人买菜很不方便。建议在小区周边增设便民菜店或流动售菜点。"),
    T("SMLY", CLAIM, "旅行社行程变更后拒不退费",
      "参加一家旅行社组织的旅游团，出发前旅行社单方面变更行程，要求退团却只退一半团费{amount}。请求处理。",
      unit="MH-WLJ"),
    # 其他
    T("QT", CLAIM, "楼上漏水邻里协调未果",
      "{complex}{building}号楼楼上住户卫生间漏水{duration}，本人家中天花板发霉脱落，对方拒不维修。请求居委和街道协调。"),
    T("QT", INFORMATION, "反映小区有人饲养大型犬不拴绳",
      "{complex}有住户饲养大型犬，遛狗不拴绳，已经发生过吓倒老人的情况。特此反映。"),
    T("QT", SUGGESTION, "建议在小区增设电动自行车充电桩",
      "{complex}电动自行车飞线充电现象严重，存在火灾隐患。建议在小区空地增设集中充电车棚和充电桩。"),
]

# --- Word lists --------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
            "卢姜崔钟谭陆汪范金石廖贾夏方邹孟熊秦邱江尹薛段雷侯龙史陶顾毛郝龚邵万钱严戴孔汤倪蒲施")
GIVEN_MALE = ["伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "斌", "浩", "凯", "建华", "建国", "国强",
              "志强", "德明", "永康", "根宝", "海军", "文杰", "俊杰", "家豪", "振华", "卫东", "立新", "晓东", "宏伟",
              "建平", "伟民", "金龙", "世杰", "子轩", "宇航"]
GIVEN_FEMALE = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "慧", "红", "秀英", "秀兰", "桂英",
                "海燕", "玉兰", "美华", "金凤", "丽娟", "晓燕", "佳怡", "雅琴", "凤英", "月琴", "彩霞", "建英", "梦琪",
                "雨萱", "小妹", "根娣"]

ROADS = ["沪闵路", "莘松路", "莘建路", "七莘路", "漕宝路", "虹梅南路", "剑川路", "江川路", "东川路", "永德路", "都市路",
         "银都路", "顾戴路", "古美路", "莲花南路", "平阳路", "万源路", "吴中路", "申昆路", "春申路", "疏影路", "都会路",
         "浦锦路", "江月路", "浦星公路", "北松公路", "纪翟路", "金光路", "水清路", "龙吴路", "元江路", "华友路",
         "报春路", "光华路", "新镇路", "联航路", "航华路", "金都路"]
COMPLEX_HEADS = ["锦华", "春晖", "银杏", "绿洲", "丽都", "虹景", "莲园", "梅林", "金桂", "东方", "华侨", "紫薇", "水岸",
                 "康城", "星河", "阳光", "静安", "和平", "友谊", "新南", "瑞丽", "枫林", "樱花", "碧水", "秀水",
                 "景城", "明珠", "翠湖", "安居", "祥和"]
COMPLEX_TAILS = ["苑", "新村", "家园", "花园", "公寓", "小区", "雅苑", "名邸", "佳苑", "新苑"]
VILLAGE_NAMES = ["革新村", "正义村", "汇中村", "联星村", "永丰村", "新建村", "民建村", "向阳村", "勤俭村"]
COMPANY_HEADS = ["鑫达", "宏远", "华泰", "永盛", "顺发", "金辉", "博远", "恒通", "瑞丰", "兴隆", "天成", "振宇",
                 "嘉禾", "润泽", "中联", "海诚"]
COMPANY_TAILS = ["建筑劳务有限公司", "餐饮管理有限公司", "电子科技有限公司", "物流有限公司", "置业有限公司",
                 "机械制造有限公司", "保洁服务有限公司", "装饰工程有限公司"]
JOBS = ["普工", "厨师", "保洁", "仓库管理", "快递分拣", "电焊", "装修木工", "保安"]
FACTORIES = ["化工企业", "橡胶制品厂", "印刷厂", "塑料加工厂", "金属表面处理厂"]
HOSPITALS = ["区中心医院", "区某三级医院", "一家民营医院"]
DURATIONS = ["半个多月", "一个多月", "两个月", "三个多月", "近半年", "半年多", "一年多", "两年多"]
ACCUSED_POSITIONS = ["工作人员", "科长", "副主任", "队员", "负责人", "村干部"]

# --- Channel framing: how a registrar writes down what came by each channel ------------------------

OPENERS: dict[str, list[str]] = {
    "letter": ["本人{name}，家住{address}，现来信反映如下：", "尊敬的领导：您好！我是{street}居民{name}。"],
    "online": ["本人系{street}居民，现通过网上信访反映如下问题：", "网上信访：我是{complex}的住户。"],
    "visit": ["来访人{name}（住{address}）反映：", "来访人称其居住在{street}{complex}，反映："],
    "phone": ["来电人{name}反映：", "来电人称："],
    "fax": ["来函反映："],
    "hotline": ["【12345热线转办】市民来电反映：", "【12345热线转办】市民{name}反映："],
    "service_point": ["{point}接待居民{name}，其反映：", "居民{name}到{point}反映："],
}
GROUP_OPENERS = ["{group_size}名群众集体来访，推选{reps}名代表反映：",
                 "{complex}等小区居民{group_size}人到区信访办集体走访，代表反映："]
CLOSINGS: dict[str, list[str]] = {
    "letter": ["恳请领导重视，尽快调查处理，并给予书面答复。", "特此来信，盼复。"],
    "online": ["希望有关部门尽快处理，谢谢！", "请尽快核实处理并答复。"],
    "visit": ["来访人要求尽快解决并书面答复。", "来访人情绪较为激动，要求给出明确说法。"],
    "phone": ["来电人要求尽快处理。", "来电人希望有关部门给予答复。"],
    "fax": ["请予处理。"],
    "hotline": ["诉求：请相关部门尽快核实处理并回复市民。", "市民要求职能部门到现场查看处理。"],
    "service_point": ["服务站已做初步解释，居民仍要求有关部门处理。"],
}
REPEAT_OPENERS = ["此前已反映过该问题，至今没有解决，再次反映：", "就同一问题再次反映："]

# --- Answers ------------------------------------------------------------------------------------

SUPPORT_ACTIONS = ["责成相关单位限期整改", "会同属地街镇到现场督办", "约谈相关责任单位负责人",
                   "协调有关方面落实解决措施", "将问题列入重点督办事项跟踪落实"]
REPLY_TEXTS: dict[str, list[str]] = {
    "support": ["经调查核实，您反映的“{title}”问题基本属实。我单位已{action}，相关问题预计于{days}日内解决到位，"
                "我们将持续跟踪落实情况。"],
    "explain": ["经调查核实，您反映的“{title}”问题，相关单位的做法符合现行政策规定。{explanation}"
                "我们已安排专人与您当面沟通，感谢您对我们工作的理解和支持。"],
    "reject": ["经调查核实，您提出的“{title}”有关诉求缺乏政策和法律依据，根据有关规定，不予支持。"],
    "mediated": ["经{street}人民调解委员会组织调解，双方就“{title}”有关问题达成调解协议，约定{days}日内履行完毕。"],
}
SUGGESTION_REPLIES = {
    "support": "感谢您提出的“{title}”。经研究，您的建议具有较强的针对性和可行性，我单位已予以采纳，将纳入{year}年度工作计划推进落实。",
    "explain": "感谢您提出的“{title}”。经研究，相关工作已列入有关部门的工作计划并在推进中，您的建议将作为下一步工作的参考。",
}
ACCUSATION_REPLIES = {
    "support": "您检举控告的问题，我委已依规依纪依法进行核查。经查，反映的部分问题属实，已对相关人员作出相应处理。感谢您的监督。",
    "explain": "您检举控告的问题，我委已依规依纪依法进行核查。经查，反映的问题查无实据。感谢您对纪检监察工作的支持。",
}
CLAIM_REPLY_SUFFIX = "如对本处理意见不服，可自收到本意见书之日起30日内向上一级行政机关申请复查。"
REFUSAL_REASONS = {
    "litigation": "您反映的问题属于民事纠纷，依法应当通过诉讼途径解决，不属于信访事项受理范围（《信访工作条例》第三十一条）。",
    "arbitration": "您反映的问题属于劳动争议，应当依法向区劳动人事争议仲裁委员会申请仲裁（仲裁时效期间为一年）。",
    "administrative_review": "您对行政机关的行政行为不服，可以自知道该行为之日起60日内依法申请行政复议，或者6个月内提起行政诉讼。",
    "procuratorate": "您对检察机关决定不服，应当依照刑事诉讼法的规定向检察机关提出申诉。",
    "party_appeal": "您对党纪处分不服，应当依照党内法规向作出处分决定的党组织或上级党组织提出申诉。",
    "police": "您反映的问题应当依照公安机关的法律程序处理。",
}
OBJECTION_REASONS = [
    "该事项属于{street}属地管理范围，不属于我单位职权，请改转{street}办理。",
    "经研究，该事项属于{unit}的职责范围，我单位无权处理，请改转{unit}办理。",
]
EXTENSION_REASONS = ["情况复杂，涉及多个部门，需要进一步调查核实", "需要组织现场勘查和专业检测",
                     "需要召开听证会听取各方意见", "需要协调多方主体共同研究解决方案"]
REVIEW_REQUEST_REASONS = ["对处理意见不满意，问题至今没有解决。", "处理意见认定事实不清，要求复查。",
                          "办理单位没有到现场核实，处理意见与实际情况不符。"]
RE_REVIEW_REQUEST_REASONS = ["对复查意见仍然不服，申请复核。", "复查没有解决实际问题，要求复核。"]
REVIEW_TEXTS = {
    "uphold": "经复查，原处理意见认定事实清楚，适用依据正确，处理恰当，予以维持。",
    "revise": "经复查，原处理意见部分内容不当，现予以变更，责成原办理单位在15日内落实变更后的处理意见。",
    "revoke": "经复查，原处理意见认定事实不清，予以撤销，责成原办理单位重新调查处理。",
}
RE_REVIEW_TEXTS = {
    "uphold": "经复核，复查意见认定事实清楚，处理恰当，予以维持。本事项复核终结，同一事实和理由不再受理。",
    "revise": "经复核，复查意见部分不当，现予以变更。本事项复核终结，同一事实和理由不再受理。",
}
ROUTE_NOTES = {
    "assign": ["请于规定期限内报送办结报告。", "请按规定时限办理并反馈办理结果。"],
    "transfer": ["请依法依规处理，及时答复信访人。", "请按职责依法处理。"],
    "information": ["请参阅，按职责处理。"],
}
EXPLANATIONS = ["该事项已按规定程序办理，相关标准经有关部门核定并已公示。",
                "经现场查看，相关设施符合规范要求，我单位已督促有关方面加强日常管理。",
                "相关政策已于年初公布实施，我们已将政策依据和办理流程向您详细说明。",
                "经核查，有关单位已履行相应职责，办理过程符合规定。"]
# Units an accusation may be made against, by the template's ``accused`` kind ("streets": every street).
ACCUSED_UNITS = {
    "demolition": ["MH-CGJ", "streets"],
    "subsidy": ["MH-MZJ", "MH-FGJ", "MH-RSJ", "streets"],
    "office": ["MH-FGJ", "MH-GHJ", "MH-MZJ", "MH-SCJ", "MH-CGJ", "streets"],
    "village": ["MH-PJ-01", "MH-PJ-02"],
}
