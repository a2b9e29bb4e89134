"""Switching sources on and off, and running one now: what an editor does to the configured sources.

Two switches decide whether a source runs. ``enabled`` in jiance.toml is the administrator's: a source
turned off there stays off until the file changes. The ``enabled`` column of the store's ``sources`` table
is the editors' (the web app's 信息源 page): they pause a source that misbehaves and resume it, without
editing the file. A source runs when both are on; :func:`effective_sources` applies the editors' switch to
the configuration, and every caller that collects (the web app here; the CLI and the watcher should too)
hands :func:`jiance.sources.collect.collect_all` those configs, so a paused source is never collected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from jiance.errors import ConfigError, NotFoundError
from jiance.settings import Settings
from jiance.sources.collect import RunReport, collect_all
from jiance.sources.config import SourceConfig
from jiance.sources.health import SourceHealth, source_health
from jiance.sources.http import Fetcher, policy_from_settings
from jiance.store.base import Store
from jiance.store.collection import collection_for

__all__ = [
    "SourceState",
    "configured_source",
    "effective_sources",
    "run_source",
    "set_enabled",
    "source_states",
]


@dataclass(slots=True)
class SourceState:
    """One configured source as the sources page shows it: its health and both switches.

    ``health.enabled`` is whether it runs (both switches on); ``configured`` is jiance.toml's switch and
    ``switched_on`` the editors'.
    """

    config: SourceConfig
    health: SourceHealth
    configured: bool
    switched_on: bool

    @property
    def status(self) -> str:
        """One word for the table: disabled (in jiance.toml), paused (by an editor), flagged, never (no run
        yet), or the last run's status."""
        if not self.configured:
            return "disabled"
        if not self.switched_on:
            return "paused"
        if self.health.flagged:
            return "flagged"
        return self.health.last_status or "never"


def configured_source(configs: Sequence[SourceConfig], name: str) -> SourceConfig:
    """The source called ``name`` in the configuration; NotFoundError when jiance.toml has none."""
    for config in configs:
        if config.name == name:
            return config
    raise NotFoundError(f"no source named {name!r} in jiance.toml", where=name)


def effective_sources(store: Store, configs: Sequence[SourceConfig]) -> list[SourceConfig]:
    """``configs`` with the editors' switch applied: ``enabled`` is on only when both switches are."""
    switches = collection_for(store).switches()
    return [
        dataclasses.replace(c, enabled=False) if c.enabled and not switches.get(c.name, True) else c
        for c in configs
    ]


def source_states(store: Store, configs: Sequence[SourceConfig]) -> list[SourceState]:
    """Every configured source with its health, in configuration order."""
    collection = collection_for(store)
    switches = collection.switches()
    effective = effective_sources(store, configs)
    return [
        SourceState(config, health, config.enabled, switches.get(config.name, True))
        for config, health in zip(configs, source_health(collection, effective), strict=True)
    ]


def set_enabled(store: Store, configs: Sequence[SourceConfig], name: str, enabled: bool) -> SourceState:
    """Turn the editors' switch of source ``name`` on or off; returns its state afterwards.

    Turning on a source that jiance.toml turns off is refused: it would not run, and the page would say
    it is on.
    """
    config = configured_source(configs, name)
    if enabled and not config.enabled:
        raise ConfigError(
            "the source is turned off in jiance.toml (enabled = false); change it there", where=name
        )
    collection_for(store).set_switch(config, enabled)
    return source_states(store, [config])[0]


def run_source(
    store: Store,
    settings: Settings,
    configs: Sequence[SourceConfig],
    name: str,
    *,
    fetcher: Fetcher | None = None,
) -> RunReport:
    """Collect source ``name`` once now and record the run; a switched-off source is refused.

    Without a ``fetcher`` one is built from the workspace's fetch settings and closed afterwards.
    """
    config = effective_sources(store, [configured_source(configs, name)])[0]
    if not config.enabled:
        raise ConfigError("the source is switched off; turn it on before running it", where=name)
    if fetcher is not None:
        return collect_all([config], fetcher, store, settings)[0]
    with Fetcher(policy_from_settings(settings)) as own:
        return collect_all([config], own, store, settings)[0]
