"""The MCP server: a real ``jiance mcp`` subprocess spoken to over its stdin/stdout, and the protocol's edge
cases through :class:`jiance.mcp.McpServer` in-process, both on a workspace holding the analysed samples."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiance.analysis import analyze_store
from jiance.mcp import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, TOOLS, McpServer, Tool
from jiance.pipeline import import_paths
from jiance.publish import issues as lib
from jiance.samples.corpus import load_sample, sample_names
from jiance.samples.layouts import render_text
from jiance.settings import load_settings
from jiance.store.base import Store
from jiance.workspace import init_workspace, open_store

TIMEOUT_S = 60


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three samples imported as text and analysed, and one issue holding two articles."""
    root = tmp_path_factory.mktemp("mcp")
    ws = init_workspace(root / "ws")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in sample_names():
        (inbox / f"{name}.txt").write_text(render_text(load_sample(name)), encoding="utf-8")
    settings = load_settings(ws)
    with open_store(ws, settings) as store:
        assert not import_paths([inbox], store, settings).failed
        analyze_store(store, settings=settings)
        issue = lib.new_issue(store, "第1期", date="2026-11-20")
        lib.add_to_issue(store, issue.id, [s.id for s in store.articles(limit=2)])
    return ws


class McpProcess:
    """``python -m jiance.cli mcp`` as a child process; lines from its stdout arrive through a queue so a
    hung server fails the test instead of blocking it."""

    def __init__(self, workspace: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jiance.cli", "mcp", "--workspace", str(workspace)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.next_id = 0

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send_line(self, raw: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.lines.get(timeout=TIMEOUT_S))
        return answer

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send_line(json.dumps(message, ensure_ascii=False).encode("utf-8"))
        answer = self.read()
        assert answer["id"] == self.next_id and answer["jsonrpc"] == "2.0"
        return answer

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def close(self) -> tuple[int, bytes]:
        """End of input; the exit code and whatever reached stderr."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=TIMEOUT_S)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[McpProcess]:
    process = McpProcess(workspace)
    yield process
    if process.proc.poll() is None:
        process.proc.kill()
        process.proc.wait()


INITIALIZE = {
    "protocolVersion": "2025-06-18",
    "capabilities": {},
    "clientInfo": {"name": "jiance-tests", "version": "1"},
}


def _structured(answer: dict[str, Any]) -> Any:
    result = answer["result"]
    assert result["isError"] is False
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
    return result["structuredContent"]


# ------------------------------------------------------------------------------------ the subprocess


def test_initialize_then_list_tools(server: McpProcess) -> None:
    answer = server.request("initialize", INITIALIZE)["result"]
    assert answer["protocolVersion"] == "2025-06-18"
    assert answer["capabilities"] == {"tools": {}}
    assert answer["serverInfo"]["name"] == "jiance"
    server.send_line(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}')  # no answer comes
    assert server.request("ping")["result"] == {}
    tools = {t["name"]: t for t in server.request("tools/list")["result"]["tools"]}
    assert set(tools) == {
        "search_articles", "get_article", "list_articles", "search_figures", "figure_series", "list_issues",
        "get_issue",
    }  # fmt: skip
    for tool in tools.values():
        assert tool["inputSchema"]["type"] == "object" and tool["description"]
    assert tools["search_articles"]["inputSchema"]["required"] == ["query"]


def test_search_articles_over_stdio(server: McpProcess) -> None:
    hits = _structured(server.call("search_articles", {"query": "5G", "limit": 3}))["hits"]
    assert 0 < len(hits) <= 3
    assert all("5G" in h["snippet_text"] for h in hits) and all(h["offsets"] for h in hits)
    article = _structured(server.call("get_article", {"id": hits[0]["id"]}))
    assert article["title"] == hits[0]["title"] and "figures" in article["analysis"]


def test_search_figures_over_stdio(server: McpProcess) -> None:
    figures = _structured(server.call("search_figures", {"subject": "5G基站", "limit": 5}))["figures"]
    assert figures and all("5G基站" in f["subject"] for f in figures)
    assert all(f["raw"] in f["sentence"] for f in figures)
    unit = figures[0]["unit"]
    series = _structured(server.call("figure_series", {"subject": "5G基站", "unit": unit}))
    assert series["points"] and all(p["value"] is not None for p in series["points"])


def test_issues_over_stdio(server: McpProcess) -> None:
    issues = _structured(server.call("list_issues", {}))["issues"]
    assert [(i["title"], i["item_count"]) for i in issues] == [("第1期", 2)]
    issue = _structured(server.call("get_issue", {"id": issues[0]["id"]}))
    assert len(issue["items"]) == 2 and issue["sections"][0] == "产业环境"


def test_unknown_tool_is_an_rpc_error(server: McpProcess) -> None:
    error = server.call("delete_everything", {})["error"]
    assert error["code"] == INVALID_PARAMS and "unknown tool" in error["message"]


def test_failing_tool_is_a_result_with_is_error(server: McpProcess) -> None:
    result = server.call("get_article", {"id": "no-such-article"})["result"]
    assert result["isError"] is True
    assert "no article no-such-article" in result["content"][0]["text"]
    assert "jiance.db" not in result["content"][0]["text"]  # the server's paths stay on the server


def test_malformed_line_is_a_parse_error_and_the_session_goes_on(server: McpProcess) -> None:
    server.send_line(b'{"jsonrpc": "2.0", "id": 1, "method": ')
    answer = server.read()
    assert answer["id"] is None and answer["error"]["code"] == PARSE_ERROR
    server.send_line(b"\xff\xfe not utf-8")
    assert server.read()["error"]["code"] == PARSE_ERROR
    assert server.request("ping")["result"] == {}


def test_unknown_method(server: McpProcess) -> None:
    assert server.request("resources/list")["error"]["code"] == METHOD_NOT_FOUND


def test_end_of_input_exits_0(workspace: Path) -> None:
    process = McpProcess(workspace)
    assert process.request("initialize", INITIALIZE)["result"]["serverInfo"]["name"] == "jiance"
    code, stderr = process.close()
    assert code == 0, stderr.decode("utf-8", "replace")
    assert process.lines.empty()  # nothing but answers ever reaches stdout


def test_not_a_workspace_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jiance.cli", "mcp", "--workspace", str(tmp_path)],
        input=b"",
        capture_output=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 2 and done.stdout == b""
    assert b"not a jiance workspace" in done.stderr


# ------------------------------------------------------------------------------------- in-process


@pytest.fixture
def mcp(workspace: Path) -> Iterator[McpServer]:
    with open_store(workspace) as store:
        yield McpServer(store)


def _ask(server: McpServer, method: str, params: Any = None, message_id: Any = 7) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": message_id, "method": method}
    if params is not None:
        message["params"] = params
    answer = server.handle(message)
    assert answer is not None
    return answer


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({}, "missing argument 'query'"),
        ({"query": ""}, "'query' must not be empty"),
        ({"query": 5}, "'query' must be a string"),
        ({"query": "5G", "limit": "3"}, "'limit' must be an integer"),
        ({"query": "5G", "limit": True}, "'limit' must be an integer"),
        ({"query": "5G", "limit": 0}, "'limit' must be 1–50"),
        ({"query": "5G", "limit": 51}, "'limit' must be 1–50"),
        ({"query": "5G", "colour": "red"}, "unknown argument 'colour'"),
        ([], "arguments must be an object"),
    ],
)
def test_arguments_that_do_not_fit_the_schema(mcp: McpServer, arguments: Any, complaint: str) -> None:
    error = _ask(mcp, "tools/call", {"name": "search_articles", "arguments": arguments})["error"]
    assert error["code"] == INVALID_PARAMS and complaint in error["message"]


def test_defaults_fill_missing_arguments(mcp: McpServer, workspace: Path) -> None:
    result = _ask(mcp, "tools/call", {"name": "list_articles"})["result"]
    with open_store(workspace) as store:
        expected = [s.id for s in store.articles(limit=20)]
    assert [a["id"] for a in result["structuredContent"]["articles"]] == expected


def test_list_articles_of_one_column(mcp: McpServer) -> None:
    answer = _ask(
        mcp, "tools/call", {"name": "list_articles", "arguments": {"section": "技术情报", "limit": 100}}
    )
    articles = answer["result"]["structuredContent"]["articles"]
    assert articles and {a["section"] for a in articles} == {"技术情报"}


def test_notifications_get_no_answer(mcp: McpServer) -> None:
    assert mcp.handle({"jsonrpc": "2.0", "method": "notifications/initialized"}) is None
    assert mcp.initialized
    assert (
        mcp.handle({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
        is None
    )
    assert mcp.handle({"jsonrpc": "2.0", "method": "tools/list"}) is None  # no id: a notification
    assert mcp.handle({"jsonrpc": "2.0", "id": 3, "result": {}}) is None  # a stray response
    assert mcp.handle_line("   \n") is None


@pytest.mark.parametrize(
    "message",
    [
        [{"jsonrpc": "2.0", "id": 1, "method": "ping"}],
        {"id": 1, "method": "ping"},
        "ping",
        {"jsonrpc": "2.0"},
    ],
)
def test_not_a_request(mcp: McpServer, message: Any) -> None:
    answer = mcp.handle(message)
    assert answer is not None and answer["error"]["code"] == INVALID_REQUEST


def test_params_must_be_an_object(mcp: McpServer) -> None:
    assert _ask(mcp, "tools/list", ["x"])["error"]["code"] == INVALID_PARAMS


def test_older_protocol_versions_are_honoured_unknown_ones_answered_with_ours(mcp: McpServer) -> None:
    older = _ask(mcp, "initialize", {**INITIALIZE, "protocolVersion": "2025-03-26"})["result"]
    future = _ask(mcp, "initialize", {**INITIALIZE, "protocolVersion": "2099-01-01"})["result"]
    assert older["protocolVersion"] == "2025-03-26" and future["protocolVersion"] == "2025-06-18"


def test_string_ids_are_echoed(mcp: McpServer) -> None:
    assert _ask(mcp, "ping", message_id="abc")["id"] == "abc"


def test_every_tool_is_read_only_and_runs_with_its_defaults(mcp: McpServer, workspace: Path) -> None:
    with open_store(workspace) as store:
        before = (store.count_articles(), len(lib.list_issues(store)))
    issue_id = _ask(mcp, "tools/call", {"name": "list_issues"})["result"]["structuredContent"]["issues"][0][
        "id"
    ]
    required = {"query": "5G", "id": "x", "subject": "5G基站", "unit": "万个"}
    for tool in TOOLS:
        assert tool.listing()["annotations"]["readOnlyHint"] is True
        arguments = {k: required[k] for k in tool.input_schema["required"]}
        if tool.name == "get_issue":
            arguments = {"id": issue_id}
        result = _ask(mcp, "tools/call", {"name": tool.name, "arguments": arguments})["result"]
        assert result["isError"] is (tool.name == "get_article"), tool.name  # "x" is no article id
    with open_store(workspace) as store:
        assert (store.count_articles(), len(lib.list_issues(store))) == before


def test_an_unexpected_failure_is_reported_not_raised(workspace: Path) -> None:
    def broken(store: Store, arguments: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    schema = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    tool = Tool("broken", "Broken", "Always fails.", schema, broken)
    with open_store(workspace) as store:
        result = _ask(McpServer(store, (tool,)), "tools/call", {"name": "broken"})["result"]
    assert result["isError"] is True and "boom" in result["content"][0]["text"]
