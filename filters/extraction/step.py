"""`MathCodeExtractor`: the datatrove extractor step (default of the crawl pipeline).

It subclasses datatrove's `BaseExtractor`, so every document is extracted inside
datatrove's `ExtractorSandbox` (a forked worker process, killed and replaced when a
document runs past `timeout`). On top of that:
- the worker process gets an address-space limit (`memory_limit_mb` above what it
  started with), so a hostile page raises MemoryError in the worker instead of taking
  the node down;
- inside the worker, `extract` has its own deadline just under `timeout`, so most slow
  pages end with a clean `ExtractionTimeout` instead of a killed process;
- per-document failures are counted by reason (`timeout`, `broken_process`,
  `error:<ExceptionName>`) and the document is dropped, the run goes on.

Metadata written to `doc.metadata` (stable names, see docs/ARCHITECTURE.md):
`has_math` (bool), `has_code` (bool), `n_formulas` (int), `n_code_blocks` (int).
"""
from __future__ import annotations

import os
import resource

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from filters.extraction.content import ExtractionTimeout
from filters.extraction.core import MAX_HTML_CHARS, extract

METADATA_KEYS = ("has_math", "has_code", "n_formulas", "n_code_blocks")


def _limit_address_space(extra_mb: int) -> None:
    """Cap this process's virtual memory at its current size plus `extra_mb`."""
    with open("/proc/self/statm") as fh:
        vm_bytes = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm_bytes + extra_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class MathCodeExtractor(BaseExtractor):
    """Extract main content as Markdown keeping math ($…$, $$…$$) and code (fenced).

    Args:
        timeout: seconds per document (datatrove's sandbox kills the worker after it).
        memory_limit_mb: extra address space the worker may use; None disables the cap.
        max_html_chars: longer pages are truncated before parsing.
    """

    name = "⛏ MathCode"
    _requires_dependencies = ["lxml"]

    def __init__(self, timeout: float = 1.0, memory_limit_mb: int | None = 4096, max_html_chars: int = MAX_HTML_CHARS):
        super().__init__(timeout)
        self.memory_limit_mb = memory_limit_mb
        self.max_html_chars = max_html_chars
        self._guarded = False

    def extract(self, text: str) -> str:
        """BaseExtractor's contract: HTML in, text out."""
        return extract(text, time_budget_s=self.timeout, max_html_chars=self.max_html_chars).text

    def _extract_with_metadata(self, text: str):
        # Runs inside the sandbox worker: install the memory cap once, and hand exceptions
        # back as values (the sandbox re-raises them in the parent) instead of letting them
        # kill the worker.
        try:
            if not self._guarded and self.memory_limit_mb:
                _limit_address_space(self.memory_limit_mb)
            self._guarded = True
            result = extract(text, time_budget_s=max(0.05, 0.9 * self.timeout), max_html_chars=self.max_html_chars)
            return result.text, {
                "has_math": result.has_math,
                "has_code": result.has_code,
                "n_formulas": result.n_formulas,
                "n_code_blocks": result.n_code_blocks,
            }
        except ExtractionTimeout:
            # Not raised through the sandbox: it would kill and respawn a healthy worker.
            return None, {"_timeout": True}
        except BaseException as e:  # noqa: BLE001 - returned to the parent, counted by reason
            return e if isinstance(e, Exception) else RuntimeError(repr(e))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with ExtractorSandbox(timeout=self.timeout, warmup_text="") as sandbox:
            for doc in data:
                self.stat_update(StatHints.total)
                with self.track_time():
                    try:
                        text, meta = sandbox.process_document(doc.text, self._extract_with_metadata)
                        self.stat_update("extracted")
                    except TimeoutError:
                        self.stat_update("timeout")
                        logger.warning(f"extraction timed out for document {doc.id}; dropped")
                        continue
                    except EOFError:
                        self.stat_update("broken_process")
                        logger.warning(f"extraction worker died on document {doc.id}; dropped")
                        continue
                    except Exception as e:  # noqa: BLE001 - counted with its reason
                        self.stat_update(f"error:{type(e).__name__}")
                        if not self._warned_error:
                            logger.warning(f"extraction failed for document {doc.id}: {e!r} (warned once)")
                            self._warned_error = True
                        continue
                if text is None:  # the in-worker deadline fired
                    self.stat_update("timeout")
                    continue
                doc.metadata.update(meta)
                if text:
                    doc.text = text
                    self.stat_update(StatHints.forwarded)
                    self.update_doc_stats(doc)
                    yield doc
                else:
                    self.stat_update(StatHints.dropped)
