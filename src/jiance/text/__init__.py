"""Chinese text handling shared by every stage: decoding, normalisation, re-flowing and segmentation."""

from jiance.text.decode import Decoded, decode_bytes, looks_like_text
from jiance.text.normalize import fold, is_cjk, normalize_line, normalize_text, visual_width

__all__ = [
    "Decoded",
    "decode_bytes",
    "fold",
    "is_cjk",
    "looks_like_text",
    "normalize_line",
    "normalize_text",
    "visual_width",
]
