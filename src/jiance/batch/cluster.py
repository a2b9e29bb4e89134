"""The Dask client a batch command runs on: a real cluster's scheduler, or a LocalCluster on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from jiance.errors import ConfigError

__all__ = ["open_client"]


@contextmanager
def open_client(scheduler: str | None = None, *, workers: int = 2) -> Iterator[object]:
    """A ``distributed.Client``: connected to ``scheduler`` (``tcp://HOST:PORT``) when given, else to a
    LocalCluster of ``workers`` single-threaded processes on 127.0.0.1 with no dashboard.

    One thread per process: the stages are pure Python holding the GIL, so threads would not add speed,
    and a process per core is what makes the measured speed-up per worker meaningful.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
            raise ConfigError(f"scheduler address must look like tcp://HOST:PORT, not {scheduler!r}")
        try:
            client = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler: {exc}", where=scheduler) from exc
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    import dask

    # Workers must not be daemonic: the PDF/DOCX parsers run in a forked child (jiance.sandbox).
    dask.config.set({"distributed.worker.daemon": False})
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()
