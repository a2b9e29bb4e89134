"""The analysis stages in order, as `jiance analyze` runs them: the record contract, batch stages, the store."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import SEED, run_cli
from jiance.analysis import ANALYSIS_VERSION, analyze_articles, analyze_store, default_context
from jiance.pipeline import import_paths, parse_path
from jiance.records import Article
from jiance.samples.corpus import load_sample
from jiance.samples.layouts import LAYOUTS, encode_text, render_text
from jiance.settings import Settings
from jiance.workspace import init_workspace, open_store

FIELDS = {
    "id",
    "source",
    "duplicate_group",
    "event",
    "figures",
    "entities",
    "tags",
    "column",
    "summary",
    "keywords",
}


def _sample_file(tmp_path: Path) -> Path:
    layout = dict(LAYOUTS["seed-like"])
    path = tmp_path / "sample-a.txt"
    path.write_bytes(encode_text(render_text(load_sample("sample-a"), **layout), "utf-8"))
    return path


def test_records_carry_every_stage(tmp_path: Path) -> None:
    articles = parse_path(_sample_file(tmp_path)).articles
    records = [a.to_record() for a in analyze_articles(articles, default_context())]
    assert len(records) == len(articles)
    for record in records:
        assert set(record) >= FIELDS
        assert record["summary"]["text"] and record["column"]["column"]
    first = records[0]
    assert any(f["raw"] == "11.6%" and f["kind"] == "change" for f in first["figures"])
    assert any(e["name"] == "工业和信息化部" for e in first["entities"])


def test_a_reprint_shares_the_duplicate_group_and_others_do_not(tmp_path: Path) -> None:
    articles = parse_path(_sample_file(tmp_path)).articles[:4]
    original = articles[1]
    reprint = Article("article", "转载：" + original.title, ["来源：某网站", *original.paragraphs[:-1]])
    analysed = analyze_articles([*articles, reprint], default_context())
    groups = {a.article.id: a.duplicate_group for a in analysed}
    assert groups[reprint.id] == groups[original.id]
    assert len({groups[a.id] for a in articles}) == len(articles)


@pytest.mark.skipif(not SEED.is_file(), reason="the seed bulletin is absent")
def test_the_seed_press_conference_is_one_event() -> None:
    analysed = analyze_articles(parse_path(SEED).articles, default_context())
    event = {a.article.title: a.event.event_id for a in analysed if a.event}
    assert event["工信部：汽车芯片短缺问题预计四季度有所缓解"] == event["工业通信业热点问题最新回应来了"]
    assert event["工信部：汽车芯片短缺问题预计四季度有所缓解"] != event["再生资源产业数字化平台启动上线"]


def test_store_analysis_saves_once_and_is_idempotent(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    with open_store(workspace) as store:
        import_paths([_sample_file(tmp_path)], store, Settings())
        first = analyze_store(store)
        again = analyze_store(store)
        stored = store.articles()
        saved = store.analysis(stored[0].id)
    assert first.analysed == len(stored) and first.current == 0
    assert again.analysed == 0 and again.current == len(stored)
    assert saved["figures"]["version"] == ANALYSIS_VERSION and saved["summary"]["result"]["text"]


def test_cli_analyze_prints_jsonl_and_tags_explain(tmp_path: Path) -> None:
    path = _sample_file(tmp_path)
    result = run_cli("analyze", str(path))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and set(records[0]) >= FIELDS
    workspace = tmp_path / "ws"
    assert run_cli("init", str(workspace)).exit_code == 0
    assert run_cli("import", "--workspace", str(workspace), str(path)).exit_code == 0
    assert "analysed" in run_cli("analyze", "--workspace", str(workspace)).stdout
    explained = run_cli("tags", "explain", "--workspace", str(workspace), records[0]["id"])
    assert explained.exit_code == 0 and "TAGGED" in explained.stdout


def test_cli_eval_tags_and_columns(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    tags = run_cli(
        "eval", "tags", str(root / "evals" / "tags_samples_gold.json"), "--split", "test", "--format", "json"
    )
    assert tags.exit_code == 0, tags.output
    assert json.loads(tags.stdout)["precision"] >= 0.78
    columns = run_cli("eval", "columns", str(_sample_file(tmp_path)), "--format", "json")
    assert columns.exit_code == 0, columns.output
    assert json.loads(columns.stdout)["articles"] == 17.0


class _Model(BaseHTTPRequestHandler):
    """A loopback stand-in for an OpenAI-compatible endpoint: a cited answer, or a 500 for model 'down'."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = "工信部公布电子信息制造业运行数据[1][2]。"
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(500 if body["model"] == "down" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return


def test_a_configured_llm_writes_the_summary_and_a_failing_one_falls_back(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        article = parse_path(_sample_file(tmp_path)).articles[0]
        up = default_context(settings=Settings(llm_base_url=base, llm_model="demo"))
        down = default_context(settings=Settings(llm_base_url=base, llm_model="down"))
        written = analyze_articles([article], up)[0].summary
        fallback = analyze_articles([article], down)[0].summary
    finally:
        server.shutdown()
        server.server_close()
    assert written.via == "llm:demo" and written.sentences == [0, 1]
    assert fallback.via == "extractive" and fallback.text
    assert default_context().summarizer is None  # the default path needs no model
