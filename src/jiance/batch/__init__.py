"""Batch processing on a Dask cluster: ``jiance batch import|analyze|reindex``.

The same stages as the in-process commands, run over partitions of the store on Dask workers; the driver
(the process running the command) streams partitions out, collects small results back and is the only
one that writes to the store. Modules: :mod:`.cluster` (connect or start a LocalCluster),
:mod:`.partitions` (streaming pages of the store, bounded in flight), :mod:`.corpus` (corpus-wide
statistics by reduction), :mod:`.dedup` and :mod:`.events` (the batch stages across partitions),
:mod:`.analyze`, :mod:`.importer` and :mod:`.reindex` (the three commands).
"""

from __future__ import annotations

__all__: list[str] = []
