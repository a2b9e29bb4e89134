"""Fuzz targets for jiance's parsers (atheris) and the runner behind ``make fuzz`` (``python -m fuzz``).

Each ``fuzz_<parser>.py`` defines ``TestOneInput(data: bytes)``: it feeds the bytes to one parser and lets
only the project's own errors (:class:`jiance.errors.JianceError`) pass, so anything else — a stray
``KeyError`` from a library, a ``RecursionError``, a hang — is a finding. :mod:`fuzz.seeds` writes the small
valid inputs every target starts from, so no third-party file is needed.
"""

TARGETS = ("decode", "text", "html", "feed", "docx", "pdf")
