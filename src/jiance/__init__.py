"""jiance (监测): turn raw sources into an edited, column-structured, figure-checked industry bulletin."""

__version__ = "0.1.0"
