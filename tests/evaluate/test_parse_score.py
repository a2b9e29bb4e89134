"""The parse scorer on small hand-made bulletins: each defect moves exactly the metric it should."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiance.evaluate import Gold, GoldRecord, detect_furniture, edit_similarity, render_score, score_parse
from jiance.evaluate.parse import levenshtein

GOLD: list[dict[str, Any]] = [
    {
        "kind": "article",
        "section": "行业动态",
        "title": "某市发布智能制造三年计划",
        "subheadings": ["一、总体目标"],
        "paragraphs": [
            "计划提出到明年建成二十个示范工厂。",
            "一、总体目标",
            "全市规上企业数字化率超过六成。",
        ],
    },
    {
        "kind": "article",
        "section": "行业动态",
        "title": "光伏组件价格连续三周回落",
        "subheadings": [],
        "paragraphs": ["多晶硅料库存走高，下游观望情绪浓厚。", "业内预计价格将在四季度企稳。"],
    },
    {
        "kind": "article",
        "section": "企业观察",
        "title": "一家芯片企业完成新一轮融资",
        "subheadings": [],
        "paragraphs": ["本轮融资将主要用于车规级芯片研发。"],
    },
    {
        "kind": "expert_opinion",
        "section": "企业观察",
        "title": "某研究院院长张三：算力需要统筹布局",
        "speaker": "某研究院院长张三",
        "headline": "算力需要统筹布局",
        "related_title": "一家芯片企业完成新一轮融资",
        "subheadings": [],
        "paragraphs": ["东西部算力资源应当协同。"],
    },
]


def predicted_from(gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gold records in the shape ``jiance parse`` prints (body joined by newlines)."""
    out = []
    for rec in gold:
        pred = {k: v for k, v in rec.items() if k != "paragraphs"}
        pred["body"] = "\n".join(rec["paragraphs"])
        out.append(pred)
    return out


def test_perfect_parse_scores_one_everywhere() -> None:
    score = score_parse(predicted_from(GOLD), GOLD)
    for name, value in score.metrics().items():
        if name in {"furniture_leaks", "gold_records", "predicted_records", "matched_records"}:
            continue
        assert value == 1.0, name
    assert (score.gold_records, score.predicted_records, score.matched_records) == (4, 4, 4)
    assert not score.missed and not score.spurious and not score.worst_bodies


def test_width_case_and_spacing_do_not_count_as_errors() -> None:
    pred = predicted_from(GOLD)
    pred[0]["title"] = "某市发布 智能制造三年计划 "
    pred[1]["body"] = pred[1]["body"].replace("，", ",")  # full-width comma folds to ASCII
    score = score_parse(pred, GOLD)
    assert score.titles.f1 == 1.0
    assert score.body_similarity == 1.0


def test_merged_article_lowers_title_recall_and_paragraph_precision() -> None:
    pred = predicted_from(GOLD)
    pred[0]["body"] += "\n" + GOLD[1]["title"] + "\n" + pred[1]["body"]
    del pred[1]
    score = score_parse(pred, GOLD)
    assert score.titles.recall == pytest.approx(2 / 3)
    assert score.titles.precision == 1.0
    assert score.paragraphs.precision < 1.0
    assert score.body_similarity_min < 0.7
    assert [m["title"] for m in score.missed] == [GOLD[1]["title"]]
    assert score.worst_bodies[0].title == GOLD[0]["title"]


def test_split_paragraph_lowers_boundary_precision_only() -> None:
    pred = predicted_from(GOLD)
    pred[1]["body"] = pred[1]["body"].replace("走高，", "走高，\n")
    score = score_parse(pred, GOLD)
    assert score.paragraphs.recall == 1.0
    assert score.paragraphs.precision == pytest.approx(3 / 4)  # micro: 3 true boundaries of 4 predicted
    assert score.body_similarity == 1.0


def test_joined_paragraphs_lower_boundary_recall() -> None:
    pred = predicted_from(GOLD)
    pred[1]["body"] = pred[1]["body"].replace("\n", "")
    score = score_parse(pred, GOLD)
    assert score.paragraphs.recall == pytest.approx(2 / 3)  # micro: the 2 of article 0 remain
    assert score.paragraphs.precision == 1.0


def test_boundaries_are_aligned_through_a_changed_character() -> None:
    pred = predicted_from(GOLD)
    pred[0]["body"] = "X" + pred[0]["body"]  # one stray character must not shift every boundary
    score = score_parse(pred, GOLD)
    assert score.paragraphs.f1 == 1.0
    assert score.body_similarity < 1.0


def test_leaked_footer_is_counted() -> None:
    footer = "©2024 某某咨询 版权所有 内部资料"
    source = "\n".join(["正文一", footer, "Page 3", "正文二", footer, "Page 4", "正文三", footer, "- 5 -"])
    pred = predicted_from(GOLD)
    pred[1]["body"] = pred[1]["body"].replace("浓厚。", "浓厚。©2025 某某咨询 版权所有 内部资料")
    pred[2]["body"] += "\nPage 9"
    score = score_parse(pred, GOLD, source_text=source)
    assert score.furniture_leaks == 2
    assert {leak.reason for leak in score.leaks} == {"repeated", "page-number"}
    assert "furniture leaks 2" in render_score(score)


def test_no_source_text_means_no_furniture_check() -> None:
    assert score_parse(predicted_from(GOLD), GOLD).furniture_leaks == 0


def test_furniture_detection_keeps_gold_content_and_section_headings() -> None:
    source = "\n".join(
        ["专家观点", "来源：某日报", "第 2 页", "来源：某日报", "专家观点", "来源：某日报", "专家观点"]
    )
    keys = {f.reason: f.text for f in detect_furniture(source)}
    assert keys == {"repeated": "来源：某日报", "page-number": "第 2 页"}
    assert [f.text for f in detect_furniture(source, keep=["文末注明来源：某日报"])] == ["第 2 页"]


def test_contents_lines_are_furniture() -> None:
    source = "目录\n某市发布智能制造三年计划......3\n光伏组件价格连续三周回落……5\n正文"
    reasons = [f.reason for f in detect_furniture(source)]
    assert reasons == ["contents", "contents", "contents"]


def test_wrong_section_lowers_column_accuracy_not_titles() -> None:
    pred = predicted_from(GOLD)
    pred[2]["section"] = "行业动态"
    score = score_parse(pred, GOLD)
    assert score.titles.f1 == 1.0
    assert score.column_accuracy == pytest.approx(3 / 4)
    assert score.wrong_section == [
        {"title": GOLD[2]["title"], "gold_section": "企业观察", "predicted_section": "行业动态"}
    ]


def partial_gold() -> Gold:
    records = [
        GoldRecord(r["kind"], r["title"], r["paragraphs"], r["section"], r["subheadings"]) for r in GOLD[:2]
    ]
    return Gold(records=records, covers="the first column only")


def test_out_of_scope_sections_are_ignored() -> None:
    pred = [
        *predicted_from(GOLD),
        {"kind": "article", "section": "海外", "title": "别的栏目", "body": "无关"},
    ]
    score = score_parse(pred, partial_gold())
    assert score.scope == ["行业动态"]
    assert score.predicted_records == 2
    assert score.titles.f1 == 1.0 and not score.spurious


def test_gold_title_in_another_section_is_a_column_error_in_partial_gold() -> None:
    pred = predicted_from(GOLD[:2])
    pred[1]["section"] = "企业观察"
    score = score_parse(pred, partial_gold())
    assert score.titles.f1 == 1.0
    assert score.column_accuracy == pytest.approx(1 / 2)


def test_spurious_in_scope_record_lowers_precision() -> None:
    extra = {"kind": "article", "section": "行业动态", "title": "总体目标", "body": "全市规上企业"}
    score = score_parse([*predicted_from(GOLD), extra], GOLD)
    assert score.titles.precision == pytest.approx(3 / 4)
    assert score.spurious[0]["title"] == "总体目标"


def test_expert_pieces_match_by_speaker_and_headline() -> None:
    pred = predicted_from(GOLD)
    pred[3]["title"] = "算力需要统筹布局"  # a different title is fine when speaker + headline agree
    pred[3]["related_title"] = "光伏组件价格连续三周回落"
    score = score_parse(pred, GOLD)
    assert score.experts.recall == 1.0
    assert score.related_title_accuracy == 0.0
    assert score.titles.f1 == 1.0  # expert pieces never enter the title metrics


def test_missed_expert_piece_lowers_expert_recall() -> None:
    pred = predicted_from(GOLD)[:3]
    score = score_parse(pred, GOLD)
    assert score.experts.recall == 0.0
    assert score.titles.f1 == 1.0


def test_missing_subheading_lowers_subheading_recall() -> None:
    pred = predicted_from(GOLD)
    pred[0]["subheadings"] = []
    score = score_parse(pred, GOLD)
    assert score.subheadings.recall == 0.0
    assert score.subheading_errors == [{"title": GOLD[0]["title"], "missing": ["一、总体目标"], "extra": []}]


def test_score_to_dict_is_json_ready() -> None:
    import json

    data = score_parse(predicted_from(GOLD), GOLD, source_text="a\nb").to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False))["metrics"]["title_f1"] == 1.0


def _dp(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@given(st.text(alphabet="ab中文", max_size=70), st.text(alphabet="ab中文", max_size=70))
def test_bit_parallel_levenshtein_equals_the_textbook_table(a: str, b: str) -> None:
    assert levenshtein(a, b) == _dp(a, b)


def test_edit_similarity_bounds() -> None:
    assert edit_similarity("", "") == 1.0
    assert edit_similarity("abcd", "abcd") == 1.0
    assert edit_similarity("abcd", "wxyz") == 0.0
    assert edit_similarity("abcd", "abce") == 0.75
