"""Deterministic generator of the sample year 2015 (示例数据): what the district's units send in.

`write_sample()` writes one .xlsx workbook per budget unit (one sheet per project, each sheet a MoF
annex-1 项目支出绩效自评表) plus the bureau's registry `自评项目清单.xlsx`. The figures of DOMAIN.md §1
hold exactly: 121 units, 793 projects in twelve domains, Σ 全年预算数 99,500.00 万元, Σ 全年执行数
83,200.00 万元, 全年项目支出 203,061.22 万元 (49%). The forms carry the quirks of real forms
(DOMAIN.md §2); `planted_quirks()` names example sheets for each.

Everything comes from one `random.Random(seed)`; money is planned in integer hundredths of 万元;
workbooks are written with fixed document properties and repacked with fixed zip entry dates, order
and compression, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import math
import random
import re
import zipfile
from collections.abc import Callable, Hashable
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from sampledata.paths import SAMPLE_DIR, SAMPLE_YEAR

SAMPLE_SEED = 20150915

REGISTRY_FILE = "自评项目清单.xlsx"
REGISTRY_SHEET = "自评项目清单"
YEAR_SHEET = "年度信息"
REGISTRY_HEADER = ("序号", "单位编码", "单位名称", "单位类型", "主管部门", "项目名称", "所属领域")
EXPENDITURE_LABEL = "全年项目支出（万元）"

UNIT_COUNT = 121
PROJECT_COUNT = 793
TOTAL_BUDGET_CW = 9_950_000  # Σ 全年预算数, hundredths of 万元 (99,500.00 万元)
TOTAL_SPENT_CW = 8_320_000  # Σ 全年执行数, hundredths of 万元 (83,200.00 万元)
NOTE_LABEL = "数据说明"
SAMPLE_NOTE = "示例数据：模拟的 2015 年度自评表，并非真实单位填报"
YEAR_EXPENDITURE_WAN = Decimal("203061.22")  # 全年项目支出, 万元 (99,500 / 203,061.22 = 49%)

DOMAINS = ("水利", "农林", "土地", "纪检", "城建", "市容环卫", "社保", "文化", "教育", "卫生", "服务业", "社区建设")
UNIT_TYPES = ("区直部门", "镇", "街道办事处", "学校")
GRADE_PLAN = (("优", 485), ("良", 180), ("中", 80), ("差", 24), ("未完成", 24))  # projects per planned grade

BUDGET_WEIGHT = 10  # points of the 年度资金总额 row
LEVEL_WEIGHTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}  # points per 一级指标
OVER_RATIO = Decimal("1.3")  # actual / target from which a deviation reason is expected
MAX_SHEET_TITLE = 31  # characters Excel allows in a sheet title

ZIP_DATE_TIME = (2015, 9, 15, 0, 0, 0)  # every zip entry's timestamp
DOC_TIME = datetime(2015, 9, 15, 0, 0, 0)  # workbook created / modified
DOC_CREATOR = "示例数据生成器"
ZIP_LEVEL = 6  # deflate level of the repacked workbooks

# Words a form uses for qualitative outcomes, by band (DOMAIN.md §3).
QUAL_ACHIEVED = ("达成预期指标", "完成", "效果明显", "达成年度指标", "已完成", "明显改善")
QUAL_PARTIAL = ("基本完成", "部分达成")
QUAL_MISSED = ("未达成", "未完成", "效果不明显")
BANDS = {"达成": (Decimal("0.8"), Decimal(1)), "部分达成": (Decimal("0.6"), Decimal("0.8")), "未达成": (Decimal(0), Decimal("0.6"))}

QUIRK_KEYS = (
    "glued_units", "percent_word", "qualitative", "template_labels", "placeholder_rows", "zero_total_row",
    "incomplete", "integer_scores", "text_thousands", "fullwidth_digits", "wan_suffix", "yuan_amounts",
    "inflated_self_score", "overachieved_no_reason", "overachieved_with_reason", "weights_not_100",
    "layout_shifted", "layout_province", "layout_mof_no_unit_row",
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
_FORBIDDEN_TITLE = re.compile(r"[\[\]:*?/\\]")

# ---------------------------------------------------------------------------------------------
# Units and project names
# ---------------------------------------------------------------------------------------------

Sub = tuple[str, tuple[str, ...], str]  # name, domains, size class
# (department code, name, domains, size class, sub-units); size classes: L, M, S (see _COUNT_RANGE)
_BUREAUS: tuple[tuple[int, str, tuple[str, ...], str, tuple[Sub, ...]], ...] = (
    (201, "区纪委", ("纪检",), "M", (("区委巡察办", ("纪检",), "S"),)),
    (202, "区委组织部", ("社区建设",), "M", (("区委党校", ("文化",), "S"),)),
    (203, "区委宣传部", ("文化",), "S", (("区新闻中心", ("文化",), "S"),)),
    (204, "区委政法委", ("社区建设",), "S", (("区综治中心", ("社区建设",), "S"),)),
    (205, "区政府办公室", ("服务业",), "S", (("区金融办", ("服务业",), "S"),)),
    (206, "区发改委", ("城建", "服务业"), "M", ()),
    (207, "区财政局", ("社保", "服务业"), "M", (("区国库集中支付中心", ("服务业",), "S"), ("区农村财务管理中心", ("农林",), "S"))),
    (208, "区公安分局", ("社区建设",), "L", (("区公安交警大队", ("城建",), "S"), ("区巡特警大队", ("社区建设",), "S"))),
    (209, "区民政局", ("社保", "社区建设"), "L",
     (("区社会福利院", ("社保",), "S"), ("区救助管理站", ("社保",), "S"), ("区殡葬管理所", ("社保",), "S"))),
    (210, "区司法局", ("社区建设",), "M", (("区法律援助中心", ("社区建设",), "S"),)),
    (211, "区人社局", ("社保",), "L",
     (("区社会保险中心", ("社保",), "S"), ("区就业服务中心", ("社保",), "S"), ("区劳动监察大队", ("社保",), "S"))),
    (212, "区国土资源局", ("土地",), "L", (("区土地储备中心", ("土地",), "S"), ("区国土资源执法监察大队", ("土地",), "S"))),
    (213, "区住建局", ("城建",), "L", (("区市政工程管理处", ("城建",), "S"), ("区房产管理中心", ("城建",), "S"))),
    (214, "区市容环卫局", ("市容环卫",), "L",
     (("区环卫处", ("市容环卫",), "M"), ("区园林绿化管理处", ("市容环卫",), "S"), ("区城管执法大队", ("市容环卫",), "S"))),
    (215, "区交通局", ("城建",), "M", (("区农村公路管理所", ("城建",), "S"),)),
    (216, "区水利局", ("水利",), "L", (("区水利工程管理站", ("水利",), "S"), ("区农村饮水安全管理站", ("水利",), "S"))),
    (217, "区农林局", ("农林",), "L",
     (("区林业站", ("农林",), "S"), ("区农业技术推广中心", ("农林",), "S"), ("区动物卫生监督所", ("农林",), "S"))),
    (218, "区教育局", ("教育",), "L", (("区教研室", ("教育",), "S"), ("区学生资助管理中心", ("教育",), "S"))),
    (220, "区文体局", ("文化",), "M", (("区文化馆", ("文化",), "S"), ("区图书馆", ("文化",), "S"))),
    (221, "区卫生局", ("卫生",), "L",
     (("区疾病预防控制中心", ("卫生",), "M"), ("区妇幼保健院", ("卫生",), "S"), ("区人民医院", ("卫生",), "M"),
      ("区卫生监督所", ("卫生",), "S"))),
    (222, "区计生委", ("卫生",), "M", (("区计划生育服务站", ("卫生",), "S"),)),
    (223, "区商务局", ("服务业",), "M", (("区招商服务中心", ("服务业",), "S"),)),
    (224, "区旅游局", ("服务业",), "M", (("区旅游服务中心", ("服务业",), "S"),)),
    (225, "区审计局", ("纪检",), "S", ()),
    (226, "区信访局", ("社区建设",), "M", ()),
    (227, "区安监局", ("城建",), "M", ()),
    (228, "区残联", ("社保",), "M", ()),
    (229, "区环保局", ("市容环卫",), "M", (("区环境监测站", ("市容环卫",), "S"),)),
    (230, "区统计局", ("服务业",), "S", ()),
    (231, "区科技局", ("服务业",), "S", ()),
    (232, "区工信局", ("服务业",), "S", ()),
    (233, "区食药监局", ("卫生",), "S", ()),
    (234, "区老龄办", ("社保",), "S", ()),
    (235, "区妇联", ("社保",), "S", ()),
    (236, "团区委", ("社区建设",), "S", ()),
    (237, "区总工会", ("社保",), "S", ()),
    (238, "区城乡规划局", ("城建",), "S", ()),
    (239, "区扶贫办", ("农林",), "S", ()),
    (240, "区粮食局", ("农林",), "S", ()),
)
_SCHOOL_DEPT = 219  # department code of the schools (主管部门 区教育局)
_SCHOOLS = (
    "龙康小学", "龙丰小学", "龙泰小学", "龙祥小学", "龙和小学", "龙兴小学", "开元小学", "关林小学", "太康路小学",
    "学府小学", "安丰镇中心小学", "白鹤镇中心小学", "李营镇中心小学", "区实验小学", "区第一初级中学", "区第二初级中学",
    "区第三初级中学", "区实验中学", "安丰镇初级中学", "庞庄镇初级中学", "区第一高级中学", "区职业高级中学", "区特殊教育学校",
)
_TOWNS = ("龙康", "安丰", "白鹤", "李营", "庞庄", "辛集", "丰李", "寇寨", "古城", "龙泉", "石桥", "柳林")
_STREETS = ("开元路", "龙门", "关林", "太康路", "科技园", "学府")
_SURNAMES = "张王李刘陈杨赵黄周吴徐孙马朱胡郭何高林郑梁宋谢韩唐冯董程曹袁邓许傅沈曾彭吕"
_VILLAGE_SUFFIXES = "庄营寨沟屯湾岭坡店窑楼桥"
_COMMUNITIES = ("翠云", "龙泰", "长兴", "景华", "古城", "安居", "锦绣", "和谐", "东方", "牡丹", "嘉园", "华林", "玉泉", "滨河")
_ROADS = ("开元大道", "龙门大道", "太康路", "学府街", "翠云路", "长兴街", "通衢路", "厚载门街", "英才路", "宜人路")
_COUNT_RANGE = {"L": (12, 20), "M": (5, 10), "S": (2, 5), "town": (12, 18), "street": (7, 11), "school": (2, 4)}

# Projects that must exist (DOMAIN.md §1 seed examples): unit → ((name, domain, fixed 全年预算数 万元 or None), …)
_PINNED: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "区市容环卫局": (("道路清扫费", "市容环卫", "1260"), ("城市管理", "市容环卫", None)),
    "龙康小学": (("龙康小学二期教学楼建设", "教育", "1850"),),
    "龙丰小学": (("龙丰小学运动场建设", "教育", "386.5"),),
    "区人社局": (("失地农民基本生活保障", "社保", "3180"),),
    "区水利局": (("安全饮水工程", "水利", "1456.8"),),
    "区文体局": (("农村文化建设", "文化", None),),
    "区计生委": (("计划生育家庭奖励", "卫生", None),),
    "区旅游局": (("旅游公厕建设", "服务业", None),),
    "区公安分局": (("巡防队建设经费", "社区建设", None),),
    "区金融办": (("打击非法集资专项经费", "服务业", None),),
    "区教育局": (("免费教科书", "教育", None),),
    "区交通局": (("城乡道路修建", "城建", "4620"),),
    "区信访局": (("信访维稳", "社区建设", None),),
    "区委组织部": (("六好村建设", "社区建设", None),),
    "区司法局": (("社区矫正", "社区建设", None),),
    "区残联": (("残疾人事业", "社保", None),),
    "区民政局": (("养老机构", "社保", None), ("民政优抚", "社保", None)),
    "区卫生局": (("医疗卫生建设", "卫生", "2150"), ("城乡医疗补贴", "卫生", None)),
    "区农林局": (("花卉林木基地投入", "农林", None),),
    "区安监局": (("安全生产", "城建", None),),
}
KEY_UNIT, KEY_PROJECT = "区市容环卫局", "道路清扫费"  # the later 重点评价 project: kept free of form quirks
WHOLE_DEPARTMENTS = ("区卫生局", "区计生委", "区民政局", "区水利局", "区教育局")  # later 部门整体评价

# Bureau project names per domain; {p} is a place (road or village).
_BUREAU_POOL: dict[str, tuple[str, ...]] = {
    "水利": ("农村安全饮水巩固提升工程", "小型农田水利建设", "河道综合治理", "防汛抗旱经费", "水土保持治理", "水库除险加固",
           "灌区节水改造", "机电井建设", "水资源管理", "河道清淤", "抗旱应急水源工程", "农村饮水水质检测", "水利工程运行维护",
           "山洪灾害防治", "大型农田水利建设", "渠道衬砌工程", "水利设施管护", "防汛物资储备", "{p}段堤防加固"),
    "农林": ("植树造林工程", "森林防火经费", "林业有害生物防治", "农业技术推广", "动物防疫经费", "农作物病虫害防治", "农机购置补贴",
           "现代农业示范园建设", "苗木花卉产业扶持", "生态廊道绿化", "退耕还林补助", "农产品质量安全检测", "畜禽养殖污染治理",
           "测土配方施肥", "设施农业大棚建设", "农民专业合作社扶持", "重大动物疫病防控", "{p}林果基地建设", "粮食仓储设施维修"),
    "土地": ("土地整理项目", "土地储备经费", "基本农田保护", "征地补偿工作经费", "地质灾害防治", "国土执法监察", "土地利用规划修编",
           "农村宅基地确权登记", "土地复垦项目", "不动产登记经费", "矿山环境治理", "耕地占补平衡", "土地调查成果更新",
           "土地征收拆迁安置", "国土资源信息化建设", "{p}土地整理"),
    "纪检": ("廉政教育基地建设", "纪检监察办案经费", "党风廉政建设宣传", "巡察工作经费", "廉政文化进社区", "信访举报平台建设",
           "纪检干部培训", "作风建设专项督查", "基层纪检规范化建设", "警示教育片制作", "审计专项经费", "政府投资项目审计"),
    "城建": ("市政道路维修", "背街小巷改造", "桥梁维修加固", "路灯照明工程", "城市排水管网改造", "棚户区改造", "老旧小区改造",
           "城市规划编制", "公共停车场建设", "建筑市场监管", "村村通道路养护", "城中村改造", "燃气管网改造", "安全生产监督检查",
           "安全生产应急救援", "道路交通安全设施", "人行道改造", "城市绿化提升", "{p}道路拓宽工程", "{p}改造工程"),
    "市容环卫": ("垃圾清运费", "环卫设施维护", "城市公厕改造", "环卫车辆购置", "垃圾中转站建设", "市容秩序整治", "户外广告整治",
             "环卫工人意外保险", "垃圾填埋场运行", "农村垃圾治理", "道路机械化清扫", "环卫基地建设", "渣土车辆管理", "城市亮化维护",
             "数字化城管平台运行", "园林绿化养护", "大气污染防治", "环境监测能力建设", "{p}绿化提升"),
    "社保": ("城乡低保", "五保供养", "临时救助", "高龄津贴", "就业再就业专项", "公益性岗位补贴", "城乡居民养老保险补助",
           "优抚对象医疗补助", "退役士兵安置", "困难群众救助", "残疾人康复", "残疾人两项补贴", "孤儿基本生活费", "农村敬老院建设",
           "社会救助信息化", "殡葬改革补助", "职业技能培训", "劳动保障监察", "老年人活动中心建设", "困难职工帮扶", "妇女儿童维权"),
    "文化": ("农家书屋", "文化惠民演出", "公共文化服务体系建设", "全民健身工程", "文物保护经费", "非物质文化遗产保护",
           "图书馆免费开放", "文化馆免费开放", "群众文化活动", "体育赛事经费", "村级文化广场建设", "广播电视村村通", "农村电影放映",
           "文化市场监管", "核心价值观宣传", "干部教育培训", "档案数字化"),
    "教育": ("营养改善计划", "寄宿生生活补助", "教师培训", "学前教育资助", "义务教育公用经费", "薄弱学校改造", "校园安全设施建设",
           "教育信息化建设", "中小学标准化建设", "普通高中助学金", "特殊教育补助", "校车运行补助", "教学设备购置", "中小学图书购置",
           "校舍维修改造", "农村教师周转宿舍建设", "学校食堂改造", "教育督导评估", "中小学校舍安全工程", "幼儿园建设", "教研活动经费"),
    "卫生": ("基本公共卫生服务", "新农合补助", "乡镇卫生院建设", "村卫生室标准化建设", "疾病预防控制", "免疫规划", "妇幼保健",
           "重大公共卫生服务", "卫生应急物资储备", "食品安全监测", "卫生监督执法", "计划生育特别扶助", "流动人口计划生育服务",
           "独生子女父母奖励", "出生缺陷干预", "免费孕前优生健康检查", "健康教育", "医疗设备购置", "传染病防治", "急救体系建设",
           "药品安全监管"),
    "服务业": ("旅游宣传推介", "电子商务发展", "服务业发展专项", "招商引资", "商贸流通体系建设", "旅游景区提升", "农贸市场改造",
            "家政服务体系建设", "中小企业服务", "金融风险防控", "现代物流扶持", "乡村旅游扶持", "节会活动经费", "旅游标识系统建设",
            "商务诚信体系建设", "统计调查经费", "科技创新扶持", "工业企业技术改造", "国库集中支付系统运维", "政务服务中心运行"),
    "社区建设": ("社区服务中心建设", "网格化管理", "综治中心建设", "技防监控建设", "平安建设", "人民调解", "法律援助",
             "村级活动场所建设", "社区居家养老服务", "美丽乡村建设", "农村环境整治", "污水治理", "基层党建", "流动人口服务管理",
             "禁毒宣传", "打击两抢一盗专项办案", "青少年服务", "志愿服务", "{p}治安卡口建设"),
}
# Town projects: (template, domain); {v} is one of the town's villages, {t} the town's short name.
_TOWN_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("{v}安全饮水工程", "水利"), ("{v}小型农田水利建设", "水利"), ("{v}机井建设", "水利"), ("{v}渠道维修", "水利"),
    ("抗旱应急水源工程", "水利"), ("河道清淤整治", "水利"),
    ("花卉林木基地投入", "农林"), ("{v}林果基地建设", "农林"), ("植树造林", "农林"), ("森林防火", "农林"),
    ("{v}设施农业大棚", "农林"), ("农业技术推广", "农林"),
    ("土地整理项目", "土地"), ("{v}土地复垦", "土地"), ("农村宅基地确权登记", "土地"),
    ("城乡道路修建", "城建"), ("{v}道路硬化", "城建"), ("{t}镇区道路改造", "城建"), ("{v}桥梁维修", "城建"),
    ("安全生产", "城建"), ("路灯亮化工程", "城建"),
    ("镇区环境卫生整治", "市容环卫"), ("农村垃圾治理", "市容环卫"), ("{v}垃圾收集点建设", "市容环卫"), ("镇区公厕改造", "市容环卫"),
    ("失地农民基本生活保障", "社保"), ("农村敬老院运行", "社保"), ("五保供养", "社保"), ("民政优抚", "社保"),
    ("养老机构", "社保"), ("残疾人事业", "社保"), ("城乡低保", "社保"),
    ("农村文化建设", "文化"), ("{v}文化广场建设", "文化"), ("农家书屋", "文化"), ("送戏下乡", "文化"),
    ("计划生育家庭奖励", "卫生"), ("{v}卫生室建设", "卫生"), ("医疗卫生建设", "卫生"), ("城乡医疗补贴", "卫生"),
    ("{v}六好村建设", "社区建设"), ("六好村建设", "社区建设"), ("信访维稳", "社区建设"), ("社区矫正", "社区建设"),
    ("{v}美丽乡村建设", "社区建设"), ("农村环境整治", "社区建设"), ("{v}污水治理", "社区建设"), ("村级组织运转经费", "社区建设"),
    ("巡防队建设经费", "社区建设"), ("综治中心建设", "社区建设"), ("{v}村室建设", "社区建设"),
    ("乡村旅游扶持", "服务业"),
)
_STREET_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("{c}社区服务中心建设", "社区建设"), ("{c}社区网格化管理", "社区建设"), ("社区矫正", "社区建设"), ("信访维稳", "社区建设"),
    ("巡防队建设经费", "社区建设"), ("平安建设", "社区建设"), ("流动人口服务管理", "社区建设"), ("{c}社区办公用房改造", "社区建设"),
    ("背街小巷环境整治", "市容环卫"), ("辖区环境卫生保洁", "市容环卫"), ("城市管理", "市容环卫"), ("{c}社区垃圾分类试点", "市容环卫"),
    ("辖区道路维修", "城建"), ("老旧小区改造", "城建"), ("安全生产", "城建"),
    ("城乡低保", "社保"), ("民政优抚", "社保"), ("残疾人事业", "社保"), ("养老机构", "社保"), ("{c}社区居家养老服务", "社保"),
    ("就业再就业专项", "社保"),
    ("社区文化活动", "文化"), ("{c}社区文化活动室建设", "文化"), ("全民健身工程", "文化"),
    ("计划生育家庭奖励", "卫生"), ("社区卫生服务站建设", "卫生"), ("城乡医疗补贴", "卫生"),
)
_SCHOOL_TEMPLATES: tuple[str, ...] = (
    "{s}校舍维修改造", "{s}教学仪器购置", "{s}运动场建设", "{s}食堂改造", "{s}图书购置", "{s}班班通建设", "{s}厕所改造",
    "{s}围墙改造", "{s}安防监控建设", "{s}教师培训", "营养改善计划", "寄宿生生活补助", "义务教育公用经费", "免费教科书",
)

# ---------------------------------------------------------------------------------------------
# Indicators: (name, kind, unit or qualitative target word, lo, hi) per domain and 二级指标
# kinds: count (≥/= a count), pct (≥/= a percentage), le (≤ a number), le_budget (≤ the budget, 万元), qual
# ---------------------------------------------------------------------------------------------

Spec = tuple[str, str, str, int, int]
_Q = "数量指标", "质量指标", "时效指标", "成本指标"
_B = "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"
_SAT = "服务对象满意度指标"

_PROFILES: dict[str, dict[str, tuple[Spec, ...]]] = {
    "水利": {
        "数量指标": (("新建供水工程", "count", "处", 3, 30), ("受益人口", "count", "人", 2000, 60000),
                 ("新增灌溉面积", "count", "亩", 500, 20000), ("治理河道长度", "count", "公里", 2, 30),
                 ("维修渠道长度", "count", "公里", 3, 40), ("新打机井", "count", "眼", 5, 80)),
        "质量指标": (("工程验收合格率", "pct", "", 100, 100), ("供水水质达标率", "pct", "", 95, 95), ("工程质量", "qual", "合规", 0, 0)),
        "社会效益指标": (("改善群众饮水条件", "qual", "明显改善", 0, 0), ("农村饮水安全覆盖率", "pct", "", 95, 95)),
        "经济效益指标": (("促进农业增产增收", "qual", "效果明显", 0, 0), ("带动群众就业", "count", "人", 20, 300)),
        "生态效益指标": (("改善水生态环境", "qual", "明显改善", 0, 0), ("水土流失治理", "qual", "效果明显", 0, 0)),
        "可持续影响指标": (("工程长效运行管护", "qual", "健全", 0, 0),),
        _SAT: (("受益群众满意度", "pct", "", 90, 90),),
    },
    "农林": {
        "数量指标": (("新增造林面积", "count", "亩", 200, 8000), ("花卉苗木基地面积", "count", "亩", 100, 3000),
                 ("技术培训人次", "count", "人次", 200, 5000), ("防治病虫害面积", "count", "亩", 1000, 50000),
                 ("补贴农户数", "count", "户", 200, 8000), ("免疫畜禽数量", "count", "头", 5000, 200000)),
        "质量指标": (("苗木成活率", "pct", "", 85, 90), ("防治效果达标率", "pct", "", 85, 85), ("免疫密度", "pct", "", 95, 95)),
        "社会效益指标": (("带动农民增收", "qual", "效果明显", 0, 0), ("农业技术普及", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("林果花卉产值增长", "qual", "效果明显", 0, 0), ("带动周边农户就业", "count", "人", 50, 800)),
        "生态效益指标": (("森林覆盖率提高", "qual", "有效提升", 0, 0), ("改善区域生态环境", "qual", "明显改善", 0, 0)),
        "可持续影响指标": (("产业持续发展", "qual", "长期有效", 0, 0),),
        _SAT: (("农户满意度", "pct", "", 90, 90),),
    },
    "土地": {
        "数量指标": (("整理土地面积", "count", "亩", 500, 10000), ("确权登记宗地", "count", "宗", 1000, 30000),
                 ("执法巡查次数", "count", "次", 50, 500), ("治理地灾隐患点", "count", "处", 2, 20),
                 ("储备土地面积", "count", "亩", 50, 2000)),
        "质量指标": (("项目验收合格率", "pct", "", 100, 100), ("确权登记准确率", "pct", "", 98, 98), ("违法用地查处率", "pct", "", 95, 95)),
        "社会效益指标": (("保障群众合法权益", "qual", "效果明显", 0, 0), ("耕地保护意识", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("新增耕地面积", "count", "亩", 50, 1500), ("土地利用效率", "qual", "有效提升", 0, 0)),
        "生态效益指标": (("改善土地生态环境", "qual", "明显改善", 0, 0),),
        "可持续影响指标": (("耕地保护长效机制", "qual", "健全", 0, 0),),
        _SAT: (("群众满意度", "pct", "", 90, 90),),
    },
    "纪检": {
        "数量指标": (("查办案件数", "count", "件", 10, 120), ("培训人次", "count", "人次", 100, 2000),
                 ("开展警示教育", "count", "场次", 5, 50), ("专项督查次数", "count", "次", 4, 40), ("巡察单位数", "count", "个", 5, 30)),
        "质量指标": (("案件办结率", "pct", "", 95, 95), ("办案质量", "qual", "合规", 0, 0), ("问题整改率", "pct", "", 100, 100)),
        "社会效益指标": (("党风廉政建设成效", "qual", "效果明显", 0, 0), ("干部廉洁从政意识", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("挽回经济损失", "count", "万元", 20, 500),),
        "可持续影响指标": (("廉政长效机制", "qual", "健全", 0, 0),),
        _SAT: (("群众满意度", "pct", "", 85, 90),),
    },
    "城建": {
        "数量指标": (("新修道路长度", "count", "公里", 2, 60), ("改造背街小巷", "count", "条", 5, 60), ("安装路灯", "count", "盏", 100, 3000),
                 ("改造管网长度", "count", "公里", 2, 30), ("检查企业数", "count", "家", 100, 1500),
                 ("改造棚户区户数", "count", "户", 100, 3000), ("维修桥梁", "count", "座", 2, 20)),
        "质量指标": (("工程验收合格率", "pct", "", 100, 100), ("道路质量达标率", "pct", "", 98, 98), ("安全隐患整改率", "pct", "", 95, 95)),
        "社会效益指标": (("改善群众出行条件", "qual", "效果明显", 0, 0), ("提升城市形象", "qual", "明显改善", 0, 0)),
        "经济效益指标": (("带动沿线经济发展", "qual", "效果明显", 0, 0),),
        "生态效益指标": (("减少道路扬尘", "qual", "效果明显", 0, 0),),
        "可持续影响指标": (("道路长效管护", "qual", "健全", 0, 0),),
        _SAT: (("沿线群众满意度", "pct", "", 90, 90),),
    },
    "市容环卫": {
        "数量指标": (("道路清扫保洁面积", "count", "万平方米", 100, 900), ("垃圾清运量", "count", "吨", 5000, 80000),
                 ("新建公厕", "count", "座", 2, 30), ("购置环卫车辆", "count", "台", 2, 20), ("整治违规广告", "count", "处", 100, 2000),
                 ("环卫工人数", "count", "人", 100, 1200)),
        "质量指标": (("道路清扫达标率", "pct", "", 95, 95), ("垃圾无害化处理率", "pct", "", 90, 95), ("垃圾日产日清率", "pct", "", 100, 100)),
        "社会效益指标": (("市容环境改善", "qual", "效果明显", 0, 0), ("提升城市形象", "qual", "明显改善", 0, 0)),
        "经济效益指标": (("节约保洁成本", "qual", "效果明显", 0, 0),),
        "生态效益指标": (("减少道路扬尘", "qual", "效果明显", 0, 0), ("改善城市环境质量", "qual", "明显改善", 0, 0)),
        "可持续影响指标": (("长效保洁机制", "qual", "健全", 0, 0),),
        _SAT: (("市民满意度", "pct", "", 90, 90),),
    },
    "社保": {
        "数量指标": (("保障人数", "count", "人", 500, 30000), ("发放补贴户数", "count", "户", 200, 10000),
                 ("优抚对象人数", "count", "人", 200, 4000), ("养老床位数", "count", "张", 50, 600),
                 ("培训人次", "count", "人次", 200, 5000), ("救助人次", "count", "人次", 200, 8000),
                 ("残疾人康复人数", "count", "人", 50, 1500)),
        "质量指标": (("补助资金发放准确率", "pct", "", 100, 100), ("应保尽保率", "pct", "", 100, 100), ("资金足额发放率", "pct", "", 100, 100)),
        "社会效益指标": (("保障困难群众基本生活", "qual", "效果明显", 0, 0), ("社会保障覆盖面", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("带动就业人数", "count", "人", 50, 2000),),
        "可持续影响指标": (("社会保障长效机制", "qual", "健全", 0, 0),),
        _SAT: (("补助对象满意度", "pct", "", 90, 95),),
    },
    "文化": {
        "数量指标": (("送戏下乡场次", "count", "场", 20, 300), ("建设农家书屋", "count", "个", 5, 120),
                 ("放映电影场次", "count", "场", 100, 2000), ("新建文化广场", "count", "个", 2, 30),
                 ("举办文化活动", "count", "次", 10, 200), ("新增图书", "count", "册", 2000, 50000)),
        "质量指标": (("活动覆盖率", "pct", "", 90, 90), ("设施验收合格率", "pct", "", 100, 100), ("演出质量", "qual", "达成年度指标", 0, 0)),
        "社会效益指标": (("丰富群众文化生活", "qual", "效果明显", 0, 0), ("公共文化服务水平", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("带动文化消费", "qual", "效果明显", 0, 0),),
        "可持续影响指标": (("文化阵地持续运行", "qual", "长期有效", 0, 0),),
        _SAT: (("群众满意度", "pct", "", 90, 90),),
    },
    "教育": {
        "数量指标": (("发放免费教科书", "count", "册", 10000, 200000), ("新建校舍面积", "count", "平方米", 1000, 20000),
                 ("受益学生人数", "count", "人", 300, 40000), ("购置教学设备", "count", "台（套）", 20, 1500),
                 ("培训教师人次", "count", "人次", 100, 3000), ("新建运动场面积", "count", "平方米", 2000, 15000)),
        "质量指标": (("教科书按时到位率", "pct", "", 100, 100), ("工程验收合格率", "pct", "", 100, 100), ("设备合格率", "pct", "", 100, 100)),
        "社会效益指标": (("改善办学条件", "qual", "明显改善", 0, 0), ("促进教育均衡发展", "qual", "效果明显", 0, 0)),
        "经济效益指标": (("减轻学生家庭负担", "qual", "效果明显", 0, 0),),
        "可持续影响指标": (("持续改善办学条件", "qual", "长期有效", 0, 0),),
        _SAT: (("学生及家长满意度", "pct", "", 90, 95),),
    },
    "卫生": {
        "数量指标": (("免费体检人数", "count", "人", 1000, 50000), ("奖励扶助对象", "count", "人", 500, 8000),
                 ("建设标准化村卫生室", "count", "个", 5, 60), ("预防接种人次", "count", "人次", 5000, 100000),
                 ("购置医疗设备", "count", "台", 5, 120), ("建立居民健康档案", "count", "份", 10000, 200000)),
        "质量指标": (("奖励资金足额发放率", "pct", "", 100, 100), ("疫苗接种率", "pct", "", 95, 95), ("健康档案规范建档率", "pct", "", 90, 90)),
        "社会效益指标": (("群众健康水平", "qual", "有效提升", 0, 0), ("缓解群众看病难", "qual", "效果明显", 0, 0)),
        "经济效益指标": (("减轻群众医疗负担", "qual", "效果明显", 0, 0),),
        "可持续影响指标": (("基层医疗服务能力", "qual", "长期有效", 0, 0),),
        _SAT: (("群众满意度", "pct", "", 90, 90),),
    },
    "服务业": {
        "数量指标": (("新建旅游公厕", "count", "座", 2, 20), ("举办推介活动", "count", "场次", 2, 30),
                 ("排查非法集资线索", "count", "条", 10, 200), ("培训电商人员", "count", "人次", 100, 2000),
                 ("改造农贸市场", "count", "个", 2, 10), ("接待游客", "count", "万人次", 10, 300)),
        "质量指标": (("公厕验收合格率", "pct", "", 100, 100), ("案件处置率", "pct", "", 90, 90), ("宣传覆盖率", "pct", "", 90, 90)),
        "社会效益指标": (("营造良好营商环境", "qual", "效果明显", 0, 0), ("防范金融风险", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("带动旅游收入增长", "qual", "效果明显", 0, 0), ("新增市场主体", "count", "户", 20, 500)),
        "可持续影响指标": (("服务业持续发展", "qual", "长期有效", 0, 0),),
        _SAT: (("游客满意度", "pct", "", 90, 90),),
    },
    "社区建设": {
        "数量指标": (("巡防队员人数", "count", "人", 30, 400), ("社区矫正对象管理人数", "count", "人", 50, 600),
                 ("化解信访案件", "count", "件", 20, 500), ("建设六好村", "count", "个", 3, 40), ("安装监控探头", "count", "个", 50, 2000),
                 ("调解纠纷", "count", "件", 50, 1500), ("网格员人数", "count", "人", 50, 800)),
        "质量指标": (("矫正对象重新犯罪率", "le", "%", 1, 3), ("信访案件化解率", "pct", "", 90, 90), ("纠纷调解成功率", "pct", "", 95, 95),
                 ("巡防覆盖率", "pct", "", 95, 95)),
        "社会效益指标": (("维护社会稳定", "qual", "效果明显", 0, 0), ("群众安全感", "qual", "有效提升", 0, 0)),
        "经济效益指标": (("减少群众财产损失", "qual", "效果明显", 0, 0),),
        "可持续影响指标": (("基层治理长效机制", "qual", "健全", 0, 0),),
        _SAT: (("群众满意度", "pct", "", 90, 90),),
    },
}
_GENERIC: dict[str, tuple[Spec, ...]] = {
    "数量指标": (("完成项目个数", "count", "个", 2, 20),),
    "质量指标": (("项目验收合格率", "pct", "", 100, 100), ("资金使用合规性", "qual", "合规", 0, 0), ("任务完成质量", "qual", "达成年度指标", 0, 0)),
    "时效指标": (("完成及时率", "pct", "", 100, 100), ("资金拨付及时率", "pct", "", 95, 95), ("项目完成时限", "le", "个月", 10, 12),
             ("问题处置时限", "le", "天", 3, 10), ("补贴发放时限", "le", "天", 10, 30), ("完成及时性", "qual", "及时", 0, 0)),
    "成本指标": (("项目总成本", "le_budget", "万元", 0, 0), ("工程资金金额", "le_budget", "万元", 0, 0), ("成本控制", "qual", "合规", 0, 0)),
    "经济效益指标": (("经济效益", "qual", "效果明显", 0, 0),),
    "社会效益指标": (("社会效益", "qual", "效果明显", 0, 0), ("群众获得感", "qual", "有效提升", 0, 0)),
    "生态效益指标": (("改善生态环境", "qual", "明显改善", 0, 0),),
    "可持续影响指标": (("长效管理机制", "qual", "健全", 0, 0), ("持续发挥效益", "qual", "长期有效", 0, 0)),
    _SAT: (("服务对象满意度", "pct", "", 85, 95), ("群众满意度", "pct", "", 90, 90)),
}
_PCT_TARGETS = (80, 85, 90, 95, 98, 100)
_LOSS_CAP = {"count": Decimal("0.85"), "pct": Decimal("0.45"), "le": Decimal("0.9"), "qual": Decimal("0.9")}

_REASONS = (
    "受天气影响工期延后，下一步将加快施工进度", "拆迁协调难度大导致进度滞后，将加强协调推进", "资金拨付较晚影响实施，下年度将提前谋划",
    "部分对象未及时申报，将加强政策宣传", "政府采购流程较长，将优化采购程序", "前期手续办理时间较长，将提前做好前期工作",
    "实际需求低于预期，下年度将合理测算指标值",
)
_OVER_REASONS = ("年中追加任务，实际完成超出年初目标", "群众需求增加，超额完成年度任务", "年初目标设定偏保守，下年度将科学测算指标值")

# ---------------------------------------------------------------------------------------------
# Plan data
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Unit:
    """A budget unit and how it fills in its forms."""

    code: str
    name: str
    kind: str  # one of UNIT_TYPES
    department: str  # 主管部门
    domains: tuple[str, ...]
    size: str  # key of _COUNT_RANGE
    places: tuple[str, ...] = ()  # villages / communities / roads used in project names
    layout: str = "mof"  # mof | shifted | province
    unit_row: bool = True  # writes the 填报单位 row
    integer_scores: bool = False  # rounds every row score to an integer
    count_style: str = "unit"  # unit ("52个") | plain (52)
    pct_style: str = "pct"  # pct ("96%") | ratio (0.96) | plain (96)
    pct_word: bool = False  # writes percentages as 百分比
    rate_style: str = "ratio"  # ratio (0.8612, shown as %) | text ("86.12%") | percent (86.12)
    zero_blank: bool = False  # leaves zero amounts blank
    projects: list[Project] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        """`219001_龙康小学.xlsx`."""
        return f"{self.code}_{self.name}.xlsx"


@dataclass(eq=False)
class Row:
    """One indicator row of a form (or an empty placeholder row)."""

    level1: str
    level2: str
    name: str  # as written (may carry a 指标N prefix; '指标3' or '……' on a placeholder row)
    kind: str  # count | pct | le | le_budget | qual | placeholder
    weight: int = 0
    op: str = ""
    unit: str = ""
    target: Decimal = _ZERO
    target_word: str = ""
    actual: Decimal = _ZERO
    actual_word: str = ""
    band: str = ""  # qualitative: 达成 | 部分达成 | 未达成
    loss: Decimal = _ZERO  # planned fraction of the weight lost
    over: bool = False  # actual ≥ 130% of target
    honest: Decimal = _ZERO
    self_score: Decimal | None = _ZERO
    show_actual: bool = True
    plain: bool = False  # actual written as a bare number (52) rather than with its unit (52个)
    reason: str = ""


@dataclass(eq=False)
class Project:
    """One project: money, planned grade, indicator rows and the quirks planted in its form."""

    unit: Unit
    name: str
    domain: str
    index: int
    grade: str = ""  # planned: 优 良 中 差 未完成
    budget: int = 0  # 全年预算数, hundredths of 万元
    initial: int = 0  # 年初预算数
    spent: int = 0  # 全年执行数
    carry_share: float = 0.0  # share of each column in 上年结转资金
    other_share: float = 0.0  # share in 其他资金
    rate_target: float = 0.0
    has_sat: bool = True
    weight_delta: int = 0  # ≠ 0: the weights do not add to 100
    rows: list[Row] = field(default_factory=list)
    budget_self: Decimal | None = _ZERO
    budget_honest: Decimal = _ZERO
    honest_total: Decimal = _ZERO
    self_total: Decimal | None = _ZERO
    money_style: str = "number"  # number | thousands | fullwidth | wan | yuan
    incomplete: str = ""  # "" | blank_actual | blank_scores | blank_total
    quirks: list[str] = field(default_factory=list)
    goal: str = ""
    outcome: str = ""

    @property
    def rate(self) -> Decimal:
        """执行率 = 全年执行数 / 全年预算数, four decimals (0.8612)."""
        return (Decimal(self.spent) / Decimal(self.budget)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def honest_grade(self) -> str:
        """The grade the honest recomputation gives, or 未完成 for an incomplete form."""
        return "未完成" if self.incomplete else _grade(self.honest_total)


@dataclass
class SamplePlan:
    """The whole sample year before it is written: units in file order, projects in registry order."""

    seed: int
    units: list[Unit]
    projects: list[Project]


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _q2(value: Decimal) -> Decimal:
    """Round half up to two decimals."""
    return value.quantize(_CENT, ROUND_HALF_UP)


def _qi(value: Decimal) -> Decimal:
    """Round half up to an integer."""
    return value.quantize(_ONE, ROUND_HALF_UP)


def _uniform(rng: random.Random, lo: float, hi: float) -> Decimal:
    """A uniform draw as a Decimal with four decimals."""
    return Decimal(str(round(rng.uniform(lo, hi), 4)))


def _fmt(value: Decimal) -> str:
    """A number as a person writes it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _cell_number(value: Decimal) -> int | float:
    """A Decimal as a cell value: int when whole, else float."""
    return int(value) if value == value.to_integral_value() else float(value)


def _wan(cw: int) -> Decimal:
    """Hundredths of 万元 → 万元."""
    return Decimal(cw) / 100


def _grade(total: Decimal) -> str:
    """优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60."""
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def _grade_ok(total: Decimal, grade: str) -> bool:
    """True when `total` has `grade` with at least half a point to the band edges."""
    lo, hi = {"优": (90.5, 101), "良": (80.5, 89.5), "中": (60.5, 79.5), "差": (-1, 59.5), "未完成": (-1, 101)}[grade]
    return Decimal(str(lo)) <= total < Decimal(str(hi))


def _fullwidth(text: str) -> str:
    """ASCII digits, point and comma → full-width (１２３．５)."""
    return text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` points in `parts` integer weights, multiples of 5 when it fits."""
    if parts == 1:
        return [total]
    if total % 5 == 0 and parts <= total // 5 and rng.random() < 0.8:
        cuts = sorted(rng.sample(range(1, total // 5), parts - 1))
        return [5 * (b - a) for a, b in zip([0, *cuts], [*cuts, total // 5], strict=True)]
    spare = total - 2 * parts
    cuts = sorted(rng.randint(0, spare) for _ in range(parts - 1))
    return [2 + b - a for a, b in zip([0, *cuts], [*cuts, spare], strict=True)]


def _nice(value: int) -> int:
    """Round a target to a number a planner would write (3, 45, 120, 2500)."""
    step = 100 if value >= 2000 else 10 if value >= 100 else 1
    return max(2, value // step * step)


# ---------------------------------------------------------------------------------------------
# Plan: units, projects, money, grades, indicators, quirks
# ---------------------------------------------------------------------------------------------


def _villages(rng: random.Random, n: int) -> tuple[str, ...]:
    """`n` distinct village names (张营村)."""
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(_SURNAMES)}{rng.choice(_VILLAGE_SUFFIXES)}村"
        if name not in names:
            names.append(name)
    return tuple(names)


def _make_units(rng: random.Random) -> list[Unit]:
    """The 121 units in code order: 区直部门, schools, towns, streets."""
    units: list[Unit] = []
    for dept, name, domains, size, subs in _BUREAUS:
        units.append(Unit(f"{dept}001", name, "区直部门", name, domains, size, tuple(rng.sample(_ROADS, 4))))
        for i, (sub, sub_domains, sub_size) in enumerate(subs, start=2):
            units.append(Unit(f"{dept}{i:03d}", sub, "区直部门", name, sub_domains, sub_size, tuple(rng.sample(_ROADS, 4))))
        if dept == _SCHOOL_DEPT - 1:
            for i, school in enumerate(_SCHOOLS, start=1):
                units.append(Unit(f"{_SCHOOL_DEPT}{i:03d}", school, "学校", "区教育局", ("教育",), "school"))
    for i, town in enumerate(_TOWNS, start=1):
        units.append(Unit(f"{300 + i}001", f"{town}镇人民政府", "镇", "区人民政府", (), "town", _villages(rng, 8)))
    for i, street in enumerate(_STREETS, start=1):
        places = tuple(c + "社区" for c in rng.sample(_COMMUNITIES, 4))
        units.append(Unit(f"{400 + i}001", f"{street}街道办事处", "街道办事处", "区人民政府", (), "street", places))
    if len(units) != UNIT_COUNT or len({u.code for u in units}) != UNIT_COUNT:
        raise RuntimeError(f"示例数据：应有 {UNIT_COUNT} 个单位，实际 {len(units)} 个")
    return units


def _project_counts(rng: random.Random, units: list[Unit]) -> list[int]:
    """Projects per unit, adding up to PROJECT_COUNT."""
    counts = []
    for u in units:
        lo, hi = _COUNT_RANGE[u.size]
        counts.append(max(rng.randint(lo, hi), len(_PINNED.get(u.name, ()))))
    adjustable = [i for i, u in enumerate(units) if u.size in ("L", "M", "town", "street")]
    while sum(counts) != PROJECT_COUNT:
        i = rng.choice(adjustable)
        lo, hi = _COUNT_RANGE[units[i].size]
        if sum(counts) < PROJECT_COUNT and counts[i] < hi + 2:
            counts[i] += 1
        elif sum(counts) > PROJECT_COUNT and counts[i] > max(lo - 2, len(_PINNED.get(units[i].name, ())), 1):
            counts[i] -= 1
    return counts


def _name_candidates(rng: random.Random, unit: Unit) -> tuple[str, str]:
    """One candidate (project name, domain) for `unit`."""
    if unit.kind == "镇":
        template, domain = rng.choice(_TOWN_TEMPLATES)
        return template.format(v=rng.choice(unit.places), t=unit.name[:2]), domain
    if unit.kind == "街道办事处":
        template, domain = rng.choice(_STREET_TEMPLATES)
        return template.format(c=rng.choice(unit.places)), domain
    if unit.kind == "学校":
        return rng.choice(_SCHOOL_TEMPLATES).format(s=unit.name), "教育"
    domain = unit.domains[0] if len(unit.domains) == 1 or rng.random() < 0.65 else rng.choice(unit.domains[1:])
    return rng.choice(_BUREAU_POOL[domain]).format(p=rng.choice(unit.places)), domain


def _make_projects(rng: random.Random, units: list[Unit]) -> list[Project]:
    """Every unit's projects with unique names, in registry order."""
    projects: list[Project] = []
    for unit, count in zip(units, _project_counts(rng, units), strict=True):
        chosen = [(name, domain) for name, domain, _ in _PINNED.get(unit.name, ())]
        tries = 0
        while len(chosen) < count:
            name, domain = _name_candidates(rng, unit)
            tries += 1
            if name in (n for n, _ in chosen) or len(name) > MAX_SHEET_TITLE or _FORBIDDEN_TITLE.search(name):
                if tries > 5000:
                    raise RuntimeError(f"示例数据：单位“{unit.name}”的项目名称不够用")
                continue
            chosen.append((name, domain))
        for name, domain in chosen:
            project = Project(unit, name, domain, len(projects))
            unit.projects.append(project)
            projects.append(project)
    used = {p.domain for p in projects}
    if len(projects) != PROJECT_COUNT or used != set(DOMAINS):
        raise RuntimeError(f"示例数据：项目 {len(projects)} 个，领域 {sorted(used)}")
    return projects


def _key_project(projects: list[Project]) -> Project:
    """区市容环卫局 / 道路清扫费."""
    return next(p for p in projects if p.unit.name == KEY_UNIT and p.name == KEY_PROJECT)


def _assign_grades(rng: random.Random, projects: list[Project]) -> None:
    """Planned grades in the GRADE_PLAN proportions; the key project is a complete 良."""
    grades = [g for g, n in GRADE_PLAN for _ in range(n)]
    rng.shuffle(grades)
    for p, g in zip(projects, grades, strict=True):
        p.grade = g
    key = _key_project(projects)
    if key.grade != "良":
        other = next(p for p in projects if p.grade == "良")
        other.grade, key.grade = key.grade, "良"


def _assign_budgets(rng: random.Random, projects: list[Project]) -> None:
    """全年预算数 (long-tailed, Σ exact), 年初预算数 and the sub-row shares."""
    fixed: dict[int, int] = {}
    for p in projects:
        for name, _, wan in _PINNED.get(p.unit.name, ()):
            if name == p.name and wan is not None:
                fixed[p.index] = int(Decimal(wan) * 100)
    big_pool = [p for p in projects if p.index not in fixed and p.unit.kind in ("区直部门", "镇")
                and p.domain in ("城建", "水利", "教育", "社保", "卫生", "市容环卫", "土地")]
    for p in rng.sample(big_pool, 10):
        fixed[p.index] = rng.randint(1000, 3800) * 100
    last = projects[-1]
    fixed[last.index] = rng.randint(60, 150) * 100
    scale_of = {"学校": 0.5, "街道办事处": 0.7, "镇": 1.0, "区直部门": 1.0}
    raw: dict[int, float] = {}
    for p in projects:
        if p.index not in fixed:
            size = 0.7 if p.unit.size == "S" else 1.0
            raw[p.index] = min(900.0, max(3.0, rng.lognormvariate(math.log(40), 1.1) * scale_of[p.unit.kind] * size))
    room = TOTAL_BUDGET_CW - sum(fixed.values())
    factor = room / 100 / sum(raw.values())
    for p in projects:
        if p.index in fixed:
            p.budget = fixed[p.index]
            continue
        amount = raw[p.index] * factor
        step = rng.choice((100, 100, 10, 10, 1))  # whole 万元, 0.1 万元 or 0.01 万元
        p.budget = max(step, round(amount * 100 / step) * step)
    last.budget += TOTAL_BUDGET_CW - sum(p.budget for p in projects)
    for p in projects:
        x = rng.random()
        if x < 0.8:
            p.initial = p.budget
        elif x < 0.89:
            p.initial = round(p.budget * rng.uniform(0.5, 0.95) / 100) * 100 or p.budget
        elif x < 0.98:
            p.initial = round(p.budget * rng.uniform(1.05, 1.3) / 100) * 100
        else:
            p.initial = 0  # added during the year
        y = rng.random()
        p.carry_share = rng.uniform(0.1, 0.4) if y < 0.15 else 0.0
        p.other_share = rng.uniform(0.05, 0.3) if 0.15 <= y < 0.25 else 0.0


def _draw_rate(rng: random.Random, grade: str) -> float:
    """An execution rate typical of a planned grade."""
    x = rng.random()
    if grade == "优":
        return 1.0 if x < 0.07 else rng.uniform(0.75, 0.9) if x < 0.17 else rng.uniform(0.9, 0.998)
    if grade == "良":
        return 1.0 if x < 0.04 else rng.uniform(0.62, 0.8) if x < 0.25 else rng.uniform(0.8, 0.995)
    if grade == "中":
        return rng.uniform(0.45, 0.6) if x < 0.25 else rng.uniform(0.6, 0.95)
    if grade == "差":
        return rng.uniform(0.3, 0.75)
    return rng.uniform(0.5, 0.97)


def _assign_execution(rng: random.Random, projects: list[Project]) -> None:
    """全年执行数 per project so that Σ is exactly TOTAL_SPENT_CW; large projects run slower."""
    for p in projects:
        p.rate_target = _draw_rate(rng, p.grade)
    last = projects[-1]
    last.rate_target = rng.uniform(0.85, 0.95)
    slow = [p for p in projects if p.budget >= 30_000 and p is not last]  # ≥ 300 万元

    def spent_with(k: float) -> float:
        """Σ 全年执行数 (unrounded) when the slow projects' rates are scaled by k."""
        fixed = sum(p.budget * p.rate_target for p in projects if p not in slow)
        return fixed + sum(p.budget * min(1.0, max(0.3, p.rate_target * k)) for p in slow)

    lo, hi = 0.1, 1.5
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spent_with(mid) < TOTAL_SPENT_CW else (lo, mid)
    slow_ids = {p.index for p in slow}
    for p in projects:
        rate = min(1.0, max(0.3, p.rate_target * lo)) if p.index in slow_ids else p.rate_target
        p.spent = p.budget if rate >= 1.0 else min(p.budget - 1, round(p.budget * rate))
    last.spent += TOTAL_SPENT_CW - sum(p.spent for p in projects)
    if not 0 < last.spent < last.budget:
        raise RuntimeError("示例数据：执行数余数无法落在最后一个项目上")


def _assign_unit_styles(rng: random.Random, units: list[Unit]) -> None:
    """Layout variant, rounding and number styles per unit."""
    order = list(range(len(units)))
    rng.shuffle(order)
    for n, i in enumerate(order):
        u = units[i]
        u.layout = "shifted" if n < 20 else "province" if n < 36 else "mof"
        u.unit_row = u.layout != "shifted" and not (u.layout == "mof" and n >= len(units) - 12)
    for i in rng.sample(range(len(units)), 24):
        units[i].integer_scores = True
    pct_candidates = [u for u in units if u.kind in ("区直部门", "镇") and len(u.projects) >= 5]
    for u in rng.sample(pct_candidates, 5):
        u.pct_word = True
    for u in units:
        u.count_style = "unit" if rng.random() < 0.7 else "plain"
        u.pct_style = rng.choice(("pct", "pct", "pct", "ratio", "plain"))
        u.rate_style = "percent" if u.layout == "province" else ("ratio" if rng.random() < 0.7 else "text")
        u.zero_blank = rng.random() < 0.5


def _assign_form_quirks(rng: random.Random, projects: list[Project]) -> None:
    """Per-form quirks decided before the indicators are built."""
    key = _key_project(projects)
    free = [p for p in projects if p is not key]
    unfinished = [p for p in free if p.grade == "未完成"]
    modes = ["blank_actual", "blank_scores", "blank_total"]
    for n, p in enumerate(unfinished):
        p.incomplete = modes[n % 3]
        p.quirks.append("incomplete")
    for p, delta in zip(rng.sample([p for p in free if p.grade in ("优", "良")], 4), (10, 10, -5, -5), strict=True):
        p.weight_delta = delta
        p.quirks.append("weights_not_100")
    complete = [p for p in free if not p.incomplete and not p.weight_delta and p.grade != "差"]
    over = rng.sample(complete, 42)
    for p in over[:32]:
        p.quirks.append("overachieved_no_reason")
    for p in over[32:]:
        p.quirks.append("overachieved_with_reason")
    template = rng.sample(free, 14)
    for p in template:
        p.quirks.append("template_labels")
    for p in rng.sample(template, 6) + rng.sample([p for p in free if p not in template], 10):
        p.quirks.append("placeholder_rows")
    for p in rng.sample(free, 14):
        p.quirks.append("zero_total_row")
    big = [p for p in free if p.budget >= 100_000 or p.initial >= 100_000]
    styled = rng.sample(big, min(10, len(big)))
    for p in styled:
        p.money_style = "thousands"
    rest = [p for p in free if p not in styled]
    picks = rng.sample(rest, 34)
    for p, style in zip(picks, ["fullwidth"] * 12 + ["wan"] * 12 + ["yuan"] * 10, strict=True):
        p.money_style = style
    for p in projects:
        if p.money_style != "number":
            p.quirks.append({"thousands": "text_thousands", "fullwidth": "fullwidth_digits", "wan": "wan_suffix",
                             "yuan": "yuan_amounts"}[p.money_style])


def _pick_spec(rng: random.Random, domain: str, level2: str, used: list[str]) -> Spec:
    """An unused indicator spec for a 二级指标, domain-specific first."""
    own = [s for s in _PROFILES[domain].get(level2, ()) if s[0] not in used]
    generic = [s for s in _GENERIC.get(level2, ()) if s[0] not in used]
    pool = own if own and (rng.random() < 0.8 or not generic) else generic
    if not pool:
        pool = [s for s in _GENERIC["数量指标"] + _PROFILES[domain]["数量指标"] if s[0] not in used]
    return rng.choice(pool)


def _structure(rng: random.Random, p: Project) -> list[Row]:
    """The indicator rows of a form with weights and targets (no outcomes yet)."""
    templated = "template_labels" in p.quirks
    n_sat = (1 if rng.random() < 0.85 else 2) if p.has_sat else 0
    n_out = rng.randint(3 if templated else 2, 6)
    n_ben = rng.randint(1, 4)
    while n_out + n_ben + n_sat > 12:
        n_out -= 1
    while n_out + n_ben + n_sat < 4:
        n_ben += 1
    out_cats = ["数量指标"] + rng.choices(list(_Q), weights=(2, 3, 2, 2), k=n_out - 1)
    if templated:
        out_cats[1:3] = ["时效指标", "成本指标"]
    ben_cats = rng.choices(list(_B), weights=(2, 4, 1.5, 1.5), k=n_ben)
    if "社会效益指标" not in ben_cats and rng.random() < 0.8:
        ben_cats[0] = "社会效益指标"
    groups = [
        ("产出指标", sorted(out_cats, key=_Q.index), LEVEL_WEIGHTS["产出指标"] + (0 if p.has_sat else LEVEL_WEIGHTS["满意度指标"])),
        ("效益指标", sorted(ben_cats, key=_B.index), LEVEL_WEIGHTS["效益指标"]),
        ("满意度指标", [_SAT] * n_sat, LEVEL_WEIGHTS["满意度指标"]),
    ]
    rows: list[Row] = []
    used: list[str] = []
    budget_wan = _wan(p.budget)
    forced = {"时效指标": ("完成及时率", "pct", "", 100, 100), "成本指标": ("工程资金金额", "le_budget", "万元", 0, 0)}
    for level1, cats, total in groups:
        if not cats:
            continue
        for cat, weight in zip(cats, _split(rng, total, len(cats)), strict=True):
            spec = _pick_spec(rng, p.domain, cat, used)
            if templated and cat in forced and forced[cat][0] not in used:
                spec = forced[cat]
            name, kind, unit, lo, hi = spec
            used.append(name)
            row = Row(level1, cat, name, kind, weight, unit="" if kind == "qual" else unit)
            if kind == "count":
                row.op = "=" if rng.random() < 0.2 else "≥"
                row.target = Decimal(_nice(rng.randint(lo, hi)))
            elif kind == "pct":
                row.target = Decimal(rng.choice([v for v in _PCT_TARGETS if lo <= v <= hi]))
                row.op = "=" if row.target == 100 and rng.random() < 0.5 else "≥"
                row.unit = "%"
            elif kind == "le":
                row.op, row.target = "≤", Decimal(rng.randint(lo, hi))
            elif kind == "le_budget":
                row.op, row.target = "≤", budget_wan
            else:
                row.target_word = unit
            rows.append(row)
    if p.weight_delta:
        pool = [r for r in rows if r.level1 == ("产出指标" if p.weight_delta > 0 else "效益指标") and r.weight >= 7]
        (pool or [max(rows, key=lambda r: r.weight)])[0].weight += p.weight_delta
    if templated:
        seen: dict[str, int] = {}
        for r in rows:
            seen[r.level2] = seen.get(r.level2, 0) + 1
            r.name = f"指标{seen[r.level2]}{r.name}"
    return rows


def _allocate_loss(rng: random.Random, rows: list[Row], need: Decimal) -> None:
    """Spread `need` lost points over the rows (sets Row.loss as a fraction of the weight)."""
    for r in rows:
        r.loss = _ZERO
    if need <= 0:
        return
    order = [r for r in rows if r.kind in _LOSS_CAP and not r.over]
    rng.shuffle(order)
    remaining = need
    for passes in range(2):
        for r in order:
            if remaining <= Decimal("0.01"):
                return
            cap = _LOSS_CAP[r.kind] * r.weight - r.loss * r.weight
            if cap <= 0:
                continue
            share = min(remaining, cap * (_uniform(rng, 0.35, 1.0) if passes == 0 else _ONE))
            if remaining - share < Decimal("0.5"):
                share = min(remaining, cap)
            r.loss += share / r.weight
            remaining -= share


def _score_ge(w: Decimal, t: Decimal, a: Decimal) -> Decimal:
    """≥ (and =): full marks at or above target, else proportional."""
    if t <= 0:
        return w if a >= t else _ZERO
    return w if a >= t else max(_ZERO, w * a / t)


def _score_le(w: Decimal, t: Decimal, a: Decimal) -> Decimal:
    """≤: full marks at or below target, linear to 0 at twice the target."""
    if a <= t:
        return w
    if t <= 0 or a >= 2 * t:
        return _ZERO
    return w * (1 - (a - t) / t)


def _qual_score(r: Row, integer: bool) -> Decimal:
    """The unit's score of a qualitative row: inside its band (below the top edge unless 达成), integer if asked."""
    w = Decimal(r.weight)
    lo, hi = BANDS[r.band]
    want = w * (1 - r.loss)
    if integer:
        options = [Decimal(i) for i in range(r.weight + 1) if lo * w <= i and (i < hi * w or (r.band == "达成" and i <= w))]
        if not options:
            r.band, r.loss = "达成", _ZERO
            return w
        return min(options, key=lambda v: (abs(v - want), v))
    score = _q2(want)
    if r.band != "达成" and score >= hi * w:
        score = _q2(hi * w) - _CENT
    return max(_q2(lo * w), score)


def _realize(rng: random.Random, p: Project, rows: list[Row]) -> None:
    """Actual values, honest and self scores of every row from its planned loss."""
    integer = p.unit.integer_scores
    for r in rows:
        w, t, f = Decimal(r.weight), r.target, r.loss
        if r.kind == "count":
            if f > 0:
                a = max(_ZERO, min(t - 1, (t * (1 - f)).to_integral_value(ROUND_FLOOR)))
            elif r.over:
                a = (t * _uniform(rng, 1.32, 1.9)).to_integral_value(ROUND_HALF_UP)
            else:
                a = t if rng.random() < 0.55 else min((t * _uniform(rng, 1.0, 1.2)).to_integral_value(ROUND_FLOOR), t * Decimal("1.25"))
                a = a.to_integral_value(ROUND_FLOOR)
            r.actual, r.honest = a, _score_ge(w, t, a)
        elif r.kind == "pct":
            if f > 0:
                a = min(t - Decimal("0.1"), (t * (1 - f)).quantize(Decimal("0.1"), ROUND_FLOOR))
            else:
                a = t if t == 100 or rng.random() < 0.4 else _uniform(rng, float(t), 100).quantize(Decimal("0.1"), ROUND_FLOOR)
            r.actual, r.honest = a, _score_ge(w, t, a)
        elif r.kind == "le":
            decimals = Decimal("0.1") if r.unit == "%" else _ONE
            if f > 0:
                a = max(t + decimals, (t * (1 + f)).quantize(decimals, ROUND_HALF_UP))
            else:
                a = t if rng.random() < 0.5 else max(decimals, (t * _uniform(rng, 0.5, 1.0)).quantize(decimals, ROUND_FLOOR))
            r.actual, r.honest = a, _score_le(w, t, a)
        elif r.kind == "le_budget":
            r.actual = _wan(p.spent)
            r.honest = _score_le(w, t, r.actual)
        elif r.kind == "qual":
            r.band = "达成" if f <= Decimal("0.2") else "部分达成" if f < Decimal("0.4") else "未达成"
            r.honest = _qual_score(r, integer)
            words = QUAL_ACHIEVED if r.band == "达成" else QUAL_PARTIAL if r.band == "部分达成" else QUAL_MISSED
            r.actual_word = r.target_word if r.band == "达成" and rng.random() < 0.3 else rng.choice(words)
        r.plain = rng.random() < 0.8
        r.honest = _q2(r.honest)
        r.self_score = _qi(r.honest) if integer else r.honest
        short = r.honest < w
        r.reason = rng.choice(_REASONS) if short and rng.random() < 0.75 else ""


def _build_rows(rng: random.Random, p: Project) -> None:
    """Indicator rows whose honest total lands in the planned grade (retrying the draws)."""
    p.has_sat = rng.random() > 0.10
    p.budget_honest = _q2(min(p.rate, _ONE) * BUDGET_WEIGHT)
    p.budget_self = _qi(p.budget_honest) if p.unit.integer_scores else p.budget_honest
    ranges = {"优": (90.8, 99.6), "良": (81.0, 89.0), "中": (62.0, 78.5), "差": (35.0, 58.5), "未完成": (70.0, 97.0)}
    rows = _structure(rng, p)
    over = "overachieved_no_reason" in p.quirks or "overachieved_with_reason" in p.quirks
    for attempt in range(60):
        if attempt and attempt % 20 == 0:
            rows = _structure(rng, p)
        for r in rows:
            r.over = False
        if over:
            counts = [r for r in rows if r.kind == "count"]
            rng.choice(counts).over = True
        target = _uniform(rng, *ranges[p.grade])
        max_points = sum(Decimal(r.weight) for r in rows)
        _allocate_loss(rng, rows, max_points - (target - p.budget_honest))
        _realize(rng, p, rows)
        p.honest_total = p.budget_honest + sum(r.honest for r in rows)
        self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in rows)
        if _grade_ok(p.honest_total, p.grade) and abs(self_total - p.honest_total) <= 3:
            break
    p.rows = rows


def _inflate(rng: random.Random, projects: list[Project], wanted: int = 40) -> None:
    """Give ~5% of forms full marks on unmet quantitative rows (and the budget row): self − honest 6–25."""
    pool = [p for p in projects if p.honest_grade in ("良", "中", "差") and not p.weight_delta
            and not p.incomplete and p.name != KEY_PROJECT]
    rng.shuffle(pool)
    done = 0
    for p in pool:
        if done >= wanted:
            break
        goal = _uniform(rng, 6.5, 24)
        options = [r for r in p.rows if r.kind in ("count", "pct", "le") and r.honest < r.weight]
        rng.shuffle(options)
        bump: list[Row | None] = [None] if p.budget_honest < BUDGET_WEIGHT else []
        bump += options
        over = (p.budget_self or _ZERO) + sum(x.self_score or _ZERO for x in p.rows) - p.honest_total
        chosen: list[Row | None] = []
        for r in bump:
            gain = (BUDGET_WEIGHT - (p.budget_self or _ZERO)) if r is None else Decimal(r.weight) - (r.self_score or _ZERO)
            if over + gain > 25:
                continue
            chosen.append(r)
            over += gain
            if over >= goal:
                break
        if over < 6:
            continue
        for r in chosen:
            if r is None:
                p.budget_self = Decimal(BUDGET_WEIGHT)
            else:
                r.self_score, r.reason = Decimal(r.weight), ""
        p.quirks.append("inflated_self_score")
        done += 1
    if done < wanted:
        raise RuntimeError(f"示例数据：只能安排 {done} 张自评分虚高的表")


def _placeholders(rng: random.Random, p: Project) -> None:
    """Insert empty template rows (指标N, ……) between indicators."""
    rows: list[Row] = []
    groups: dict[str, int] = {}
    for r in p.rows:
        groups[r.level2] = groups.get(r.level2, 0) + 1
    inserted = 0
    for i, r in enumerate(p.rows):
        rows.append(r)
        nxt = p.rows[i + 1] if i + 1 < len(p.rows) else None
        end_of_level2 = nxt is None or nxt.level2 != r.level2
        end_of_level1 = nxt is None or nxt.level1 != r.level1
        if end_of_level2 and rng.random() < 0.4:
            rows.append(Row(r.level1, r.level2, f"指标{groups[r.level2] + 1}", "placeholder"))
            inserted += 1
        elif end_of_level1 and rng.random() < 0.4:
            rows.append(Row(r.level1, "", "……", "placeholder"))
            inserted += 1
    if not inserted:
        last = p.rows[0]
        rows.insert(1, Row(last.level1, last.level2, f"指标{groups[last.level2] + 1}", "placeholder"))
    p.rows = rows


def _finish(rng: random.Random, p: Project) -> None:
    """Incompleteness, deviation reasons of over-achieved rows, totals and the goal texts."""
    for r in p.rows:
        if r.over:
            r.reason = rng.choice(_OVER_REASONS) if "overachieved_with_reason" in p.quirks else ""
    scored = [r for r in p.rows if r.kind != "placeholder"]
    p.self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in scored)
    if p.incomplete == "blank_actual":
        for r in rng.sample(scored, min(len(scored), rng.randint(1, 3))):
            r.show_actual, r.self_score = False, None
        p.self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in scored) if rng.random() < 0.5 else None
    elif p.incomplete == "blank_scores":
        for r in scored:
            r.self_score = None
        p.self_total = None
    elif p.incomplete == "blank_total":
        p.self_total = None
    first = next((r for r in scored if r.kind == "count"), scored[0])
    label = re.sub(r"^指标\d+", "", first.name)
    p.goal = f"按计划实施{p.name}，{label}{_target_text(p.unit, first)}，资金使用规范，发挥应有效益。"
    if p.incomplete:
        p.outcome = f"项目正在实施，{label}等数据尚在统计中。"
    elif p.honest_total >= 90:
        p.outcome = f"已按计划完成{p.name}，{label}实际完成{_actual_text(first)}，年度目标全面完成。"
    elif p.honest_total >= 80:
        p.outcome = f"基本完成年度目标，{label}实际完成{_actual_text(first)}，个别指标未完全达到预期。"
    else:
        p.outcome = f"年度目标部分完成，{label}实际完成{_actual_text(first)}，部分指标未达成。"


def _target_text(unit: Unit, r: Row) -> str:
    """年度指标值 as written: ≥50个, ≥95%, ≥100百分比, ≤202.6万元, 效果明显."""
    if r.kind == "qual":
        return r.target_word
    shown = "百分比" if r.unit == "%" and unit.pct_word and r.target > 5 else r.unit
    return f"{r.op}{_fmt(r.target)}{shown}"


def _actual_text(r: Row) -> str:
    """An actual value as free text for the goal paragraph."""
    return r.actual_word if r.kind == "qual" else f"{_fmt(r.actual)}{r.unit}"


def _actual_cell(unit: Unit, r: Row) -> object:
    """实际完成值 as the unit writes it: 52个 or 52; 96% or 0.96 or 96; 8天; 132.9万元; 达成预期指标."""
    if not r.show_actual:
        return None
    if r.kind == "qual":
        return r.actual_word
    if r.unit == "%":
        if r.kind == "le" or r.target <= 5 or unit.pct_style == "pct":
            return f"{_fmt(r.actual)}{'百分比' if unit.pct_word and r.target > 5 else '%'}"
        if unit.pct_style == "ratio":
            return float(round(r.actual / 100, 4))
        return _cell_number(r.actual)
    if unit.count_style == "plain" and r.plain:
        return _cell_number(r.actual)
    return f"{_fmt(r.actual)}{r.unit}"


def build_plan(seed: int = SAMPLE_SEED) -> SamplePlan:
    """Plan the whole sample year (no files): units, projects, money, indicators and quirks."""
    rng = random.Random(seed)
    units = _make_units(rng)
    projects = _make_projects(rng, units)
    _assign_grades(rng, projects)
    _assign_budgets(rng, projects)
    _assign_execution(rng, projects)
    _assign_unit_styles(rng, units)
    _assign_form_quirks(rng, projects)
    for p in projects:
        _build_rows(rng, p)
    _inflate(rng, projects)
    for p in projects:
        if "placeholder_rows" in p.quirks:
            _placeholders(rng, p)
        _finish(rng, p)
        _tag_quirks(p)
    return SamplePlan(seed, units, projects)


def _tag_quirks(p: Project) -> None:
    """Record the quirks a form shows because of its unit or its indicator texts."""
    u = p.unit
    scored = [r for r in p.rows if r.kind != "placeholder"]
    if any(r.kind in ("count", "le", "le_budget") for r in scored):
        p.quirks.append("glued_units")
    if u.pct_word and any(r.unit == "%" and r.target > 5 for r in scored):
        p.quirks.append("percent_word")
    if any(r.kind == "qual" for r in scored):
        p.quirks.append("qualitative")
    if u.integer_scores and not p.incomplete and (p.rate * BUDGET_WEIGHT) != (p.rate * BUDGET_WEIGHT).to_integral_value():
        p.quirks.append("integer_scores")
    if u.layout != "mof":
        p.quirks.append(f"layout_{u.layout}")
    elif not u.unit_row:
        p.quirks.append("layout_mof_no_unit_row")


@lru_cache(maxsize=2)
def _cached_plan(seed: int) -> SamplePlan:
    """build_plan, memoised per seed (the plan is only read afterwards)."""
    return build_plan(seed)


def planted_quirks(limit: int = 8, seed: int = SAMPLE_SEED) -> dict[str, list[tuple[str, str]]]:
    """Example (file name, sheet name) pairs per planted quirk, at most `limit` each, in file order."""
    found: dict[str, list[tuple[str, str]]] = {k: [] for k in QUIRK_KEYS}
    for p in _cached_plan(seed).projects:
        for q in p.quirks:
            if len(found[q]) < limit:
                found[q].append((p.unit.file_name, p.name))
    return found


def quirk_counts(seed: int = SAMPLE_SEED) -> dict[str, int]:
    """How many forms carry each planted quirk."""
    counts = {k: 0 for k in QUIRK_KEYS}
    for p in _cached_plan(seed).projects:
        for q in p.quirks:
            counts[q] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="宋体", size=10)
_FONT_BOLD = Font(name="宋体", size=10, bold=True)
_FONT_TITLE = Font(name="宋体", size=16, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_WIDTHS = (10, 11, 16, 22, 14, 14, 8, 10, 24)  # characters, columns A–I of the form


def _put(ws: Worksheet, row: int, col: int, value: object, number_format: str = "") -> None:
    """Write a cell; text starting with '=' stays text (never a formula)."""
    if value is None:
        return
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """Record a merged range without openpyxl's per-cell edge restyling (every table cell gets a border anyway)."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"))


def _money(p: Project, cw: int) -> object:
    """An amount as the form writes it (万元 number, 1,234.50, １２３．５, 56.2万元, 562000元); 0 or blank for zero."""
    if cw == 0:
        return None if p.unit.zero_blank else 0
    wan = _wan(cw)
    style = p.money_style
    if style == "thousands":
        return f"{wan:,.2f}"
    if style == "fullwidth":
        return _fullwidth(_fmt(wan))
    if style == "wan":
        return f"{_fmt(wan)}万元"
    if style == "yuan":
        return f"{cw * 100}元"
    return _cell_number(wan)


def _fund_rows(p: Project) -> list[tuple[int, int, int]]:
    """(年初, 全年, 执行) for 年度资金总额, 财政拨款, 上年结转, 其他资金 (hundredths of 万元)."""
    total = (p.initial, p.budget, p.spent)
    carry = (round(p.initial * p.carry_share), round(p.budget * p.carry_share), round(p.spent * p.carry_share))
    other = (round(p.initial * p.other_share), round(p.budget * p.other_share), round(p.spent * p.other_share))
    appropriation = (total[0] - carry[0] - other[0], total[1] - carry[1] - other[1], total[2] - carry[2] - other[2])
    return [total, appropriation, carry, other]


def _rate_cell(p: Project) -> tuple[object, str]:
    """执行率 as the unit writes it, with its number format."""
    rate = p.rate
    if p.unit.rate_style == "percent":
        return _cell_number(_q2(rate * 100)), "0.00"
    if p.unit.rate_style == "text":
        return f"{_fmt(_q2(rate * 100))}%", ""
    return float(rate), "0.00%"


def _score_cell(value: Decimal | None) -> object:
    """A score as a cell value (None stays blank)."""
    return None if value is None else _cell_number(value)


class _TableStyles:
    """Bordered table-cell styles of one workbook, registered once and then copied cell to cell."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[bool, bool], StyleArray] = {}

    def apply(self, cell: Cell, bold: bool, left: bool) -> None:
        """Give `cell` the bordered style (bold header font, left-aligned text when asked)."""
        key = (bold, left)
        if key in self._arrays:
            cell._style = copy(self._arrays[key])  # same style ids as the first cell: no re-registering
            return
        cell.border = _BORDER
        cell.font = _FONT_BOLD if bold else _FONT
        cell.alignment = _LEFT if left else _CENTER
        self._arrays[key] = copy(cell._style)


def _render_form(ws: Worksheet, p: Project, styles: _TableStyles) -> None:
    """Write one project's 项目支出绩效自评表 in its unit's layout."""
    u = p.unit
    province = u.layout == "province"
    c0 = 1 if u.layout == "shifted" else 0

    def c(k: int) -> int:
        """Column k of the canonical layout (1 = A) in this layout."""
        return k + c0

    def merge(r1: int, k1: int, r2: int, k2: int) -> None:
        """Merge canonical columns k1..k2 over rows r1..r2."""
        _merge(ws, r1, c(k1), r2, c(k2))

    row = 1
    if u.layout == "shifted":
        _put(ws, 1, c(1), "附件1")
        row = 2
    _put(ws, row, c(1), f"项目支出绩效自评表（{SAMPLE_YEAR}年度）")
    merge(row, 1, row, 9)
    ws.cell(row, c(1)).font, ws.cell(row, c(1)).alignment = _FONT_TITLE, _CENTER
    ws.row_dimensions[row].height = 30
    row += 1
    if u.unit_row:
        _put(ws, row, c(1), f"填报单位（盖章）：{u.name}" + "\u3000" * 8 + "单位：万元")
        merge(row, 1, row, 9)
        ws.cell(row, c(1)).font, ws.cell(row, c(1)).alignment = _FONT, _LEFT
        row += 1
    elif u.layout == "shifted":
        row += 1
    top = row
    _put(ws, row, c(1), "项目名称")
    merge(row, 1, row, 2)
    _put(ws, row, c(3), p.name)
    merge(row, 3, row, 9)
    row += 1
    _put(ws, row, c(1), "主管部门")
    merge(row, 1, row, 2)
    _put(ws, row, c(3), u.department)
    merge(row, 3, row, 5)
    _put(ws, row, c(6), "实施单位")
    _put(ws, row, c(7), f"{u.code}-{u.name}")
    merge(row, 7, row, 9)
    row += 1
    fund_top = row
    _put(ws, row, c(1), "项目资金（万元）")
    merge(row, 1, row + 4, 2)
    for k, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=4):
        _put(ws, row, c(k), text)
    labels = ("年度资金总额", "其中：本年财政拨款" if province else "其中：当年财政拨款", "上年结转资金", "其他资金")
    amounts = _fund_rows(p)
    if "zero_total_row" in p.quirks:
        amounts = [(0, 0, 0), amounts[0], (0, 0, 0), (0, 0, 0)]
    for i, (label, values) in enumerate(zip(labels, amounts, strict=True)):
        r = fund_top + 1 + i
        _put(ws, r, c(3), label)
        for k, cw in enumerate(values, start=4):
            cell = 0 if "zero_total_row" in p.quirks and i == 0 else _money(p, cw)
            _put(ws, r, c(k), cell, "0.00")
        if i == 0:
            _put(ws, r, c(7), BUDGET_WEIGHT)
            rate, fmt = _rate_cell(p)
            _put(ws, r, c(8), rate, fmt)
            _put(ws, r, c(9), _score_cell(p.budget_self))
        else:
            for k in (7, 8, 9):
                _put(ws, r, c(k), "—")
    row = fund_top + 5
    _put(ws, row, c(1), "年度总体目标")
    if u.layout != "shifted":
        merge(row, 1, row + 1, 1)
    _put(ws, row, c(2), "预期目标")
    merge(row, 2, row, 5)
    _put(ws, row, c(6), "实际完成情况")
    merge(row, 6, row, 9)
    _put(ws, row + 1, c(2), p.goal)
    merge(row + 1, 2, row + 1, 5)
    _put(ws, row + 1, c(6), p.outcome)
    merge(row + 1, 6, row + 1, 9)
    ws.row_dimensions[row + 1].height = 45
    row += 2
    header = row
    for k, text in enumerate(("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"), start=1):
        _put(ws, row, c(k), text)
    row += 1
    first = row
    for ind in p.rows:
        _put(ws, row, c(4), ind.name)
        if ind.kind != "placeholder":
            _put(ws, row, c(5), _target_text(u, ind))
            _put(ws, row, c(6), _actual_cell(u, ind))
            _put(ws, row, c(7), ind.weight)
            _put(ws, row, c(8), _score_cell(ind.self_score))
            _put(ws, row, c(9), ind.reason or None)
        row += 1
    last = row - 1
    merge(header, 1, last, 1)
    level_weights: dict[str, int] = {}
    for ind in p.rows:
        level_weights[ind.level1] = level_weights.get(ind.level1, 0) + ind.weight
    _merge_runs(ws, p.rows, first, c(2), lambda r: r.level1,
                lambda v: _province_label(v, level_weights[v]) if province else v)
    _merge_runs(ws, p.rows, first, c(3), lambda r: (r.level1, r.level2) if r.level2 else None, lambda v: v[1])
    _put(ws, row, c(1), "总  分" if province else "总分")
    merge(row, 1, row, 6)
    _put(ws, row, c(7), 100)
    _put(ws, row, c(8), _score_cell(p.self_total))
    bottom = row
    for rr in range(top, bottom + 1):
        for k in range(1, 10):
            bold = rr in (fund_top, header)
            left = (rr == fund_top + 6 and k > 1) or (k == 9 and rr > header)
            styles.apply(ws.cell(rr, c(k)), bold, left)
    for k, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c(k))].width = width
    if c0:
        ws.column_dimensions["A"].width = 3


def _province_label(level1: str, weight: int) -> str:
    """`产出指标(50分)`, `效益指标（30分）`, `满意度指标(10分)`."""
    return f"{level1}（{weight}分）" if level1 == "效益指标" else f"{level1}({weight}分)"


def _merge_runs(ws: Worksheet, rows: list[Row], first: int, col: int,
                key: Callable[[Row], Hashable | None], label: Callable[[Any], str]) -> None:
    """Write each run of equal keys once and merge it vertically (None keys stay blank)."""
    start = 0
    while start < len(rows):
        value = key(rows[start])
        end = start
        while end + 1 < len(rows) and key(rows[end + 1]) == value and value is not None:
            end += 1
        if value is not None:
            _put(ws, first + start, col, label(value))
            if end > start:
                _merge(ws, first + start, col, first + end, col)
        start = end + 1


def _new_workbook() -> Workbook:
    """An empty workbook with fixed document properties."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = DOC_CREATOR
    wb.properties.lastModifiedBy = DOC_CREATOR
    wb.properties.created = DOC_TIME
    wb.properties.modified = DOC_TIME
    wb.properties.title = f"{SAMPLE_YEAR}年度项目支出绩效自评（示例数据）"
    return wb


def _zip_order(name: str) -> tuple[int, str]:
    """[Content_Types].xml, then _rels, docProps, xl/ — each alphabetically."""
    rank = 0 if name == "[Content_Types].xml" else 1 if name.startswith("_rels/") else 2 if name.startswith("docProps/") else 3
    return rank, name


def workbook_bytes(wb: Workbook) -> bytes:
    """Serialise a workbook reproducibly: fixed properties, entry dates, order and compression."""
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # keeps properties.modified
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist(), key=_zip_order):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name), compresslevel=ZIP_LEVEL)
    return out.getvalue()


def _unit_workbook(u: Unit) -> Workbook:
    """One unit's workbook: a sheet per project, titled with the project name."""
    wb = _new_workbook()
    styles = _TableStyles()
    for p in u.projects:
        _render_form(wb.create_sheet(p.name), p, styles)
    return wb


def _registry_workbook(plan: SamplePlan) -> Workbook:
    """The bureau's 自评项目清单: one row per project, plus 年度信息."""
    wb = _new_workbook()
    ws = wb.create_sheet(REGISTRY_SHEET)
    ws.append(list(REGISTRY_HEADER))
    for n, p in enumerate(plan.projects, start=1):
        u = p.unit
        ws.append([n, u.code, u.name, u.kind, u.department, p.name, p.domain])
    for cell in ws[1]:
        cell.font = _FONT_BOLD
    for k, width in enumerate((6, 10, 22, 12, 14, 28, 10), start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A2"
    info = wb.create_sheet(YEAR_SHEET)
    info.append(["年度", SAMPLE_YEAR])
    info.append([EXPENDITURE_LABEL, float(YEAR_EXPENDITURE_WAN)])
    info.append([NOTE_LABEL, SAMPLE_NOTE])
    info["B2"].number_format = "0.00"
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 14
    return wb


_UNIT_FILE = re.compile(r"^\d{6}_.+\.xlsx$")


def write_sample(out_dir: Path = SAMPLE_DIR, seed: int = SAMPLE_SEED) -> list[Path]:
    """Write the registry and the 121 unit workbooks into `out_dir`; returns the paths, registry first.

    Unit workbooks left in `out_dir` from an earlier run (`<6 digits>_<name>.xlsx`) that this run
    does not write are removed, so the folder always holds exactly one sample year.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = build_plan(seed)
    written = [out_dir / REGISTRY_FILE]
    written[0].write_bytes(workbook_bytes(_registry_workbook(plan)))
    for u in plan.units:
        path = out_dir / u.file_name
        path.write_bytes(workbook_bytes(_unit_workbook(u)))
        written.append(path)
    keep = {p.name for p in written}
    for stale in sorted(out_dir.glob("*.xlsx")):
        if _UNIT_FILE.match(stale.name) and stale.name not in keep:
            stale.unlink()
    return written
