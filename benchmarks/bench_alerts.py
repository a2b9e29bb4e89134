"""Alert rules evaluated per second: 1,000 rules over 100,000 stored articles, against a naive scan.

The articles are the analysis benchmark's synthetic ones (the samples' sentences recombined), stored in a
temporary SQLite store with a few outlets; the rules are half full-text queries (two to four characters
taken from the samples' titles) and half taxonomy rules (word groups drawn from the shipped taxonomy).
Every rule runs for the first time with a look-back covering the whole store: the heaviest run there is.

``ours`` is :func:`jiance.alerts.evaluate` (one read of the candidates, queries answered by the search
index, taxonomy rules pre-filtered by it, hits and outbox rows written). The peer, measured in the same
run, is the obvious implementation: for every rule, scan every article and test it (the same substring
test and the same taxonomy matcher); it runs on a slice of the rules and its rate is per rule.

``python -m benchmarks alerts``; ``JIANCE_BENCH_ALERTS_ARTICLES`` / ``JIANCE_BENCH_ALERTS_RULES`` scale it.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_analysis import synthetic_articles
from benchmarks.harness import measure, ratio, report
from jiance.alerts import AlertRule, evaluate, parse_alerts
from jiance.distribute.base import Message
from jiance.records import Article, Document
from jiance.stages.tags import Taxonomy, load_taxonomy, tags_of
from jiance.store.alerts import alerts_for
from jiance.store.base import Store
from jiance.store.search import query_terms, verify
from jiance.store.sqlite import SQLiteStore

__all__ = ["main", "synthetic_rules"]

DEFAULT_ARTICLES = 100_000
DEFAULT_RULES = 1_000
PEER_RULES = 10  # the naive scan is slow: its per-rule rate is measured on this many rules
OUTLETS = ("甲报", "乙网", "丙台", "丁刊", "戊讯")
_BATCH = 1000


def _store(path: Path, count: int) -> float:
    """Fill a store with ``count`` synthetic articles, a document per thousand; returns the seconds."""
    started = time.perf_counter()
    articles = synthetic_articles(count)
    with SQLiteStore(path) as store:
        for start in range(0, count, _BATCH):
            batch = [
                Article("article", a.title, a.paragraphs, source_name=OUTLETS[(start + i) % len(OUTLETS)])
                for i, a in enumerate(articles[start : start + _BATCH])
            ]
            raw = "\n".join(a.id for a in batch).encode()
            doc = Document(
                hashlib.sha256(raw).hexdigest(), f"batch-{start}.txt", "text/plain", len(raw), "imported"
            )
            store.save_import(doc, raw, batch)
    return time.perf_counter() - started


def synthetic_rules(count: int, articles: list[Article], *, seed: int = 11) -> list[AlertRule]:
    """``count`` rules, alternately a query cut from a title and a group of taxonomy words."""
    rng = random.Random(seed)
    words = [w.text for tag in load_taxonomy().tags for g in tag.groups for w in g.words if w.mode == "any"]
    words = [w for w in words if not w.startswith("/")]
    titles = [a.title for a in articles if len(a.title) >= 6]
    lines = []
    for n in range(count):
        lines.append(f'[[alerts]]\nname = "r{n}"\nrecipients = ["desk@example.cn"]\nlookback_days = 3650')
        if n % 2 == 0:
            title = rng.choice(titles)
            size = rng.randint(2, 4)
            start = rng.randrange(0, len(title) - size)
            query = title[start : start + size].replace('"', "").replace("\\", "")
            lines.append(f'query = "{query if query_terms(query) else "信息"}"')
        else:
            group = ", ".join(f'"{w}"' for w in rng.sample(words, k=rng.randint(2, 4)))
            lines.append(f"rule = [[{group}]]")
    return parse_alerts("\n".join(lines) + "\n", where="bench")


def _reset(store: SQLiteStore) -> None:
    """Forget every rule's run, so each repetition is a first run over the whole store."""
    with store._write() as db:
        db.execute("DELETE FROM alert_hits")
        db.execute("DELETE FROM alert_rules")
        db.execute("DELETE FROM outbox")


def _keep(store: Store, message: Message, *, key: str, kind: str, **_: Any) -> bool:
    return alerts_for(store).outbox_insert(message.to_record(), key=key, kind=kind, at="bench")


def _ours(path: Path, rules: list[AlertRule]) -> int:
    with SQLiteStore(path) as store:
        _reset(store)
        batches = evaluate(store, rules, now=datetime.now(UTC) + timedelta(minutes=1), enqueue=_keep)
        return sum(len(b.hits) for b in batches)


def _peer(path: Path, rules: list[AlertRule]) -> int:
    """Per rule, read and test every article (the same tests as ours, without index or shared reads)."""
    found = 0
    with SQLiteStore(path) as store:
        for rule in rules:
            for stored in store.articles():
                article = stored.article
                if rule.query is not None:
                    fields = [article.title, article.body, *article.subheadings]
                    found += verify(query_terms(rule.query), fields)
                elif rule.tag is not None:
                    found += bool(tags_of(article, Taxonomy([rule.tag])))
    return found


ARRIVALS = 1_000  # the everyday case: one collection run's new articles against every rule


def _arrivals(path: Path, count: int, offset: int) -> None:
    """``count`` new articles (another seed: texts the store does not hold yet) stored after the others."""
    fresh = synthetic_articles(count, seed=97)
    with SQLiteStore(path) as store:
        batch = [
            Article(
                "article", f"{a.title}（新{offset + i}）", a.paragraphs, source_name=OUTLETS[i % len(OUTLETS)]
            )
            for i, a in enumerate(fresh)
        ]
        raw = "\n".join(a.id for a in batch).encode()
        doc = Document(
            hashlib.sha256(raw).hexdigest(), f"arrivals-{offset}.txt", "text/plain", len(raw), "imported"
        )
        store.save_import(doc, raw, batch)


def _incremental(path: Path, rules: list[AlertRule], watermark: str) -> int:
    """Every rule evaluated over what arrived since ``watermark`` (set as if each rule had just run)."""
    with SQLiteStore(path) as store:
        _reset(store)
        alerts = alerts_for(store)
        for rule in rules:
            alerts.save_rule(rule.name, rule.to_record(), watermark)
            alerts.set_watermark(rule.name, watermark)
        batches = evaluate(store, rules, now=datetime.now(UTC) + timedelta(minutes=1), enqueue=_keep)
        return sum(len(b.hits) for b in batches)


def incremental_run(articles: int, rules: int) -> dict[str, Any]:
    """``rules`` rules over ``ARRIVALS`` new articles in a store of ``articles``: the run every few minutes."""
    with tempfile.TemporaryDirectory(prefix="jiance-bench-alerts-") as folder:
        path = Path(folder) / "store.db"
        build_s = _store(path, articles)
        time.sleep(1.1)  # created_at has one-second resolution: the watermark must follow the whole store
        watermark = datetime.now(UTC).isoformat(timespec="seconds")  # the stores' own created_at format
        _arrivals(path, min(ARRIVALS, articles), articles)
        chosen = synthetic_rules(rules, synthetic_articles(min(articles, 2000)))
        hits = _incremental(path, chosen, watermark)
        ours = measure(lambda: _incremental(path, chosen, watermark), repeat=2)
    return {"articles": articles, "rules": rules, "arrivals": min(ARRIVALS, articles), "build_s": build_s,
            "hits": hits, "ours": ours, "rules_s": rules / ours.seconds_best}  # fmt: skip


def run(articles: int, rules: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jiance-bench-alerts-") as folder:
        path = Path(folder) / "store.db"
        build_s = _store(path, articles)
        chosen = synthetic_rules(rules, synthetic_articles(min(articles, 2000)))
        peer_rules = chosen[: min(PEER_RULES, len(chosen))]
        hits = _ours(path, chosen)
        ours = measure(lambda: _ours(path, chosen), repeat=2)
        peer = measure(lambda: _peer(path, peer_rules), repeat=1)
    ours_rate = rules / ours.seconds_best
    peer_rate = len(peer_rules) / peer.seconds_best
    return {
        "articles": articles, "rules": rules, "build_s": build_s, "hits": hits, "ours": ours, "peer": peer,
        "ours_rules_s": ours_rate, "peer_rules_s": peer_rate, "peer_rules": len(peer_rules),
        "ours_articles_s": articles * rules / ours.seconds_best,
        "peer_articles_s": articles * len(peer_rules) / peer.seconds_best,
    }  # fmt: skip


def _print(f: dict[str, Any]) -> None:
    report(
        f"alerts: {f['rules']:,} rules over {f['articles']:,} synthetic articles (first run, whole store)",
        [
            {"work": "ours: evaluate", "seconds": f["ours"].seconds_best, "rules/s": f["ours_rules_s"],
             "rule×articles/s": f["ours_articles_s"], "peak MB": f["ours"].peak_rss_mb, "hits": f["hits"]},
            {"work": f"peer: naive per-rule scan ({f['peer_rules']} rules)", "seconds": f["peer"].seconds_best,
             "rules/s": f["peer_rules_s"], "rule×articles/s": f["peer_articles_s"],
             "peak MB": f["peer"].peak_rss_mb, "hits": ""},
            {"work": "ratio (ours / peer, rules/s)", "seconds": "", "rules/s": ratio(f["ours_rules_s"],
             f["peer_rules_s"]), "rule×articles/s": "", "peak MB": "", "hits": ""},
            {"work": "store build (not timed above)", "seconds": f["build_s"], "rules/s": "",
             "rule×articles/s": "", "peak MB": "", "hits": ""},
        ],
    )  # fmt: skip


def _print_incremental(f: dict[str, Any]) -> None:
    report(
        f"alerts: {f['rules']:,} rules over {f['arrivals']:,} new articles in a store of {f['articles']:,}"
        " (an everyday run)",
        [{"work": "ours: evaluate (incremental)", "seconds": f["ours"].seconds_best, "rules/s": f["rules_s"],
          "new articles × rules / s": f["arrivals"] * f["rules"] / f["ours"].seconds_best,
          "peak MB": f["ours"].peak_rss_mb, "hits": f["hits"], "store build s": f["build_s"]}],
    )  # fmt: skip


def main() -> dict[str, Any]:
    """Run at ``$JIANCE_BENCH_ALERTS_ARTICLES`` articles and ``$JIANCE_BENCH_ALERTS_RULES`` rules: the
    everyday incremental run at full scale, then the first run over the whole store at
    ``$JIANCE_BENCH_ALERTS_FIRST_ARTICLES`` (default a tenth of the store: a first run over everything is a
    one-off backfill and takes minutes at full scale)."""
    articles = int(os.environ.get("JIANCE_BENCH_ALERTS_ARTICLES", DEFAULT_ARTICLES))
    rules = int(os.environ.get("JIANCE_BENCH_ALERTS_RULES", DEFAULT_RULES))
    incremental = incremental_run(articles, rules)
    _print_incremental(incremental)
    first = int(os.environ.get("JIANCE_BENCH_ALERTS_FIRST_ARTICLES", max(articles // 10, 1)))
    figures = run(first, max(rules // 10, 1))
    _print(figures)
    return {**figures, "incremental": incremental}


if __name__ == "__main__":
    main()
