"""Keywords: recurring, whole terms first; corpus document frequencies push common terms down."""

from __future__ import annotations

from jiance.records import Article
from jiance.stages.keywords import CorpusDF, candidate_terms, keywords

ARTICLE = Article(
    kind="article",
    title="量子计算机比特数突破500",
    paragraphs=[
        "研究团队的量子计算机集成了504个量子比特。",
        "量子计算机的纠错仍是难点，RISC-V 不在此列。",
        "纠错研究继续推进。",
    ],
)


def test_candidates_respect_function_characters() -> None:
    terms = candidate_terms("我们的量子计算机")
    assert "量子计算" in terms and not any(t.startswith("的") or t.endswith("的") for t in terms)
    assert "RISC-V" in candidate_terms("基于RISC-V的处理器")


def test_keywords_prefer_whole_recurring_terms() -> None:
    words = keywords(ARTICLE, k=5)
    assert words[0] == "量子计算机" or "量子计算" in words[0]
    assert "纠错" in words and len(words) <= 5
    assert not any(a != b and a in b for a in words for b in words)


def test_corpus_df_demotes_common_terms() -> None:
    other = Article(kind="article", title="纠错纠错", paragraphs=["纠错纠错纠错"])
    corpus = CorpusDF.of([ARTICLE, other, other, other])
    assert corpus.documents == 4 and corpus.df["纠错"] == 4
    words = keywords(ARTICLE, corpus_df=corpus, k=3)
    assert words.index("纠错") > 0 if "纠错" in words else True
    assert any("量子" in w for w in words)
