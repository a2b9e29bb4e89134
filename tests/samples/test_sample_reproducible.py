"""The same sample renders to the same bytes, so re-running the demo imports nothing new."""

from __future__ import annotations

from jiance.samples.corpus import load_sample, sample_names
from jiance.samples.office import render_docx
from jiance.samples.pdf import render_pdf


def test_pdf_and_docx_are_byte_reproducible() -> None:
    sample = load_sample(sample_names()[0])
    assert render_pdf(sample) == render_pdf(sample)
    assert render_docx(sample) == render_docx(sample)
