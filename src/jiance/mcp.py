"""``jiance mcp``: the workspace's read-only tools for an AI assistant, over the Model Context Protocol.

The transport is stdio: JSON-RPC 2.0, one JSON message per line on stdin, one answer per line on stdout
(nothing else is ever written there; diagnostics go to stderr). Implemented here without the ``mcp`` package
because the server side needs only five methods::

    initialize                 → protocolVersion, capabilities {"tools": {}}, serverInfo
    notifications/initialized  (a notification: no answer)
    ping                       → {}
    tools/list                 → every tool with its JSON Schema inputSchema
    tools/call                 → {"content": [text], "structuredContent": {...}, "isError": false}

Protocol faults are JSON-RPC errors (-32700 unparsable line, -32600 not a request, -32601 unknown method,
-32602 unknown tool or arguments that do not fit the schema); a tool that runs and fails (an unknown article
id, a store error) answers with ``isError: true`` so the assistant can read why and try again. The tools
answer with the same records as the JSON API, from :mod:`jiance.catalog`; the server reads the store and
never changes it, and it runs as the local operator (no token: whoever can start it can read the workspace).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from jiance import __version__, catalog
from jiance.errors import JianceError
from jiance.store.base import Store

__all__ = [
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "PROTOCOL_VERSION",
    "TOOLS",
    "McpServer",
    "RpcError",
    "Tool",
    "check_arguments",
]

PROTOCOL_VERSION = "2025-06-18"
_KNOWN_VERSIONS = (PROTOCOL_VERSION, "2025-03-26", "2024-11-05")
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
_INSTRUCTIONS = (
    "Read-only access to a jiance workspace (Chinese industry-monitoring bulletins): search and read "
    "articles, find key figures and their series over time, list and read bulletin issues."
)

Arguments = dict[str, Any]


class RpcError(Exception):
    """A JSON-RPC error answer: ``code`` from the constants above, a message, optional data."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


@dataclass(frozen=True, slots=True)
class Tool:
    """One MCP tool: what tools/list shows, and the library call tools/call runs (a JSON object back)."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    run: Callable[[Store, Arguments], dict[str, Any]]

    def listing(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.input_schema,
            "annotations": {"readOnlyHint": True, "openWorldHint": False},
        }


# ----------------------------------------------------------------------------------------------- schemas


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description}


def _count(description: str, default: int, maximum: int) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
        "description": description,
    }


_TYPES: dict[str, tuple[type, str]] = {
    "string": (str, "a string"),
    "integer": (int, "an integer"),
    "boolean": (bool, "true or false"),
}


def _check_value(name: str, value: Any, spec: dict[str, Any]) -> None:
    kind = spec["type"]
    python_type, wanted = _TYPES[kind]
    if not isinstance(value, python_type) or (kind == "integer" and isinstance(value, bool)):
        raise RpcError(INVALID_PARAMS, f"argument {name!r} must be {wanted}")
    if isinstance(value, str) and len(value) < spec.get("minLength", 0):
        raise RpcError(INVALID_PARAMS, f"argument {name!r} must not be empty")
    if kind == "integer" and not spec.get("minimum", value) <= value <= spec.get("maximum", value):
        raise RpcError(INVALID_PARAMS, f"argument {name!r} must be {spec['minimum']}–{spec['maximum']}")


def check_arguments(schema: dict[str, Any], arguments: Any) -> Arguments:
    """The arguments checked against a tool's inputSchema (the subset of JSON Schema the tools use), with
    defaults filled in; RpcError(-32602) names the first argument that does not fit."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "arguments must be an object")
    properties: dict[str, Any] = schema["properties"]
    unknown = sorted(set(arguments) - set(properties))
    if unknown:
        raise RpcError(INVALID_PARAMS, f"unknown argument {unknown[0]!r}; known: {', '.join(properties)}")
    missing = [name for name in schema["required"] if arguments.get(name) is None]
    if missing:
        raise RpcError(INVALID_PARAMS, f"missing argument {missing[0]!r}")
    checked: Arguments = {}
    for name, spec in properties.items():
        value = arguments.get(name, spec.get("default"))
        if value is not None:
            _check_value(name, value, spec)
        checked[name] = value
    return checked


# ------------------------------------------------------------------------------------------------- tools


def _search_articles(store: Store, a: Arguments) -> dict[str, Any]:
    return {"hits": catalog.search_records(store, a["query"], limit=a["limit"])}


def _get_article(store: Store, a: Arguments) -> dict[str, Any]:
    return catalog.article_record(store, store.get_article(a["id"]), analysis=True)


def _list_articles(store: Store, a: Arguments) -> dict[str, Any]:
    return {"articles": catalog.article_records(store, section=a["section"], limit=a["limit"])}


def _search_figures(store: Store, a: Arguments) -> dict[str, Any]:
    found = catalog.figure_records(
        store, q=a["q"], subject=a["subject"], entity=a["entity"], unit=a["unit"], limit=a["limit"]
    )
    return {"figures": found}


def _figure_series(store: Store, a: Arguments) -> dict[str, Any]:
    return {
        "subject": a["subject"],
        "unit": a["unit"],
        "points": catalog.series_records(store, a["subject"], a["unit"]),
    }


def _list_issues(store: Store, a: Arguments) -> dict[str, Any]:
    return {"issues": [catalog.issue_summary(i) for i in catalog.visible_issues(store, None)]}


def _get_issue(store: Store, a: Arguments) -> dict[str, Any]:
    return catalog.visible_issue(store, None, a["id"]).to_record()


TOOLS: tuple[Tool, ...] = (
    Tool(
        "search_articles",
        "Search articles",
        "Full-text search over article titles and bodies (Chinese or any substring of two characters and up; "
        "spaces mean AND). Hits come title matches first, with a snippet marking matches in 【】.",
        _schema(
            {
                "query": _text("Words to find, e.g. 5G基站 or 华为 芯片."),
                "limit": _count("At most this many.", 10, 50),
            },
            ("query",),
        ),
        _search_articles,
    ),
    Tool(
        "get_article",
        "Read an article",
        "One article by id: title, column, full body, provenance (file or URL, lines or pages) and its "
        "analysis (figures, entities, tags, column suggestion, summary).",
        _schema({"id": _text("Article id as returned by search_articles or list_articles.")}, ("id",)),
        _get_article,
    ),
    Tool(
        "list_articles",
        "List articles",
        "Stored articles in import order, optionally of one column (栏目) such as 产业环境 or 技术情报.",
        _schema({"section": _text("Only this column."), "limit": _count("At most this many.", 20, 100)}),
        _list_articles,
    ),
    Tool(
        "search_figures",
        "Find key figures",
        "Numbers read from the articles (value, unit, what they measure, who, which period, the sentence). "
        "q searches subject, entity and sentence; the other filters match their own field.",
        _schema(
            {
                "q": _text("Free text, e.g. 基站."),
                "subject": _text("What the figure measures, e.g. 5G基站."),
                "entity": _text("Company, region or body, e.g. 中国移动."),
                "unit": _text("Exact unit, e.g. 万个 or %."),
                "limit": _count("At most this many.", 50, 500),
            }
        ),
        _search_figures,
    ),
    Tool(
        "figure_series",
        "Indicator over time",
        "One indicator over time: the figures whose subject contains `subject` and whose unit is `unit`, "
        "oldest first, one point per date, each with its article and sentence.",
        _schema({"subject": _text("What is measured."), "unit": _text("Exact unit.")}, ("subject", "unit")),
        _figure_series,
    ),
    Tool(
        "list_issues",
        "List issues",
        "Every bulletin issue, newest first: title, date, number, status (draft or published), item count.",
        _schema({}),
        _list_issues,
    ),
    Tool(
        "get_issue",
        "Read an issue",
        "One issue: its columns in order, the articles placed in each (with editor overrides), 本期要点 and "
        "the key-figures box.",
        _schema(
            {"id": {"type": "integer", "minimum": 1, "description": "Issue id from list_issues."}}, ("id",)
        ),
        _get_issue,
    ),
)


# ---------------------------------------------------------------------------------------------- protocol


def _reply(message_id: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "result": result}


def _error(message_id: Any, error: RpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "id": message_id, "error": body}


def _tool_result(value: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(value, ensure_ascii=False)
    return {"content": [{"type": "text", "text": text}], "structuredContent": value, "isError": False}


def _tool_failure(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}


class McpServer:
    """The MCP server over one store: :meth:`handle` answers one message, :meth:`serve` a whole stream."""

    def __init__(self, store: Store, tools: tuple[Tool, ...] = TOOLS) -> None:
        self.store = store
        self.tools = {tool.name: tool for tool in tools}
        self.initialized = False

    def handle_line(self, line: str | bytes) -> dict[str, Any] | None:
        """The answer to one line of input (None for a notification or a blank line)."""
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
            if not text.strip():
                return None
            message = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _error(None, RpcError(PARSE_ERROR, f"parse error: {exc}"))
        return self.handle(message)

    def handle(self, message: Any) -> dict[str, Any] | None:
        """The answer to one decoded JSON-RPC message (None for notifications and stray responses)."""
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return _error(None, RpcError(INVALID_REQUEST, "not a JSON-RPC 2.0 message object"))
        message_id = message.get("id")
        method = message.get("method")
        if method is None and ("result" in message or "error" in message):
            return None  # a response to a request we never send: nothing to answer
        if not isinstance(method, str) or not isinstance(message_id, str | int | None):
            return _error(
                message_id, RpcError(INVALID_REQUEST, "a request needs a method and a string/number id")
            )
        notification = "id" not in message
        try:
            result = self._dispatch(method, message.get("params"), notification)
        except RpcError as error:
            return None if notification else _error(message_id, error)
        return None if notification else _reply(message_id, result)

    def _dispatch(self, method: str, params: Any, notification: bool) -> Any:
        if params is not None and not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "params must be an object")
        params = params or {}
        if notification:
            if method == "notifications/initialized":
                self.initialized = True
            return None  # other notifications (cancelled, progress) need nothing from a synchronous server
        if method == "initialize":
            return self._initialize(params)
        if method == "ping":
            return {}
        if method == "tools/list":
            return {"tools": [tool.listing() for tool in self.tools.values()]}
        if method == "tools/call":
            return self._call(params)
        raise RpcError(METHOD_NOT_FOUND, f"method not found: {method}")

    def _initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        return {
            "protocolVersion": asked if asked in _KNOWN_VERSIONS else PROTOCOL_VERSION,
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "jiance", "title": "jiance 监测", "version": __version__},
            "instructions": _INSTRUCTIONS,
        }

    def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        tool = self.tools.get(name) if isinstance(name, str) else None
        if tool is None:
            raise RpcError(INVALID_PARAMS, f"unknown tool: {name}", {"tools": sorted(self.tools)})
        arguments = check_arguments(tool.input_schema, params.get("arguments"))
        try:
            return _tool_result(tool.run(self.store, arguments))
        except JianceError as exc:
            return _tool_failure(f"{type(exc).__name__}: {exc.message}")  # without the server-side path
        except Exception as exc:  # a bug must not end the session: report it to the caller and on stderr
            traceback.print_exc(file=sys.stderr)
            return _tool_failure(f"internal error ({type(exc).__name__}): {exc}")

    def serve(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        """Answer line by line until end of input; every answer is flushed at once."""
        for line in reader:
            answer = self.handle_line(line)
            if answer is not None:
                writer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8") + b"\n")
                writer.flush()
