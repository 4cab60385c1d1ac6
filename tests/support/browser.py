"""Browser test harness: Debian's Chromium driven by playwright, against a real `consentry serve` process.

No playwright-managed browser download: `executable_path` points at /usr/bin/chromium (`make browser`
installs it). Without it the browser tests skip and say why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.server import cli_env

CHROMIUM = Path(os.environ.get("CONSENTRY_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def require_chromium() -> None:
    """Skip (with the reason) when the browser or its driver is missing; never pass silently."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")


@contextmanager
def chromium(locale: str = "en-GB"):
    """A fresh headless Chromium context (own cookies), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 800}, accept_downloads=True)
            context.set_default_timeout(15000)
            try:
                yield context
            finally:
                context.close()
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ (kept as a CI artefact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def cli(home: Path, *args: str, database_url: str | None = None) -> dict:
    """Run a consentry command with --json on the instance; return its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args, "--json"],
        env=cli_env(home, database_url),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def new_instance(home: Path, roles=("dpo", "steward")) -> dict[str, str]:
    """Initialise an instance through the CLI; return role -> API key (admin included)."""
    keys = {"admin": cli(home, "init")["admin_api_key"]}
    for role in roles:
        keys[role] = cli(home, "principals", "create", f"web-{role}", "--role", role)["api_key"]
    return keys


def sign_in(page, base: str, key: str, start: str = "/web/") -> None:
    """Sign in through the form with the keyboard (key typed into the labelled field, Enter submits)."""
    page.goto(base + start)
    page.get_by_label(re.compile("API key|API-ключ")).fill(key)
    with page.expect_navigation():
        page.get_by_label(re.compile("API key|API-ключ")).press("Enter")


def session_cookie(context) -> dict:
    """The admin session cookie as the browser stored it."""
    from api.web.session import COOKIE

    found = [c for c in context.cookies() if c["name"] == COOKIE]
    assert found, "no session cookie in the browser"
    return found[0]


@contextmanager
def services_of(home: Path, database_url: str | None = None):
    """The instance's services in the test process (to seed data the server then shows); closed afterwards."""
    from compliance.services import build_services
    from compliance.settings import Settings

    svc = build_services(Settings.load(env={}, home=home, database_url=database_url))
    try:
        yield svc
    finally:
        svc.close()
