"""Settings resolve defaults, then jiance.toml, then JIANCE_* variables; every setting is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from jiance.errors import ConfigError
from jiance.settings import SETTINGS, Settings, load_settings, render_default_toml

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def _write(ws: Path, text: str) -> Path:
    (ws / "jiance.toml").write_text(text, encoding="utf-8")
    return ws


def test_defaults_match_the_table(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    for setting in SETTINGS:
        assert getattr(settings, setting.name) == setting.default
        assert getattr(Settings(), setting.name) == setting.default
    assert settings.origins["store"] == "default"


def test_toml_then_env(tmp_path: Path) -> None:
    _write(tmp_path, 'max_file_mb = 10\nsections = ["甲", "乙"]\nexpert_marker = "观点"\n')
    env = {"JIANCE_MAX_FILE_MB": "20", "JIANCE_BULLETIN_TITLES": '["信息产业监测"]'}
    settings = load_settings(tmp_path, environ=env)
    assert settings.max_file_mb == 20 and settings.origins["max_file_mb"] == "env"
    assert settings.sections == ["甲", "乙"] and settings.origins["sections"] == "jiance.toml"
    assert settings.bulletin_titles == ["信息产业监测"]
    assert settings.expert_marker == "观点"


def test_unknown_key_names_the_closest(tmp_path: Path) -> None:
    _write(tmp_path, "max_file_m = 3\n")
    with pytest.raises(ConfigError, match=r"'max_file_m'.*did you mean 'max_file_mb'"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("max_file_mb = '50'", "int"), ("sections = '产业环境'", "list of strings"), ("store = 1", "str"),
     ("parse_timeout_s = true", "int"), ("sections = [1, 2]", "list of strings")],
)  # fmt: skip
def test_type_errors_name_key_and_type(tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path, text + "\n")
    key = text.split(" ")[0]
    with pytest.raises(ConfigError, match=f"'{key}' must be a {expected}"):
        load_settings(tmp_path, environ={})


def test_bad_env_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JIANCE_SECTIONS"):
        load_settings(tmp_path, environ={"JIANCE_SECTIONS": "产业环境"})


def test_tables_pass_through_raw(tmp_path: Path) -> None:
    _write(tmp_path, 'search_snippet_chars = 40\n[[sources]]\nname = "feed"\nurl = "http://127.0.0.1/"\n')
    settings = load_settings(tmp_path, environ={})
    assert settings.raw["sources"] == [{"name": "feed", "url": "http://127.0.0.1/"}]
    assert settings.search_snippet_chars == 40


def test_invalid_toml(tmp_path: Path) -> None:
    _write(tmp_path, "store = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path, environ={})


def test_rendered_toml_documents_every_default() -> None:
    text = render_default_toml()
    assert tomllib.loads(text) == {}  # everything is commented out
    uncommented = "\n".join(line[2:] for line in text.splitlines() if re.match(r"# \w+ = ", line))
    assert tomllib.loads(uncommented) == {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        assert f"# {setting.help}" in text


def test_every_setting_is_in_the_docs() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in docs, setting.name
        assert f"JIANCE_{setting.name.upper()}" in docs, setting.name
