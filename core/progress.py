"""Progress bars for long work, one style everywhere: tqdm (maintained, already a dependency),
drawn only on a terminal, so logs and CI output stay free of carriage-return noise. Whoever
uses a bar prints its own one-line summary at the end (on a terminal or not)."""
from __future__ import annotations

import os
import sys
from typing import IO

from tqdm import tqdm

__all__ = ["bar", "on_terminal"]


def on_terminal(stream: IO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Bar(tqdm):
    def close(self) -> None:
        # Draw the final state before the line is wiped (leave=False): short work shows its end too.
        if not self.disable and not getattr(self, "_closed_once", False):
            self._closed_once = True
            self.refresh()
        super().close()


def bar(total: float | None = None, desc: str = "", unit: str = "it", *, file: IO | None = None, **kwargs) -> tqdm:
    """A progress bar on `file` (stderr) with rate and ETA; disabled when `file` is not a terminal.
    `unit_scale`, `postfix`, `initial` … pass through to tqdm."""
    stream = file if file is not None else sys.stderr
    kwargs.setdefault("mininterval", 0.5)
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        size = os.terminal_size((0, 0))
    # A fixed width: tqdm's own size detection draws nothing on a terminal that reports 0 columns
    # or 0 rows (a fresh pty, some CI runners and container consoles).
    kwargs.setdefault("ncols", size.columns or 100)
    kwargs.setdefault("nrows", size.lines or 24)
    kwargs.setdefault("leave", False)
    return _Bar(total=total, desc=desc, unit=unit, file=stream, disable=not on_terminal(stream), **kwargs)
