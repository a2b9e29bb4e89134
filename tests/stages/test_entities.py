from pathlib import Path

from jiance.records import Article
from jiance.stages.entities import entities_of, load_aliases, split_role


def _article(*paragraphs: str) -> Article:
    return Article(kind="article", title="测试", paragraphs=list(paragraphs))


def test_title_chain_gives_two_roles_and_inherits_the_ministry() -> None:
    aliases = load_aliases()
    text = "工信部新闻发言人、运行监测协调局局长罗俊杰介绍，产量增长。罗俊杰表示，形势向好。"
    people = [e for e in entities_of(_article(text), aliases) if e.type == "person"]
    assert [p.name for p in people] == ["罗俊杰"]
    roles = [(r.org, r.title) for r in people[0].roles]
    assert roles == [("工信部", "新闻发言人"), ("工信部运行监测协调局", "局长")]
    assert people[0].mentions == 2


def test_aliases_resolve_to_one_organisation() -> None:
    entities = entities_of(
        _article("工信部发布数据。工业和信息化部还表示，阿里云将扩大投入。"), load_aliases()
    )
    orgs = {e.name: e for e in entities if e.type == "organization"}
    assert orgs["工业和信息化部"].mentions == 2
    assert "工信部" in orgs["工业和信息化部"].aliases
    assert orgs["阿里云智能"].parent == "阿里巴巴"


def test_field_prefix_is_part_of_the_title() -> None:
    role = split_role("电信专家", load_aliases())
    assert (role.org, role.title) == (None, "电信专家")


def test_anonymous_people_are_not_persons() -> None:
    entities = entities_of(_article("65岁的张女士表示，操作太复杂。张女士说，希望简化。"), load_aliases())
    assert not [e for e in entities if e.type == "person"]


def test_workspace_file_extends_the_dictionary(tmp_path: Path) -> None:
    extra = tmp_path / "aliases.toml"
    extra.write_text('["星河通信"]\ntype = "company"\naliases = ["星河"]\n', encoding="utf-8")
    aliases = load_aliases(extra)
    assert aliases.resolve("星河") is not None
    orgs = [e.name for e in entities_of(_article("星河宣布扩产。"), aliases) if e.type == "organization"]
    assert orgs == ["星河通信"]


def test_places_outside_org_names() -> None:
    entities = entities_of(_article("中国移动在上海建设数据中心。"), load_aliases())
    places = [e.name for e in entities if e.type == "place"]
    assert places == ["上海"]


def _roles(text: str) -> dict[str, list[tuple[str | None, str]]]:
    entities = entities_of(_article(text), load_aliases())
    return {e.name: [(r.org, r.title) for r in e.roles] for e in entities if e.type == "person"}


def _orgs(text: str) -> set[str]:
    return {e.name for e in entities_of(_article(text), load_aliases()) if e.type == "organization"}


def test_bare_title_in_a_chain_shares_the_organisation() -> None:
    roles = _roles("中国半导体行业协会副理事长、秘书长钱立方认为，产能将过剩。")
    assert roles["钱立方"] == [("中国半导体行业协会", "副理事长"), ("中国半导体行业协会", "秘书长")]


def test_name_followed_by_honorific_title() -> None:
    roles = _roles("中国工程院院士、东南大学校长马一鸣教授在会上指出，要共建平台。")
    assert roles["马一鸣"] == [("中国工程院", "院士"), ("东南大学", "校长"), (None, "教授")]


def test_anonymised_and_short_company_names_in_roles() -> None:
    roles = _roles("某储能企业首席技术官蒋一帆表示，成本下降。蓝海微电子董事长程立表示，订单充足。")
    assert roles["蒋一帆"] == [("某储能企业", "首席技术官")]
    assert roles["程立"] == [("蓝海微电子", "董事长")]
    assert "蓝海微电子" in _orgs("蓝海微电子董事长程立表示，订单充足。")


def test_foreign_ministry_and_bureau_of_a_named_ministry() -> None:
    orgs = _orgs("法国经济部宣布补贴。工业和信息化部召开会议，电子信息司副司长严明介绍了情况。")
    assert {"法国经济部", "工业和信息化部电子信息司"} <= orgs


def test_generic_phrases_are_no_organisations() -> None:
    assert not _orgs("中国头部平台公司和中国商业银行正在布局汽车金融。")
