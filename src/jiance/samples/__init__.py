"""The bulletins the project writes itself: demo input, gold for the splitter, and benchmark text.

``corpus`` loads the JSON samples and derives their gold records; ``layouts`` renders them as the many
kinds of PDF-to-text dumps real bulletins arrive as; ``office`` renders them as DOCX and HTML.
"""

from jiance.samples.corpus import (
    check_sample,
    gold_records,
    load_sample,
    sample_articles_text,
    sample_names,
)
from jiance.samples.layouts import (
    LAYOUTS,
    encode_text,
    render_single_article_html,
    render_single_article_text,
    render_text,
    write_sample_set,
)
from jiance.samples.office import render_docx, render_html

__all__ = [
    "LAYOUTS",
    "check_sample",
    "encode_text",
    "gold_records",
    "load_sample",
    "render_docx",
    "render_html",
    "render_single_article_html",
    "render_single_article_text",
    "render_text",
    "sample_articles_text",
    "sample_names",
    "write_sample_set",
]
