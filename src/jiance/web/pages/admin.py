"""The admin page: users, their roles, editions and passwords, and the latest audit rows.

Every change goes through :mod:`jiance.accounts` (which refuses an admin demoting or disabling
themselves) and is audited in the same transaction; a password never reaches an audit row. A refused
change shows the page again with the reason, so the admin sees which field to correct.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from jiance import accounts
from jiance.errors import JianceError, NotFoundError
from jiance.publish.editions import EDITIONS_FILE, load_editions
from jiance.store.accounts import AuditRow, UserRow, accounts_for
from jiance.web.deps import Ctx, need
from jiance.web.render import page as render

__all__ = ["AUDIT_ROWS", "ROLE_LABELS", "router"]

router = APIRouter()
AUDIT_ROWS = 50
ROLE_LABELS = {"viewer": "读者", "editor": "编辑", "admin": "管理员"}
_EDITION_SPLIT = re.compile(r"[,，、;；\s]+")


def _editions(text: str) -> list[str]:
    """Edition names typed into one field, separated by commas or spaces, without repeats."""
    return list(dict.fromkeys(name for name in _EDITION_SPLIT.split(text) if name))


def _record(row: UserRow) -> dict[str, Any]:
    """What the page and the audit log see of a user: never the password hash."""
    return {"name": row.name, "role": row.role, "editions": list(row.editions), "disabled": row.disabled,
            "created_at": row.created_at}  # fmt: skip


def _user(ctx: Ctx, name: str) -> dict[str, Any]:
    row = accounts_for(ctx.store).user(name)
    if row is None:
        raise NotFoundError(f"no user {name!r}", where=name)
    return _record(row)


def _audit_view(row: AuditRow) -> dict[str, Any]:
    def text(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return {"at": row.at, "actor": row.actor or "", "action": row.action, "target": row.target or "",
            "before": text(row.before), "after": text(row.after), "ip": row.ip or ""}  # fmt: skip


def _admin_page(ctx: Ctx, *, error: str | None = None, target: str = "", status: int = 200) -> Response:
    store = accounts_for(ctx.store)
    rows = store.audit_rows(target=target or None, limit=AUDIT_ROWS)
    editions = sorted(load_editions(ctx.workspace / EDITIONS_FILE))
    return render(ctx, "admin.html.j2", nav="admin", status=status, error=error, target=target,
                  users=[_record(r) for r in store.users()], audit=[_audit_view(r) for r in rows],
                  roles=ROLE_LABELS, editions=editions)  # fmt: skip


def _apply(ctx: Ctx, change: Callable[[], None]) -> Response:
    """Run ``change`` (library calls and their audit row) in one transaction; back to the page after."""
    try:
        with ctx.store.transaction():
            change()
    except NotFoundError:
        raise
    except JianceError as error:
        return _admin_page(ctx, error=str(error), status=400)
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin", include_in_schema=False)
async def admin_page(ctx: Annotated[Ctx, Depends(need("admin"))], target: str = "") -> Response:
    return _admin_page(ctx, target=target.strip())


@router.post("/admin/users", include_in_schema=False)
async def add_user(
    ctx: Annotated[Ctx, Depends(need("admin"))],
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()] = "editor",
    editions: Annotated[str, Form()] = "",
) -> Response:
    def change() -> None:
        user = accounts.add_user(ctx.store, name, password, role, _editions(editions))
        ctx.audit("user.add", f"user:{user.name}", after={"role": user.role, "editions": user.editions})

    return _apply(ctx, change)


@router.post("/admin/users/{name:path}/password", include_in_schema=False)
async def set_password(
    ctx: Annotated[Ctx, Depends(need("admin"))], name: str, password: Annotated[str, Form()]
) -> Response:
    def change() -> None:
        _user(ctx, name)  # a missing user is a 404, not a refused password
        accounts.set_password(ctx.store, name, password)
        ctx.audit("user.password", f"user:{name}")  # the password itself is never written down

    return _apply(ctx, change)


def _changes(before: dict[str, Any], role: str, editions: list[str], disabled: bool) -> dict[str, Any]:
    """Only the fields that change: a role or disabled flag written again would end the user's sessions."""
    wanted = {"role": role, "editions": editions, "disabled": disabled}
    return {key: value for key, value in wanted.items() if before[key] != value}


@router.post("/admin/users/{name:path}", include_in_schema=False)
async def update_user(
    ctx: Annotated[Ctx, Depends(need("admin"))],
    name: str,
    role: Annotated[str, Form()],
    editions: Annotated[str, Form()] = "",
    disabled: Annotated[bool, Form()] = False,
) -> Response:
    def change() -> None:
        assert ctx.user is not None
        before = _user(ctx, name)
        fields = _changes(before, role, _editions(editions), disabled)
        if not fields:
            return  # nothing changed: no write and no audit row
        accounts.update_user(ctx.store, name, **fields, actor=ctx.user.name)
        after = _user(ctx, name)
        ctx.audit("user.update", f"user:{name}", before=before, after=after)

    return _apply(ctx, change)
