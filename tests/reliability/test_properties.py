"""Properties of the text layer and the parsers, checked by Hypothesis on generated and mutated input.

- re-flowing is idempotent: paragraphs re-flowed from a hard-wrapped dump (paragraphs marked by a
  trailing space, a blank line or a short last line), written one per line and re-flowed again, come
  back unchanged. Indent-marked dumps are not: Hypothesis found short ones whose first pass misses the
  hard wrapping (kept as a strict xfail below);
- normalising and folding are idempotent;
- decoding, the text bulletin split, the HTML, DOCX and PDF readers (on mutated bytes) and the feed parser
  raise nothing but the project's errors (:mod:`jiance.errors`);
- importing the same bytes twice, under any name, adds nothing to the store;
- an item an editor rejected never returns, whatever URL it comes back under (real loopback server,
  real collector, real SQLite collection store).

Example counts are kept moderate for the default run; each property records how many examples it ran and
which project errors the parsers answered with.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fuzz.seeds import seeds, tiny_pdf
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reliability.figures import record

from jiance.errors import JianceError
from jiance.pipeline import import_paths, parse_bytes
from jiance.readers.docx import read_docx
from jiance.readers.html import read_html
from jiance.readers.pdf import read_pdf
from jiance.readers.text import lines_from_text
from jiance.samples.layouts import wrap_line
from jiance.settings import Settings
from jiance.sources.feeds import parse_feed
from jiance.text import decode_bytes, fold, normalize_line, normalize_text
from jiance.text.decode import common_hanzi
from jiance.text.reflow import reflow
from jiance.workspace import init_workspace, open_store

COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_properties.py"

# -- strategies ---------------------------------------------------------------------------------------------

HANZI = st.sampled_from(sorted(common_hanzi())[:3000])
LATIN_WORD = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"), min_size=1, max_size=8
)
CLAUSE = st.lists(
    st.one_of(HANZI, HANZI, HANZI, LATIN_WORD.map(lambda w: f" {w} ")), min_size=3, max_size=15
).map(lambda parts: "".join(parts).strip())
SENTENCE = st.tuples(st.lists(CLAUSE, min_size=1, max_size=3), st.sampled_from("。！？")).map(
    lambda t: "，".join(t[0]) + t[1]
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map("".join)


ALL_MARKS = ("indent", "trailing_space", "blank_line", "short_last_line")


@st.composite
def wrapped_dump(draw: st.DrawFn, marks: tuple[str, ...] = ALL_MARKS) -> str:
    """Paragraphs hard-wrapped at one width, marked the way one PDF-to-text converter marks them."""
    paragraphs = draw(st.lists(PARAGRAPH, min_size=1, max_size=6))
    width = draw(st.integers(12, 40))
    mark = draw(st.sampled_from(marks))
    lines: list[str] = []
    for paragraph in paragraphs:
        wrapped = wrap_line(paragraph, width, first_indent="\u3000\u3000" if mark == "indent" else "")
        if mark == "trailing_space":
            wrapped[-1] += " "
        lines.extend(wrapped)
        if mark == "blank_line":
            lines.append("")
    return "\n".join(lines)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes overwritten, a slice deleted or duplicated, or cut short."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        if not out:
            break
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    edit = draw(st.sampled_from(["none", "delete", "duplicate", "truncate"]))
    if out and edit != "none":
        start = draw(st.integers(0, len(out) - 1))
        end = draw(st.integers(start, min(len(out), start + 64)))
        if edit == "delete":
            del out[start:end]
        elif edit == "duplicate":
            out[start:start] = out[start:end]
        else:
            del out[start:]
    return bytes(out)


def _docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@st.composite
def mutated_docx(draw: st.DrawFn) -> bytes:
    """A DOCX whose zip is intact but one XML part is mutated (reaches python-docx), or whose zip is."""
    seed = seeds("docx")[0]
    if draw(st.booleans()):
        return draw(mutated(seed))
    parts = _docx_parts(seed)
    name = draw(st.sampled_from(sorted(n for n in parts if n.endswith(".xml"))))
    return _rezip({**parts, name: draw(mutated(parts[name]))})


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    """A small PDF mutated as bytes, or with a mutated content stream inside a correct file."""
    if draw(st.booleans()):
        return draw(mutated(draw(st.sampled_from(seeds("pdf")))))
    operands = draw(mutated(b"(Weekly report) Tj 0 -14 Td [(A) 120 (B)] TJ 1 0 0 1 0 0 cm (x) '"))
    return tiny_pdf(operands)


# -- helpers ------------------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [block.text for block in reflow(lines_from_text(normalize_text(text)))]


def _only_project_errors(parse: Callable[[], object], answers: Counter[str]) -> None:
    """Run ``parse``; count how it answered. Any exception that is not a project error fails the property."""
    try:
        parse()
    except JianceError as error:
        answers[type(error).__name__] += 1
    else:
        answers["parsed"] += 1


def _record(name: str, answers: Counter[str]) -> None:
    """Record the examples run (counted by the property, else one answer per example) and the answers."""
    examples = answers.pop("examples", 0) or sum(answers.values())
    record("properties", name, {"examples": examples, **dict(sorted(answers.items()))}, command=COMMAND)


# -- text layer ---------------------------------------------------------------------------------------------


def test_reflow_is_idempotent() -> None:
    answers: Counter[str] = Counter()

    @settings(max_examples=60)
    @given(wrapped_dump(marks=("trailing_space", "blank_line", "short_last_line")))
    def prop(dump: str) -> None:
        first = _paragraphs(dump)
        assert _paragraphs("\n".join(first)) == first
        answers["examples"] += 1

    prop()
    _record("reflow(reflow(x)) == reflow(x)", answers)


@pytest.mark.xfail(
    strict=True,
    reason="found by Hypothesis: in a short indent-marked dump the indents widen the first lines enough "
    "that the first pass sees no hard wrapping (near-full share 0.25 < 0.35) and keeps wrapped lines "
    "apart, while the second pass, indents gone, joins them",
)
def test_reflow_of_a_four_line_indented_dump_is_idempotent() -> None:
    dump = "\u3000\u3000々々々。\n\u3000\u3000々々々。\n\u3000\u3000々々々，々々々，々々\n々々々々 000。"
    first = _paragraphs(dump)
    assert _paragraphs("\n".join(first)) == first


def test_normalise_and_fold_are_idempotent() -> None:
    answers: Counter[str] = Counter()

    @settings(max_examples=100)
    @given(st.text(max_size=200))
    def prop(text: str) -> None:
        assert normalize_text(normalize_text(text)) == normalize_text(text)
        assert normalize_line(normalize_line(text)) == normalize_line(text)
        assert fold(fold(text)) == fold(text)
        assert fold(fold(text, keep_spaces=True), keep_spaces=True) == fold(text, keep_spaces=True)
        answers["examples"] += 1

    prop()
    _record("normalise and fold idempotent", answers)


LABELS = st.sampled_from(
    [None, "utf-8", "gbk", "gb18030", "big5", "iso-8859-1", "shift_jis", "utf-16", "nonsense"]
)


def test_decoding_raises_only_project_errors() -> None:
    answers: Counter[str] = Counter()

    @settings(max_examples=60)
    @given(st.one_of(st.binary(max_size=600), PARAGRAPH.map(lambda t: t.encode("gb18030"))), LABELS)
    def prop(data: bytes, label: str | None) -> None:
        _only_project_errors(lambda: decode_bytes(data, declared=label, where="x"), answers)

    prop()
    _record("decode_bytes raises only project errors", answers)


# -- parsers ------------------------------------------------------------------------------------------------

TEXT_BULLETIN = st.one_of(
    wrapped_dump().map(lambda t: t.encode("utf-8")),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(lambda s: s, mutated(seeds("text")[0])),
)
HTML_PAGE = st.one_of(
    mutated(seeds("html")[0]),
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "<h2>",
                    "</h2>",
                    "<p>",
                    "</p>",
                    "<br>",
                    "<aside>",
                    "<script>",
                    "<!--",
                    "<meta charset=x>",
                    "\x10",
                    "\x0b",
                ]
            ),
            PARAGRAPH,
        ),
        max_size=30,
    ).map(lambda parts: "".join(parts).encode("utf-8")),
)
FEED = st.one_of(
    mutated(seeds("feed")[0]),
    mutated(seeds("feed")[1]),
    st.binary(max_size=300),
)


@pytest.mark.parametrize(
    ("name", "strategy", "parse", "examples"),
    [
        ("text bulletin split", TEXT_BULLETIN, lambda d: parse_bytes(d, "x.txt"), 50),
        ("HTML reader", HTML_PAGE, lambda d: read_html(d, "x.html"), 60),
        ("DOCX reader (mutated)", mutated_docx(), lambda d: read_docx(d, "x.docx"), 40),
        ("PDF reader (mutated)", mutated_pdf(), lambda d: read_pdf(d, "x.pdf"), 100),
        ("feed parser", FEED, lambda d: parse_feed(d, "https://example.org/feed"), 100),
    ],
    ids=["text", "html", "docx", "pdf", "feed"],
)
def test_parsers_raise_only_project_errors(
    name: str, strategy: st.SearchStrategy[bytes], parse: Callable[[bytes], object], examples: int
) -> None:
    answers: Counter[str] = Counter()

    @settings(max_examples=examples)
    @given(strategy)
    def prop(data: bytes) -> None:
        _only_project_errors(lambda: parse(data), answers)

    prop()
    _record(f"{name} raises only project errors", answers)


# -- stores -------------------------------------------------------------------------------------------------


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder Hypothesis examples may share (function-scoped fixtures are not reset between examples)."""
    folder = Path(tempfile.mkdtemp(prefix="jiance-props-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_importing_the_same_bytes_twice_adds_nothing(scratch: Path) -> None:
    ws = init_workspace(scratch / "ws")
    settings_ = Settings()
    answers: Counter[str] = Counter()
    counter = iter(range(10**6))

    @settings(max_examples=25)
    @given(
        st.one_of(wrapped_dump(), st.text(min_size=1, max_size=300)), st.sampled_from(["utf-8", "gb18030"])
    )
    def prop(text: str, encoding: str) -> None:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8", "surrogatepass")
        folder = scratch / f"in-{next(counter)}"
        folder.mkdir()
        (folder / "a.txt").write_bytes(data)
        with open_store(ws, settings_) as store:
            first = import_paths([folder / "a.txt"], store, settings_)
            articles, documents = store.count_articles(), len(store.documents())
            (folder / "b.txt").write_bytes(data)  # the same bytes under another name
            again = import_paths([folder / "a.txt", folder / "b.txt"], store, settings_)
            assert store.count_articles() == articles
            assert len(store.documents()) == documents
        assert all(r.articles_new == 0 for r in again.results)
        status = first.results[0].status
        expected = "unchanged" if status in ("imported", "unchanged") else "failed"
        assert [r.status for r in again.results] == [expected, expected]
        answers[f"first import {status}"] += 1

    prop()
    _record("importing the same bytes twice adds nothing", answers)


def test_a_rejected_item_never_returns(scratch: Path) -> None:
    from tests.sources.servers import LoopbackServer, Reply

    from jiance.sources.collect import collect_source
    from jiance.sources.config import SourceConfig
    from jiance.sources.http import Fetcher, FetchPolicy
    from jiance.store.collection import SQLiteCollection
    from jiance.store.sqlite import SQLiteStore

    policy = FetchPolicy(
        connect_timeout_s=2,
        read_timeout_s=3,
        total_timeout_s=10,
        per_host_delay_s=0,
        respect_robots=False,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        max_attempts=2,
    )
    server = LoopbackServer().start()
    answers: Counter[str] = Counter()
    counter = iter(range(10**6))

    def rss(items: list[tuple[str, str, str]]) -> bytes:
        body = "".join(
            f"<item><title>{title}</title><link>{url}</link><content:encoded><![CDATA["
            + f"<p>{text}</p>" * 6  # over the collector's MIN_CONTENT_CHARS: no page fetch needed
            + "]]></content:encoded></item>"
            for url, title, text in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
            f"{body}</channel></rss>"
        ).encode()

    @settings(max_examples=8)
    @given(
        st.lists(PARAGRAPH.filter(lambda p: len(p) >= 40), min_size=1, max_size=4, unique=True),
        st.data(),
    )
    def prop(texts: list[str], data: st.DataObject) -> None:
        n = next(counter)
        rejected = data.draw(st.lists(st.booleans(), min_size=len(texts), max_size=len(texts)))
        how = data.draw(st.sampled_from(["article", "item"]))
        variant = data.draw(st.sampled_from(["same", "tracking", "moved"]))
        first = [(server.url(f"/{n}/news/{i}.html"), f"标题{i}", t) for i, t in enumerate(texts)]
        suffix = {"same": "", "tracking": "?utm_source=feed&utm_medium=rss", "moved": ""}[variant]
        again = [
            ((server.url(f"/{n}/moved/{i}.html") if variant == "moved" else url + suffix), title, text)
            for i, (url, title, text) in enumerate(first)
        ]
        server.route(f"/{n}/feed.xml", Reply(body=rss(first)), Reply(body=rss(again)))
        source = SourceConfig(
            name=f"feed{n}", kind="feed", url=server.url(f"/{n}/feed.xml"), allow_private=True
        )
        with SQLiteStore(scratch / f"s{n}.db") as store, Fetcher(policy) as fetcher:
            report = collect_source(source, fetcher, store, Settings())
            ids = [item.article_id for item in report.items]
            assert len(ids) == len(texts) and all(ids)
            collection = SQLiteCollection(store)
            chosen = [aid for aid, flag in zip(ids, rejected, strict=True) if flag and aid]
            if how == "article":
                store.set_status(chosen, "rejected")
            else:
                for item in collection.items(source.name):
                    if item.article_id in chosen:
                        collection.reject_item(item.canonical_url)
            count = store.count_articles()
            second = collect_source(source, fetcher, store, Settings())
            returned = [i for i in second.items if i.article_id in chosen and i.status == "new"]
            assert returned == []
            assert store.count_articles() == count
            if how == "article":
                assert all(store.get_article(aid).status == "rejected" for aid in chosen)
        answers[f"items rejected by {how}"] += len(chosen)
        answers["items kept"] += len(texts) - len(chosen)
        answers["examples"] += 1

    try:
        prop()
    finally:
        server.stop()
    _record("a rejected item never returns", answers)
