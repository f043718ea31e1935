"""Headless Chromium for tests that render pages (the HTML report), driven by playwright.

The browser is Debian's `chromium` (scripts/system_deps.sh installs it as root): playwright's own
`playwright install chromium` downloads from a CDN, which machines that reach only PyPI and Debian
cannot. A browser playwright did install is used when there is no system one.
"""
from __future__ import annotations

import shutil


def chromium_executable() -> str | None:
    """Path of a system Chromium, or None (then playwright's own download is tried)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch(playwright):
    """A headless Chromium; raises with the reason when none can start."""
    exe = chromium_executable()
    # --no-sandbox: the suite runs as root in containers, where Chromium's own sandbox cannot start.
    return playwright.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
