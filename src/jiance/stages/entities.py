"""Entities: the people an article quotes (with the titles it gives them), organisations and places.

Chinese news introduces a speaker the same way almost every time: an organisation and a title, possibly a
、-separated chain of them, then the name, then a verb of saying (``工信部新闻发言人、运行监测协调局局长罗俊杰
介绍``). Rules over that shape, a surname list for 2–3 character names and a maintained alias dictionary
(``jiance/data/aliases.toml``) find most of them without a model, which keeps the stage pure, fast and
explainable. Organisations come from the dictionary (aliases resolved to one name) and from name suffixes
(…部, …局, …研究院, …公司); places from a small gazetteer. See docs/entities.md for the conventions.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from jiance.errors import ConfigError
from jiance.records import Article, Entity

__all__ = [
    "AliasIndex",
    "EntityRecord",
    "OrgEntry",
    "Role",
    "article_text",
    "entities_of",
    "find_organizations",
    "find_persons",
    "find_places",
    "load_aliases",
    "split_role",
]

EntityType = Literal["person", "organization", "place"]

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫"
    "寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝干庹习"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟")

# Titles longest first, so 副部长 wins over 部长 and 首席经济学家 over 经济学家.
TITLES = sorted(
    {
        "总书记",
        "国家主席",
        "总理",
        "副总理",
        "院士",
        "校长",
        "副校长",
        "教授",
        "副教授",
        "发言人",
        "新闻发言人",
        "专家",
        "部长",
        "副部长",
        "司长",
        "副司长",
        "局长",
        "副局长",
        "厅长",
        "副厅长",
        "主任",
        "副主任",
        "所长",
        "副所长",
        "院长",
        "副院长",
        "行长",
        "副行长",
        "董事长",
        "副董事长",
        "总裁",
        "副总裁",
        "总经理",
        "副总经理",
        "首席执行官",
        "首席技术官",
        "首席经济学家",
        "首席分析师",
        "首席科学家",
        "经济学家",
        "分析师",
        "高级分析师",
        "研究员",
        "副研究员",
        "理事长",
        "副理事长",
        "秘书长",
        "副秘书长",
        "会长",
        "副会长",
        "创始人",
        "联合创始人",
        "发起人",
        "负责人",
        "总监",
        "副总监",
        "总工程师",
        "主席",
        "副主席",
        "委员",
        "市长",
        "副市长",
        "省长",
        "副省长",
        "书记",
        "主管",
        "合伙人",
        "CEO",
        "CTO",
        "CFO",
        "COO",
        "总编辑",
        "记者",
        "博士",
    },
    key=len,
    reverse=True,
)
_TITLE_RE = "|".join(re.escape(t) for t in TITLES)

# What may follow a person's name when the text introduces or quotes them.
_AFTER_NAME = (
    r"(?:表示|指出|介绍|说|认为|称|谈道|谈到|解释|坦言|强调|透露|提出|提醒|呼吁|建议|分析|直言|"
    r"在|对|向|接受|进一步|同时|也|则|首先|此前|曾|日前|近日|今年|：|:|，|,|。|看来|的|$|"
    r"(?:教授|院士|研究员)(?:在|就|表示|指出|认为|介绍|说|，|。))"
)
_CJK = r"\u4e00-\u9fff"
_NAME_RE = rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{''.join(sorted(SURNAMES))}])[{_CJK}]{{1,2}}?"
_INTRO = re.compile(rf"(?P<title>{_TITLE_RE})(?P<name>{_NAME_RE})(?={_AFTER_NAME})")
_NAME_TITLE = re.compile(
    rf"(?P<name>{_NAME_RE})(?P<title>院士|教授|研究员)(?=负责|[，。、“”]|表示|指出|在|就)"
)
_SPEAKS = re.compile(
    rf"(?:^|(?<=[，。；！？”\n]))(?P<name>{_NAME_RE})(?=(?:指出|表示|强调|认为|说|介绍)[，：:。“])"
)
# Where a title chain starts: after punctuation, a line break or a word that opens a clause.
_CHAIN_START = re.compile(
    r"[，。；：:！？“”\"（）()《》\n]|(?:看来|透露|日前|近日|此前|据|在|由|与|和|对|向|是|，)"
)
_NOT_NAMES = frozenset({"张女士", "叶先生"})
_NOT_NAME_ENDINGS = ("女士", "先生", "老师", "同学", "某", "方面", "表示", "指出", "记者")
_NOT_NAME_WORDS = frozenset(
    {
        "程院",
        "高级",
        "成本",
        "方面",
        "于是",
        "文件",
        "安全",
        "全国",
        "全球",
        "和平",
        "时间",
        "明确",
        "应用",
        "车联",
        "管理",
        "司法",
        "关于",
        "向前",
        "万物",
        "易于",
        "包括",
        "连续",
        "任务",
        "单位",
        "单车",
        "严格",
        "石化",
        "路侧",
        "能力",
        "华为",
        "柏林",
        "金融",
        "宁德",
        "邓白",
        "常态",
        "通过",
        "高通",
        "谷歌",
        "同比",
        "业内",
    }
)

ORG_SUFFIXES = (
    "委员会",
    "工作委员会",
    "研究院",
    "研究所",
    "研究中心",
    "实验室",
    "科学院",
    "工程院",
    "大学",
    "学院",
    "协会",
    "学会",
    "联合会",
    "联盟",
    "基金会",
    "集团",
    "公司",
    "银行",
    "证券",
    "资本",
    "控股",
    "总局",
    "总台",
    "日报",
    "中心",
    "推进组",
    "工作组",
    "办公室",
    "部",
    "局",
    "委",
    "厅",
    "署",
    "院",
)
_ORG_SUFFIX_RE = "|".join(re.escape(s) for s in sorted(ORG_SUFFIXES, key=len, reverse=True))
_ORG_PREFIX = re.compile(rf"[{_CJK}A-Za-z0-9·\-]{{1,24}}(?:{_ORG_SUFFIX_RE})")
# Words that end like an organisation but name a part of speech, a region or a group of bodies.
_NOT_ORG_ENDINGS = (
    "全部",
    "内部",
    "外部",
    "东部",
    "西部",
    "中部",
    "北部",
    "南部",
    "局部",
    "头部",
    "底部",
    "顶部",
    "干部",
    "格局",
    "布局",
    "开局",
    "结局",
    "大局",
    "当局",
    "部门",
    "医院",
    "法院",
    "剧院",
    "影院",
    "书院",
    "中央部",
    "两院",
    "学院派",
    "平台公司",
    "初创公司",
    "大量资本",
    "商业银行",
    "中小银行",
    "传统银行",
    "科技公司",
    "数据中心",
    "智算中心",
    "算力中心",
    "计算中心",
    "运营中心",
    "服务中心",
    "研发中心",
    "创新中心",
    "测试中心",
    "部署",
    "产业联盟",
    "俱乐部",
    "本部",
    "总部",
    "全局",
    "市委",
    "省委",
    "党委",
    "常委",
)
_GENERIC_ORG_PREFIXES = (
    "有关",
    "相关",
    "主管",
    "监管",
    "职能",
    "各",
    "该",
    "本",
    "多家",
    "一家",
    "某",
    "部分",
    "其他",
    "地方",
    "所属",
    "上述",
    "这家",
    "那家",
    "国内",
    "国外",
    "海外",
    "上市",
    "全国各",
    "两",
    "三",
    "四",
    "五",
    "六",
    "中小",
    "大型",
    "商业",
    "金融",
    "科研",
    "头部",
    "一些",
    "研究",
    "证券研究",
    "行业",
)
_ORG_LEAD_WORDS = re.compile(
    r"^(?:日前|近日|近期|今年|目前|此前|同时|其中|截至|据|由|与|和|及|对|向|在|从|将|为|是|被|经|同|跟|让|"
    r"等|的|会同|联合|携手|作为|通过|根据|包括|以及|并|而|但|也|还|已|均|都|首次|正式|宣布|发布|显示|"
    r"表示|认为|指出|介绍|牵头|组织|组建|成立|设立|启动|召开|举行|主办|参加|联合发布|印发|下发)+"
)
_ROLE_ORG_SUFFIXES = (*ORG_SUFFIXES, "组", "室", "处", "科", "系", "所", "网", "报", "司", "省")
# Titles that only a company gives: the words before them name the company even when they carry no suffix
# (华芯微电子董事长), because a field or a campaign has no 董事长.
_CORPORATE_TITLES = frozenset(
    {
        "董事长",
        "副董事长",
        "总裁",
        "副总裁",
        "总经理",
        "副总经理",
        "首席执行官",
        "首席技术官",
        "创始人",
        "联合创始人",
    }
)
# Role organisations that are units inside a body; the gold keeps them only in roles, not as organisations.
_INTERNAL_UNIT_ENDINGS = ("部", "室", "组", "处", "科", "系", "行业", "中心", "委员会")
# Countries whose ministries print as country + name + 省/部/… (日本经济产业省); 中国 is left out on purpose,
# since 广东省 after it is a province, and Chinese bodies are covered by the suffix rules.
FOREIGN_COUNTRIES = (
    "美国",
    "日本",
    "韩国",
    "德国",
    "法国",
    "英国",
    "印度",
    "俄罗斯",
    "巴西",
    "新加坡",
    "越南",
    "澳大利亚",
    "加拿大",
    "意大利",
    "西班牙",
    "荷兰",
    "以色列",
    "沙特",
    "泰国",
    "马来西亚",
    "印度尼西亚",
    "墨西哥",
    "瑞士",
)
_FOREIGN_BODY = re.compile(
    rf"(?:{'|'.join(FOREIGN_COUNTRIES)})[{_CJK}A-Za-z]{{2,12}}?(?:委员会|协会|省|部|厅|署|局)(?![门署分长])"
)

_GAZETTEER = """
北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东
海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 深圳 广州 杭州 南京
苏州 武汉 成都 西安 合肥 长沙 郑州 济南 青岛 厦门 福州 沈阳 大连 哈尔滨 长春 南昌 昆明 贵阳 南宁
兰州 乌鲁木齐 呼和浩特 石家庄 太原 无锡 宁波 东莞 佛山 雄安 粤港澳大湾区 长三角 珠三角 京津冀
苏北 皖北 中国 美国 日本 韩国 德国 法国 英国 印度 俄罗斯 欧洲 亚洲 非洲 东盟 中东 泰国 巴西
乌兹别克斯坦 匈牙利 新加坡 越南 印度尼西亚 马来西亚 澳大利亚 加拿大 墨西哥 北海道 硅谷 瑞士 荷兰
以色列 沙特 阿联酋 意大利 西班牙
"""
PLACES = frozenset(_GAZETTEER.split())


@dataclass(slots=True)
class Role:
    """One title the text gives a person, with the organisation it belongs to (``None`` when none is named)."""

    org: str | None
    title: str

    def to_record(self) -> dict[str, str | None]:
        return {"org": self.org, "title": self.title}


@dataclass(slots=True)
class OrgEntry:
    """One organisation of the alias dictionary: its formal name, other printed forms, type and parent."""

    name: str
    type: str = "other"
    aliases: list[str] = field(default_factory=list)
    parent: str | None = None


@dataclass(slots=True)
class AliasIndex:
    """The alias dictionary indexed by every printed form, so lookups and longest-first scans are cheap."""

    entries: dict[str, OrgEntry]
    by_form: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries.values():
            self.by_form[entry.name] = entry.name
            for alias in entry.aliases:
                self.by_form.setdefault(alias, entry.name)

    def resolve(self, form: str) -> OrgEntry | None:
        """The dictionary entry a printed form stands for, or ``None`` when the dictionary does not know it."""
        name = self.by_form.get(form)
        return self.entries[name] if name else None

    def forms_longest_first(self) -> list[str]:
        return sorted(self.by_form, key=len, reverse=True)


@dataclass(slots=True)
class EntityRecord:
    """An entity of one article: the shared :class:`Entity` fields plus what the organisation rules know.

    ``forms`` are the printed forms actually seen (an alias, an abbreviation); ``org_type`` and ``parent``
    come from the dictionary or the name's suffix; ``source`` says which rule found it, for debugging.
    """

    name: str
    type: EntityType
    aliases: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    mentions: int = 0
    forms: list[str] = field(default_factory=list)
    org_type: str | None = None
    parent: str | None = None
    source: str = "rule"

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "roles": [r.to_record() for r in self.roles],
            "mentions": self.mentions,
        }
        if self.type == "organization":
            record.update({"org_type": self.org_type, "parent": self.parent, "forms": list(self.forms)})
        return record

    def to_entity(self) -> Entity:
        """The plain shared record, for stores and renderers that only know :class:`Entity`."""
        roles = [r.to_record() for r in self.roles]
        return Entity(self.name, self.type, list(self.aliases), roles, self.mentions)


def _entries_from_toml(data: dict[str, Any], where: str) -> dict[str, OrgEntry]:
    entries: dict[str, OrgEntry] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"alias entry {name!r} must be a table", where=where)
        aliases = table.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"aliases of {name!r} must be a list of strings", where=where)
        entries[name] = OrgEntry(name, str(table.get("type", "other")), list(aliases), table.get("parent"))
    return entries


def load_aliases(extra: Path | None = None) -> AliasIndex:
    """The built-in ICT dictionary, merged with a workspace file whose entries replace same-named ones.

    Users know their own beat (a local operator, a new chip start-up) better than any shipped list, so the
    dictionary is data they can extend without touching code; a malformed file is a :class:`ConfigError`.
    """
    builtin = resources.files("jiance.data") / "aliases.toml"
    entries = _entries_from_toml(tomllib.loads(builtin.read_text(encoding="utf-8")), "aliases.toml")
    if extra is not None:
        try:
            data = tomllib.loads(extra.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read alias file: {exc}", where=str(extra)) from exc
        entries.update(_entries_from_toml(data, str(extra)))
    return AliasIndex(entries)


def article_text(article: Article) -> str:
    """Title, speaker and body as one text, with hard wraps inside a sentence joined.

    Bulletins wrap lines mid-phrase (``中国科学院院士`` / ``、中国计算机学会理事长梅宏``); a line break that
    does not follow sentence-ending punctuation is therefore joined, so a title chain is seen whole.
    """
    head = [article.title]
    if article.speaker and article.speaker not in article.title:
        head.append(article.speaker)
    text = "\n\n".join([*head, "\n".join(article.paragraphs)])
    return re.sub(r"(?<![。！？”：:；;\n])\n(?=[、，）)”a-z\u4e00-\u9fff])", "", text)


def _looks_like_org(text: str, aliases: AliasIndex) -> bool:
    if not text:
        return False
    if aliases.resolve(text) or re.search(r"[A-Za-z]{2,}", text):
        return True
    return any(text.endswith(s) for s in _ROLE_ORG_SUFFIXES) and len(text) >= 2


def _named_by_title(org: str, title: str) -> bool:
    """An anonymised body (某汽车电子企业) or the short name before a company title (华芯微电子董事长)."""
    if org.startswith("某") and len(org) >= 3:
        return True
    return title in _CORPORATE_TITLES and 2 <= len(org) <= 8 and bool(re.fullmatch(rf"[{_CJK}]+", org))


def split_role(segment: str, aliases: AliasIndex) -> Role:
    """Split ``中国科学院院士`` into organisation and title; a prefix that is no organisation joins the title.

    ``电信专家`` and ``蓝马甲行动发起人`` name a field or a campaign, not a body, so they stay whole titles
    with no organisation, as the gold convention says.
    """
    segment = segment.strip(" 　")
    for title in TITLES:
        if segment.endswith(title):
            org = segment[: -len(title)].strip(" 　")
            if _looks_like_org(org, aliases) or _named_by_title(org, title):
                return Role(org, title)
            return Role(None, segment)
    return Role(None, segment)


def _chain_before(text: str, end: int) -> str:
    """The title chain that ends at ``end``: back to the last clause boundary, at most 60 characters."""
    window = text[max(0, end - 60) : end]
    cut = 0
    for match in _CHAIN_START.finditer(window):
        cut = match.end()
    return window[cut:]


def _roles_of(chain: str, aliases: AliasIndex) -> list[Role]:
    """Roles of a 、-separated chain; a later unit inherits the first organisation (工信部…、运行监测协调局局长)."""
    roles = [split_role(seg, aliases) for seg in chain.split("、") if seg.strip()]
    first_org = roles[0].org if roles else None
    for before, role in pairwise(roles):
        org = role.org
        if first_org and org and not aliases.resolve(org) and org[-1] in "局司厅处" and org != first_org:
            role.org = first_org + org
        elif org is None and before.org and role.title in TITLES:
            # 副理事长、秘书长: a bare title after an organisation's title shares that organisation.
            role.org = before.org
    return roles


def _valid_name(name: str) -> bool:
    return (
        name not in _NOT_NAMES
        and not name.endswith(_NOT_NAME_ENDINGS)
        and name[:2] not in _NOT_NAME_WORDS
        and name not in PLACES
    )


def find_persons(text: str, aliases: AliasIndex) -> dict[str, list[Role]]:
    """Named people and the roles the text gives them, in order of first introduction.

    Three shapes: a title (chain) right before the name and a verb or a colon after it; ``name + 院士``;
    and a bare name opening a clause before a verb of saying (``习近平指出``), the last only when the name
    occurs at least twice, because a single bare hit is too often a word that starts with a surname.
    """
    persons: dict[str, list[Role]] = {}
    for match in _INTRO.finditer(text):
        name = match.group("name")
        if not _valid_name(name):
            continue
        chain = _chain_before(text, match.start("name"))
        _add_roles(persons.setdefault(name, []), _roles_of(chain, aliases))
    for match in _NAME_TITLE.finditer(text):
        name = match.group("name")
        if _valid_name(name):
            _add_roles(persons.setdefault(name, []), [Role(None, match.group("title"))])
    for match in _SPEAKS.finditer(text):
        name = match.group("name")
        if _valid_name(name) and name not in persons and text.count(name) >= 2:
            persons[name] = []
    return _drop_prefix_names(persons)


def _add_roles(roles: list[Role], new: Iterable[Role]) -> None:
    for role in new:
        if role not in roles:
            roles.append(role)


def _drop_prefix_names(persons: dict[str, list[Role]]) -> dict[str, list[Role]]:
    """罗俊 and 罗俊杰 both matching is one person: keep the longer name and merge roles."""
    names = list(persons)
    for short in names:
        longer = [n for n in names if n != short and n.startswith(short)]
        if longer:
            _add_roles(persons[longer[0]], persons.pop(short))
    return persons


def _scan_known(text: str, aliases: AliasIndex) -> tuple[list[tuple[int, int, str]], str]:
    """Dictionary forms in the text, longest match first and non-overlapping; the text with them masked."""
    spans: list[tuple[int, int, str]] = []
    masked = list(text)
    for form in aliases.forms_longest_first():
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            if all(ch != "\0" for ch in masked[start:end]) and not _inside_latin_word(text, start, end):
                spans.append((start, end, form))
                masked[start:end] = "\0" * len(form)
            start = text.find(form, end)
    return sorted(spans), "".join(masked)


def _inside_latin_word(text: str, start: int, end: int) -> bool:
    """``ARM`` must not match inside ``FARM``; Latin forms need word edges."""
    if not text[start:end].isascii():
        return False
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalpha())


def _org_type(name: str) -> str:
    for suffix, kind in (
        ("大学", "university"),
        ("学院", "university"),
        ("研究院", "research"),
        ("研究所", "research"),
        ("科学院", "research"),
        ("工程院", "research"),
        ("实验室", "research"),
        ("协会", "association"),
        ("学会", "association"),
        ("联盟", "association"),
        ("联合会", "association"),
        ("日报", "media"),
        ("总台", "media"),
        ("公司", "company"),
        ("集团", "company"),
        ("银行", "company"),
        ("证券", "company"),
        ("资本", "company"),
        ("控股", "company"),
    ):
        if name.endswith(suffix):
            return kind
    return "government" if name[-1] in "部局委厅署办" else "other"


_ORG_BREAKS = re.compile(
    r"部门|有关|相关|会同|发布|印发|表示|指出|介绍|认为|联合|携手|以及|日前|近日|近期|今年|目前|"
    r"[等的在对向为是将了从由据经并而但也还已均都称说]"
)


# 和/与/及 join two names (华为和中兴) or sit inside one (工业和信息化部): split only after a complete name.
def _split_joined(piece: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in re.finditer("[和与及]", piece):
        if piece[start : match.start()].endswith(ORG_SUFFIXES):
            parts.append(piece[start : match.start()])
            start = match.end()
    return [*parts, piece[start:]]


def _suffix_candidates(text: str, aliases: AliasIndex) -> list[tuple[str, str | None]]:
    """Names built on an organisation suffix, each with the known organisation it starts with (its parent).

    Titles and clause words are cut out first, so each remaining piece can hold at most one name, and the
    longest prefix of a piece that ends in a suffix is the candidate (全国人大常委会法制工作委员会, not
    全国人大常委). A compound such as 工信部运行监测协调局 becomes its own organisation whose parent is the
    dictionary entry it starts with.
    """
    cut = re.sub(_TITLE_RE, "|", text)
    found: list[tuple[str, str | None]] = []
    for chunk in re.split(rf"[^{_CJK}A-Za-z0-9·\-]+", cut):
        pieces = [p for part in _ORG_BREAKS.split(chunk) for p in _split_joined(part)]
        for piece in pieces:
            match = _ORG_PREFIX.match(_ORG_LEAD_WORDS.sub("", piece))
            name = _anchored(match.group(0), aliases) if match else None
            if name and _plausible_org(name, aliases):
                found.append((name, _known_prefix(name, aliases)))
    return found


_ROLE_BODY = re.compile(rf"[{_CJK}A-Za-z0-9·]{{4,20}}")
_BUREAU = re.compile(rf"[{_CJK}]{{2,8}}?(?:司|局|中心)(?![长门])")
_ANCHORS = ("中国", "国家", "全国", "中央", "国际", "联合国", "省", "市")
_STRONG_SUFFIXES = (
    "公司",
    "集团",
    "研究院",
    "大学",
    "学院",
    "协会",
    "学会",
    "联盟",
    "实验室",
    "资本",
    "证券",
    "日报",
    "工作组",
    "推进组",
    "委员会",
    "中心",
    "研究所",
)


def _anchored(name: str, aliases: AliasIndex) -> str | None:
    """The candidate cut to where a name can start: a known organisation, a place or 中国/国家….

    Suffix matches drag in the words before the name (整合中国废钢铁应用协会); cutting at the first anchor
    keeps the name. Unanchored names are kept only when short and built on a strong suffix (基石资本).
    """
    heads = [*aliases.by_form, *PLACES, *_ANCHORS[:5]]
    starts = [i for i in range(len(name) - 2) if any(name.startswith(h, i) for h in heads)]
    if starts:
        return name[starts[0] :]
    if re.match(r"[A-Za-z]{2,}", name):
        return name
    return name if len(name) <= 6 and name.endswith(_STRONG_SUFFIXES) else None


def _plausible_org(name: str, aliases: AliasIndex) -> bool:
    if len(name) < 3 or len(name) > 24 or aliases.resolve(name):
        return False
    if name.endswith(_NOT_ORG_ENDINGS) or name.startswith(_GENERIC_ORG_PREFIXES):
        return False
    if re.search(r"[的了是将在或等个年月日为家依托]|\d[\u4e00-\u9fff]|[和与及]$", name):
        return False
    stem = name.rstrip("".join(ORG_SUFFIXES))
    return len(stem) >= 2


def _known_prefix(name: str, aliases: AliasIndex) -> str | None:
    for form in aliases.forms_longest_first():
        if name.startswith(form) and len(form) < len(name):
            return aliases.by_form[form]
    return None


def _ministry_units(
    text: str, spans: list[tuple[int, int, str]], aliases: AliasIndex
) -> list[tuple[str, str]]:
    """Bureaux printed right after their ministry (工信部电子信息司), as (printed compound, ministry name)."""
    found: list[tuple[str, str]] = []
    for _, end, form in spans:
        entry = aliases.resolve(form)
        if entry is None or entry.type != "government":
            continue
        match = _BUREAU.match(text, end)
        if match and not _ORG_BREAKS.search(match.group(0)):
            found.append((form + match.group(0), entry.name))
    return found


def _role_bodies(role_orgs: Iterable[str], text: str, aliases: AliasIndex) -> list[tuple[str, str | None]]:
    """Organisations that only a person's role names (星云Clustar联合创始人, 华芯微电子董事长).

    Anonymised bodies (某…) and internal units (…部, …室) are left in the role, as the gold convention says;
    a unit whose outer body ends in a strong suffix gives that body (华北信息经济研究中心 of its 研究室), and
    a bare bureau (电子信息司) is tied to the ministry the text names.
    """
    found: list[tuple[str, str | None]] = []
    for org in role_orgs:
        if org.startswith("某") or aliases.resolve(org) or not _ROLE_BODY.fullmatch(org):
            continue
        outer = _outer_body(org)
        if outer and outer != org:
            found.append((outer, _known_prefix(outer, aliases)))
            if not (aliases.resolve(outer) or _known_prefix(org, aliases)):
                continue
        if org[-1] in "司局" and not _known_prefix(org, aliases):
            ministry = _ministry_in(text, aliases)
            if ministry:
                found.append((ministry + org, ministry))
            continue
        if not org.endswith(_INTERNAL_UNIT_ENDINGS):
            found.append((org, _known_prefix(org, aliases)))
    return found


def _outer_body(org: str) -> str | None:
    """The shortest leading name of ``org`` that ends in a strong suffix (东南…研究院 of …研究院通信研究所)."""
    for end in range(4, len(org) + 1):
        if org[:end].endswith(_STRONG_SUFFIXES):
            return org[:end]
    return None


def _ministry_in(text: str, aliases: AliasIndex) -> str | None:
    for form in aliases.forms_longest_first():
        entry = aliases.resolve(form)
        if entry and entry.type == "government" and entry.name.endswith("部") and form in text:
            return entry.name
    return None


def find_organizations(text: str, aliases: AliasIndex, role_orgs: Iterable[str] = ()) -> list[EntityRecord]:
    """Organisations: dictionary forms (aliases resolved to one name), suffix-built names, foreign bodies
    (日本经济产业省), bureaux of a named ministry, and the bodies persons' roles name (``role_orgs``).

    Counting is longest match first, so 京东 is not counted inside 京东方; a parent named only inside its
    unit's name (银保监会 in 银保监会消保局) is still listed, because the text does name it.
    """
    spans, masked = _scan_known(text, aliases)
    orgs: dict[str, EntityRecord] = {}
    for _, _, form in spans:
        entry = aliases.resolve(form)
        assert entry is not None
        record = orgs.setdefault(entry.name, _dict_record(entry))
        record.mentions += 1
        if form not in record.forms:
            record.forms.append(form)
        if entry.parent and entry.parent not in orgs:
            orgs[entry.parent] = _dict_record(aliases.entries[entry.parent])
    extra = [
        *_ministry_units(text, spans, aliases),
        *((m.group(0), None) for m in _FOREIGN_BODY.finditer(text)),
        *_role_bodies(role_orgs, text, aliases),
    ]
    for name, parent in [*_suffix_candidates(text, aliases), *extra]:
        if name in orgs or aliases.resolve(name):
            continue
        count = masked.count(name) or text.count(name)
        orgs[name] = EntityRecord(
            name,
            "organization",
            mentions=count,
            forms=[name] if name in text else [name, name.removeprefix(parent or "")],
            org_type=_org_type(name),
            parent=parent,
            source="suffix",
        )
        if parent and parent not in orgs:
            orgs[parent] = _dict_record(aliases.entries[parent])
    return _drop_contained(list(orgs.values()))


def _dict_record(entry: OrgEntry) -> EntityRecord:
    return EntityRecord(
        entry.name,
        "organization",
        aliases=list(entry.aliases),
        org_type=entry.type,
        parent=entry.parent,
        source="dictionary",
    )


def _drop_contained(orgs: list[EntityRecord]) -> list[EntityRecord]:
    """A suffix name that is only the tail of a longer one (监测协调局 of 运行监测协调局) is not its own body."""
    names = [o.name for o in orgs]
    return [
        o
        for o in orgs
        if o.source != "suffix"
        or not any(n != o.name and n.endswith(o.name) and o.mentions <= 1 for n in names)
    ]


def find_places(text: str) -> dict[str, int]:
    """Places from the gazetteer, longest first and non-overlapping (内蒙古 is not also 蒙古)."""
    counts: dict[str, int] = {}
    masked = text
    for place in sorted(PLACES, key=len, reverse=True):
        n = masked.count(place)
        if n:
            counts[place] = n
            masked = masked.replace(place, "\0" * len(place))
    return counts


def _name_mentions(text: str, name: str) -> int:
    return max(1, text.count(name))


def entities_of(article: Article, aliases: AliasIndex) -> list[EntityRecord]:
    """All entities of one article: persons first (with roles), then organisations, then places.

    The pipeline calls this once per article; it reads only the article, so it runs the same in-process
    or in a Dask partition. Places inside an organisation's name (中国 in 中国移动) are not counted.
    """
    text = article_text(article)
    found = find_persons(text, aliases)
    persons = [
        EntityRecord(name, "person", roles=roles, mentions=_name_mentions(text, name), source="pattern")
        for name, roles in found.items()
    ]
    role_orgs = [r.org for roles in found.values() for r in roles if r.org]
    orgs = find_organizations(text, aliases, role_orgs)
    masked = text
    for org in sorted({f for o in orgs for f in o.forms}, key=len, reverse=True):
        masked = masked.replace(org, "\0" * len(org))
    places = [
        EntityRecord(name, "place", mentions=n, source="gazetteer") for name, n in find_places(masked).items()
    ]
    return persons + orgs + places
