"""The analysis stages: articles/s, MB/s and peak memory per stage and for the whole analysis, one core.

The corpus is synthetic, built at run time from the project's own sample articles
(``sample_articles_text``): each article takes a sample's title and two of its sentences, fills up to
the sample's length (at least eight sentences) from random other samples, varies every number and
adds a generated company name, so no two texts are the same and no seed text is involved. Its size
is ``JIANCE_BENCH_ANALYSIS_ARTICLES`` (default 100,000). MB/s counts the UTF-8 bytes of title + body.

The per-article stages run over the whole corpus. The batch stages are capped: ``duplicate_groups``
at ``JIANCE_BENCH_ANALYSIS_DEDUP_MAX`` articles, and ``events``, which compares every pair of articles
in Python (quadratic), at a few sizes up to ``JIANCE_BENCH_ANALYSIS_EVENTS_MAX``; a size whose time,
projected from the smaller ones as n², would exceed ``JIANCE_BENCH_ANALYSIS_BUDGET_S`` seconds is
skipped and the projection printed instead. The whole ``analyze_articles`` (which includes events)
runs at ``JIANCE_BENCH_ANALYSIS_WHOLE_MAX`` articles. Every cap in force is printed with the table.

The peer is the plain cost of segmenting the same text with jieba (``jieba.lcut``, after its dictionary
is loaded; the load, from the cache jieba writes on its first run, is a row of its own), and with
rjieba (jieba-rs, much faster) when it is installed; each stage's MB/s is set against each peer's. Each
timing runs in a forked child (``harness.measure``, one repetition: the big runs are minutes long).
``python -m benchmarks analysis``.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.harness import Measurement, measure, ratio, report, throughput_mb_s
from jiance.analysis import AnalysisContext, analyze_articles, default_context
from jiance.records import Article
from jiance.samples.corpus import sample_articles_text

__all__ = ["main", "synthetic_articles"]

ARTICLES = 100_000
DEDUP_MAX = 100_000
EVENTS_SIZES = (1_000, 5_000, 20_000)
WHOLE_MAX = 5_000
BUDGET_S = 600.0

_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Syllables of made-up company names: common characters, no real firm intended.
_NAME_HEADS = "华中天海新星联宏瑞博通信安远景恒达鼎泰云启明光锐芯晨"
_NAME_TAILS = ("科技", "集团", "电子", "通信", "半导体", "软件", "智能", "网络")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _vary_numbers(text: str, rng: random.Random) -> str:
    """Every number scaled by a random factor, keeping its shape (integer or one decimal)."""

    def swap(m: re.Match[str]) -> str:
        value = float(m.group()) * rng.uniform(0.5, 1.5)
        return f"{value:.1f}" if "." in m.group() else str(max(1, round(value)))

    return _NUMBER.sub(swap, text)


def _company(rng: random.Random) -> str:
    return "".join(rng.sample(_NAME_HEADS, 2)) + rng.choice(_NAME_TAILS)


def synthetic_articles(count: int, *, seed: int = 4) -> list[Article]:
    """``count`` distinct articles recombined from the samples' sentences, numbers and names varied."""
    rng = random.Random(seed)
    pool = [
        (title, [s for s in _SENTENCE.findall(body) if s.strip()]) for title, body in sample_articles_text()
    ]
    articles = []
    for i in range(count):
        title, sentences = pool[i % len(pool)]
        # A few of the sample's own sentences, the rest from random others: two articles on one sample
        # then share little text, so near-duplicates stay as rare as in a real feed, not 1 in 50.
        chosen = rng.sample(sentences, k=min(2, len(sentences)))
        while len(chosen) < max(8, len(sentences)):
            chosen.append(rng.choice(rng.choice(pool)[1]))
        rng.shuffle(chosen)
        chosen.insert(0, f"{_company(rng)}相关负责人介绍，")
        per_paragraph = rng.randint(2, 4)
        paragraphs = [
            _vary_numbers("".join(chosen[k : k + per_paragraph]), rng)
            for k in range(0, len(chosen), per_paragraph)
        ]
        articles.append(Article("article", _vary_numbers(title, rng), paragraphs))
    return articles


def _texts(articles: Sequence[Article]) -> list[str]:
    return [f"{article.title}\n{article.body}" for article in articles]


def _nbytes(articles: Sequence[Article]) -> int:
    return sum(len(text.encode()) for text in _texts(articles))


def _per_article_stages(context: AnalysisContext) -> dict[str, Callable[[Sequence[Article]], object]]:
    """Each per-article stage as analyze_articles calls it, over a list (batch statistics included)."""
    from jiance.stages.entities import entities_of
    from jiance.stages.figures import figures_of
    from jiance.stages.keywords import CorpusDF, keywords
    from jiance.stages.summary import summarize
    from jiance.stages.tags import learn_profiles, tags_of

    def tags(articles: Sequence[Article]) -> None:
        taxonomy = learn_profiles(context.taxonomy, articles)
        for article in articles:
            tags_of(article, taxonomy)

    def summary(articles: Sequence[Article]) -> None:
        for article in articles:
            summarize(article, figures=[f.to_figure() for f in figures_of(article)])

    def keyword(articles: Sequence[Article]) -> None:
        corpus = CorpusDF.of(articles)
        for article in articles:
            keywords(article, corpus_df=corpus)

    return {
        "figures_of": lambda articles: [figures_of(a) for a in articles],
        "entities_of": lambda articles: [entities_of(a, context.aliases) for a in articles],
        "tags_of (+ learn_profiles)": tags,
        "column suggest": lambda articles: [context.column_model.suggest(a) for a in articles],
        "summarize (+ figures_of)": summary,
        "keywords (+ CorpusDF)": keyword,
    }


def _row(work: str, articles: Sequence[Article], result: Measurement, **extra: Any) -> dict[str, Any]:
    seconds = result.seconds_best
    return {
        "work": work,
        "articles": len(articles),
        "seconds": seconds,
        "articles/s": len(articles) / seconds if seconds > 0 else float("inf"),
        "MB/s": throughput_mb_s(_nbytes(articles), seconds),
        "peak_MB": result.peak_rss_mb,
        **extra,
    }


def _ratio(ours: float, peer: float) -> str:
    """harness.ratio, with three significant figures below 0.01 (where it would print 0.00×)."""
    return f"{ours / peer:.3g}×" if 0 < ours < peer / 100 else ratio(ours, peer)


def _events_rows(articles: list[Article], sizes: Sequence[int], budget: float) -> list[dict[str, Any]]:
    """events() at growing sizes; a size projected (as n²) past the budget is reported, not run."""
    from jiance.stages.events import events

    rows: list[dict[str, Any]] = []
    last: tuple[int, float] | None = None
    for size in sizes:
        batch = articles[:size]
        projected = last[1] * (size / last[0]) ** 2 if last else 0.0
        if projected > budget:
            rows.append(
                {"work": "events", "articles": size, "note": f"skipped: n² projects {projected:,.0f} s"}
            )
            continue
        result = measure(functools.partial(events, batch), repeat=1)
        growth = f"×{result.seconds_best / last[1]:.1f} for ×{size / last[0]:.0f} n" if last else ""
        rows.append(_row("events", batch, result, note=growth))
        last = (size, result.seconds_best)
    return rows


def _segmenters() -> dict[str, tuple[Callable[[], object], Callable[[object, str], object]]]:
    """Installed peers: (load the dictionary, segment one text with the loaded segmenter)."""
    peers: dict[str, tuple[Callable[[], object], Callable[[object, str], object]]] = {}
    if importlib.util.find_spec("jieba"):

        def load_jieba() -> object:
            import jieba  # type: ignore[import-untyped]

            jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter on stderr
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            return tokenizer

        peers["jieba.lcut"] = (load_jieba, lambda seg, text: seg.lcut(text))  # type: ignore[attr-defined]
    if importlib.util.find_spec("rjieba"):

        def load_rjieba() -> object:
            import rjieba

            return rjieba.Jieba()

        peers["rjieba cut"] = (load_rjieba, lambda seg, text: seg.cut(text))  # type: ignore[attr-defined]
    return peers


def _peer_rows(articles: list[Article]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Dictionary load, then segmentation of every text, per installed segmenter; MB/s by peer."""
    texts = _texts(articles)
    rows: list[dict[str, Any]] = []
    rates: dict[str, float] = {}
    for name, (load, cut) in _segmenters().items():
        init = measure(load, repeat=1)
        rows.append(
            {
                "work": f"{name}: load dictionary",
                "seconds": init.seconds_best,
                "peak_MB": init.peak_rss_mb,
            }
        )
        result = _segment_only(load, cut, texts)
        rates[name] = throughput_mb_s(_nbytes(articles), result.seconds_best)
        rows.append(_row(f"{name} (peer)", articles, result))
    if not rows:
        rows.append({"work": "peer", "note": "no segmenter installed: pip install jieba"})
    return rows, rates


def _segment_only(
    load: Callable[[], object], cut: Callable[[object, str], object], texts: list[str]
) -> Measurement:
    """Measure in a forked child but time only the segmentation, after the load; the child pipes it home."""
    import multiprocessing

    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)

    def work() -> None:
        segmenter = load()
        started = time.perf_counter()
        for text in texts:
            cut(segmenter, text)
        sender.send(time.perf_counter() - started)

    whole = measure(work, repeat=1)
    seconds: float = receiver.recv()
    receiver.close()
    return Measurement(seconds, seconds, whole.peak_rss_mb)


def main() -> None:
    """Build the corpus, time every stage, the batch stages at their caps, the whole analysis and peers."""
    count = _env_int("JIANCE_BENCH_ANALYSIS_ARTICLES", ARTICLES)
    dedup_max = min(count, _env_int("JIANCE_BENCH_ANALYSIS_DEDUP_MAX", DEDUP_MAX))
    events_max = min(count, _env_int("JIANCE_BENCH_ANALYSIS_EVENTS_MAX", EVENTS_SIZES[-1]))
    whole_max = min(count, _env_int("JIANCE_BENCH_ANALYSIS_WHOLE_MAX", WHOLE_MAX))
    budget = float(os.environ.get("JIANCE_BENCH_ANALYSIS_BUDGET_S", BUDGET_S))
    started = time.perf_counter()
    articles = synthetic_articles(count)
    built = time.perf_counter() - started
    context = default_context()
    from jiance.stages.dedup import duplicate_groups

    rows: list[dict[str, Any]] = []
    for name, stage in _per_article_stages(context).items():
        rows.append(_row(name, articles, measure(functools.partial(stage, articles), repeat=1)))
    dedup_batch = articles[:dedup_max]
    rows.append(
        _row("duplicate_groups", dedup_batch, measure(lambda: duplicate_groups(dedup_batch), repeat=1))
    )
    sizes = sorted({size for size in EVENTS_SIZES if size <= events_max} | {events_max})
    rows.extend(_events_rows(articles, sizes, budget))
    whole_batch = articles[:whole_max]
    whole = measure(lambda: analyze_articles(whole_batch, context), repeat=1)
    rows.append(_row("analyze_articles (whole)", whole_batch, whole))
    peer_rows, peer_rates = _peer_rows(whole_batch)
    for row in rows:
        for name, rate in peer_rates.items():
            if "MB/s" in row:
                row[f"vs {name}"] = _ratio(row["MB/s"], rate)
    rows.extend(peer_rows)
    report(
        f"analysis of {count:,} synthetic articles ({_nbytes(articles) / 2**20:.1f} MB, built in {built:.1f} s)",
        rows,
    )
    for name, rate in peer_rates.items():
        ours = throughput_mb_s(_nbytes(whole_batch), whole.seconds_best)
        print(f"whole analysis / {name}, MB/s over the same {whole_max:,} articles: {_ratio(ours, rate)}")
    print(
        f"caps: duplicate_groups at {dedup_max:,}, events at {', '.join(f'{s:,}' for s in sizes)}"
        f" (budget {budget:.0f} s), whole analysis and peers at {whole_max:,} articles"
    )


if __name__ == "__main__":
    main()
