#!/usr/bin/env python3
"""Deterministic generator of department records as JSON lines, for the JSON
parser benchmark (benchmarks/json/bench_json.c).

Two kinds of flat records, shaped like what 公安/民政/市场监管 publish:
  person        ~250-400 bytes, keys such as GMSFHM XM XB MZ CSRQ HJDZ LXDH
  legal-entity  ~400-900 bytes, keys such as TYSHXYDM QYMC FDDBR ZCZB CLRQ JYFW

Values are mostly UTF-8 Chinese strings, some numbers, occasional null. About 5%
of records carry escapes (\\" \\\\ \\n \\uXXXX, a few surrogate pairs) the way real
exporters produce them. ID numbers and USCCs carry valid check characters.

Numbers are written so that every parser can give back the same text: integers
below 2**53 and decimals in their shortest round-trip form (no trailing zeros).
The benchmark relies on that to compare checksums across parsers.

Usage: gen_records.py {person|legal} N OUT [--seed S]
"""
import argparse
import json
import random

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "皇甫", "东方")
GIVEN_CHARS = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽浩宇轩然博文子涵一鸣俊杰志强建国")
DISTRICTS = {  # 区划代码 -> (区, streets)
    "420102": ("江岸区", ("大智街道", "一元街道", "车站街道", "四唯街道", "永清街道", "西马街道", "球场街道", "劳动街道", "二七街道", "新村街道", "丹水池街道", "台北街道", "花桥街道", "谌家矶街道", "后湖街道", "塔子湖街道")),
    "420103": ("江汉区", ("民族街道", "花楼街道", "水塔街道", "民权街道", "满春街道", "民意街道", "新华街道", "万松街道", "唐家墩街道", "北湖街道", "前进街道", "常青街道", "汉兴街道")),
    "420104": ("硚口区", ("古田街道", "韩家墩街道", "宗关街道", "汉水桥街道", "宝丰街道", "荣华街道", "汉中街道", "汉正街道", "六角亭街道", "长丰街道", "易家街道")),
    "420105": ("汉阳区", ("建桥街道", "晴川街道", "鹦鹉街道", "洲头街道", "五里墩街道", "琴断口街道", "江汉二桥街道", "永丰街道", "江堤街道", "四新街道")),
    "420106": ("武昌区", ("积玉桥街道", "杨园街道", "徐家棚街道", "粮道街道", "中华路街道", "黄鹤楼街道", "紫阳街道", "白沙洲街道", "首义路街道", "中南路街道", "水果湖街道", "珞珈山街道", "石洞街道", "南湖街道")),
    "420107": ("青山区", ("红卫路街道", "冶金街道", "新沟桥街道", "红钢城街道", "工人村街道", "青山镇街道", "厂前街道", "武东街道", "白玉山街道", "钢花村街道")),
    "420111": ("洪山区", ("珞南街道", "关山街道", "狮子山街道", "张家湾街道", "梨园街道", "卓刀泉街道", "洪山街道", "和平街道", "青菱街道")),
    "420112": ("东西湖区", ("吴家山街道", "将军路街道", "慈惠街道", "走马岭街道", "径河街道", "长青街道", "辛安渡街道", "东山街道")),
    "420115": ("江夏区", ("纸坊街道", "金口街道", "乌龙泉街道", "郑店街道", "五里界街道", "豹澥街道", "佛祖岭街道")),
    "420116": ("黄陂区", ("前川街道", "祁家湾街道", "横店街道", "罗汉寺街道", "滠口街道", "武湖街道", "天河街道")),
}
ROADS = ("中南路", "中北路", "武珞路", "解放路", "和平大道", "友谊大道", "徐东大街", "民主路", "首义路", "珞喻路",
         "建设大道", "解放大道", "京汉大道", "沿江大道", "汉阳大道", "鹦鹉大道", "光谷大道", "雄楚大道", "八一路", "积玉桥路")
COMMUNITIES = ("东亭", "福星", "宏图", "水果湖", "东湖", "中南", "丁字桥", "石牌岭", "紫阳", "保安", "付家坡", "梅苑", "千家街", "晒湖")
NATIONS = (("01", "汉族"),) * 40 + (("03", "回族"), ("05", "维吾尔族"), ("10", "土家族"), ("08", "壮族"), ("02", "蒙古族"), ("06", "苗族"))
EDUCATION = ("研究生", "大学本科", "大学专科", "中等专科", "高中", "初中", "小学")
MARITAL = ("10", "20", "21", "22", "23", "30", "40")
POLITICAL = ("中共党员", "共青团员", "群众", "民革会员", "民盟盟员", "九三学社社员")
PERSON_SOURCES = ("区公安分局", "区民政局", "区卫健局", "区人社局", "区教育局")
COMPANY_WORDS = ("长江", "江城", "楚天", "黄鹤", "东湖", "光谷", "汉正", "晴川", "珞珈", "知音", "汉江", "荆楚", "九省", "南湖", "鹦鹉洲", "星光", "华中", "中南", "首义")
INDUSTRIES = (("I6510", "软件开发", "科技"), ("F5137", "家用电器批发", "商贸"), ("E4710", "房屋建筑业", "建设工程"),
              ("H6210", "正餐服务", "餐饮管理"), ("L7212", "投资与资产管理", "投资"), ("M7520", "科技推广和应用服务", "信息技术"),
              ("G5810", "多式联运", "物流"), ("C3911", "计算机整机制造", "电子"), ("K7010", "房地产开发经营", "置业"),
              ("P8391", "职业技能培训", "教育咨询"))
COMPANY_TYPES = ("有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)", "股份有限公司(非上市、自然人投资或控股)",
                 "个人独资企业", "有限合伙企业", "有限责任公司(国有独资)", "个体工商户")
STATES = ("存续（在营、开业、在册）", "存续（在营、开业、在册）", "存续（在营、开业、在册）", "注销", "吊销，未注销", "迁出")
SCOPES = ("软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务",
          "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
          "日用百货销售；五金产品零售；家用电器销售；电子产品销售；办公用品销售",
          "房屋建筑和市政基础设施项目工程总承包；建设工程施工；建设工程设计",
          "餐饮服务；食品销售；酒类经营；烟草制品零售",
          "普通货物仓储服务（不含危险化学品等需许可审批的项目）；国内货物运输代理；装卸搬运",
          "以自有资金从事投资活动；企业管理咨询；社会经济咨询服务",
          "教育咨询服务（不含涉许可审批的教育培训活动）；业务培训（不含教育培训、职业技能培训等需取得许可的培训）",
          "（依法须经审批的项目，经相关部门审批后方可开展经营活动）")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rnd, area, birth, male):
    """18-digit 公民身份号码 with a GB 11643 (ISO 7064 MOD 11-2) check character."""
    seq = rnd.randrange(0, 500) * 2 + (1 if male else 0)
    body = "%s%s%03d" % (area, birth, seq)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def uscc(rnd, area):
    """18-char 统一社会信用代码 per GB 32100, with a GB 11714 organisation code inside."""
    org = "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    val = lambda c: int(c) if c.isdigit() else ord(c) - ord("A") + 10
    c9 = 11 - sum(val(c) * w for c, w in zip(org, ORG_WEIGHTS)) % 11
    org += {10: "X", 11: "0"}.get(c9, str(c9))
    body = rnd.choice(("91", "91", "91", "92", "93", "52")) + area + org
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - s % 31) % 31]


def name(rnd):
    surname = rnd.choice(COMPOUND_SURNAMES) if rnd.random() < 0.01 else rnd.choice(SURNAMES)
    return surname + "".join(rnd.choice(GIVEN_CHARS) for _ in range(rnd.choice((1, 2, 2, 2))))


def date(rnd, y0, y1, sep=""):
    y, m, d = rnd.randint(y0, y1), rnd.randint(1, 12), rnd.randint(1, 28)
    return "%04d%s%02d%s%02d" % (y, sep, m, sep, d)


def address(rnd, area):
    district, streets = DISTRICTS[area]
    return "湖北省武汉市%s%s%s社区%s%d号%d栋%d单元%d室" % (
        district, rnd.choice(streets), rnd.choice(COMMUNITIES), rnd.choice(ROADS),
        rnd.randint(1, 999), rnd.randint(1, 30), rnd.randint(1, 6), rnd.randint(101, 3204))


def phone(rnd):
    return "1%d%09d" % (rnd.choice((3, 5, 7, 8, 9)), rnd.randrange(10**9))


def update_time(rnd):
    return "%s %02d:%02d:%02d" % (date(rnd, 2020, 2025, "-"), rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))


def decimal(rnd, lo, hi):
    """A decimal with 1-2 fraction digits and no trailing zero, or an int."""
    v = round(rnd.uniform(lo, hi), rnd.choice((1, 2)))
    return int(v) if v == int(v) else v


def person(rnd):
    area = rnd.choice(tuple(DISTRICTS))
    birth = date(rnd, 1935, 2020)
    male = rnd.random() < 0.5
    code, nation = rnd.choice(NATIONS)
    rec = {
        "GMSFHM": id_number(rnd, area, birth, male),
        "XM": name(rnd),
        "XB": "1" if male else "2",
        "MZ": code if rnd.random() < 0.5 else nation,
        "CSRQ": birth,
        "HJDZ": address(rnd, area),
        "LXDH": phone(rnd),
        "HYZK": rnd.choice(MARITAL),
        "WHCD": rnd.choice(EDUCATION),
        "ZZMM": rnd.choice(POLITICAL),
        "SG": decimal(rnd, 150, 195),
        "NL": 2025 - int(birth[:4]),
        "SJLY": rnd.choice(PERSON_SOURCES),
        "GXSJ": update_time(rnd),
    }
    if rnd.random() < 0.4:
        rec["XZZ"] = address(rnd, rnd.choice(tuple(DISTRICTS)))
    if rnd.random() < 0.3:
        rec["BYQK"] = None
    if rnd.random() < 0.2:
        rec["SFSW"] = rnd.random() < 0.05
    return rec


def legal_entity(rnd):
    area = rnd.choice(tuple(DISTRICTS))
    hy, hymc, suffix = rnd.choice(INDUSTRIES)
    ctype = rnd.choice(COMPANY_TYPES)
    capital = rnd.choice((10, 50, 100, 200, 300, 500, 1000, 2000, 5000)) if rnd.random() < 0.8 else decimal(rnd, 1, 800)
    founded = date(rnd, 1990, 2025, "-")
    rec = {
        "TYSHXYDM": uscc(rnd, area),
        "QYMC": "武汉%s%s%s有限公司" % (rnd.choice(COMPANY_WORDS), rnd.choice(COMPANY_WORDS), suffix),
        "QYLX": ctype,
        "FDDBR": name(rnd),
        "FDDBRZJHM": id_number(rnd, rnd.choice(tuple(DISTRICTS)), date(rnd, 1950, 2000), rnd.random() < 0.6),
        "ZCZB": "%s万元人民币" % capital,
        "ZCZBJE": capital,
        "CLRQ": founded,
        "YYQXQ": founded,
        "YYQXZ": None if rnd.random() < 0.5 else date(rnd, 2030, 2070, "-"),
        "DJJG": "武汉市%s市场监督管理局" % DISTRICTS[area][0],
        "DJZT": rnd.choice(STATES),
        "HYDM": hy,
        "HYMC": hymc,
        "ZS": address(rnd, area),
        "JYFW": "；".join(rnd.sample(SCOPES, rnd.randint(1, 2))) + "。",
        "LXDH": phone(rnd) if rnd.random() < 0.7 else "027-%08d" % rnd.randrange(10**8),
        "CYRS": rnd.randint(1, 2000),
        "HZRQ": date(rnd, 2015, 2025, "-"),
        "SJLY": "区市场监管局",
        "GXSJ": update_time(rnd),
    }
    if rnd.random() < 0.3:
        rec["JYCS"] = address(rnd, rnd.choice(tuple(DISTRICTS)))
    return rec


def add_escapes(rnd, rec):
    """What real exporters do to ~5% of records: quotes, backslashes, newlines,
    \\u-escaped CJK (ensure_ascii exporters), the odd emoji as a surrogate pair."""
    keys = [k for k, v in rec.items() if isinstance(v, str)]
    kind = rnd.randrange(5)
    k = rnd.choice(keys)
    if kind == 0:
        rec[k] = rec[k][:2] + '"' + rec[k][2:] + '"'
    elif kind == 1:
        rec[k] = rec[k] + "\\" + "备注"
    elif kind == 2:
        rec[k] = rec[k] + "\n" + "（补录）\t"
    elif kind == 3:
        return json.dumps(rec, ensure_ascii=True, separators=(",", ":"))  # every CJK char as \uXXXX
    else:
        rec[k] = rec[k] + "\U0001F600"  # ensure_ascii below turns it into a surrogate pair
        return json.dumps(rec, ensure_ascii=True, separators=(",", ":"))
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("person", "legal"))
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args()
    rnd = random.Random("%s-%d" % (args.kind, args.seed))
    make = person if args.kind == "person" else legal_entity
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for _ in range(args.n):
            rec = make(rnd)
            if rnd.random() < 0.05:
                line = add_escapes(rnd, rec)
            else:
                line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
            f.write(line)
            f.write("\n")


if __name__ == "__main__":
    main()
