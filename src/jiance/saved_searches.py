"""Saved searches: an editor's named query and filters, kept per user, to run again with one click.

The rows live in the store's ``saved_searches`` table (:class:`jiance.store.accounts.SQLiteAccounts`); this
module is the policy the web app, the API and the CLI share: which filters a search may carry, how long a
name may be, and that a user only ever sees and deletes their own. Saving under a name already used
replaces that search, so a name is the handle an editor remembers.
"""

from __future__ import annotations

from collections.abc import Mapping

from jiance.accounts import User
from jiance.errors import ConfigError, NotFoundError
from jiance.records import ARTICLE, EXPERT_OPINION
from jiance.store.accounts import SavedSearch, accounts_for
from jiance.store.base import Store
from jiance.text import normalize_line

__all__ = [
    "FILTERS",
    "KINDS",
    "MAX_NAME",
    "SavedSearch",
    "delete_search",
    "save_search",
    "saved_searches",
    "search_params",
]

FILTERS: tuple[str, ...] = ("section", "kind")
"""The filters a saved search keeps, as ``Store.search`` takes them."""
KINDS: tuple[str, ...] = (ARTICLE, EXPERT_OPINION)
MAX_NAME = 64
MAX_QUERY = 200


def _clean_filters(filters: Mapping[str, str | None]) -> dict[str, str]:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise ConfigError(f"a saved search has no filter {unknown[0]!r}; choose from {', '.join(FILTERS)}")
    kept = {key: normalize_line(value).strip() for key, value in filters.items() if value and value.strip()}
    if kept.get("kind", ARTICLE) not in KINDS:
        raise ConfigError(f"unknown kind {kept['kind']!r}; choose from {', '.join(KINDS)}")
    return kept


def save_search(
    store: Store, user: User, name: str, query: str, filters: Mapping[str, str | None] | None = None
) -> SavedSearch:
    """Save ``query`` with its filters under ``name`` for ``user`` (replacing a search of that name)."""
    name, query = normalize_line(name).strip(), normalize_line(query).strip()
    if not name or len(name) > MAX_NAME:
        raise ConfigError(f"a saved search needs a name of 1–{MAX_NAME} characters", where=name or None)
    if not query or len(query) > MAX_QUERY:
        raise ConfigError(f"a saved search needs a query of 1–{MAX_QUERY} characters", where=name)
    accounts_for(store).save_search(user.id, name, query, _clean_filters(filters or {}))
    # The upsert's rowid is not the row's id when it replaced one: read the row back by its name.
    return next(s for s in saved_searches(store, user) if s.name == name)


def saved_searches(store: Store, user: User) -> list[SavedSearch]:
    """The user's saved searches, by name."""
    return accounts_for(store).saved_searches(user.id)


def delete_search(store: Store, user: User, search_id: int) -> SavedSearch:
    """Delete one of the user's saved searches and return it; NotFoundError for another user's or none."""
    found = next((s for s in saved_searches(store, user) if s.id == search_id), None)
    if found is None or not accounts_for(store).delete_search(user.id, search_id):
        raise NotFoundError(f"no saved search {search_id} of user {user.name!r}", where=str(search_id))
    return found


def search_params(saved: SavedSearch) -> dict[str, str]:
    """The query string of a saved search (``q`` plus its filters), for a link that runs it again."""
    return {"q": saved.query, **{k: str(v) for k, v in saved.filters.items() if k in FILTERS and v}}
