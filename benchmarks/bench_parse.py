"""Parse throughput: ``jiance.pipeline.parse_bytes`` on text dumps and a ~40-page PDF, against plain reading.

Three inputs, each measured in the same run as its peer on the very same bytes:

* a corpus of text dumps (the seed when present, plus every generated sample in every layout family),
  parsed file by file and cycled until it reaches ``JIANCE_BENCH_PARSE_MB`` (default 8 MB); the peer is
  ``decode_bytes`` alone, so the ratio is what splitting costs on top of decoding;
* the distinct text dumps concatenated into one big file, to expose any cost that grows faster than the
  input (a repeated corpus cannot be concatenated: every line would repeat and read as page furniture);
* the samples rendered into one PDF of at least 40 pages (pages/s); the peer is pdfminer's plain
  ``extract_text``, the cheapest way to get the same text out.

Parsing runs in one process, so MB/s is per core. Peak memory is the extra resident memory of the child
that did the work. Benchmarks never fail on speed; a parser that raises is reported as such.
"""

from __future__ import annotations

import functools
import io
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure, ratio, report, throughput_mb_s
from jiance.pipeline import parse_bytes
from jiance.text import decode_bytes

__all__ = ["main", "pdf_input", "text_corpus"]

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_8913e8f3e5978f8d.txt"
TARGET_MB = float(os.environ.get("JIANCE_BENCH_PARSE_MB", "8"))
PDF_PAGES = 40


def text_corpus() -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of every distinct text dump we may use: the seed and the sample layouts."""
    files: list[tuple[str, bytes]] = []
    if SEED.is_file():
        files.append((SEED.name, SEED.read_bytes()))
    try:
        from jiance.samples.layouts import write_sample_set

        with tempfile.TemporaryDirectory() as tmp:
            for path in write_sample_set(Path(tmp)):
                if path.suffix == ".txt" and "__article-" not in path.name:
                    files.append((path.name, path.read_bytes()))
    except (ImportError, OSError) as exc:
        print(f"sample layouts unavailable ({exc}); text corpus is the seed only")
    if not files:
        raise SystemExit("no text input: neither the seed nor the generated samples are available")
    return files


def _cycled(files: list[tuple[str, bytes]], target_bytes: float) -> list[tuple[str, bytes]]:
    total = sum(len(data) for _, data in files)
    return files * max(1, math.ceil(target_bytes / total))


def _concatenated(files: list[tuple[str, bytes]]) -> bytes:
    """The distinct dumps as one UTF-8 file (they come in several encodings, so decode each first)."""
    return "\n\n".join(decode_bytes(data).text for _, data in files).encode("utf-8")


def _parse_all(files: list[tuple[str, bytes]]) -> None:
    for name, data in files:
        parse_bytes(data, name)


def _decode_all(files: list[tuple[str, bytes]]) -> None:
    for _, data in files:
        decode_bytes(data)


def _pdf_pages(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def pdf_input() -> tuple[bytes, int] | None:
    """All samples in one bulletin, its sections repeated until the PDF has at least 40 pages."""
    try:
        from jiance.samples.corpus import load_sample, sample_names
        from jiance.samples.pdf import render_pdf

        samples = [load_sample(name) for name in sample_names()]
    except (ImportError, OSError) as exc:
        print(f"PDF samples unavailable ({exc}); skipping the PDF row")
        return None
    if not samples:
        return None
    combined: dict[str, Any] = {
        **samples[0],
        "sections": [s for sample in samples for s in sample["sections"]],
    }
    sections = combined["sections"]
    data = render_pdf(combined)
    pages = _pdf_pages(data)
    copies = 1
    while pages < PDF_PAGES:  # cover and contents do not grow with the body, so estimate and re-check
        copies = max(copies + 1, math.ceil(copies * PDF_PAGES / pages))
        data = render_pdf({**combined, "sections": sections * copies})
        pages = _pdf_pages(data)
    return data, pages


def _pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    text: str = extract_text(io.BytesIO(data))
    return text


def _try(fn: Callable[[], object], repeat: int) -> Measurement | str:
    """A measurement, or the parser's failure in one line (a benchmark reports, it does not fail)."""
    try:
        return measure(fn, repeat=repeat)
    except RuntimeError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return f"failed: {lines[-1] if lines else exc}"


def _row(
    label: str, nbytes: int, ours: Measurement | str, peer: Measurement, peer_name: str
) -> dict[str, Any]:
    peer_rate = throughput_mb_s(nbytes, peer.seconds_best)
    row: dict[str, Any] = {"input": label, "peer": peer_name, "peer MB/s": peer_rate}
    if isinstance(ours, str):
        return {**row, "ours MB/s": ours}
    ours_rate = throughput_mb_s(nbytes, ours.seconds_best)
    return {
        **row,
        "ours MB/s": ours_rate,
        "ratio": ratio(ours_rate, peer_rate),
        "ours s": ours.seconds_best,
        "ours peak MB": ours.peak_rss_mb,
        "peer peak MB": peer.peak_rss_mb,
    }


def _text_rows(files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    batch = _cycled(files, TARGET_MB * 2**20)
    nbytes = sum(len(data) for _, data in batch)
    rows = [
        _row(
            f"{len(batch)} text dumps, {nbytes / 2**20:.1f} MB",
            nbytes,
            _try(functools.partial(_parse_all, batch), repeat=2),
            measure(functools.partial(_decode_all, batch)),
            "decode_bytes",
        )
    ]
    big = _concatenated(files)
    rows.append(
        _row(
            f"{len(files)} dumps in one file, {len(big) / 2**20:.1f} MB",
            len(big),
            _try(functools.partial(parse_bytes, big, "concatenated.txt"), repeat=2),
            measure(functools.partial(decode_bytes, big)),
            "decode_bytes",
        )
    )
    return rows


def _pdf_row() -> dict[str, Any] | None:
    found = pdf_input()
    if found is None:
        return None
    data, pages = found
    ours = _try(functools.partial(parse_bytes, data, "bench.pdf"), repeat=2)
    peer = measure(functools.partial(_pdfminer_text, data), repeat=2)
    row = _row(
        f"PDF, {pages} pages, {len(data) / 2**20:.1f} MB", len(data), ours, peer, "pdfminer extract_text"
    )
    row["peer pages/s"] = pages / peer.seconds_best
    if isinstance(ours, Measurement):
        row["ours pages/s"] = pages / ours.seconds_best
    return row


def main() -> None:
    """Measure the text corpus, the concatenated file and the PDF; print and record the table."""
    rows = _text_rows(text_corpus())
    pdf = _pdf_row()
    if pdf is not None:
        rows.append(pdf)
    report("parse_bytes vs reading the same bytes", rows)


if __name__ == "__main__":
    main()
