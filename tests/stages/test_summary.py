"""Summaries: extractive picks from the article itself, and the LLM backend against a loopback fake model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from jiance.records import Article
from jiance.stages.summary import LLMSummarizer, SummaryError, article_sentences, summarize

ARTICLE = Article(
    kind="article",
    title="某市发布算力发展方案",
    subheadings=["发展目标明确"],
    paragraphs=[
        "某市日前发布算力发展方案，提出加快建设智算中心。",
        "发展目标明确",
        "方案提出，到2027年全市算力总规模达到50EFLOPS，智算占比超过六成。会议在下午举行。",
        "方案还要求完善算力调度平台，推动算力发展与产业应用结合。",
    ],
)


def test_sentences_skip_subheadings() -> None:
    sentences = article_sentences(ARTICLE)
    assert "发展目标明确" not in sentences and len(sentences) == 4


def test_extractive_summary_keeps_lead_and_figure_in_order() -> None:
    summary = summarize(ARTICLE, max_sentences=2)
    sentences = article_sentences(ARTICLE)
    assert summary.sentences[0] == 0 and summary.sentences == sorted(summary.sentences)
    assert len(summary.sentences) == 2 and "50EFLOPS" in summary.text
    assert summary.text == "".join(sentences[i] for i in summary.sentences)


def test_empty_article_has_empty_summary() -> None:
    assert summarize(Article(kind="article", title="t", paragraphs=[])).sentences == []


class _FakeModel(BaseHTTPRequestHandler):
    answer = "某市提出2027年算力达50EFLOPS[1][2]，并将建设调度平台[9]。"
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeModel.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.answer}}]}
        ).encode()
        self.send_response(200 if body["model"] != "broken" else 500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def fake_llm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_llm_summary_validates_citations(fake_llm: str) -> None:
    summary = LLMSummarizer(fake_llm, "fake", api_key="k").summarize(ARTICLE)
    assert summary.sentences == [0, 1] and summary.invalid_citations == [9]
    assert summary.via == "llm:fake"
    request = _FakeModel.seen[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k"
    assert "[2] 方案提出" in request["body"]["messages"][1]["content"]


def test_llm_failure_is_summary_error(fake_llm: str) -> None:
    with pytest.raises(SummaryError):
        LLMSummarizer(fake_llm + "/v1", "broken").summarize(ARTICLE)
