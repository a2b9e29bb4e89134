"""Throughput of ``jiance.text.decode_bytes`` on a few MB of synthetic Chinese, against the bare codec.

``decode_bytes`` does more than the codec (tries UTF-8 first, then checks the result looks like text), so
the ratio says what that safety costs. The text is random common characters generated here, never seed
text; the same bytes are decoded by both sides in the same run.
"""

from __future__ import annotations

import functools
import random

from benchmarks.harness import measure, ratio, report, throughput_mb_s
from jiance.text import decode_bytes
from jiance.text.decode import common_hanzi

__all__ = ["main", "synthetic_text"]

TARGET_CHARS = 1_500_000  # about 3 MB in GBK, 4.5 MB in UTF-8


def synthetic_text(chars: int, *, seed: int = 20240601) -> str:
    """Paragraphs of random common Han characters with Chinese punctuation, digits and line breaks."""
    rng = random.Random(seed)
    hanzi = sorted(common_hanzi())
    pieces: list[str] = []
    size = 0
    while size < chars:
        sentence = "".join(rng.choices(hanzi, k=rng.randint(8, 40))) + rng.choice("，。；：！？")
        if rng.random() < 0.1:
            sentence += f"{rng.randint(1, 9999)}亿元"
        if rng.random() < 0.15:
            sentence += "\n"
        pieces.append(sentence)
        size += len(sentence)
    return "".join(pieces)


def main() -> None:
    """Measure both encodings and report MB/s and the ratio to the plain codec."""
    text = synthetic_text(TARGET_CHARS)
    rows = []
    for label, data, codec in (
        ("GBK", text.encode("gbk"), "gb18030"),
        ("UTF-8", text.encode("utf-8"), "utf-8"),
    ):
        assert decode_bytes(data).text == data.decode(codec)
        ours = measure(functools.partial(decode_bytes, data))
        peer = measure(functools.partial(data.decode, codec))
        ours_rate = throughput_mb_s(len(data), ours.seconds_best)
        peer_rate = throughput_mb_s(len(data), peer.seconds_best)
        rows.append(
            {
                "input": f"{label} {len(data) / 2**20:.1f} MB",
                "peer": f"bytes.decode({codec!r})",
                "ours MB/s": ours_rate,
                "peer MB/s": peer_rate,
                "ratio": ratio(ours_rate, peer_rate),
                "ours peak MB": ours.peak_rss_mb,
                "peer peak MB": peer.peak_rss_mb,
            }
        )
    report("decode_bytes vs the bare codec", rows)
