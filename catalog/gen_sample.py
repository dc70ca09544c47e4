#!/usr/bin/env python3
"""Generate the shipped sample catalog (catalog/sample/) of a Wuchang-like district.

Deterministic (fixed seed, no network, stdlib only): running it twice gives
byte-identical files, so a diff of catalog/sample/ after a re-run shows only
what a change to this script meant to change.  The CSV files are what ships;
this script is how they were made.  Column meanings: catalog/FORMAT.md.

    python3 catalog/gen_sample.py [OUTDIR]      # default: catalog/sample

It prints the counts that tests/catalog/test_catalog.c asserts.
"""
import csv
import os
import random
import shutil
import sys
from collections import Counter, OrderedDict

SEED = 20261127
rng = random.Random(SEED)

# --------------------------------------------------------------------------
# Identifiers (STANDARDS.md §2): 统一社会信用代码 of the 机关 (dept 1, type 1).
A31 = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W_US = [pow(3, i, 31) for i in range(17)]
W_ORG = [3, 7, 9, 10, 5, 8, 4, 2]


def org_check(b8):
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(b8, W_ORG))
    c9 = 11 - s % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def uscc(dept_type, region, org8):
    b17 = dept_type + region + org8 + org_check(org8)
    s = sum(A31.index(c) * w for c, w in zip(b17, W_US))
    return b17 + A31[(31 - s % 31) % 31]


# --------------------------------------------------------------------------
# Synthetic people (responsible persons); never real names of real officials.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣佳雪琳晨阳思雨梓涵子轩一诺浩然欣怡"


def person_name():
    g = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + g


# --------------------------------------------------------------------------
# 信息项 dictionary: source_name -> name, data_type, length, rule, rule_args,
# sensitivity, mask.  One line each: SRC|名称|T|len|rule|args|sens|mask
FIELD_TEXT = """
GMSFHM|公民身份号码|C|18|idcard||敏感|idcard
XM|姓名|C|50|person_name|max=50|内部|name
CYM|曾用名|C|50|person_name|max=50|内部|name
XB|性别|C|1|gender||内部|none
MZ|民族|C|2|ethnicity||内部|none
CSRQ|出生日期|D||date|min_date=1850-01-01;max_date=today|内部|none
CSDQH|出生地区划|C|6|region||内部|none
JGQH|籍贯区划|C|6|region||内部|none
HJDZ|户籍地址|C|200|text|max=200|敏感|address
HJQH|户籍地区划|C|6|region|current=Y|内部|none
JZDZ|居住地址|C|200|text|max=200|敏感|address
LXDH|联系电话|C|20|phone||敏感|mobile
SJHM|手机号码|C|11|mobile||敏感|mobile
HYZK|婚姻状况|C|2|code_list|list=HYZK|内部|none
WHCD|文化程度|C|2|code_list|list=WHCD|内部|none
ZZMM|政治面貌|C|2|code_list|list=ZZMM|内部|none
ZY|职业|C|100|text|max=100|内部|none
FWCS|服务处所|C|200|org_name|max=200|内部|none
HH|户号|C|20|text|max=20|内部|none
YHZGX|与户主关系|C|2|code_list|list=YHZGX|内部|none
HKLB|户口类别|C|1|code_list|list=HKLB|内部|none
SG|身高(厘米)|I|3|integer|range=30..260|内部|none
XX|血型|C|1|code_list|list=XX|敏感|keep:0,0
QRRQ|迁入日期|D||date|max_date=today|内部|none
QRYY|迁入原因|C|100|text|max=100|内部|none
QCRQ|迁出日期|D||date|max_date=today|内部|none
QWDZ|迁往地址|C|200|text|max=200|敏感|address
QCDZ|迁出地址|C|200|text|max=200|敏感|address
SWRQ|死亡日期|D||date|max_date=today|内部|none
SWYY|死亡原因|C|200|text|max=200|敏感|keep:0,0
SWDD|死亡地点|C|200|text|max=200|敏感|address
ZXRQ|注销日期|D||date|max_date=today|内部|none
ZXYY|注销原因|C|100|text|max=100|内部|none
CSZMBH|出生医学证明编号|C|10|text|max=10|内部|none
SWZMBH|死亡医学证明编号|C|20|text|max=20|内部|none
MQXM|母亲姓名|C|50|person_name|max=50|内部|name
MQGMSFHM|母亲公民身份号码|C|18|idcard||敏感|idcard
FQXM|父亲姓名|C|50|person_name|max=50|内部|name
FQGMSFHM|父亲公民身份号码|C|18|idcard||敏感|idcard
CSDD|出生地点|C|200|text|max=200|内部|none
CSYZ|出生孕周|I|2|integer|range=20..45|敏感|keep:0,0
CSTZ|出生体重(克)|I|4|integer|range=300..7000|敏感|keep:0,0
JSJG|接生机构名称|C|200|org_name|max=200|内部|none
DJJG|登记机关|C|200|org_name|max=200|公开|none
DJRQ|登记日期|D||date|max_date=today|内部|none
HYDJZH|婚姻登记证字号|C|30|text|max=30|内部|none
HYYWLX|婚姻登记业务类型|C|2|code_list|list=HYYWLX|内部|none
POXM|配偶姓名|C|50|person_name|max=50|内部|name
POGMSFHM|配偶公民身份号码|C|18|idcard||敏感|idcard
CBDWMC|参保单位名称|C|200|org_name|max=200|内部|none
CBDWDM|参保单位统一社会信用代码|C|18|uscc||内部|none
XZLX|险种类型|C|3|code_list|list=XZLX|内部|none
CBZT|参保状态|C|1|code_list|list=CBZT|内部|none
CBRQ|参保日期|D||date|max_date=today|内部|none
JFJS|缴费基数(元)|Y|12|money|scale=2|敏感|keep:0,0
LJJFYS|累计缴费月数|I|4|integer|range=0..1200|内部|none
JFNY|缴费年月|C|6|text|max=6|内部|none
JFJE|缴费金额(元)|Y|12|money|scale=2|敏感|keep:0,0
FFJE|发放金额(元)|Y|12|money|scale=2|内部|none
FFNY|发放年月|C|6|text|max=6|内部|none
XJH|全国学籍号|C|19|text|max=19|内部|none
XXMC|学校名称|C|200|org_name|max=200|公开|none
XXBSM|学校标识码|C|10|text|max=10|公开|none
NJ|年级|C|20|text|max=20|内部|none
BJ|班级|C|20|text|max=20|内部|none
RXRQ|入学日期|D||date|max_date=today|内部|none
XJZT|学籍状态|C|2|code_list|list=XJZT|内部|none
JHRXM|监护人姓名|C|50|person_name|max=50|内部|name
JHRLXDH|监护人联系电话|C|20|phone||敏感|mobile
CJRZH|残疾人证号|C|20|text|max=20|敏感|keep:6,2
CJLB|残疾类别|C|1|code_list|list=CJLB|敏感|keep:0,0
CJDJ|残疾等级|C|1|code_list|list=CJDJ|敏感|keep:0,0
FZRQ|发证日期|D||date|max_date=today|内部|none
YXQZ|有效期至|D||date|max_date=none;long_term=yes|内部|none
RWRQ|入伍日期|D||date|max_date=today|内部|none
TWRQ|退役日期|D||date|max_date=today|内部|none
AZFS|安置方式|C|50|text|max=50|内部|none
YFLB|优抚对象类别|C|1|code_list|list=YFLB|内部|none
BZRS|保障人数|I|2|integer|range=1..20|内部|none
BZJE|保障金额(元)|Y|12|money|scale=2|内部|none
BZKSRQ|保障开始日期|D||date|max_date=today|内部|none
BZLB|保障类别|C|1|code_list|list=BZLB|内部|none
JZLX|救助类型|C|50|text|max=50|内部|none
GRZH|个人账号|C|20|text|max=20|敏感|keep:4,4
DWZH|单位账号|C|20|text|max=20|内部|none
JCJS|缴存基数(元)|Y|12|money|scale=2|敏感|keep:0,0
YJCE|月缴存额(元)|Y|12|money|scale=2|敏感|keep:0,0
ZHZT|账户状态|C|1|code_list|list=ZHZT|内部|none
KHRQ|开户日期|D||date|max_date=today|内部|none
DKJE|贷款金额(元)|Y|14|money|scale=2|敏感|keep:0,0
DKQX|贷款期限(月)|I|3|integer|range=1..360|内部|none
TQJE|提取金额(元)|Y|12|money|scale=2|敏感|keep:0,0
TQYY|提取原因|C|50|text|max=50|内部|none
ZJLX|证件类型|C|3|code_list|list=ZJLX|内部|none
ZJHM|证件号码|C|30|text|max=30|敏感|keep:3,4
GJ|国籍|C|50|text|max=50|内部|none
JZZBH|居住证编号|C|20|text|max=20|内部|none
JYZT|就业状态|C|2|code_list|list=JYZT|内部|none
YRDW|用人单位名称|C|200|org_name|max=200|内部|none
YRDWDM|用人单位统一社会信用代码|C|18|uscc||内部|none
JYRQ|就业日期|D||date|max_date=today|内部|none
ZSMC|证书名称|C|100|text|max=100|公开|none
ZSBH|证书编号|C|50|text|max=50|内部|none
ZSDJ|证书等级|C|20|text|max=20|公开|none
QFRQ|签发日期|D||date|max_date=today|内部|none
QFJG|签发机关|C|200|org_name|max=200|公开|none
JZRQ|接种日期|D||date|max_date=today|敏感|keep:0,0
YMMC|疫苗名称|C|100|text|max=100|敏感|keep:0,0
JZJG|接种机构|C|200|org_name|max=200|内部|none
JBZD|疾病诊断|C|200|text|max=200|敏感|keep:0,0
JZSJ|就诊时间|T||datetime|max_date=today|敏感|keep:0,0
YLJGMC|医疗机构名称|C|200|org_name|max=200|公开|none
QYSJ|签约时间|T||datetime|max_date=today|内部|none
JTYSTD|家庭医生团队|C|100|text|max=100|内部|none
YSXM|医生姓名|C|50|person_name|max=50|内部|none
ZYLB|执业类别|C|50|text|max=50|公开|none
ZYFW|执业范围|C|200|text|max=200|公开|none
ZYDD|执业地点|C|200|text|max=200|公开|none
ZYZH|执业证号|C|30|text|max=30|公开|none
ZGZH|资格证号|C|30|text|max=30|内部|none
ZYXKZH|执业许可证号|C|30|text|max=30|公开|none
ZYJG|执业机构|C|200|org_name|max=200|公开|none
TYSHXYDM|统一社会信用代码|C|18|uscc||公开|none
QYMC|企业名称|C|200|org_name|max=200|公开|none
DWMC|单位名称|C|200|org_name|max=200|公开|none
ZTMC|个体工商户名称|C|200|org_name|max=200|公开|none
SHZZMC|社会组织名称|C|200|org_name|max=200|公开|none
ZZJGDM|组织机构代码|C|9|orgcode||公开|none
ZCH|注册号|C|15|text|max=15|公开|none
FDDBR|法定代表人|C|50|person_name|max=50|公开|none
FDDBRZJHM|法定代表人证件号码|C|18|idcard||敏感|idcard
FZR|负责人|C|50|person_name|max=50|内部|name
FZRDH|负责人联系电话|C|20|phone||敏感|mobile
JYZ|经营者姓名|C|50|person_name|max=50|公开|none
JYZSFHM|经营者公民身份号码|C|18|idcard||敏感|idcard
QYLX|企业类型|C|4|code_list|list=QYLX|公开|none
ZCZB|注册资本(万元)|Y|18|money|scale=6|公开|none
KBZJ|开办资金(万元)|Y|18|money|scale=6|公开|none
CLRQ|成立日期|D||date|max_date=today|公开|none
YYQXQ|营业期限自|D||date|max_date=today|公开|none
YYQXZ|营业期限至|D||date|max_date=none;long_term=yes|公开|none
JYFW|经营范围|M|4000|text|max=4000|公开|none
ZS|住所|C|200|text|max=200|公开|none
JYCS|经营场所|C|200|text|max=200|公开|none
HZRQ|核准日期|D||date|max_date=today|公开|none
DJZT|登记状态|C|1|code_list|list=DJZT|公开|none
HYML|行业门类|C|1|code_list|list=HYML|公开|none
ZCXS|组成形式|C|20|text|max=20|公开|none
SHZZLX|社会组织类型|C|1|code_list|list=SHZZLX|公开|none
YWZGDW|业务主管单位|C|200|org_name|max=200|公开|none
JBDW|举办单位|C|200|org_name|max=200|公开|none
ZZZX|宗旨和业务范围|M|2000|text|max=2000|公开|none
JFLY|经费来源|C|50|text|max=50|公开|none
JGJB|机构级别|C|20|text|max=20|公开|none
BZS|编制数|I|5|integer|range=0..99999|内部|none
NSRSBH|纳税人识别号|C|20|text|max=20|公开|none
NSRMC|纳税人名称|C|200|org_name|max=200|公开|none
NSRZT|纳税人状态|C|2|code_list|list=NSRZT|内部|none
NSRLX|纳税人资格类型|C|1|code_list|list=NSRLX|公开|none
ZGSWJG|主管税务机关|C|200|org_name|max=200|公开|none
NSXYDJ|纳税信用等级|C|1|code_list|list=NSXYDJ|公开|none
PJND|评价年度|C|4|text|max=4|公开|none
QSSZ|欠税税种|C|50|text|max=50|公开|none
QSYE|欠税余额(元)|Y|16|money|scale=2|公开|none
SBQ|所属期|C|7|text|max=7|内部|none
SBRQ|申报日期|D||date|max_date=today|内部|none
YNSE|应纳税额(元)|Y|16|money|scale=2|敏感|keep:0,0
NDBGND|年报年度|C|4|text|max=4|公开|none
CYRS|从业人数|I|7|integer|range=0..9999999|内部|none
YYSR|营业收入(万元)|Y|18|money|scale=2|敏感|keep:0,0
LRYY|列入原因|C|200|text|max=200|公开|none
LRRQ|列入日期|D||date|max_date=today|公开|none
YCRQ|移出日期|D||date|max_date=today|公开|none
ZCJG|作出决定机关|C|200|org_name|max=200|公开|none
BGSX|变更事项|C|100|text|max=100|公开|none
BGQNR|变更前内容|M|2000|text|max=2000|公开|none
BGHNR|变更后内容|M|2000|text|max=2000|公开|none
BGRQ|变更日期|D||date|max_date=today|公开|none
ZXYYDM|注销原因|C|100|text|max=100|公开|none
GDMC|股东名称|C|200|text|max=200|公开|none
GDZJHM|股东证件号码|C|30|text|max=30|敏感|keep:3,4
RJCZE|认缴出资额(万元)|Y|18|money|scale=6|公开|none
SJCZE|实缴出资额(万元)|Y|18|money|scale=6|公开|none
CZFS|出资方式|C|50|text|max=50|公开|none
RYXM|人员姓名|C|50|person_name|max=50|公开|none
RYZW|职务|C|50|text|max=50|公开|none
RYZJHM|人员证件号码|C|18|idcard||敏感|idcard
XKWSH|行政许可决定文书号|C|100|text|max=100|公开|none
XKMC|许可证书名称|C|100|text|max=100|公开|none
XKBH|许可编号|C|100|text|max=100|公开|none
XKLB|许可类别|C|1|code_list|list=XKLB|公开|none
XKNR|许可内容|M|2000|text|max=2000|公开|none
XKJDRQ|许可决定日期|D||date|max_date=today|公开|none
YXQQ|有效期自|D||date|max_date=today|公开|none
YXQJ|有效期至|D||date|max_date=none;long_term=yes|公开|none
XKJG|许可机关|C|200|org_name|max=200|公开|none
XKJGDM|许可机关统一社会信用代码|C|18|uscc||公开|none
XDRMC|行政相对人名称|C|200|text|max=200|公开|none
XDRLB|行政相对人类别|C|1|code_list|list=XDRLB|公开|none
CFJDSWH|行政处罚决定书文号|C|100|text|max=100|公开|none
AJMC|案件名称|C|200|text|max=200|公开|none
WFXW|违法行为类型|C|200|text|max=200|公开|none
WFSS|违法事实|M|2000|text|max=2000|公开|none
CFYJ|处罚依据|C|500|text|max=500|公开|none
CFLB|处罚类别|C|2|code_list|list=CFLB|公开|none
CFNR|处罚内容|C|500|text|max=500|公开|none
FKJE|罚款金额(万元)|Y|18|money|scale=6|公开|none
MSWFSD|没收违法所得(万元)|Y|18|money|scale=6|公开|none
CFJDRQ|处罚决定日期|D||date|max_date=today|公开|none
CFJG|处罚机关|C|200|org_name|max=200|公开|none
CFJGDM|处罚机关统一社会信用代码|C|18|uscc||公开|none
BJBH|办件编号|C|50|text|max=50|内部|none
SXMC|事项名称|C|200|text|max=200|公开|none
SXBM|事项编码|C|50|text|max=50|公开|none
SQRXM|申请人姓名|C|50|person_name|max=50|内部|name
SQRZJHM|申请人证件号码|C|18|idcard||敏感|idcard
SQRLXDH|申请人联系电话|C|20|phone||敏感|mobile
SLSJ|受理时间|T||datetime|max_date=today|内部|none
BJSJ|办结时间|T||datetime|max_date=today|内部|none
BJJG|办理结果|C|50|text|max=50|内部|none
AJBH|案件编号|C|50|text|max=50|内部|none
AJLB|案件类别|C|50|text|max=50|内部|none
AY|案由|C|200|text|max=200|内部|none
DSR|当事人|C|500|text|max=500|敏感|keep:1,0
LASJ|立案时间|T||datetime|max_date=today|内部|none
JASJ|结案时间|T||datetime|max_date=today|内部|none
CBR|承办人|C|50|person_name|max=50|内部|name
AJZT|案件状态|C|1|code_list|list=AJZT|内部|none
CPRQ|裁判日期|D||date|max_date=today|内部|none
ZXBD|执行标的(元)|Y|18|money|scale=2|内部|none
SJBH|事件编号|C|50|text|max=50|内部|none
SJLX|事件类型|C|50|text|max=50|内部|none
SJMS|事件描述|M|2000|text|max=2000|内部|none
FSDZ|发生地址|C|200|text|max=200|内部|none
SSJD|所属街道|C|50|text|max=50|公开|none
SSSQ|所属社区|C|50|text|max=50|公开|none
SBSJ|上报时间|T||datetime|max_date=today|内部|none
CZZT|处置状态|C|1|code_list|list=CZZT|内部|none
CZSJ|处置时间|T||datetime|max_date=today|内部|none
WGBM|网格编码|C|20|text|max=20|内部|none
BH|编号|C|50|text|max=50|公开|none
MC|名称|C|200|text|max=200|公开|none
DZ|地址|C|200|text|max=200|公开|none
JD|经度|B|12|decimal|scale=6|公开|none
WD|纬度|B|12|decimal|scale=6|公开|none
ZT|状态|C|20|text|max=20|公开|none
MJ|面积(平方米)|N|14|decimal|scale=2|公开|none
JSNF|建设年份|I|4|integer|range=1800..2100|公开|none
GXSJ|更新时间|T||datetime|max_date=today|公开|none
LX|类型|C|50|text|max=50|公开|none
RL|容量|N|12|decimal|scale=2|公开|none
TJQ|统计期|C|7|text|max=7|公开|none
ZBDM|指标代码|C|20|text|max=20|公开|none
ZBMC|指标名称|C|200|text|max=200|公开|none
ZBZ|指标值|N|20|decimal|scale=4|公开|none
JLDW|计量单位|C|20|text|max=20|公开|none
TJKJ|统计口径|C|200|text|max=200|公开|none
HPHM|号牌号码|C|15|text|max=15|内部|none
HPZL|号牌种类|C|2|text|max=2|内部|none
CLPP|车辆品牌|C|100|text|max=100|内部|none
SYXZ|使用性质|C|20|text|max=20|内部|none
CCDJRQ|初次登记日期|D||date|max_date=today|内部|none
JSZH|驾驶证号|C|18|idcard||敏感|idcard
ZJCX|准驾车型|C|10|text|max=10|内部|none
LJJF|累积记分|I|2|integer|range=0..99|内部|none
JDSBH|决定书编号|C|50|text|max=50|内部|none
WFSJ|违法时间|T||datetime|max_date=today|内部|none
WFDD|违法地点|C|200|text|max=200|内部|none
RZSJ|入住时间|T||datetime|max_date=today|敏感|keep:0,0
LDSJ|离店时间|T||datetime|max_date=today|敏感|keep:0,0
LGMC|旅馆名称|C|200|org_name|max=200|内部|none
FJH|房间号|C|10|text|max=10|敏感|keep:0,0
BDCDYH|不动产单元号|C|28|text|max=28|内部|none
BDCQZH|不动产权证号|C|50|text|max=50|内部|none
QLR|权利人|C|200|text|max=200|敏感|keep:1,0
QLRZJHM|权利人证件号码|C|30|text|max=30|敏感|keep:3,4
ZL|坐落|C|200|text|max=200|内部|none
YT|用途|C|50|text|max=50|公开|none
JZMJ|建筑面积(平方米)|N|14|decimal|scale=2|内部|none
QLXZ|权利性质|C|50|text|max=50|内部|none
DJSJ|登记时间|T||datetime|max_date=today|内部|none
DYJE|被担保债权数额(万元)|Y|18|money|scale=6|内部|none
DYQR|抵押权人|C|200|org_name|max=200|内部|none
CFJGMC|查封机关|C|200|org_name|max=200|内部|none
CFWH|查封文号|C|100|text|max=100|内部|none
HTBH|合同编号|C|50|text|max=50|内部|none
HTJE|合同金额(万元)|Y|18|money|scale=6|内部|none
XMMC|项目名称|C|200|text|max=200|公开|none
XMBM|项目代码|C|50|text|max=50|公开|none
XMDW|项目单位|C|200|org_name|max=200|公开|none
ZTZ|总投资(万元)|Y|18|money|scale=2|公开|none
JSDD|建设地点|C|200|text|max=200|公开|none
JSGM|建设规模及内容|M|2000|text|max=2000|公开|none
KGRQ|开工日期|D||date|max_date=none|公开|none
JGRQ|竣工日期|D||date|max_date=none|公开|none
ZZDJ|资质等级|C|50|text|max=50|公开|none
ZZLB|资质类别|C|100|text|max=100|公开|none
RYRS|人员数|I|6|integer|range=0..999999|公开|none
JCRQ|检查日期|D||date|max_date=today|内部|none
JCJG|检查结果|C|200|text|max=200|内部|none
ZGQX|整改期限|D||date|max_date=none|内部|none
YHMS|隐患描述|M|2000|text|max=2000|内部|none
JCDW|监测点位|C|100|text|max=100|公开|none
JCSJ|监测时间|T||datetime|max_date=today|公开|none
JCXM|监测项目|C|50|text|max=50|公开|none
JCZ|监测值|N|14|decimal|scale=4|公开|none
XFSJ|信访时间|T||datetime|max_date=today|敏感|keep:0,0
XFXS|信访形式|C|20|text|max=20|内部|none
XFNR|信访内容|M|4000|text|max=4000|敏感|keep:0,0
BLYJ|办理意见|M|2000|text|max=2000|内部|none
RS|人数|I|4|integer|range=0..9999|内部|none
NL|年龄|I|3|integer|range=0..130|内部|none
JKZK|健康状况|C|50|text|max=50|敏感|keep:0,0
FWNR|服务内容|C|200|text|max=200|内部|none
FWSJ|服务时间|T||datetime|max_date=today|内部|none
BZ|备注|M|1000|text|max=1000|内部|none
"""

FIELDS = OrderedDict()
for line in FIELD_TEXT.strip().splitlines():
    src, name, dt, ln, rule, args, sens, mask = line.split("|")
    assert src not in FIELDS, src
    FIELDS[src] = dict(name=name, data_type=dt, length=ln, rule=rule,
                       rule_args=args, sensitivity=sens, mask=mask)

# --------------------------------------------------------------------------
# Record kinds: the fields every resource of a kind starts with.  `*` marks
# the record key, `?` an optional field; everything else is required.
KINDS = {
    "P": "GMSFHM* XM XB CSRQ",
    "E": "TYSHXYDM* DWMC FDDBR ZS LXDH?",
    "EQ": "TYSHXYDM* QYMC FDDBR ZS LXDH?",
    "XK": "XKWSH* XKMC XKBH? XKLB XDRMC XDRLB TYSHXYDM? FDDBR? XKNR XKJDRQ YXQQ YXQJ? XKJG XKJGDM",
    "CF": "CFJDSWH* AJMC XDRMC XDRLB TYSHXYDM? FDDBR? WFXW WFSS? CFYJ CFLB CFNR FKJE? MSWFSD? CFJDRQ CFJG CFJGDM",
    "SX": "BJBH* SXMC SXBM SQRXM SQRZJHM SQRLXDH? SLSJ BJSJ? BJJG?",
    "AJ": "AJBH* AJMC AJLB AY DSR LASJ JASJ? CBR AJZT",
    "SJ": "SJBH* SJLX SJMS FSDZ SSJD SSSQ? SBSJ CZZT CZSJ?",
    "O": "BH* MC DZ SSJD JD? WD? FZR? FZRDH? ZT",
    "S": "TJQ* ZBDM* ZBMC ZBZ JLDW TJKJ?",
}

# Department function (目) of 部门 resources, by kind.
FUNCTION_OF_KIND = {
    "SX": ("001", "政务服务"), "XK": ("002", "行政许可"), "CF": ("003", "行政处罚"),
    "AJ": ("004", "案件办理"), "SJ": ("005", "监督管理"), "O": ("006", "管理对象"),
    "S": ("007", "统计分析"), "P": ("008", "服务对象"), "E": ("009", "机构主体"),
    "EQ": ("009", "机构主体"),
}
BASE_ITEMS = {"人口": "01", "法人单位": "02", "自然资源和空间地理": "03", "社会信用": "04", "电子证照": "05"}
THEMES = OrderedDict([("社会保障", "01"), ("医疗健康", "02"), ("住房保障", "03"), ("城市更新", "04"),
                      ("基层治理", "05"), ("营商环境", "06"), ("公共安全", "07")])

# --------------------------------------------------------------------------
# Providers and their resources.
# Resource line: tag|name|class|kind|extra fields|update cycle|share type[|open]
#   class: J:<基础项>[:person|legal_entity]   Z:<主题>   B (部门)
#   extra fields: space-separated; suffix ! = required, * = part of the key
#   cycle / share: empty = default of the kind; share: 无 有 不
PROVIDERS = [
 ("gaj", "武汉市武昌区公安分局", "区公安分局", """
hjrk|户籍人口信息|J:人口:person|P|MZ! CYM CSDQH JGQH HH! YHZGX! HKLB HJDZ! HJQH! HYZK WHCD ZZMM ZY FWCS SG XX LXDH QRRQ QRYY|实时|有
ldrk|流动人口居住登记信息|J:人口:person|P|MZ HJDZ! HJQH JZDZ! LXDH! DJRQ! ZY FWCS SSJD SSSQ|每日|有
jzz|居住证信息|J:人口:person|P|MZ HJDZ! JZDZ! JZZBH! QFRQ! YXQZ! QFJG! LXDH|每日|有
csdj|出生登记信息|J:人口:person|P|MZ! CSDQH! JGQH HH! YHZGX! HJDZ! CSZMBH! MQXM! MQGMSFHM! FQXM FQGMSFHM DJRQ!|每日|有
swzx|死亡人口注销信息|J:人口:person|P|MZ HJDZ! SWRQ! SWZMBH ZXRQ! ZXYY! DJJG!|每日|有
qrqc|户口迁移信息|J:人口:person|P|QRRQ QRYY QCRQ QCDZ QWDZ HJDZ! HH! DJJG! DJRQ!|每日|有
sfzbl|居民身份证受理信息|B|SX|QFJG ZJHM|每日|有
jwry|境外人员住宿登记信息|B|SX|ZJLX! ZJHM! GJ! RZSJ! LDSJ LGMC!|实时|有
zdry|重点人员管控信息|B|P|HJDZ JZDZ LXDH BZ|实时|不
xdry|吸毒人员信息|B|P|HJDZ JZDZ DJRQ BZ|每日|不
jdc|机动车登记信息|B|O|HPHM*! HPZL*! CLPP! SYXZ! CCDJRQ! ZJHM|每日|有
jsz|机动车驾驶证信息|B|P|JSZH! ZJCX! QFRQ! YXQZ! LJJF ZT|每日|有
jtwf|道路交通违法信息|B|CF|HPHM WFSJ! WFDD! LJJF|每日|有
jtsg|道路交通事故信息|B|SJ|HPHM RS|每日|有
zacf|治安管理行政处罚信息|B|CF|SQRZJHM|每日|有
lgzs|旅馆业住宿登记信息|B|P|RZSJ! LDSJ LGMC! FJH|实时|有
bazy|保安员证信息|B|P|ZSBH! QFRQ! FWCS|每月|有
bafw|保安服务公司信息|B|EQ|CLRQ! RYRS XKBH!|每月|无|是
tzhy|特种行业许可信息|B|XK||每日|无|是
gzkz|公章刻制备案信息|B|XK||每日|无
mpdz|标准地址门牌信息|J:自然资源和空间地理|O|SSSQ! WGBM GXSJ!|每周|无|是
spjk|公共视频监控点位信息|B|O|LX! GXSJ|每月|不
jq|接处警信息|B|SJ|RS LXDH|实时|不
crj|出入境证件受理信息|B|SX|ZJLX! ZJHM|每日|有
wfzjl|无犯罪记录证明开具信息|B|SX|ZSBH|每日|有
"""),
 ("mzj", "武汉市武昌区民政局", "区民政局", """
hydj|婚姻登记信息|J:人口:person|P|HYDJZH*! HYYWLX! HYZK! DJRQ! DJJG! MZ WHCD ZY HJDZ POXM! POGMSFHM!|每日|有
dbdx|最低生活保障对象信息|J:人口:person|P|MZ HJDZ! JZDZ! LXDH BZLB! BZRS! BZJE! BZKSRQ! SSJD! SSSQ! JKZK|每月|有
tkry|特困人员救助供养信息|J:人口:person|P|HJDZ! JZDZ LXDH BZJE! BZKSRQ! JZLX! SSJD! JKZK|每月|有
dbby|低保边缘家庭信息|Z:社会保障|P|HJDZ! JZDZ LXDH BZRS! SSJD! SSSQ|每月|有
lsjz|临时救助信息|Z:社会保障|P|JZDZ! LXDH JZLX! FFJE! FFNY! SSJD!|每月|有
gljt|高龄津贴发放信息|Z:社会保障|P|NL! FFJE! FFNY! SSJD! SSSQ|每月|有
jjyl|居家养老服务对象信息|Z:社会保障|P|JZDZ! LXDH NL! JKZK FWNR! SSJD! SSSQ!|每月|有
yljg|养老机构信息|B|E|CLRQ! RL! RYRS JYCS!|每季度|无|是
shzz|社会组织登记信息|J:法人单位:legal_entity|E|SHZZLX! YWZGDW KBZJ! ZZZX! CLRQ! DJJG! DJZT! HZRQ!|每日|无|是
shzzcf|社会组织行政处罚信息|B|CF||每日|无|是
shzznj|社会组织年度检查信息|B|E|SHZZLX! NDBGND*! JCJG!|每年|无|是
ljbt|困难残疾人生活补贴和重度残疾人护理补贴信息|Z:社会保障|P|CJRZH! CJLB! CJDJ! FFJE! FFNY!|每月|有
kjet|困境儿童信息|B|P|JHRXM! JHRLXDH JZDZ SSJD|每月|不
lset|农村留守儿童信息|B|P|JHRXM! JHRLXDH JZDZ SSJD|每季度|有
sydj|收养登记信息|B|P|DJRQ! DJJG! BZ|每月|不
ythh|遗体火化信息|J:人口:person|P|SWRQ! SWDD! HJDZ DJRQ!|每日|有
sqjwh|社区居民委员会信息|B|E|SSJD! CLRQ RYRS|每年|无|是
dmxx|地名信息|J:自然资源和空间地理|O|LX! GXSJ|每季度|无|是
csjz|慈善组织认定信息|B|E|SHZZLX! HZRQ!|每月|无|是
gejb|孤儿基本生活保障信息|B|P|JHRXM! BZJE! BZKSRQ! SSJD|每月|不
mzxk|民政行政许可信息|B|XK||每日|无|是
lnyd|老年人优待证信息|B|P|ZSBH! QFRQ! SSJD|每月|有
"""),
 ("rsj", "武汉市武昌区人力资源和社会保障局", "区人社局", """
sbcb|社会保险参保信息|J:人口:person|P|XZLX*! CBZT! CBRQ! CBDWMC CBDWDM LXDH! HJDZ JZDZ JFJS LJJFYS|每日|有
zgyl|城镇职工基本养老保险缴费信息|Z:社会保障|P|JFNY*! CBDWDM! JFJS! JFJE!|每月|有
jmyl|城乡居民基本养老保险参保信息|Z:社会保障|P|CBZT! CBRQ! JFJE FFJE SSJD|每月|有
syjff|失业保险金发放信息|Z:社会保障|P|FFNY*! FFJE! CBDWMC|每月|有
gsrd|工伤认定信息|B|P|YRDW! YRDWDM! DJRQ! JBZD|每月|有
jydj|就业登记信息|J:人口:person|P|JYZT! YRDW! YRDWDM! JYRQ! WHCD! LXDH! JZDZ ZY|每日|有
sydj|失业登记信息|Z:社会保障|P|JYZT! DJRQ! WHCD LXDH! JZDZ|每日|有
jykn|就业困难人员认定信息|Z:社会保障|P|DJRQ! JZLX! LXDH SSJD|每月|有
zgzs|职业资格证书信息|J:电子证照|P|ZSMC! ZSBH*! ZSDJ QFRQ! QFJG!|每日|无
jnbt|职业技能提升补贴信息|Z:社会保障|P|ZSMC! ZSBH! FFJE! FFNY!|每月|有
ldjc|劳动保障监察行政处罚信息|B|CF||每日|无|是
ldzc|劳动人事争议仲裁案件信息|B|AJ|YRDW YRDWDM ZXBD|每月|有
cbdw|社会保险参保单位信息|J:法人单位:legal_entity|E|DWZH! CLRQ CYRS LXDH|每日|有
rlzy|人力资源服务许可信息|B|XK||每日|无|是
ltx|离退休人员信息|Z:社会保障|P|CBDWMC FFJE! FFNY LXDH|每月|有
sbk|社会保障卡信息|J:电子证照|P|ZSBH! QFRQ! ZT! LXDH|每日|有
zpgw|招聘岗位信息|B|O|RYRS LX GXSJ|每日|无|是
cydk|创业担保贷款信息|Z:社会保障|P|DKJE! DKQX! YRDW YRDWDM|每月|有
sydwzp|事业单位公开招聘信息|B|O|RYRS! GXSJ|每月|无|是
ylrz|养老保险待遇领取资格认证信息|Z:社会保障|P|DJRQ*! ZT! SSJD|每月|有
"""),
 ("wjj", "武汉市武昌区卫生健康局", "区卫健局", """
cszm|出生医学证明信息|J:人口:person|P|CSZMBH! CSDD! CSDQH! CSYZ CSTZ JSJG! MQXM! MQGMSFHM! FQXM FQGMSFHM QFRQ!|每日|有
swzm|死亡医学证明信息|J:人口:person|P|SWZMBH! SWRQ! SWYY! SWDD! MZ HJDZ YLJGMC! QFRQ!|每日|有
yfjz|预防接种信息|Z:医疗健康|P|JZRQ*! YMMC*! JZJG! JHRXM JHRLXDH|每日|有
jkda|居民健康档案信息|Z:医疗健康|P|MZ XX JZDZ LXDH JKZK JBZD YLJGMC!|每月|不
yljg|医疗机构执业登记信息|B|E|ZYXKZH YLJGMC! ZYFW! YXQJ! RL|每月|无|是
yszc|医师执业注册信息|B|P|ZYZH! ZYLB! ZYFW! ZYDD!|每月|有
hszc|护士执业注册信息|B|P|ZYZH! ZYDD! YXQZ!|每月|有
tbfz|计划生育家庭特别扶助信息|Z:社会保障|P|FFJE! FFNY! HJDZ SSJD|每季度|有
dszn|独生子女父母奖励信息|Z:社会保障|P|FFJE! FFNY! CBDWMC|每年|有
mbgl|慢性病患者健康管理信息|Z:医疗健康|P|JBZD! YLJGMC! JZSJ LXDH|每月|不
crbbg|传染病报告信息|B|SJ|JBZD! YLJGMC!|实时|不
ggws|公共场所卫生许可信息|B|XK||每日|无|是
wsjd|卫生健康行政处罚信息|B|CF||每日|无|是
ycfbj|孕产妇保健管理信息|Z:医疗健康|P|JZDZ LXDH! YLJGMC! JKZK|每月|有
etjk|0-6岁儿童健康管理信息|Z:医疗健康|P|JHRXM! JHRLXDH YLJGMC! JKZK|每月|有
jtys|家庭医生签约服务信息|Z:医疗健康|P|QYSJ! JTYSTD! YLJGMC! LXDH SSJD|每日|有
zybbg|职业病报告信息|B|SJ|YRDW! YRDWDM JBZD!|每月|有
wcxx|无偿献血信息|B|P|XX! JZRQ! RL!|每月|有
jkzm|从业人员健康证明信息|J:电子证照|P|ZSBH! QFRQ! YXQZ! YLJGMC! FWCS|每日|有
cwtj|医疗卫生机构床位资源统计信息|B|S||每季度|无|是
"""),
 ("jyj", "武汉市武昌区教育局", "区教育局", """
xj|中小学学籍信息|J:人口:person|P|XJH! MZ! XXMC! XXBSM! NJ! BJ RXRQ! XJZT! HJDZ JZDZ JHRXM! JHRLXDH!|每日|有
xqyr|学前教育幼儿信息|J:人口:person|P|MZ XXMC! XXBSM! BJ RXRQ! JHRXM! JHRLXDH! JZDZ|每月|有
xxjb|学校基本信息|B|E|XXBSM! JBDW! CLRQ RYRS! SSJD!|每年|无|是
jszg|教师资格证信息|J:电子证照|P|ZSBH*! ZSMC! QFRQ! QFJG! FWCS|每日|有
jzg|教职工信息|B|P|XXMC! XXBSM! RYZW ZSBH LXDH|每季度|有
zsrx|义务教育招生入学信息|B|P|XXMC! NJ! HJDZ! JZDZ JHRXM! JHRLXDH!|每年|有
xszz|学生资助信息|Z:社会保障|P|XXMC! XJH! FFJE! FFNY! JZLX|每学期|有
knrd|家庭经济困难学生认定信息|Z:社会保障|P|XXMC! XJH! JZLX! SSJD|每半年|有
xwpx|校外培训机构信息|B|E|XKBH! JYCS! RYRS|每月|无|是
mbxx|民办学校办学许可信息|B|XK||每日|无|是
tzjk|学生体质健康监测信息|B|P|XXMC! NJ! SG JKZK!|每年|有
czbys|初中毕业生信息|B|P|XJH! XXMC! BJ|每年|有
jytj|教育事业统计信息|B|S||每年|无|是
xyaq|校园安全隐患排查信息|B|SJ|XXMC! YHMS|每月|有
xqhf|义务教育学区划分信息|B|O|XXBSM! LX|每年|无|是
"""),
 ("scjgj", "武汉市武昌区市场监督管理局", "区市场监管局", """
qydj|企业登记信息|J:法人单位:legal_entity|EQ|ZZJGDM ZCH FDDBRZJHM! QYLX! ZCZB! CLRQ! YYQXQ! YYQXZ JYFW! DJJG! DJZT! HZRQ! HYML!|实时|无|是
gtgsh|个体工商户登记信息|J:法人单位:legal_entity|E|-DWMC -FDDBR -ZS ZTMC! JYZ! JYZSFHM! ZCXS! JYCS! JYFW! CLRQ! DJJG! DJZT! HYML|实时|无|是
nzhs|农民专业合作社登记信息|J:法人单位:legal_entity|E|FDDBRZJHM! ZCZB! CLRQ! JYFW! DJJG! DJZT!|每日|无|是
qybg|企业变更登记信息|J:法人单位|EQ|BGSX*! BGRQ*! BGQNR! BGHNR! DJJG!|实时|无|是
qyzx|企业注销登记信息|J:法人单位:legal_entity|EQ|ZXRQ! ZXYYDM! DJZT! DJJG!|每日|无|是
qynb|企业年度报告信息|Z:营商环境|EQ|NDBGND*! CYRS YYSR LXDH|每年|有
jyyc|经营异常名录信息|J:社会信用|EQ|LRYY*! LRRQ! YCRQ ZCJG!|每日|无|是
yzwf|严重违法失信名单信息|J:社会信用|EQ|LRYY*! LRRQ! YCRQ ZCJG!|每日|无|是
sccf|市场监管行政处罚信息|B|CF||每日|无|是
scxk|市场监管行政许可信息|B|XK||每日|无|是
spjy|食品经营许可信息|B|XK|JYCS! FZR|每日|无|是
spsc|食品生产许可信息|B|XK|JYCS! FZR|每日|无|是
tzsb|特种设备使用登记信息|B|O|LX! DWMC! TYSHXYDM JCRQ|每月|有
tzsbry|特种设备作业人员信息|B|P|ZSBH! ZSMC! QFRQ! YXQZ! FWCS|每月|有
gqcz|股权出质登记信息|B|EQ|DJRQ*! GDMC! RJCZE! DYQR! ZT!|每日|无|是
dcdy|动产抵押登记信息|B|EQ|DJRQ*! DYQR! DYJE! ZT!|每日|无|是
qygd|企业股东及出资信息|B|EQ|GDMC*! GDZJHM RJCZE! SJCZE CZFS!|每日|有
qyzyry|企业主要人员信息|B|EQ|RYXM*! RYZW*! RYZJHM|每日|有
sbzc|商标注册信息|B|O|DWMC! TYSHXYDM LX! YXQJ!|每月|无|是
ggfb|广告发布登记信息|B|XK||每月|无|是
jlqj|强制检定计量器具信息|B|O|DWMC! TYSHXYDM! LX! JCRQ!|每月|有
zlcc|产品质量监督抽查信息|B|SJ|DWMC! TYSHXYDM JCJG!|每月|无|是
tsjb|消费投诉举报信息|B|SJ|SQRXM! SQRLXDH DWMC|实时|有
ypjy|药品经营许可信息|B|XK|JYCS! FZR!|每日|无|是
ylqx|第二类医疗器械经营备案信息|B|XK|JYCS! FZR!|每日|无|是
"""),
 ("swj", "国家税务总局武汉市武昌区税务局", "区税务局", """
nsrdj|纳税人登记信息|J:法人单位:legal_entity|E|NSRSBH! NSRMC! NSRZT! NSRLX! ZGSWJG! DJRQ! HYML|每日|有
nsxy|纳税信用评价信息|J:社会信用:legal_entity|E|NSRSBH! PJND*! NSXYDJ!|每年|无|是
qsgg|欠税公告信息|J:社会信用|E|NSRSBH! QSSZ*! QSYE! SBQ*!|每季度|无|是
fply|发票领用信息|B|E|NSRSBH! SBQ*! RS|每日|有
nssb|纳税申报信息|B|E|NSRSBH! SBQ*! SBRQ! YNSE!|每月|不
sstj|税收收入统计信息|B|S||每月|有
swcf|税务行政处罚信息|B|CF||每日|无|是
zdss|重大税收违法失信主体信息|J:社会信用|E|NSRSBH! LRYY*! LRRQ!|每月|无|是
ybnsr|增值税一般纳税人登记信息|B|E|NSRSBH! NSRLX! DJRQ!|每日|有
swxk|税务行政许可信息|B|XK||每日|无|是
ckts|出口退（免）税备案信息|B|E|NSRSBH! DJRQ!|每月|有
grsds|个人所得税纳税信息|B|P|SBQ*! YNSE! YRDW|每月|不
"""),
 ("zjj", "武汉市武昌区住房和城市更新局", "区住房和城市更新局", """
jzzz|建筑业企业资质信息|B|EQ|ZZLB*! ZZDJ! ZSBH! YXQJ!|每月|无|是
zcjzs|注册建造师信息|B|P|ZSBH! ZSDJ! FWCS! YXQZ!|每月|有
sgxk|建筑工程施工许可信息|B|XK|XMMC! XMBM! JSDD! HTJE|每日|无|是
jgba|房屋建筑和市政基础设施工程竣工验收备案信息|B|XK|XMMC! JSDD! JGRQ!|每月|无|是
zjcf|住房和城乡建设行政处罚信息|B|CF||每日|无|是
ljxq|老旧小区改造项目信息|Z:城市更新|O|XMMC! ZTZ! KGRQ JGRQ RS|每月|无|是
wyqy|物业服务企业信息|B|EQ|CLRQ! RYRS|每季度|无|是
wyxm|物业服务项目信息|B|O|DWMC! TYSHXYDM! MJ! SSSQ|每季度|有
gdaq|建筑工地安全检查信息|B|SJ|XMMC! JCRQ! JCJG! ZGQX|每周|有
rqjy|燃气经营许可信息|B|XK|JYCS!|每月|无|是
jzgr|建筑工人实名制信息|B|P|YRDW! YRDWDM! XMMC! JYRQ! LXDH|每日|有
zjtj|建筑业统计信息|B|S||每季度|无|是
"""),
 ("zrzyj", "武汉市自然资源和城乡建设局武昌分局", "武昌自然资源分局", """
tdly|土地利用现状信息|J:自然资源和空间地理|O|LX! MJ!|每年|有
tdgy|国有建设用地供应信息|B|O|XMMC! MJ! YT! HTBH! HTJE!|每月|无|是
ghxk|建设工程规划许可信息|B|XK|XMMC! JSDD! JZMJ!|每日|无|是
ydgh|建设用地规划许可信息|B|XK|XMMC! JSDD! MJ!|每日|无|是
kzgh|控制性详细规划信息|J:自然资源和空间地理|O|MJ! YT! GXSJ|每年|无|是
chcg|基础测绘成果信息|J:自然资源和空间地理|O|LX! GXSJ!|每年|不
zrcf|自然资源行政处罚信息|B|CF||每日|无|是
wfyd|违法用地图斑信息|B|SJ|MJ! JCRQ!|每季度|有
dzzh|地质灾害隐患点信息|B|O|LX! RS! JCRQ|每季度|有
gtkj|国土空间规划分区信息|J:自然资源和空间地理|O|MJ! LX!|每年|有
"""),
 ("cgj", "武汉市武昌区城市管理执法局", "区城管执法局", """
cgcf|城管执法行政处罚信息|B|CF||每日|无|是
wjcc|违法建设查处信息|B|SJ|JZMJ JCRQ!|每日|有
hwss|环卫设施信息|B|O|LX! RL|每月|无|是
ljfl|生活垃圾分类投放点信息|B|O|SSSQ! LX!|每月|无|是
hwgg|户外广告设施设置许可信息|B|XK|JSDD!|每日|无|是
szss|市政设施信息|B|O|LX! MJ JSNF|每季度|有
szcg|数字城管案件信息|B|SJ|WGBM! SSSQ|实时|有
zdjy|临时占用城市道路许可信息|B|XK|JSDD!|每日|无|是
ztys|建筑垃圾处置核准信息|B|XK|XMMC! JSDD!|每日|无|是
gc|公共厕所信息|B|O|SSSQ LX!|每月|无|是
tcc|公共停车场信息|B|O|RL! LX!|每月|无|是
dlbj|道路清扫保洁信息|B|O|MJ! LX|每周|有
"""),
 ("sfj", "武汉市武昌区司法局", "区司法局", """
sqjz|社区矫正对象信息|B|P|HJDZ JZDZ LXDH DJRQ! AY!|每日|不
azbj|刑满释放人员安置帮教信息|B|P|HJDZ JZDZ LXDH DJRQ!|每月|不
lssws|律师事务所执业信息|J:法人单位:legal_entity|E|ZYXKZH! ZCXS! CLRQ! RYRS! DJZT! DJJG!|每月|无|是
lszy|律师执业信息|B|P|ZYZH! ZYJG! ZYLB QFRQ!|每月|有
gzjg|公证机构信息|B|E|ZYXKZH! CLRQ RYRS|每年|无|是
rmtj|人民调解案件信息|B|AJ|SSJD SSSQ|每月|有
flyz|法律援助案件信息|B|AJ|SQRXM! SQRZJHM|每月|有
jcfl|基层法律服务所信息|J:法人单位:legal_entity|E|ZYXKZH! CLRQ! RYRS DJZT! DJJG!|每年|无|是
sfjd|司法鉴定机构信息|B|E|ZYXKZH! ZYFW!|每年|无|是
pfzd|法治文化阵地信息|B|O|LX! SSSQ|每年|无|是
"""),
 ("ybj", "武汉市武昌区医疗保障局", "区医保局", """
ybcb|基本医疗保险参保信息|J:人口:person|P|XZLX*! CBZT! CBRQ! CBDWMC LXDH! JZDZ MZ|每日|有
ybjs|医疗费用结算信息|B|P|JZSJ*! YLJGMC! JBZD FFJE!|每日|有
ddjg|定点医药机构信息|B|E|YLJGMC! LX! CLRQ|每月|无|是
yljz|医疗救助信息|Z:社会保障|P|JZLX! FFJE! FFNY!|每月|有
mtb|门诊慢特病待遇认定信息|B|P|JBZD! YLJGMC! DJRQ!|每月|有
ybcf|医疗保障行政处罚信息|B|CF||每日|无|是
jmjf|城乡居民基本医疗保险缴费信息|Z:社会保障|P|JFNY*! JFJE! SSJD|每月|有
ybpz|医保电子凭证激活信息|J:电子证照|P|QFRQ! LXDH|每日|有
ydjy|异地就医备案信息|B|P|DJRQ*! JZDZ YLJGMC|每日|有
chbx|长期护理保险待遇信息|Z:社会保障|P|FFJE! FFNY! JKZK|每月|有
"""),
 ("tyjrj", "武汉市武昌区退役军人事务局", "区退役军人事务局", """
tyjr|退役军人信息|J:人口:person|P|MZ! RWRQ! TWRQ! AZFS WHCD! ZZMM! HJDZ! LXDH! HYZK|每月|有
yfdx|优抚对象信息|Z:社会保障|P|YFLB! FFJE! FFNY HJDZ|每月|有
grp|光荣牌悬挂信息|B|P|HJDZ! DJRQ! SSSQ|每季度|有
jycy|退役军人就业创业扶持信息|B|P|YRDW YRDWDM JYRQ LXDH|每月|有
lsjn|烈士纪念设施信息|B|O|LX! JSNF|每年|无|是
knbf|困难退役军人帮扶援助信息|Z:社会保障|P|FFJE! JZLX! SSJD|每月|有
fwz|退役军人服务站信息|B|O|SSSQ! LXDH|每季度|无|是
zzjy|自主就业退役士兵一次性经济补助信息|B|P|FFJE! TWRQ!|每年|有
"""),
 ("cl", "武汉市武昌区残疾人联合会", "区残联", """
cjrz|残疾人证信息|J:人口:person|P|CJRZH! CJLB! CJDJ! FZRQ! YXQZ HJDZ! JZDZ LXDH JHRXM SSJD|每日|有
cjkf|残疾人康复服务信息|B|P|CJRZH! FWNR! FWSJ!|每月|有
cjjy|残疾人就业信息|B|P|CJRZH! YRDW YRDWDM JYRQ|每月|有
cjet|残疾儿童康复救助信息|B|P|CJRZH JHRXM! FFJE!|每月|不
zcjg|助残服务机构信息|B|E|FWNR! RYRS|每季度|无|是
fjsp|残疾人辅助器具适配信息|B|P|CJRZH! FWNR! FWSJ!|每月|有
cjjz|残疾学生教育资助信息|B|P|CJRZH! XXMC! FFJE!|每年|有
jtwx|困难重度残疾人家庭无障碍改造信息|B|P|CJRZH! JZDZ! FFJE|每季度|有
"""),
 ("bb", "中共武汉市武昌区委机构编制委员会办公室", "区委编办", """
sydw|事业单位法人登记信息|J:法人单位:legal_entity|E|JBDW! ZZZX! KBZJ! JFLY! CLRQ! DJJG! DJZT! YXQJ|每日|无|是
jgfr|机关法人信息|J:法人单位:legal_entity|E|JGJB! CLRQ DJZT!|每月|无|是
qzqd|权责清单信息|B|O|LX!|每季度|无|是
sydwnb|事业单位年度报告信息|B|E|NDBGND*! CYRS|每年|无|是
jgbz|机构编制信息|B|E|JGJB! BZS!|每季度|不
"""),
 ("czj", "武汉市武昌区财政局", "区财政局", """
yjsgk|部门预决算公开信息|B|S||每年|无|是
zfcg|政府采购项目信息|B|O|XMMC! XMBM! HTJE! GXSJ|每日|无|是
zfgys|政府采购供应商信息|B|EQ|LXDH|每月|有
zxzj|专项资金分配信息|B|O|XMMC! HTJE!|每季度|有
gyzc|行政事业单位国有资产信息|B|O|DWMC! TYSHXYDM! LX! HTJE|每年|有
fspj|非税收入缴款信息|B|SX|JFJE! TYSHXYDM|每日|有
hmbt|惠民惠农财政补贴资金发放信息|Z:社会保障|P|FFJE! FFNY! JZLX!|每月|有
kjry|会计人员信息|B|P|ZSBH ZSDJ! FWCS!|每年|有
"""),
 ("yjj", "武汉市武昌区应急管理局", "区应急管理局", """
whpxk|危险化学品经营许可信息|B|XK|JYCS! FZR!|每日|无|是
aqcf|安全生产行政处罚信息|B|CF||每日|无|是
yjwz|应急物资储备信息|B|O|LX! RL!|每月|有
bncs|应急避难场所信息|B|O|MJ! RL!|每季度|无|是
zqxx|自然灾害灾情信息|B|SJ|RS! FSDZ|实时|有
aqbz|安全生产标准化达标企业信息|B|EQ|ZZDJ! YXQJ!|每月|无|是
yhpc|安全生产隐患排查治理信息|B|SJ|DWMC! TYSHXYDM! YHMS! ZGQX!|每周|有
yjya|生产经营单位应急预案备案信息|B|O|DWMC! TYSHXYDM! GXSJ!|每月|有
jydw|应急救援队伍信息|B|O|RYRS! LX!|每季度|有
whqy|危险化学品企业信息|B|EQ|JYFW! RYRS|每月|有
"""),
 ("sthjj", "武汉市生态环境局武昌分局", "武昌生态环境分局", """
pwxk|排污许可信息|B|XK|JYCS!|每日|无|是
hpsp|建设项目环境影响评价审批信息|B|XK|XMMC! JSDD! ZTZ|每日|无|是
hjcf|生态环境行政处罚信息|B|CF||每日|无|是
kqzl|环境空气质量监测信息|B|S|JCDW*! JCSJ*!|实时|无|是
zdpw|重点排污单位信息|B|EQ|LX! HYML|每年|无|是
hjts|生态环境投诉举报信息|B|SJ|SQRXM SQRLXDH|实时|有
wfdw|危险废物产生单位信息|B|EQ|LX! RL|每季度|有
dbsz|地表水水质监测信息|B|S|JCDW*! JCSJ*! JCXM*!|每月|无|是
"""),
 ("wlj", "武汉市武昌区文化和旅游局", "区文旅局", """
whxk|娱乐场所和互联网上网服务营业场所许可信息|B|XK|JYCS!|每日|无|是
lxs|旅行社信息|B|EQ|XKBH! RYRS|每月|无|是
ajjq|A级旅游景区信息|B|O|ZZDJ! RL|每年|无|是
whcf|文化市场行政处罚信息|B|CF||每日|无|是
wwbh|文物保护单位信息|B|O|JSNF LX!|每年|无|是
ggwh|公共文化场馆信息|B|O|LX! MJ RL|每季度|无|是
fycc|非物质文化遗产代表性传承人信息|B|P|MZ LX! SSJD|每年|有
dzz|图书馆读者证信息|B|P|ZSBH*! QFRQ! LXDH|每日|有
"""),
 ("shwj", "武汉市武昌区商务局", "区商务局", """
wstz|外商投资企业信息|B|EQ|ZCZB! CLRQ! GJ!|每月|无|是
dwmy|对外贸易经营者备案信息|B|EQ|DJRQ!|每月|无|是
yfk|单用途商业预付卡发卡企业备案信息|B|EQ|DJRQ! JYCS|每月|有
zsyz|招商引资项目信息|B|O|XMMC! ZTZ! KGRQ|每月|有
xesm|限额以上商贸企业信息|B|EQ|HYML! CYRS YYSR|每月|有
bfjd|报废机动车回收拆解企业资质认定信息|B|XK|JYCS!|每月|无|是
"""),
 ("tjj", "武汉市武昌区统计局", "区统计局", """
gdp|地区生产总值统计信息|B|S||每季度|无|是
rkcy|人口抽样调查汇总信息|B|S||每年|无|是
jjpc|经济普查单位名录信息|J:法人单位:legal_entity|E|HYML! CYRS YYSR CLRQ|每年|有
gdtz|固定资产投资统计信息|B|S||每月|无|是
lsze|社会消费品零售总额统计信息|B|S||每月|无|是
gyzj|规模以上工业统计信息|B|S||每月|无|是
tjcf|统计行政处罚信息|B|CF||每月|无|是
jmsz|城镇居民收支统计信息|B|S||每季度|无|是
"""),
 ("xfj", "武汉市武昌区信访局", "区信访局", """
xfsx|信访事项信息|B|SJ|XFXS! XFNR! BLYJ|实时|不
xfr|信访人信息|B|P|JZDZ LXDH XFSJ! XFXS!|实时|不
xfdb|信访督办件信息|B|SJ|XFNR! BLYJ! ZGQX|每日|不
xftj|信访数据统计信息|B|S||每月|有
"""),
 ("fy", "武汉市武昌区人民法院", "区法院", """
cpws|裁判文书信息|B|AJ|CPRQ! SJMS|每日|有
sxbz|失信被执行人信息|J:社会信用|AJ|ZJHM! ZXBD! LRRQ!|每日|无|是
xgxf|限制消费人员信息|J:社会信用|AJ|ZJHM! LRRQ!|每日|无|是
spaj|审判案件流程信息|B|AJ|CPRQ|每日|有
zxaj|执行案件信息|B|AJ|ZXBD!|每日|有
pcaj|破产案件信息|B|AJ|TYSHXYDM|每月|无|是
ssfw|诉讼服务信息|B|SX||每日|有
fcjl|未成年人犯罪记录封存信息|B|P|AY! DJRQ!|每月|不
"""),
 ("jcy", "武汉市武昌区人民检察院", "区检察院", """
jcaj|检察案件信息|B|AJ||每日|不
gyss|公益诉讼案件线索信息|B|SJ||每月|不
xsss|刑事申诉案件信息|B|AJ||每月|不
jcjy|检察建议信息|B|O|DWMC! TYSHXYDM GXSJ!|每月|有
sfjz|国家司法救助信息|B|P|FFJE! DJRQ!|每月|有
"""),
 ("gjj", "武汉住房公积金管理中心武昌分中心", "公积金武昌分中心", """
gjjjc|住房公积金缴存信息|J:人口:person|P|GRZH*! DWZH! CBDWMC! JCJS! YJCE! ZHZT! KHRQ! SJHM!|每日|有
gjjdk|住房公积金贷款信息|B|P|GRZH! HTBH*! DKJE! DKQX! ZL|每日|有
gjjtq|住房公积金提取信息|B|P|GRZH! TQJE! TQYY! DJRQ*!|每日|有
jcdw|住房公积金缴存单位信息|J:法人单位:legal_entity|E|DWZH! CLRQ CYRS|每日|有
gjjcf|住房公积金行政处罚信息|B|CF||每月|无|是
gjjtj|住房公积金运行统计信息|B|S||每季度|无|是
"""),
 ("bdc", "武汉市武昌区不动产登记中心", "区不动产登记中心", """
bdcdj|不动产权属登记信息|J:自然资源和空间地理|O|BDCDYH! BDCQZH! QLR! QLRZJHM! ZL! YT! JZMJ! QLXZ! DJSJ!|每日|有
bdcdy|不动产抵押登记信息|B|O|BDCDYH! QLR! DYQR! DYJE! DJSJ!|每日|有
bdccf|不动产查封登记信息|B|O|BDCDYH! CFJGMC! CFWH! DJSJ!|每日|有
bdczs|不动产权证书信息|J:电子证照|O|BDCQZH! QLR! QLRZJHM! ZL! DJSJ!|每日|有
bdcyg|不动产预告登记信息|B|O|BDCDYH! QLR! QLRZJHM HTBH! DJSJ!|每日|有
bdcdyh|不动产单元信息|J:自然资源和空间地理|O|BDCDYH! ZL! YT! JZMJ!|每月|有
clfzy|存量房转移登记信息|B|O|BDCDYH! QLR! HTJE DJSJ!|每日|有
bdcbj|不动产登记办件信息|B|SX||每日|有
"""),
 ("jtj", "武汉市武昌区交通运输局", "区交通运输局", """
dlys|道路运输经营许可信息|B|XK|JYCS!|每日|无|是
xyczc|巡游出租汽车信息|B|O|HPHM! DWMC! TYSHXYDM!|每月|有
wycjsy|网络预约出租汽车驾驶员证信息|B|P|ZSBH! QFRQ! YXQZ!|每月|有
jtcf|交通运输行政处罚信息|B|CF||每日|无|是
gjxl|公交线路信息|B|O|LX! GXSJ!|每月|无|是
gjzd|公交站点信息|B|O|LX GXSJ!|每月|无|是
jpjg|机动车驾驶员培训机构信息|B|EQ|ZZDJ! RL|每季度|无|是
"""),
 ("swhpj", "武汉市武昌区水务和湖泊局", "区水务和湖泊局", """
hpxx|湖泊基本信息|B|O|MJ! RL|每年|无|是
psxk|城镇污水排入排水管网许可信息|B|XK|JYCS!|每日|无|是
swcf|水务行政处罚信息|B|CF||每日|无|是
fxwz|防汛物资储备信息|B|O|LX! RL!|每月|有
zsd|易渍水点信息|B|O|LX! JCRQ|每月|无|是
bz|排水泵站信息|B|O|RL! JSNF|每年|有
qsxk|取水许可信息|B|XK|JSDD! RL!|每月|无|是
"""),
 ("ylj", "武汉市武昌区园林和林业局", "区园林局", """
gy|公园信息|B|O|MJ! LX!|每年|无|是
gsmm|古树名木信息|B|O|LX! JSNF|每年|无|是
ldxx|城市绿地信息|B|O|MJ! LX!|每年|有
smqy|城市树木迁移砍伐许可信息|B|XK|JSDD!|每日|无|是
ylcf|园林绿化行政处罚信息|B|CF||每月|无|是
"""),
 ("fgj", "武汉市武昌区房屋管理局", "区房管局", """
ysxk|商品房预售许可信息|B|XK|XMMC! JSDD! JZMJ!|每日|无|是
zlba|房屋租赁登记备案信息|B|O|ZL! QLR! QLRZJHM! HTBH! JZMJ|每日|有
kfqy|房地产开发企业资质信息|B|EQ|ZZDJ! YXQJ!|每月|无|是
jjjg|房地产经纪机构备案信息|B|EQ|RYRS DJRQ!|每月|无|是
wxzj|住宅专项维修资金信息|B|O|XMMC! HTJE! MJ|每月|有
gzfpz|公共租赁住房配租信息|Z:住房保障|P|JZDZ! LXDH BZRS! DJRQ!|每月|有
fwzs|国有土地上房屋征收补偿信息|B|P|ZL! JZMJ! HTJE!|每月|有
wfjd|房屋安全鉴定信息|B|O|ZL! JCRQ! JCJG!|每月|有
"""),
 ("kjj", "武汉市武昌区科学技术和经济信息化局", "区科经局", """
gxqy|高新技术企业信息|B|EQ|ZSBH! QFRQ! YXQJ!|每年|无|是
kjxq|科技型中小企业信息|B|EQ|ZSBH! PJND*!|每年|无|是
kjxm|科技计划项目信息|B|O|XMMC! XMDW! ZTZ|每年|有
zlzz|专利资助信息|B|O|XMDW! TYSHXYDM! HTJE!|每季度|有
fhq|科技企业孵化器信息|B|O|ZZDJ! MJ RYRS|每年|无|是
jsht|技术合同登记信息|B|O|HTBH! HTJE! XMDW! TYSHXYDM!|每月|有
"""),
 ("fgw", "武汉市武昌区发展和改革局", "区发改局", """
tzxm|固定资产投资项目审批核准备案信息|B|XK|XMMC! XMBM! ZTZ! JSDD! JSGM|每日|无|是
jgjc|重要民生商品价格监测信息|B|S||每周|无|是
xycn|信用承诺信息|J:社会信用|EQ|LX*! LRRQ!|每日|无|是
ljcj|守信激励和失信惩戒对象信息|J:社会信用|EQ|LRYY*! LRRQ! ZCJG!|每日|无|是
zdxm|重点建设项目信息|B|O|XMMC! XMBM! ZTZ! KGRQ JGRQ|每月|无|是
nyxf|能源消费统计信息|B|S||每季度|有
"""),
 ("sjj", "武汉市武昌区审计局", "区审计局", """
sjxm|审计项目信息|B|O|XMMC! DWMC! TYSHXYDM!|每季度|不
sjzg|审计发现问题整改信息|B|SJ|DWMC! ZGQX!|每季度|有
sjgg|审计结果公告信息|B|O|XMMC! GXSJ!|每年|无|是
jjzr|经济责任审计对象信息|B|P|FWCS! RYZW!|每年|不
"""),
]

STREETS = ["积玉桥", "杨园", "徐家棚", "粮道", "中华路", "黄鹤楼", "紫阳", "白沙洲", "首义路", "中南路",
           "水果湖", "珞珈山", "石洞", "南湖"]
STREET_SLUGS = ["jyq", "yy", "xjp", "ld", "zhl", "hhl", "zy", "bsz", "syl", "znl", "sgh", "ljs", "sd", "nh"]
STREET_RESOURCES = """
syrk|实有人口信息|J:人口:person|P|MZ JZDZ! HJDZ LXDH SSSQ! WGBM!|每周|有
syfw|实有房屋信息|B|O|SSSQ! WGBM! JZMJ LX!|每月|有
xqdw|辖区单位信息|B|E|SSSQ! WGBM LX|每月|有
wgsj|网格事件信息|B|SJ|WGBM!|实时|有
djlr|独居和空巢老人信息|Z:基层治理|P|JZDZ! LXDH NL! JKZK SSSQ!|每月|有
sqgz|社区工作者信息|B|P|SSSQ! RYZW! LXDH WHCD ZZMM|每季度|有
"""
STREET_PROVIDERS = {s + "jd" for s in STREET_SLUGS}
for name, slug in zip(STREETS, STREET_SLUGS):
    PROVIDERS.append((slug + "jd", f"武汉市武昌区{name}街道办事处", f"{name}街道", STREET_RESOURCES))

# Update cycles written by departments are normalised to the catalog's list.
CYCLE_ALIASES = {"每学期": "半年", "每半年": "半年"}
SHARE = {"无": "无条件共享", "有": "有条件共享", "不": "不予共享"}

# --------------------------------------------------------------------------
# Golden tables.
BASE_COLUMNS = [
 ("person", "gmsfhm", "C", "idcard", "", "Y", "公民身份号码，人口库主键"),
 ("person", "xm", "C", "person_name", "", "N", "姓名"),
 ("person", "cym", "C", "person_name", "", "N", "曾用名"),
 ("person", "xb", "C", "gender", "", "N", "性别（GB/T 2261.1）"),
 ("person", "mz", "C", "ethnicity", "", "N", "民族（GB/T 3304）"),
 ("person", "csrq", "D", "date", "", "N", "出生日期"),
 ("person", "csdqh", "C", "region", "", "N", "出生地行政区划代码"),
 ("person", "hjdz", "C", "text", "", "N", "户籍地址"),
 ("person", "hjqh", "C", "region", "current=Y", "N", "户籍地行政区划代码"),
 ("person", "jzdz", "C", "text", "", "N", "现居住地址"),
 ("person", "lxdh", "C", "phone", "", "N", "联系电话"),
 ("person", "hyzk", "C", "code_list", "list=HYZK", "N", "婚姻状况（GB/T 2261.2）"),
 ("person", "whcd", "C", "code_list", "list=WHCD", "N", "文化程度（GB/T 4658）"),
 ("person", "zzmm", "C", "code_list", "list=ZZMM", "N", "政治面貌（GB/T 4762）"),
 ("person", "swrq", "D", "date", "", "N", "死亡日期"),
 ("person", "jyzt", "C", "code_list", "list=JYZT", "N", "就业状态"),
 ("person", "cjlb", "C", "code_list", "list=CJLB", "N", "残疾类别"),
 ("person", "cjdj", "C", "code_list", "list=CJDJ", "N", "残疾等级"),
 ("legal_entity", "tyshxydm", "C", "uscc", "", "Y", "统一社会信用代码，法人库主键"),
 ("legal_entity", "mc", "C", "org_name", "", "N", "名称"),
 ("legal_entity", "zzjgdm", "C", "orgcode", "", "N", "组织机构代码"),
 ("legal_entity", "fddbr", "C", "person_name", "", "N", "法定代表人（负责人、经营者）"),
 ("legal_entity", "fddbrzjhm", "C", "idcard", "", "N", "法定代表人公民身份号码"),
 ("legal_entity", "zczb", "Y", "money", "scale=6", "N", "注册资本（开办资金，万元）"),
 ("legal_entity", "clrq", "D", "date", "", "N", "成立日期"),
 ("legal_entity", "zs", "C", "text", "", "N", "住所（经营场所）"),
 ("legal_entity", "jyfw", "M", "text", "", "N", "经营（业务）范围"),
 ("legal_entity", "djjg", "C", "org_name", "", "N", "登记机关"),
 ("legal_entity", "djzt", "C", "code_list", "list=DJZT", "N", "登记状态"),
 ("legal_entity", "hyml", "C", "code_list", "list=HYML", "N", "行业门类（GB/T 4754）"),
 ("legal_entity", "lxdh", "C", "phone", "", "N", "联系电话"),
 ("legal_entity", "nsxydj", "C", "code_list", "list=NSXYDJ", "N", "纳税信用等级"),
]

# source_name -> base column, per library.
PERSON_MAP = {"GMSFHM": "gmsfhm", "XM": "xm", "CYM": "cym", "XB": "xb", "MZ": "mz", "CSRQ": "csrq",
              "CSDQH": "csdqh", "HJDZ": "hjdz", "HJQH": "hjqh", "JZDZ": "jzdz", "LXDH": "lxdh",
              "SJHM": None, "HYZK": "hyzk", "WHCD": "whcd", "ZZMM": "zzmm", "SWRQ": "swrq",
              "JYZT": "jyzt", "CJLB": "cjlb", "CJDJ": "cjdj"}
ENTITY_MAP = {"TYSHXYDM": "tyshxydm", "QYMC": "mc", "DWMC": "mc", "ZTMC": "mc", "SHZZMC": "mc",
              "ZZJGDM": "zzjgdm", "FDDBR": "fddbr", "JYZ": "fddbr", "FDDBRZJHM": "fddbrzjhm",
              "JYZSFHM": "fddbrzjhm", "ZCZB": "zczb", "KBZJ": "zczb", "CLRQ": "clrq", "ZS": "zs",
              "JYCS": "zs", "JYFW": "jyfw", "ZZZX": "jyfw", "DJJG": "djjg", "DJZT": "djzt",
              "HYML": "hyml", "LXDH": "lxdh", "NSXYDJ": "nsxydj"}
# Resources that must not feed every column they carry (name is not theirs to say).
MAP_EXCLUDE = {("swj", "nsrdj"): {"DWMC", "FDDBR", "ZS"}, ("tjj", "jjpc"): {"FDDBR", "ZS"},
               ("rsj", "cbdw"): {"FDDBR", "ZS"}, ("gjj", "jcdw"): {"FDDBR", "ZS"},
               ("swj", "nsxy"): {"DWMC", "FDDBR", "ZS", "LXDH"},
               ("scjgj", "qyzx"): {"QYMC", "FDDBR", "ZS", "LXDH", "DJJG"},
               ("mzj", "ythh"): {"HJDZ"}}

# Authority order of the sources of the person library (一数一源): the first
# resource holding a column is priority 1 for it.  Column-specific orders first.
PERSON_ORDER = ["gaj.hjrk", "gaj.csdj", "gaj.swzx", "gaj.qrqc", "wjj.cszm", "wjj.swzm", "mzj.hydj",
                "gaj.jzz", "gaj.ldrk", "mzj.ythh", "rsj.sbcb", "ybj.ybcb", "rsj.jydj", "jyj.xj",
                "jyj.xqyr", "cl.cjrz", "tyjrj.tyjr", "mzj.dbdx", "mzj.tkry", "gjj.gjjjc"]
PERSON_COLUMN_ORDER = {
    "hyzk": ["mzj.hydj", "gaj.hjrk"],
    "swrq": ["wjj.swzm", "gaj.swzx", "mzj.ythh"],
    "whcd": ["rsj.jydj", "tyjrj.tyjr"],
    "jyzt": ["rsj.jydj"],
    "lxdh": ["rsj.sbcb", "ybj.ybcb", "gaj.ldrk"],
    "jzdz": ["gaj.ldrk", "gaj.jzz"],
    "cjlb": ["cl.cjrz"], "cjdj": ["cl.cjrz"],
    "csdqh": ["wjj.cszm", "gaj.csdj", "gaj.hjrk"],
}
ENTITY_ORDER = ["scjgj.qydj", "scjgj.gtgsh", "scjgj.nzhs", "mzj.shzz", "bb.sydw", "bb.jgfr",
                "sfj.lssws", "sfj.jcfl", "scjgj.qyzx", "swj.nsrdj", "swj.nsxy", "rsj.cbdw",
                "gjj.jcdw", "tjj.jjpc"]
ENTITY_COLUMN_ORDER = {"djzt": ["scjgj.qyzx"], "nsxydj": ["swj.nsxy"]}

CODELISTS = [
 ("HYZK", "婚姻状况", "10 未婚|20 已婚|21 初婚|22 再婚|23 复婚|30 丧偶|40 离婚|90 未说明的婚姻状况"),
 ("WHCD", "文化程度", "10 研究生教育|11 博士研究生毕业|14 硕士研究生毕业|20 大学本科教育|21 大学本科毕业|"
                     "30 大学专科教育|31 大学专科毕业|40 中等职业教育|60 普通高级中学教育|70 初级中学教育|80 小学教育|90 其他"),
 ("ZZMM", "政治面貌", "01 中国共产党党员|02 中国共产党预备党员|03 中国共产主义青年团团员|04 中国国民党革命委员会会员|"
                     "05 中国民主同盟盟员|06 中国民主建国会会员|07 中国民主促进会会员|08 中国农工民主党党员|"
                     "09 中国致公党党员|10 九三学社社员|11 台湾民主自治同盟盟员|12 无党派人士|13 群众"),
 ("YHZGX", "与户主关系", "01 本人|02 户主|10 配偶|20 子|30 女|40 孙子、孙女或外孙子、外孙女|50 父母|"
                        "60 祖父母或外祖父母|70 兄、弟、姐、妹|99 其他"),
 ("HKLB", "户口类别", "1 家庭户|2 集体户"),
 ("XX", "血型", "1 A型|2 B型|3 O型|4 AB型|5 不明"),
 ("HYYWLX", "婚姻登记业务类型", "IA 结婚登记|IB 离婚登记|IC 补领结婚证|ID 补领离婚证|IE 撤销婚姻"),
 ("XZLX", "险种类型", "110 企业职工基本养老保险|120 机关事业单位养老保险|170 城乡居民基本养老保险|210 失业保险|"
                     "310 职工基本医疗保险|390 城乡居民基本医疗保险|410 工伤保险|510 生育保险"),
 ("CBZT", "参保状态", "1 参保缴费|2 暂停缴费|3 终止参保"),
 ("XJZT", "学籍状态", "01 在读|02 休学|03 转出|04 毕业|05 结业|09 其他"),
 ("CJLB", "残疾类别", "1 视力残疾|2 听力残疾|3 言语残疾|4 肢体残疾|5 智力残疾|6 精神残疾|7 多重残疾"),
 ("CJDJ", "残疾等级", "1 一级|2 二级|3 三级|4 四级"),
 ("YFLB", "优抚对象类别", "1 残疾军人|2 烈士遗属|3 因公牺牲军人遗属|4 病故军人遗属|5 在乡复员军人|"
                        "6 带病回乡退伍军人|7 参战参试退役人员|9 其他"),
 ("BZLB", "保障类别", "1 城市最低生活保障|2 农村最低生活保障"),
 ("ZHZT", "公积金账户状态", "1 正常|2 封存|3 销户|4 冻结"),
 ("ZJLX", "证件类型", "111 居民身份证|112 临时居民身份证|414 普通护照|511 台湾居民来往大陆通行证|"
                     "516 港澳居民来往内地通行证|553 外国人永久居留身份证|990 其他"),
 ("JYZT", "就业状态", "11 单位就业|12 灵活就业|13 自主创业|21 登记失业|22 未就业|90 其他"),
 ("QYLX", "企业类型", "1100 有限责任公司|1200 股份有限公司|2100 全民所有制企业|3100 集体所有制企业|"
                     "4100 个人独资企业|4200 合伙企业|5100 外商投资有限责任公司|9100 其他"),
 ("DJZT", "登记状态", "1 存续（在营、开业、在册）|2 吊销，未注销|3 吊销，已注销|4 注销|5 撤销|6 迁出|9 其他"),
 ("HYML", "行业门类", "A 农、林、牧、渔业|B 采矿业|C 制造业|D 电力、热力、燃气及水生产和供应业|E 建筑业|"
                     "F 批发和零售业|G 交通运输、仓储和邮政业|H 住宿和餐饮业|I 信息传输、软件和信息技术服务业|"
                     "J 金融业|K 房地产业|L 租赁和商务服务业|M 科学研究和技术服务业|N 水利、环境和公共设施管理业|"
                     "O 居民服务、修理和其他服务业|P 教育|Q 卫生和社会工作|R 文化、体育和娱乐业|"
                     "S 公共管理、社会保障和社会组织|T 国际组织"),
 ("SHZZLX", "社会组织类型", "1 社会团体|2 民办非企业单位（社会服务机构）|3 基金会"),
 ("NSRZT", "纳税人状态", "01 正常|02 停业|03 非正常|04 注销|05 清算"),
 ("NSRLX", "纳税人资格类型", "1 增值税一般纳税人|2 增值税小规模纳税人"),
 ("NSXYDJ", "纳税信用等级", "A A级|B B级|M M级|C C级|D D级"),
 ("XKLB", "许可类别", "1 普通|2 特许|3 认可|4 核准|5 登记|9 其他"),
 ("XDRLB", "行政相对人类别", "1 法人及非法人组织|2 自然人|3 个体工商户"),
 ("CFLB", "处罚类别", "01 警告|02 罚款|03 没收违法所得、没收非法财物|04 责令停产停业|"
                     "05 暂扣或者吊销许可证、暂扣或者吊销执照|06 行政拘留|07 通报批评|99 其他"),
 ("AJZT", "案件状态", "1 立案|2 审理中|3 执行中|4 结案|5 终结"),
 ("CZZT", "处置状态", "1 待受理|2 处置中|3 已办结|4 已关闭"),
]

NEGATIVE_BASIS = {
    "gaj": "《中华人民共和国人民警察法》《中华人民共和国保守国家秘密法》；涉及公安工作秘密",
    "mzj": "《中华人民共和国未成年人保护法》；涉及未成年人个人信息",
    "wjj": "《中华人民共和国个人信息保护法》第二十八条（医疗健康信息属敏感个人信息）",
    "ybj": "《中华人民共和国个人信息保护法》第二十八条（医疗健康信息属敏感个人信息）",
    "swj": "《中华人民共和国税收征收管理法》关于为纳税人保密的规定",
    "sfj": "《中华人民共和国社区矫正法》关于社区矫正对象信息保密的规定",
    "jyj": "《中华人民共和国未成年人保护法》；涉及未成年人个人信息",
    "xfj": "《信访工作条例》关于保护信访人信息的规定",
    "fy": "《中华人民共和国刑事诉讼法》关于未成年人犯罪记录封存的规定",
    "jcy": "《中华人民共和国保守国家秘密法》；涉及检察工作秘密",
    "sjj": "《中华人民共和国审计法》关于审计工作秘密的规定",
    "bb": "机构编制管理工作秘密，依照《机构编制工作条例》不对外提供",
    "zrzyj": "《中华人民共和国测绘法》关于涉密测绘成果管理的规定",
    "cl": "《中华人民共和国个人信息保护法》第二十八条；涉及未成年人和医疗健康信息",
    "jd": "《中华人民共和国个人信息保护法》第二十八条；涉及老年人健康状况等敏感个人信息",
}

SHARE_CONDITION = {
    "P": "仅限依法履行职责需要，经{short}审核同意后通过接口按需核验、比对，不得批量下载",
    "E": "仅限依法履行监管职责需要，经{short}审核同意后使用",
    "EQ": "仅限依法履行监管职责需要，经{short}审核同意后使用",
    "XK": "仅限依法履行职责需要使用", "CF": "仅限依法履行职责需要使用",
    "SX": "仅限办理相关政务服务事项时按需查询",
    "AJ": "仅限依法履行职责需要，经{short}审核同意后使用",
    "SJ": "仅限依法履行职责需要，经{short}审核同意后使用",
    "O": "仅限政务部门内部业务使用", "S": "仅限政务部门内部统计分析使用",
}
SHARE_METHOD = {"P": "接口服务", "E": "库表交换", "EQ": "库表交换", "XK": "库表交换", "CF": "库表交换",
                "SX": "接口服务", "AJ": "库表交换", "SJ": "消息订阅", "O": "文件下载", "S": "文件下载"}
FORMAT = {"P": ("数据库", "PostgreSQL"), "E": ("数据库", "PostgreSQL"), "EQ": ("数据库", "PostgreSQL"),
          "XK": ("数据库", "MySQL"), "CF": ("数据库", "MySQL"), "SX": ("服务接口", "REST/JSON"),
          "AJ": ("数据库", "Oracle"), "SJ": ("自描述格式", "JSON"), "O": ("电子表格", "xlsx"),
          "S": ("电子表格", "xlsx")}
SUMMARY = {"P": "记录{name_core}，包括{fields}等信息项，由{short}在业务办理中产生并维护。",
           "E": "记录{name_core}，包括{fields}等信息项，由{short}依职责登记并维护。",
           "XK": "{short}依法作出的行政许可决定，按“双公示”要求归集，包括{fields}等信息项。",
           "CF": "{short}依法作出的行政处罚决定，按“双公示”要求归集，包括{fields}等信息项。",
           "SX": "{short}受理、办结的{name_core}办件记录，包括{fields}等信息项。",
           "AJ": "{short}办理的{name_core}，包括{fields}等信息项。",
           "SJ": "{short}掌握的{name_core}，包括{fields}等信息项。",
           "O": "{short}管理的{name_core}，包括{fields}等信息项。",
           "S": "{short}发布的{name_core}，包括{fields}等信息项。"}
SUMMARY["EQ"] = SUMMARY["E"]


def parse_resource(line):
    parts = line.split("|")
    tag, name, cls, kind, extra, cycle, share = parts[:7]
    open_ = parts[7] if len(parts) > 7 else "否"
    return dict(tag=tag, name=name, cls=cls, kind=kind, extra=extra.split(), cycle=cycle,
                share=SHARE[share], open=open_)


# Fields that really hold amounts in foreign currencies (外商投资企业 register their
# capital in USD, HKD, JPY, …): money with currencies=any, the code in <column>_currency.
FOREIGN_CURRENCY = {("wstz", "ZCZB")}


def build_fields(r):
    """The resource's field rows (without base mapping), key list."""
    out, key = [], []
    drop = {e[1:] for e in r["extra"] if e.startswith("-")}
    specs = [s for s in KINDS[r["kind"]].split() if s.rstrip("*?!") not in drop]
    specs += [e for e in r["extra"] if not e.startswith("-")]
    seen = set()
    for spec in specs:
        src = spec.rstrip("*?!")
        is_key = "*" in spec
        if spec in KINDS[r["kind"]].split():
            required = "?" not in spec
        else:
            required = "!" in spec or is_key
        if src in seen:  # an extra that re-states a template field upgrades it
            for f in out:
                if f["source_name"] == src:
                    f["required"] = "Y" if (required or f["required"] == "Y") else "N"
                    if is_key:
                        f["key"] = "Y"
                        f["required"] = "Y"
                        key.append(src)
            continue
        seen.add(src)
        d = FIELDS[src]
        if is_key:
            key.append(src)
        out.append(dict(source_name=src, name=d["name"], data_type=d["data_type"], length=d["length"],
                        required="Y" if (required or is_key) else "N", rule=d["rule"],
                        rule_args=d["rule_args"] + (";currencies=any" if (r["tag"], src) in FOREIGN_CURRENCY
                                                    else ""),
                        key="Y" if is_key else "N",
                        sensitivity=d["sensitivity"], mask=d["mask"], base_column="", priority=""))
    return out, key


def recency_field(r):
    """The date that orders the rows of one person or entity in a multi-row golden source.

    A resource with several rows per base key (社保, 医保: one per 险种) names its last
    required non-key date field (the templates put 出生日期 first, the registration date
    after it); the golden refresh takes a column from the row with the latest date first.
    Single-row resources and those feeding no library name none."""
    if r["base_library"] == "none" or len(r["key"]) < 2:
        return ""
    dates = [f["source_name"] for f in r["fields"]
             if f["rule"] == "date" and f["required"] == "Y" and f["key"] == "N"]
    return dates[-1] if dates else ""


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample")
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(os.path.join(outdir, "lists"))

    providers, resources = [], []
    used_orgs = set()
    for pno, (slug, name, short, text) in enumerate(PROVIDERS, start=1):
        while True:
            org8 = "".join(rng.choice("0123456789") for _ in range(8))
            if org8 not in used_orgs:
                used_orgs.add(org8)
                break
        code = uscc("11", "420106", org8)
        providers.append(dict(code=code, name=name, short_name=short, slug=slug, responsible=person_name(),
                              no=pno))
        for line in text.strip().splitlines():
            r = parse_resource(line)
            r["provider"] = providers[-1]
            resources.append(r)

    # ---- codes (分类码/顺序码) and classification names
    seq_by_class = Counter()
    for r in resources:
        p = r["provider"]
        cls = r["cls"].split(":")
        lib = "none"
        if cls[0] == "J":
            item = cls[1]
            lib = cls[2] if len(cls) > 2 else "none"
            r["class"], r["category"], r["subcategory"] = "基础", item, p["short_name"]
            classcode = "1" + BASE_ITEMS[item] + "%03d" % p["no"]
        elif cls[0] == "Z":
            r["class"], r["category"], r["subcategory"] = "主题", cls[1], p["short_name"]
            classcode = "2" + THEMES[cls[1]] + "%03d" % p["no"]
        else:
            fcode, fname = FUNCTION_OF_KIND[r["kind"]]
            r["class"], r["category"], r["subcategory"] = "部门", p["short_name"], fname
            classcode = "3" + "%02d" % p["no"] + fcode
        seq_by_class[classcode] += 1
        r["code"] = "%s/%06d" % (classcode, seq_by_class[classcode])
        r["base_library"] = lib
        if p["slug"] in STREET_PROVIDERS:
            r["name"] = p["short_name"] + r["name"]

    # ---- fields, record key, base mappings
    for r in resources:
        r["fields"], r["key"] = build_fields(r)
        n = len(r["fields"])
        assert 5 <= n <= 40, (r["provider"]["slug"], r["tag"], n)
        assert r["key"], r["tag"]
        r["recency"] = recency_field(r)
        if r["base_library"] == "none":
            continue
        mp = PERSON_MAP if r["base_library"] == "person" else ENTITY_MAP
        excl = MAP_EXCLUDE.get((r["provider"]["slug"], r["tag"]), set())
        for f in r["fields"]:
            col = mp.get(f["source_name"])
            if col and f["source_name"] not in excl:
                f["base_column"] = col
        keycol = "gmsfhm" if r["base_library"] == "person" else "tyshxydm"
        assert any(f["base_column"] == keycol for f in r["fields"]), r["tag"]

    # ---- priorities: one authority order per base column
    def rid(r):
        p = r["provider"]["slug"]
        return "jd.%s" % r["tag"] if p in STREET_PROVIDERS else "%s.%s" % (p, r["tag"])

    base_cols = {(b[0], b[1]): b for b in BASE_COLUMNS}
    for lib, order, col_order in (("person", PERSON_ORDER, PERSON_COLUMN_ORDER),
                                  ("legal_entity", ENTITY_ORDER, ENTITY_COLUMN_ORDER)):
        holders = {}
        for r in resources:
            if r["base_library"] != lib:
                continue
            for f in r["fields"]:
                if f["base_column"]:
                    holders.setdefault(f["base_column"], []).append((r, f))
        for col, lst in holders.items():
            if base_cols[(lib, col)][5] == "Y":
                continue  # the key column joins records; it has no priority
            pref = col_order.get(col, []) + order

            def rank(rf):
                i = rid(rf[0])
                return (pref.index(i) if i in pref else len(pref), rf[0]["code"])
            for prio, (r, f) in enumerate(sorted(lst, key=rank), start=1):
                f["priority"] = str(prio)
                bc = base_cols[(lib, col)]
                assert f["rule"] == bc[3], (r["tag"], f["source_name"], col)
                # money's column type follows scale=: a source must not be rounded into its golden column
                assert f["rule"] != "money" or f["rule_args"] == bc[4], (r["tag"], f["source_name"], col)
        for b in BASE_COLUMNS:
            if b[0] == lib:
                assert b[1] in holders, (lib, b[1])

    # ---- remaining metadata
    for r in resources:
        p, kind = r["provider"], r["kind"]
        r["share_type"] = r.pop("share")
        short = p["short_name"]
        if r["share_type"] == "有条件共享":
            r["share_condition"] = SHARE_CONDITION[kind].format(short=short)
        elif r["share_type"] == "不予共享":
            key = "jd" if p["slug"] in STREET_PROVIDERS else p["slug"]
            r["share_condition"] = NEGATIVE_BASIS[key]
        else:
            r["share_condition"] = ""
        r["share_method"] = "" if r["share_type"] == "不予共享" else SHARE_METHOD[kind]
        if r["open"] == "是":
            r["open_condition"] = "无条件开放，通过武汉市公共数据开放平台发布"
        else:
            r["open_condition"] = ""
        cyc = r["cycle"]
        r["update_cycle"] = CYCLE_ALIASES.get(cyc, cyc)
        r["format"], r["format_detail"] = FORMAT[kind]
        y = rng.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026])
        m = rng.randint(1, 10 if y == 2026 else 12)
        r["published"] = "%04d-%02d-%02d" % (y, m, rng.randint(1, 28))
        name_core = r["name"][:-2] if r["name"].endswith("信息") else r["name"]
        fl = "、".join(f["name"] for f in r["fields"][:4])
        r["summary"] = SUMMARY[kind].format(name_core=name_core, short=short, fields=fl)
        r["topic"] = "dept.%s.%s" % (p["slug"], r["tag"])
        r["file_pattern"] = "%s_%s_*.%s" % (p["slug"], r["tag"], "jsonl*" if kind == "SJ" else "csv*")
        r["encoding"] = "UTF-8"
        r["responsible"] = person_name()
    # some departments still export from old systems in GBK / GB18030
    for r in resources:
        if r["provider"]["slug"] in ("gaj", "swj", "fy") and r["kind"] in ("P", "E", "CF"):
            r["encoding"] = "GBK"
        if r["provider"]["slug"] in ("bdc", "gjj"):
            r["encoding"] = "GB18030"

    # ---- related resources: same provider's resources of the same library, and
    # every base-library resource points at the authoritative 户籍 / 企业登记.
    by_id = {rid(r): r for r in resources if r["provider"]["slug"] not in STREET_PROVIDERS}
    for r in resources:
        rel = []
        if r["base_library"] == "person" and rid(r) != "gaj.hjrk":
            rel.append(by_id["gaj.hjrk"]["code"])
        if r["base_library"] == "legal_entity" and rid(r) != "scjgj.qydj":
            rel.append(by_id["scjgj.qydj"]["code"])
        r["related"] = ",".join(rel)
    pairs = [("gaj.csdj", "wjj.cszm"), ("gaj.swzx", "wjj.swzm"), ("gaj.swzx", "mzj.ythh"),
             ("mzj.dbdx", "mzj.dbby"), ("rsj.sbcb", "ybj.ybcb"), ("scjgj.qybg", "scjgj.qydj"),
             ("scjgj.qyzx", "scjgj.qydj"), ("cl.cjrz", "mzj.ljbt"), ("bdc.bdcdj", "bdc.bdczs"),
             ("gjj.gjjjc", "gjj.gjjdk")]
    for a, b in pairs:
        ra, rb = by_id[a], by_id[b]
        for x, y in ((ra, rb), (rb, ra)):
            rel = [c for c in x["related"].split(",") if c]
            if y["code"] not in rel:
                rel.append(y["code"])
            x["related"] = ",".join(rel)

    write_all(outdir, providers, resources, rid, by_id)


def wcsv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)


RES_COLS = ["code", "name", "class", "category", "subcategory", "detail", "summary", "format",
            "format_detail", "share_type", "share_condition", "share_method", "open", "open_condition",
            "update_cycle", "published", "related", "topic", "file_pattern", "encoding", "record_key",
            "base_library", "responsible", "recency"]
FIELD_COLS = ["resource", "seq", "name", "source_name", "data_type", "length", "required", "rule",
              "rule_args", "key", "sensitivity", "mask", "base_column", "priority"]


def write_all(outdir, providers, resources, rid, by_id):
    wcsv(os.path.join(outdir, "providers.csv"), ["code", "name", "short_name", "slug", "responsible"],
         providers)
    for p in providers:
        d = os.path.join(outdir, p["slug"])
        os.makedirs(d)
        mine = [r for r in resources if r["provider"] is p]
        rows = []
        frows = []
        for r in mine:
            row = dict(r)
            row["record_key"] = ",".join(r["key"])
            row["detail"] = ""
            rows.append(row)
            for i, f in enumerate(r["fields"], start=1):
                fr = dict(f)
                fr["resource"], fr["seq"] = r["code"], str(i)
                frows.append(fr)
        wcsv(os.path.join(d, "resources.csv"), RES_COLS, rows)
        wcsv(os.path.join(d, "fields.csv"), FIELD_COLS, frows)

    wcsv(os.path.join(outdir, "base_columns.csv"),
         ["library", "column", "data_type", "rule", "rule_args", "key", "description"], BASE_COLUMNS)
    cl_rows = []
    for lst, lname, items in CODELISTS:
        for it in items.split("|"):
            code, label = it.split(" ", 1)
            cl_rows.append([lst, lname, code, label])
    wcsv(os.path.join(outdir, "codelists.csv"), ["list", "list_name", "code", "label"], cl_rows)

    # ---- 三清单
    slug_of = {p["slug"]: p for p in providers}

    def srcs(r, names):
        have = {f["source_name"] for f in r["fields"]}
        return ",".join(n for n in names if n in have)

    # 数据需求清单: who asks whom for what, and why.
    DEMANDS = [
        ("mzj", "gaj.hjrk", "最低生活保障对象家庭成员户籍核查", "GMSFHM XM HJDZ HH YHZGX",
         "《社会救助暂行办法》", "已满足"),
        ("mzj", "rsj.sbcb", "低保家庭经济状况核对（社保参保及缴费）", "GMSFHM XM XZLX CBZT JFJS",
         "《社会救助暂行办法》", "已满足"),
        ("mzj", "gjj.gjjjc", "低保家庭经济状况核对（公积金缴存）", "GMSFHM XM GRZH YJCE ZHZT",
         "《社会救助暂行办法》", "已满足"),
        ("mzj", "bdc.bdcdj", "低保家庭经济状况核对（不动产）", "BDCDYH QLR QLRZJHM ZL JZMJ",
         "《社会救助暂行办法》", "已对接"),
        ("mzj", "scjgj.qydj", "低保家庭经济状况核对（投资办企业）", "TYSHXYDM QYMC FDDBR FDDBRZJHM",
         "《社会救助暂行办法》", "已满足"),
        ("mzj", "wjj.swzm", "高龄津贴、低保对象死亡停发", "GMSFHM XM SWRQ", "《社会救助暂行办法》", "已满足"),
        ("rsj", "gaj.swzx", "养老保险待遇领取资格认证（死亡人员停发）", "GMSFHM XM SWRQ ZXRQ",
         "《中华人民共和国社会保险法》", "已满足"),
        ("rsj", "mzj.ythh", "养老保险待遇领取资格认证（火化信息比对）", "GMSFHM XM SWRQ",
         "《中华人民共和国社会保险法》", "已满足"),
        ("rsj", "scjgj.qydj", "社会保险登记与企业登记信息同步", "TYSHXYDM QYMC FDDBR ZS CLRQ DJZT",
         "《中华人民共和国社会保险法》", "已满足"),
        ("ybj", "gaj.hjrk", "城乡居民医保参保登记身份核验", "GMSFHM XM XB CSRQ HJDZ",
         "《中华人民共和国社会保险法》", "已满足"),
        ("ybj", "mzj.dbdx", "医疗救助对象资格认定", "GMSFHM XM BZLB BZKSRQ", "《社会救助暂行办法》", "已满足"),
        ("ybj", "cl.cjrz", "重度残疾人参保资助", "GMSFHM XM CJLB CJDJ", "《社会救助暂行办法》", "已对接"),
        ("jyj", "gaj.hjrk", "义务教育入学户籍核验", "GMSFHM XM CSRQ HJDZ HH", "《中华人民共和国义务教育法》",
         "已满足"),
        ("jyj", "bdc.bdcdj", "义务教育入学房产核验", "BDCDYH QLR QLRZJHM ZL", "《中华人民共和国义务教育法》",
         "已满足"),
        ("jyj", "mzj.dbdx", "家庭经济困难学生认定", "GMSFHM XM BZLB", "学生资助相关政策", "已满足"),
        ("jyj", "wjj.cszm", "学前教育幼儿入园信息核验", "GMSFHM XM CSRQ MQXM FQXM", "《中华人民共和国学前教育法》",
         "待对接"),
        ("wjj", "gaj.hjrk", "居民健康档案身份信息校核", "GMSFHM XM XB CSRQ", "《中华人民共和国基本医疗卫生与健康促进法》",
         "已满足"),
        ("wjj", "mzj.hydj", "计划生育家庭特别扶助资格审核", "GMSFHM XM HYZK DJRQ", "计划生育相关法律法规", "已满足"),
        ("gaj", "wjj.cszm", "出生登记“一件事”联办", "GMSFHM XM CSZMBH MQGMSFHM FQGMSFHM",
         "《中华人民共和国户口登记条例》", "已满足"),
        ("gaj", "wjj.swzm", "死亡注销“一件事”联办", "GMSFHM XM SWZMBH SWRQ", "《中华人民共和国户口登记条例》",
         "已满足"),
        ("gaj", "mzj.hydj", "户籍婚姻状况变更", "GMSFHM XM HYZK DJRQ", "《中华人民共和国户口登记条例》", "已满足"),
        ("swj", "scjgj.qydj", "新办纳税人登记信息共享", "TYSHXYDM QYMC FDDBR ZS JYFW", "《中华人民共和国税收征收管理法》",
         "已满足"),
        ("swj", "scjgj.qyzx", "企业注销清税联办", "TYSHXYDM QYMC ZXRQ", "《中华人民共和国税收征收管理法》",
         "已满足"),
        ("swj", "bdc.bdcdj", "不动产交易计税", "BDCDYH QLR QLRZJHM ZL JZMJ", "《中华人民共和国契税法》", "已满足"),
        ("scjgj", "swj.nsxy", "企业信用风险分类管理", "TYSHXYDM NSXYDJ PJND", "《企业信息公示暂行条例》", "已对接"),
        ("scjgj", "fy.sxbz", "失信被执行人任职限制", "AJBH DSR ZJHM LRRQ", "《企业信息公示暂行条例》", "已满足"),
        ("fgw", "scjgj.yzwf", "信用联合奖惩", "TYSHXYDM QYMC LRYY LRRQ", "社会信用体系建设相关规定", "已满足"),
        ("fgw", "swj.zdss", "信用联合奖惩", "TYSHXYDM LRYY LRRQ", "社会信用体系建设相关规定", "已满足"),
        ("fgw", "fy.sxbz", "信用联合奖惩", "AJBH DSR ZJHM LRRQ", "社会信用体系建设相关规定", "已满足"),
        ("gjj", "gaj.hjrk", "公积金开户身份核验", "GMSFHM XM XB CSRQ", "《住房公积金管理条例》", "已满足"),
        ("gjj", "mzj.hydj", "公积金贷款婚姻状况核验", "GMSFHM XM HYZK", "《住房公积金管理条例》", "已满足"),
        ("gjj", "bdc.bdcdj", "公积金提取购房核验", "BDCDYH QLR QLRZJHM ZL", "《住房公积金管理条例》", "已满足"),
        ("fgj", "mzj.dbdx", "公共租赁住房保障资格审核", "GMSFHM XM BZLB", "公共租赁住房管理相关规定", "已满足"),
        ("fgj", "gjj.gjjjc", "公共租赁住房保障资格审核（收入核验）", "GMSFHM XM YJCE", "公共租赁住房管理相关规定",
         "待对接"),
        ("tyjrj", "gaj.hjrk", "退役军人信息采集核验", "GMSFHM XM XB CSRQ HJDZ", "《中华人民共和国退役军人保障法》",
         "已满足"),
        ("tyjrj", "rsj.sbcb", "退役军人社会保险接续", "GMSFHM XM XZLX CBZT", "《中华人民共和国退役军人保障法》",
         "已对接"),
        ("cl", "gaj.hjrk", "残疾人证办理身份核验", "GMSFHM XM XB CSRQ HJDZ", "《中华人民共和国残疾人保障法》",
         "已满足"),
        ("cl", "mzj.dbdx", "困难残疾人生活补贴资格审核", "GMSFHM XM BZLB", "《中华人民共和国残疾人保障法》", "已满足"),
        ("sfj", "gaj.hjrk", "法律援助经济困难核查", "GMSFHM XM HJDZ", "《中华人民共和国法律援助法》", "已满足"),
        ("cgj", "scjgj.gtgsh", "占道经营执法对象核查", "TYSHXYDM ZTMC JYZ JYCS", "城市管理执法相关规定", "已满足"),
        ("yjj", "scjgj.qydj", "安全生产监管对象底数", "TYSHXYDM QYMC FDDBR ZS HYML", "《中华人民共和国安全生产法》",
         "已满足"),
        ("sthjj", "scjgj.qydj", "排污单位监管对象底数", "TYSHXYDM QYMC ZS HYML", "《中华人民共和国环境保护法》",
         "已满足"),
        ("tjj", "scjgj.qydj", "统计名录库更新", "TYSHXYDM QYMC ZS HYML CLRQ DJZT", "《中华人民共和国统计法》",
         "已满足"),
        ("tjj", "bb.sydw", "统计名录库更新（事业单位）", "TYSHXYDM DWMC ZS CLRQ", "《中华人民共和国统计法》", "已满足"),
        ("tjj", "mzj.shzz", "统计名录库更新（社会组织）", "TYSHXYDM DWMC ZS CLRQ", "《中华人民共和国统计法》", "已满足"),
        ("kjj", "swj.nsrdj", "高新技术企业认定核查", "TYSHXYDM NSRMC NSRZT", "高新技术企业认定管理办法", "已对接"),
        ("shwj", "scjgj.qydj", "外商投资企业信息报告核对", "TYSHXYDM QYMC QYLX ZCZB", "《中华人民共和国外商投资法》",
         "已满足"),
        ("czj", "scjgj.qydj", "政府采购供应商资格审查", "TYSHXYDM QYMC DJZT", "《中华人民共和国政府采购法》", "已满足"),
        ("czj", "fy.sxbz", "政府采购供应商失信审查", "AJBH DSR ZJHM", "《中华人民共和国政府采购法》", "已满足"),
        ("xfj", "gaj.hjrk", "信访人身份核验", "GMSFHM XM HJDZ", "《信访工作条例》", "已满足"),
    ]
    for i, (slug, slug2) in enumerate(zip(STREET_SLUGS, STREET_SLUGS[1:] + STREET_SLUGS[:1])):
        s = slug + "jd"
        DEMANDS.append((s, "gaj.hjrk", "网格化管理实有人口底数核对", "GMSFHM XM XB CSRQ HJDZ",
                        "《武汉市公共数据资源管理办法》", "已满足" if i % 3 else "已对接"))
        DEMANDS.append((s, "mzj.dbdx", "社区救助对象动态管理", "GMSFHM XM BZLB BZJE",
                        "《社会救助暂行办法》", "已满足" if i % 2 else "待对接"))
    dem_rows = []
    for i, (slug, res_id, scen, flds, basis, status) in enumerate(DEMANDS, start=1):
        r = by_id[res_id]
        dem_rows.append(dict(id="XQ2026%03d" % i, demand_dept=slug, scenario=scen, resource=r["code"],
                             fields=srcs(r, flds.split()), share_method=r["share_method"] or "接口服务",
                             update_cycle=r["update_cycle"], basis=basis,
                             deadline="2026-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
                             status=status))
    wcsv(os.path.join(outdir, "lists", "demand.csv"),
         ["id", "demand_dept", "scenario", "resource", "fields", "share_method", "update_cycle", "basis",
          "deadline", "status"], dem_rows)

    # 数据责任清单: one row per resource.
    COLLECT = {"实时": "产生后即时归集", "每日": "T+1日内归集", "每周": "次周一前归集", "每月": "次月5日前归集",
               "每季度": "次季度首月10日前归集", "半年": "次半年首月15日前归集", "每年": "次年1月31日前归集"}
    resp_rows = []
    for i, r in enumerate(resources, start=1):
        prio1 = [f["source_name"] for f in r["fields"] if f["priority"] == "1"]
        source_matter = {"P": "业务办理", "E": "登记管理", "EQ": "登记管理", "XK": "行政许可", "CF": "行政处罚",
                         "SX": "政务服务办件", "AJ": "案件办理", "SJ": "监督管理", "O": "日常管理",
                         "S": "统计调查"}[r["kind"]]
        resp_rows.append(dict(id="ZR2026%04d" % i, dept=r["provider"]["slug"], resource=r["code"],
                              fields=",".join(prio1), source_matter=source_matter,
                              authoritative="是" if prio1 else "否", update_cycle=r["update_cycle"],
                              quality_owner=r["responsible"], share_type=r["share_type"],
                              collect_deadline=COLLECT[r["update_cycle"]]))
    wcsv(os.path.join(outdir, "lists", "responsibility.csv"),
         ["id", "dept", "resource", "fields", "source_matter", "authoritative", "update_cycle",
          "quality_owner", "share_type", "collect_deadline"], resp_rows)

    # 数据负面清单: every 不予共享 resource, plus field-level 不予开放 of sensitive items.
    neg_rows = []
    n = 0
    for r in resources:
        if r["share_type"] == "不予共享":
            n += 1
            neg_rows.append(dict(id="FM2026%03d" % n, dept=r["provider"]["slug"], resource=r["code"],
                                 fields="", restriction="不予共享", basis=r["share_condition"],
                                 review="经区数据主管部门审核，同意列入负面清单", valid_until="2027-12-31"))
    for res_id, flds, basis in [
            ("gaj.hjrk", "XX SG", "《中华人民共和国个人信息保护法》第二十八条"),
            ("wjj.swzm", "SWYY", "《中华人民共和国个人信息保护法》第二十八条（医疗健康信息）"),
            ("wjj.cszm", "CSYZ CSTZ", "《中华人民共和国个人信息保护法》第二十八条（医疗健康信息）"),
            ("cl.cjrz", "CJLB CJDJ", "《中华人民共和国个人信息保护法》第二十八条（特定身份）"),
            ("rsj.sbcb", "JFJS", "《中华人民共和国个人信息保护法》第二十八条（金融账户）"),
            ("gjj.gjjjc", "GRZH JCJS YJCE", "《中华人民共和国个人信息保护法》第二十八条（金融账户）"),
            ("mzj.dbdx", "JKZK", "《中华人民共和国个人信息保护法》第二十八条（医疗健康信息）"),
            ("swj.nsrdj", "NSRZT", "《中华人民共和国税收征收管理法》关于为纳税人保密的规定")]:
        r = by_id[res_id]
        n += 1
        neg_rows.append(dict(id="FM2026%03d" % n, dept=r["provider"]["slug"], resource=r["code"],
                             fields=srcs(r, flds.split()), restriction="不予开放", basis=basis,
                             review="敏感个人信息，仅限共享，不向社会开放", valid_until="2027-12-31"))
    wcsv(os.path.join(outdir, "lists", "negative.csv"),
         ["id", "dept", "resource", "fields", "restriction", "basis", "review", "valid_until"], neg_rows)

    # ---- summary (asserted by tests/catalog/test_catalog.c)
    nfields = sum(len(r["fields"]) for r in resources)
    print("providers %d" % len(providers))
    print("resources %d" % len(resources))
    print("fields %d" % nfields)
    for label, key in (("share", "share_type"), ("cycle", "update_cycle"), ("library", "base_library")):
        c = Counter(r[key] for r in resources)
        print(label, " ".join("%s=%d" % kv for kv in sorted(c.items())))
    print("lists demand=%d responsibility=%d negative=%d" % (len(dem_rows), len(resp_rows), len(neg_rows)))
    print("base_columns %d codelists %d codes %d" % (len(BASE_COLUMNS), len(CODELISTS), len(cl_rows)))


if __name__ == "__main__":
    main()
