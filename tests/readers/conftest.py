"""A small sample bulletin of our own sentences, rendered once per session for the PDF reader tests."""

from __future__ import annotations

from typing import Any

import pytest

from jiance.samples.pdf import render_pdf

LONG = "本市计划三年内建成覆盖全域的算力网络，目标规模达到 5000 PFlops，并引入 GPU 集群。"


@pytest.fixture(scope="session")
def bulletin() -> dict[str, Any]:
    return {
        "name": "tiny",
        "title": "测试产业周报",
        "number": "第3期",
        "date": "2026-05-07",
        "publisher": "虚构研究所资料室",
        "contact": "010-0000-1234",
        "copyright": "©2026 虚构研究所，仅供测试。",
        "sections": [
            {
                "name": "产业环境",
                "articles": [
                    {
                        "title": "虚构城市发布算力网络三年计划",
                        "blocks": [
                            {"kind": "paragraph", "text": LONG * 3},
                            {"kind": "subheading", "text": "一、建设目标"},
                            {
                                "kind": "paragraph",
                                "text": "到二〇二八年，机架数量翻一番，绿色电力占比过半。" * 4,
                            },
                        ],
                        "experts": [
                            {
                                "speaker": "某机构首席分析师张某某",
                                "headline": "算力网络要先算账",
                                "paragraphs": ["投资节奏应当与需求相匹配，避免重复建设。" * 3],
                            }
                        ],
                    }
                ],
            },
            {
                "name": "技术情报",
                "articles": [
                    {
                        "title": "新型光模块完成测试",
                        "blocks": [
                            {"kind": "paragraph", "text": "测试显示 800G Ethernet 光模块功耗下降两成。" * 60}
                        ],
                    }
                ],
            },
        ],
    }


@pytest.fixture(scope="session")
def bulletin_pdf(bulletin: dict[str, Any]) -> bytes:
    return render_pdf(bulletin)
