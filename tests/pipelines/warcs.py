"""Small WARC builders for crawl tests (real WARC files written with warcio)."""
from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PROSE = (
    "The committee met on Tuesday to discuss the new library budget for the coming year. "
    "Several members argued that the reading rooms needed better lighting and more seats, "
    "while others wanted to spend the money on digital subscriptions and longer opening hours. "
    "After a long debate they agreed to split the funds between both plans and to review the "
    "results in six months, when the first visitor numbers would be available to everyone. "
)


_WORDS = (
    "river garden mountain council school market bridge harvest winter letter engine museum village "
    "doctor student painter forest island harbour teacher kitchen festival railway factory orchard "
    "theatre valley castle season meadow lantern journey weather history science music story"
).split()


def unique_prose(seed: str, sentences: int = 12) -> str:
    """Readable, grammatical sentences whose word choice depends on `seed`, so two pages with
    different seeds are not near-duplicates of each other."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        a, b, c = rng.sample(_WORDS, 3)
        out.append(f"The {a} near the {b} was described by the {c} as one of the most interesting places they had seen.")
    return " ".join(out)


def article_html(title: str, paragraphs: int = 4, extra: str = "") -> str:
    body = "".join(f"<p>{unique_prose(f'{title}-{i}')} {PROSE}</p>" for i in range(paragraphs))
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{body}{extra}</article><footer>Copyright</footer></body></html>"
    )


def write_warc(path: Path, pages: list[tuple[str, bytes | str]], content_type: str = "text/html") -> Path:
    """pages: (url, body). Writes a gzip WARC of response records."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, body in pages:
            payload = body.encode("utf-8") if isinstance(body, str) else body
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http)
            writer.write_record(record)
    return path
