"""Editions: editions.toml read strictly, and an edition's filters applied to a sample composition.

The composition is sample-a (a bundled sample bulletin) rendered to PDF and parsed back, so the pieces,
titles and 专家观点 links are the ones the real pipeline produces.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jiance.errors import ConfigError
from jiance.pipeline import parse_bytes
from jiance.publish.compose import composition_from_bulletin
from jiance.publish.editions import (
    DEFAULT_EDITION,
    ArticleFacts,
    Edition,
    apply_edition,
    default_edition,
    edition_named,
    load_editions,
)
from jiance.publish.model import Branding, Composition, KeyFigure, Piece
from jiance.records import EXPERT_OPINION, Bulletin
from jiance.samples.corpus import load_sample
from jiance.samples.pdf import render_pdf

RISC = "RISC-V 高性能处理器密集发布 生态成熟度仍是关键"
LLM = "大模型推理成本一年下降九成 端侧AI迎来应用拐点"
SIXG = "6G 太赫兹通信试验取得新进展"
WIFI = "Wi-Fi 7 路由器出货量快速攀升"
BASE_STATIONS = "全国5G基站总数突破480万个 千兆宽带用户占比超过三成"
CMCC = "中国移动：年内建成全国一体化“算力并网”调度平台"
NEV = "新能源汽车产销双双突破1400万辆"


@pytest.fixture(scope="module")
def bulletin() -> Bulletin:
    return parse_bytes(render_pdf(load_sample("sample-a")), "a.pdf")


@pytest.fixture(scope="module")
def comp(bulletin: Bulletin) -> Composition:
    return composition_from_bulletin(bulletin)


def ids(comp: Composition) -> dict[str, str]:
    """Article id by title, to write facts against."""
    return {p.title: p.article_id for p in comp.pieces}


def titles(comp: Composition) -> list[str]:
    return [p.title for p in comp.pieces]


def columns(comp: Composition) -> list[str]:
    return [s.name for s in comp.sections]


def opinions_after(comp: Composition, title: str) -> list[str]:
    return [p.title for p in comp.pieces if p.kind == EXPERT_OPINION and p.related_title == title]


def apply(comp: Composition, facts: dict[str, ArticleFacts] | None = None, **options: object) -> Composition:
    return apply_edition(comp, Edition(name="test", **options), facts or {})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ the sample


def test_sample_has_what_the_tests_rely_on(comp: Composition) -> None:
    assert columns(comp) == ["产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴"]
    assert len(opinions_after(comp, RISC)) == 2 and len(opinions_after(comp, LLM)) == 2
    assert {RISC, LLM, SIXG, WIFI, BASE_STATIONS, CMCC, NEV} <= set(titles(comp))


# --------------------------------------------------------------------------------------------- columns


def test_default_edition_keeps_everything_with_house_branding(comp: Composition) -> None:
    out = apply_edition(comp, default_edition(), {})
    assert titles(out) == titles(comp) and columns(out) == columns(comp)
    assert out.edition == DEFAULT_EDITION
    assert out.branding == Branding()
    assert out.notes == [] and not out.empty


def test_columns_select_and_order(comp: Composition) -> None:
    out = apply(comp, include_columns=["技术情报", "运营竞争"])
    assert columns(out) == ["技术情报", "运营竞争"]
    assert out.sections[0].pieces[0].title == SIXG
    assert f"栏目「产业环境」不在本版: {NEV}" in out.notes
    assert sum("不在本版" in n for n in out.notes) == len(comp.pieces) - len(out.pieces)


def test_exclude_columns_win_over_include(comp: Composition) -> None:
    out = apply(comp, include_columns=["技术情报", "运营竞争"], exclude_columns=["运营竞争"])
    assert columns(out) == ["技术情报"]
    assert f"排除栏目「运营竞争」: {CMCC}" in out.notes


def test_opinions_in_a_dropped_column_give_the_column_as_reason(comp: Composition) -> None:
    out = apply(comp, exclude_columns=["技术情报"])
    tech = next(s for s in comp.sections if s.name == "技术情报")
    assert out.notes == [f"排除栏目「技术情报」: {p.title}" for p in tech.pieces]


def test_column_order_only_reorders(comp: Composition) -> None:
    out = apply(comp, column_order=["海外借鉴", "技术情报"])
    assert columns(out) == ["海外借鉴", "技术情报", "产业环境", "运营竞争", "企业情报"]
    assert len(out.pieces) == len(comp.pieces)


def test_column_names_match_folded(comp: Composition) -> None:
    assert columns(apply(comp, include_columns=["技术情报 "])) == ["技术情报"]


def test_a_column_the_issue_lacks_is_noted(comp: Composition) -> None:
    out = apply(comp, include_columns=["运营竞争", "技术请报"])
    assert columns(out) == ["运营竞争"]
    assert out.notes[0] == "栏目「技术请报」本期没有"


# --------------------------------------------------------------------------------------- include rules


def test_keywords_match_folded_title_and_body(comp: Composition) -> None:
    out = apply(comp, keywords=["ｒｉｓｃ－ｖ"])  # full-width and lower case
    assert titles(out)[0] == RISC
    assert opinions_after(out, RISC) == opinions_after(comp, RISC)
    body_only = apply(comp, keywords=["太赫兹频段"])  # not in any title
    assert SIXG in titles(body_only)


def test_topics_match_facts_tags(comp: Composition) -> None:
    facts = {ids(comp)[BASE_STATIONS]: ArticleFacts(tags=["5G"]), ids(comp)[NEV]: ArticleFacts(tags=["汽车"])}
    out = apply(comp, facts, topics=["５g"])
    assert titles(out) == [BASE_STATIONS]
    assert f"未命中本版主题、关键词或实体: {NEV}" in out.notes


def test_entities_match_facts_entities(comp: Composition) -> None:
    facts = {
        ids(comp)[CMCC]: ArticleFacts(entities=["中国移动"]),
        ids(comp)[WIFI]: ArticleFacts(entities=["华为"]),
    }
    assert titles(apply(comp, facts, entities=["中国移动"])) == [CMCC]


def test_any_include_criterion_keeps_an_article(comp: Composition) -> None:
    facts = {
        ids(comp)[BASE_STATIONS]: ArticleFacts(tags=["5G"]),
        ids(comp)[CMCC]: ArticleFacts(entities=["中国移动"]),
    }
    out = apply(comp, facts, topics=["5G"], entities=["中国移动"], keywords=["Wi-Fi 7"])
    assert titles(out) == [BASE_STATIONS, CMCC, WIFI]


def test_topics_from_the_real_tagger(comp: Composition, bulletin: Bulletin) -> None:
    from jiance.stages.tags import load_taxonomy, tags_of

    taxonomy = load_taxonomy()
    facts = {a.id: ArticleFacts(tags=[m.tag for m in tags_of(a, taxonomy)]) for a in bulletin.articles}
    out = apply(comp, facts, topics=["chips"])
    chips = [a.title for a in bulletin.articles if a.kind != EXPERT_OPINION and "chips" in facts[a.id].tags]
    assert [p.title for p in out.pieces if p.kind != EXPERT_OPINION] == chips
    assert RISC in chips and LLM not in titles(out)
    assert opinions_after(out, RISC) == opinions_after(comp, RISC)  # untagged opinions follow their article
    assert opinions_after(out, LLM) == []


# --------------------------------------------------------------------------------------- exclude rules


def test_exclude_keyword_drops_and_says_why(comp: Composition) -> None:
    out = apply(comp, exclude_keywords=["新能源汽车"])
    assert NEV not in titles(out)
    assert f"排除关键词「新能源汽车」: {NEV}" in out.notes


def test_exclusion_wins_over_inclusion(comp: Composition) -> None:
    out = apply(comp, keywords=["RISC-V", "Wi-Fi"], exclude_keywords=["路由器"])
    assert [p.title for p in out.pieces if p.kind != EXPERT_OPINION] == [RISC]


def test_exclude_topics_and_entities(comp: Composition) -> None:
    facts = {
        ids(comp)[BASE_STATIONS]: ArticleFacts(tags=["5G"]),
        ids(comp)[CMCC]: ArticleFacts(entities=["中国移动"]),
    }
    out = apply(comp, facts, exclude_topics=["5g"], exclude_entities=["中国移动"])
    assert BASE_STATIONS not in titles(out) and CMCC not in titles(out)
    assert f"排除主题「5g」: {BASE_STATIONS}" in out.notes
    assert f"排除实体「中国移动」: {CMCC}" in out.notes
    assert len(out.pieces) == len(comp.pieces) - 2


# --------------------------------------------------------------------------------- opinions and caps


def test_opinions_follow_their_dropped_article(comp: Composition) -> None:
    out = apply(comp, exclude_keywords=["RISC-V架构"])  # in the article's body
    assert RISC not in titles(out)
    for opinion in opinions_after(comp, RISC):
        assert opinion not in titles(out)
        assert f"随文章《{RISC}》删去: {opinion}" in out.notes
    assert opinions_after(out, LLM) == opinions_after(comp, LLM)


def test_an_opinion_can_be_excluded_alone(comp: Composition) -> None:
    first, second = opinions_after(comp, RISC)
    speaker = next(p.speaker for p in comp.pieces if p.title == first)
    assert speaker
    out = apply(comp, exclude_keywords=[speaker])
    assert RISC in titles(out) and first not in titles(out) and second in titles(out)


def test_cap_counts_articles_and_opinions_follow(comp: Composition) -> None:
    out = apply(comp, max_per_column=2)
    tech = next(s for s in out.sections if s.name == "技术情报")
    assert [p.title for p in tech.articles] == [SIXG, RISC]
    assert [p.title for p in tech.opinions] == opinions_after(comp, RISC)
    assert all(len(s.articles) <= 2 for s in out.sections)
    assert f"超出每栏 2 篇上限: {WIFI}" in out.notes
    assert f"随文章《{LLM}》删去: {opinions_after(comp, LLM)[0]}" in out.notes


def test_cap_applies_after_filtering(comp: Composition) -> None:
    out = apply(comp, keywords=["RISC-V", "Wi-Fi", "6G"], max_per_column=1)
    assert [p.title for p in out.pieces if p.kind != EXPERT_OPINION] == [SIXG]


# ------------------------------------------------------------------------------- the result as a whole


def test_empty_edition_says_why(comp: Composition) -> None:
    out = apply(comp, keywords=["本期没有的词"])
    assert out.empty and out.sections == []
    assert out.notes[-1] == f"本版（test）没有可印的内容：{len(comp.pieces)} 篇全部被本版条件删去"
    custom = apply(comp, keywords=["本期没有的词"], empty_message="本期无相关内容，下期再见。")
    assert custom.notes[-1] == "本期无相关内容，下期再见。"


def test_branding_edition_and_anchors(comp: Composition) -> None:
    brand = Branding(name="信息产业监测（运营商版）", client="某运营商战略部", primary="#0b5394")
    out = apply_edition(comp, Edition(name="carrier", include_columns=["技术情报"], branding=brand), {})
    assert out.edition == "carrier" and out.branding == brand and out.branding is not brand
    assert [s.anchor for s in out.sections] == ["s1"]
    assert [p.anchor for p in out.pieces] == [f"s1-{i}" for i in range(1, len(out.pieces) + 1)]


def test_input_is_not_mutated(comp: Composition) -> None:
    before = dataclasses.asdict(comp)
    out = apply(comp, include_columns=["海外借鉴", "技术情报"], exclude_keywords=["RISC-V"], max_per_column=1)
    out.pieces[0].title = "改过的标题"
    out.notes.append("x")
    assert dataclasses.asdict(comp) == before
    assert not {id(p) for p in out.pieces} & {id(p) for p in comp.pieces}


def test_figures_of_dropped_articles_leave_the_box(comp: Composition) -> None:
    boxed = dataclasses.replace(
        comp,
        key_figures=[
            KeyFigure("新能源汽车产量", "1400", "万辆", article_id=ids(comp)[NEV]),
            KeyFigure("5G基站", "480", "万个", article_id=ids(comp)[BASE_STATIONS]),
        ],
    )
    out = apply(boxed, exclude_keywords=["新能源汽车"])
    assert [f.label for f in out.key_figures] == ["5G基站"]
    assert "关键数字随文章删去: 新能源汽车产量" in out.notes
    assert len(boxed.key_figures) == 2


def test_an_opinion_without_related_title_follows_the_article_before_it(comp: Composition) -> None:
    loose = dataclasses.replace(comp, sections=[dataclasses.replace(s) for s in comp.sections])
    tech = next(s for s in loose.sections if s.name == "技术情报")
    tech.pieces = [
        dataclasses.replace(p, related_title=None) if p.kind == EXPERT_OPINION else p for p in tech.pieces
    ]
    out = apply(loose, exclude_keywords=["RISC-V架构"])
    remaining: list[Piece] = next(s for s in out.sections if s.name == "技术情报").pieces
    assert [p.title for p in remaining if p.kind == EXPERT_OPINION] == opinions_after(comp, LLM)


# -------------------------------------------------------------------------------------- editions.toml

FULL = """
[editions.carrier]
title = "运营商版"
columns = ["运营竞争", "技术情报"]
exclude_columns = []
topics = ["5G"]
keywords = ["基站"]
entities = ["中国移动"]
exclude_keywords = ["广告"]
max_per_column = 5
empty_message = "本期没有运营商相关内容。"

[editions.carrier.branding]
name = "信息产业监测（运营商版）"
client = "某运营商战略部"
primary = "#0b5394"
accent = "#fa0"
logo = "logo.png"
contact = "400-000-0000"
cover_text = "内部参考"
"""


def write(tmp_path: Path, text: str, *, logo: bool = True) -> Path:
    if logo:
        (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = tmp_path / "editions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_full_example(tmp_path: Path) -> None:
    editions = load_editions(write(tmp_path, FULL))
    carrier = editions["carrier"]
    assert list(editions) == ["carrier"]
    assert carrier.title == "运营商版" and carrier.display == "运营商版"
    assert carrier.include_columns == ["运营竞争", "技术情报"]
    assert (carrier.topics, carrier.keywords, carrier.entities) == (["5G"], ["基站"], ["中国移动"])
    assert carrier.exclude_keywords == ["广告"] and carrier.max_per_column == 5
    assert carrier.empty_message == "本期没有运营商相关内容。"
    assert carrier.branding.name == "信息产业监测（运营商版）" and carrier.branding.accent == "#fa0"
    assert carrier.branding.copyright == Branding().copyright  # keys not given keep the house default


def test_logo_is_resolved_against_the_file_folder(tmp_path: Path) -> None:
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "mark.svg").write_text("<svg/>", encoding="utf-8")
    text = '[editions.a.branding]\nlogo = "art/mark.svg"\n'
    logo = load_editions(write(tmp_path, text, logo=False))["a"].branding.logo
    assert logo == str((tmp_path / "art" / "mark.svg").resolve())
    assert Path(logo).is_absolute()


def test_missing_file_defines_nothing_but_default_exists(tmp_path: Path) -> None:
    editions = load_editions(tmp_path / "editions.toml")
    assert editions == {}
    assert edition_named(editions, "default") == default_edition()


def test_default_edition_can_be_restyled(tmp_path: Path) -> None:
    editions = load_editions(write(tmp_path, '[editions.default.branding]\nname = "某集团信息监测"\n'))
    default = edition_named(editions, "default")
    assert default.branding.name == "某集团信息监测" and default.title == default_edition().title


def test_unknown_edition_name_is_an_error_with_a_hint(tmp_path: Path) -> None:
    editions = load_editions(write(tmp_path, FULL))
    with pytest.raises(ConfigError, match="did you mean 'carrier'"):
        edition_named(editions, "carier")


def test_carrier_example_applies(tmp_path: Path, comp: Composition) -> None:
    carrier = load_editions(write(tmp_path, FULL))["carrier"]
    facts = {ids(comp)[CMCC]: ArticleFacts(entities=["中国移动"])}
    out = apply_edition(comp, carrier, facts)
    assert columns(out) == ["运营竞争", "技术情报"]
    assert titles(out) == [CMCC, SIXG]  # CMCC by entity; the 6G article's body speaks of 基站
    assert out.branding.logo == str((tmp_path / "logo.png").resolve())


BAD = [
    ('[editions.a]\ncolumn = ["技术情报"]\n', "editions.a: unknown key 'column'; did you mean 'columns'?"),
    ('[editions.a.branding]\nprimery = "#000"\n', "editions.a.branding: unknown key 'primery'"),
    ('[edition.a]\ntitle = "x"\n', "unknown key 'edition'"),
    ("editions = 3\n", "editions: must be a table"),
    ('[editions]\na = "x"\n', "editions.a: must be a table"),
    ('[editions.a]\nbranding = "x"\n', "editions.a.branding: must be a table"),
    ('[editions.a]\ncolumns = "技术情报"\n', "editions.a.columns: must be a list of non-empty strings"),
    ('[editions.a]\nkeywords = ["基站", 5]\n', "editions.a.keywords: must be a list of non-empty strings"),
    ('[editions.a]\nexclude_keywords = [" "]\n', "editions.a.exclude_keywords: must be a list"),
    ("[editions.a]\ntitle = 1\n", "editions.a.title: must be a string"),
    ("[editions.a]\nmax_per_column = -1\n", "editions.a.max_per_column: must be at least 1"),
    ("[editions.a]\nmax_per_column = 0\n", "editions.a.max_per_column: must be at least 1"),
    ("[editions.a]\nmax_per_column = true\n", "editions.a.max_per_column: must be an integer"),
    ('[editions.a]\nmax_per_column = "5"\n', "editions.a.max_per_column: must be an integer"),
    ('[editions.a.branding]\nprimary = "#12345"\n', "editions.a.branding.primary: colour must be #rgb"),
    ('[editions.a.branding]\nprimary = "blue"\n', "editions.a.branding.primary: colour must be #rgb"),
    ('[editions.a.branding]\naccent = "#ggg"\n', "editions.a.branding.accent: colour must be #rgb"),
    (
        '[editions.a.branding]\nname = " "\n',
        "editions.a.branding.name: the bulletin's name must not be empty",
    ),
    ("[editions.a.branding]\ncontact = 400\n", "editions.a.branding.contact: must be a string"),
    ('[editions.a.branding]\nlogo = "nowhere.png"\n', "editions.a.branding.logo: logo file"),
    (
        '[editions.a.branding]\nlogo = "logo.gif"\n',
        "editions.a.branding.logo: logo must be a PNG, JPEG or SVG",
    ),
    ("[editions.a\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_config_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_editions(path)
    assert caught.value.where == str(path)
    assert message in caught.value.message
    assert str(path) in str(caught.value)


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "editions.toml"
    path.write_bytes('[editions.a]\ntitle = "运营商版"\n'.encode("gb18030"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_editions(path)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "editions.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    editions = load_editions(write(tmp_path, example))
    assert set(editions) == {"carrier", "default"}
    assert editions["carrier"].branding.publisher == "某研究中心"
