"""``jiance serve``, ``jiance user …`` and ``jiance token …``: the porch onto the web app and accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from jiance import accounts
from jiance.cli_base import WorkspaceOption, _errors, _store, err, out
from jiance.errors import ConfigError
from jiance.store.accounts import accounts_for

user_app = typer.Typer(help="Users of the web app and the API: admin, editor, viewer.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for the JSON API.", no_args_is_help=True)


def _read_password(prompt: bool) -> str:
    """The password from stdin when it is not a terminal (scripts), else asked twice without echo."""
    if not sys.stdin.isatty() and not prompt:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise ConfigError("no password given (pipe it on stdin or type it at the prompt)")
    return password


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", "-r", help="admin, editor or viewer.")] = "editor",
    editions: Annotated[
        list[str] | None, typer.Option("--edition", help="A viewer's editions (repeat).")
    ] = None,
    prompt: Annotated[bool, typer.Option(help="Ask at the terminal even when stdin is piped.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create a user; the password comes from stdin (one line) or a prompt, never from the command line."""
    with _errors(), _store(workspace) as (_, _, store):
        password = _read_password(prompt)
        user = accounts.add_user(store, name, password, role, editions or ())
        with store.transaction():
            accounts.audit(
                store,
                "cli",
                "user.add",
                f"user:{user.name}",
                after={"role": user.role, "editions": user.editions},
            )
    out.print(f"user {user.name} ({user.role}) created")


@user_app.command("list")
def user_list(workspace: WorkspaceOption = None) -> None:
    """Every active user: name, role and a client's editions, tab-separated (for scripts)."""
    with _errors(), _store(workspace) as (_, _, store):
        users = accounts.list_users(store)
    for user in users:
        sys.stdout.write("\t".join([user.name, user.role, ",".join(user.editions)]).rstrip("\t") + "\n")
    if not users:
        err.print("no users yet: jiance user add NAME --role admin")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="Login name.")],
    prompt: Annotated[bool, typer.Option(help="Ask at the terminal even when stdin is piped.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Set a new password (stdin or prompt); every session of the user ends."""
    with _errors(), _store(workspace) as (_, _, store):
        accounts.set_password(store, name, _read_password(prompt))
    out.print(f"password of {name} changed")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as (and whose role it carries).")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Print a new bearer token for USER; it is shown once and stored only as its digest."""
    with _errors(), _store(workspace) as (_, _, store):
        token = accounts.create_token(store, name, label=label)
    sys.stdout.write(token + "\n")


def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default: web_host setting).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web_port setting).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (one per core is a good start).")] = 1,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the editors' web app (and the JSON API under /api) with uvicorn."""
    import uvicorn

    from jiance.web import create_app

    with _errors(), _store(workspace) as (root, settings, store):
        users = accounts_for(store).count_users()
        app = create_app(root, settings)
    if users == 0:
        err.print("no users yet: create the first one with `jiance user add NAME --role admin`")
    bind_host, bind_port = host or settings.web_host, port or settings.web_port
    out.print(f"jiance web app on http://{bind_host}:{bind_port}/  (API docs: /api/docs)")
    if workers > 1:
        import os

        os.environ["JIANCE_WORKSPACE"] = str(root)
        uvicorn.run(
            "jiance.web.app:app_from_environment", factory=True, workers=workers,
            host=bind_host, port=bind_port, log_level="warning", proxy_headers=True,
        )  # fmt: skip
        return
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning", proxy_headers=True)


def mcp(workspace: WorkspaceOption = None) -> None:
    """Serve the workspace's read-only tools to an AI assistant (MCP over stdin/stdout) until end of input."""
    from jiance.mcp import McpServer

    with _errors(), _store(workspace) as (_, _, store):
        McpServer(store).serve(sys.stdin.buffer, sys.stdout.buffer)
