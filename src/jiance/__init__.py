"""jiance (监测): turn raw sources into an edited, column-structured, figure-checked industry bulletin.

The library is the product; the CLI (and later the web app) call these same functions::

    from jiance import parse_path, init_workspace, open_store, import_paths, load_settings
    bulletin = parse_path(Path("bulletin.txt"))       # structure of one file, no store touched
    for article in bulletin.articles:
        print(article.section, article.title)
"""

from jiance.errors import (
    ConfigError,
    DecodeError,
    InputError,
    JianceError,
    NotFoundError,
    StoreError,
)
from jiance.pipeline import ImportReport, import_paths, parse_bytes, parse_path
from jiance.records import Article, Bulletin, Document, IssueMeta, Provenance
from jiance.settings import Settings, load_settings
from jiance.store.base import SearchHit, Store, StoredArticle
from jiance.store.sqlite import SQLiteStore
from jiance.workspace import init_workspace, open_store, resolve_workspace

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Bulletin",
    "ConfigError",
    "DecodeError",
    "Document",
    "ImportReport",
    "InputError",
    "IssueMeta",
    "JianceError",
    "NotFoundError",
    "Provenance",
    "SQLiteStore",
    "SearchHit",
    "Settings",
    "Store",
    "StoreError",
    "StoredArticle",
    "import_paths",
    "init_workspace",
    "load_settings",
    "open_store",
    "parse_bytes",
    "parse_path",
    "resolve_workspace",
]
