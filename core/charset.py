"""Bytes of a web page → text: the one charset rule for readers and the extractor.

UTF-8 first (most of the web, and pages that declare a wrong charset are usually UTF-8), then the
charset the page declares in its first 4 KiB (`<meta charset>` / http-equiv), then the detected one
(faust-cchardet, a maintained C detector), else UTF-8 with replacement characters, so a page with a
few bad bytes is kept rather than dropped.
"""
from __future__ import annotations

import re

__all__ = ["decode_html"]

_DECLARED_RE = re.compile(rb"charset=[\"']?([\w-]+)")


def decode_html(content: bytes) -> tuple[str, str]:
    """Returns (text, how): `how` is the encoding used, lower-cased, or "utf-8-replaced"."""
    content = bytes(content)
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    m = _DECLARED_RE.search(content[:4096].lower())
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    import cchardet

    detected = cchardet.detect(content[:65536]).get("encoding")
    if detected:
        candidates.append(detected)
    for enc in candidates:
        try:
            return content.decode(enc), enc.lower()
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("utf-8", errors="replace"), "utf-8-replaced"
