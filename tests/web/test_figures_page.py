"""The figures page: the table of figures with its filters, the live partial, and a series with its chart."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiance.pipeline import import_paths
from jiance.publish.charts import wrap_label
from jiance.settings import load_settings
from jiance.workspace import open_store

from .conftest import csrf_of

ClientAs = Callable[[str], tuple[TestClient, str]]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def hostile_figure(web_workspace: Path) -> Path:
    """The workspace plus an article whose figure has markup in its subject, entity and sentence."""
    path = web_workspace.parent / "hostile.txt"
    path.write_text("<i>恶意数据稿</i>\n\n<script>x()</script>恶意指标达到42个。\n", encoding="utf-8")
    settings = load_settings(web_workspace)
    with open_store(web_workspace, settings) as store:
        assert not import_paths([path], store, settings).failed
        article = next(s for s in store.articles() if "恶意数据稿" in s.article.title)
        record = {"raw": "42个", "value": 42.0, "unit": "个", "kind": "count", "subject": "<b>恶意指标</b>",
                  "entity": "<img src=x onerror=y()>", "period": None,
                  "sentence": "<script>x()</script>恶意指标达到42个。"}  # fmt: skip
        store.save_analysis(article.id, "figures", [record], "test")
    return web_workspace


def test_figures_table_lists_figures_with_their_articles(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    page = client.get("/figures", params={"subject": "5G基站总数"})
    assert page.status_code == 200
    assert "480万个" in page.text and "4,800,000" in page.text
    assert 'href="/articles/2b86c2938eca8c7f78ad"' in page.text
    assert '<mark class="fig">480万个</mark>' in page.text
    assert (
        'href="/figures/series?subject=5G%E5%9F%BA%E7%AB%99%E6%80%BB%E6%95%B0&amp;unit=%E4%B8%AA"'
        in page.text
    )


def test_filters_narrow_the_table(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    rows = lambda **params: client.get("/figures", params=params).text.count("<tr>") - 1  # noqa: E731
    everything, percent = rows(), rows(unit="%")
    assert everything > percent > 0
    assert rows(unit="%", subject="毛利率") < percent
    assert rows(entity="中国移动") < everything
    assert rows(q="没有这样的指标") == 1  # the one row saying there is nothing
    assert "没有符合条件的数据" in client.get("/figures", params={"q": "没有这样的指标"}).text


def test_htmx_request_gets_the_table_partial(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    partial = client.get("/figures", params={"unit": "EFLOPS"}, headers=HTMX)
    assert partial.status_code == 200 and partial.text.startswith('<div id="figures-table"')
    assert "<html" not in partial.text and "EFLOPS" in partial.text


def test_series_shows_a_table_and_an_svg_chart(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    page = client.get("/figures/series", params={"subject": "增加值", "unit": "%"})
    assert page.status_code == 200
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page.text)
    assert match and match.group(2) == "增加值走势（%）"
    svg = base64.b64decode(match.group(1)).decode("utf-8")
    assert svg.startswith("<svg") and 'role="img"' in svg
    dates = re.findall(r'<td class="nowrap">(\d{4}-\d\d-\d\d)</td>', page.text)
    assert dates == sorted(dates) and len(dates) >= 1


def test_series_without_data_or_parameters_says_so(client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    assert "输入指标名称" in client.get("/figures/series").text
    empty = client.get("/figures/series", params={"subject": "不存在的指标", "unit": "个"}).text
    assert "没有“不存在的指标”（个）的可用数据" in empty and "<img" not in empty


def test_hostile_figure_text_is_escaped(hostile_figure: Path, client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    page = client.get("/figures", params={"q": "恶意指标"}).text
    assert "&lt;b&gt;恶意指标&lt;/b&gt;" in page and "&lt;img src=x onerror=y()&gt;" in page
    assert '&lt;script&gt;x()&lt;/script&gt;恶意指标达到<mark class="fig">42个</mark>' in page
    assert "<script>x()" not in page and "<b>恶意" not in page and "<img src=x" not in page
    series = client.get("/figures/series", params={"subject": "<b>恶意指标</b>", "unit": "个"}).text
    assert "<b>恶意" not in series and 'alt="&lt;b&gt;恶意指标&lt;/b&gt;走势（个）"' in series


def test_anonymous_is_sent_to_login_and_htmx_gets_401(app_client: TestClient) -> None:
    assert app_client.get("/figures", follow_redirects=False).status_code == 303
    assert app_client.get("/figures/series", headers=HTMX, follow_redirects=False).status_code == 401


def test_every_role_may_read_figures(client_as: ClientAs) -> None:
    for role in ("viewer", "editor", "admin"):
        client, _ = client_as(role)
        page = client.get("/figures")
        assert page.status_code == 200 and csrf_of(page.text)
        assert 'href="/figures" class="on"' in page.text


def test_series_title_keeps_its_unit_in_brackets() -> None:
    """The chart's title 增加值走势（%） once came out as 增加值走势%）（: a closing mark after an opening one."""
    assert wrap_label("增加值走势（%）", 40) == ["增加值走势（%）"]
