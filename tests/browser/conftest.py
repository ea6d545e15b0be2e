"""Browser tests: a live Twiza serving the demo archive, driven in real headless Chromium by Playwright.

The server runs once per session on its own SQLite database (whatever TWIZA_TEST_DATABASE_URL says:
these tests check pages, not databases), in a daemon thread on a free port of 127.0.0.1. Chromium is
Debian's (/usr/bin/chromium), never a browser downloaded by Playwright. Where Chromium, Playwright or
axe-core is missing the tests skip with the reason, except in CI (CI=true), where they fail: CI must run
them.

Every page opened through the ``page`` or ``new_page`` fixtures records its requests; a test fails at
teardown if any went to another host than the live server (the archive serves everything itself), or
if the server answered one of them with an error.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IN_CI = os.environ.get("CI") == "true"
DESKTOP = {"width": 1280, "height": 900}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    # Everything in this folder is a browser test, so that `-m "not browser"` leaves it all out.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def unavailable(reason: str) -> None:
    """Skip, or fail in CI, which must run the browser tests."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


# ------------------------------------------------------------------------------------------- server


@dataclass
class LiveServer:
    url: str
    host: str  # "127.0.0.1:PORT", the only host pages may ask anything of
    app: Any

    def __call__(self, path: str = "/") -> str:
        return self.url + path


READER_EMAIL, READER_PASSWORD = "reader@example.org", "a long reader password"
WORKER_EMAIL = "worker@example.org"
REVIEWER_EMAIL = "reviewer@example.org"
CURATOR_EMAIL = "curator@example.org"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, compiled_translations: None) -> Iterator[LiveServer]:
    """Twiza on the demo archive (small images), migrated and imported as `./twiza serve` does."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from archive.db import db
    from archive.demo import build_demo_package
    from archive.services.accounts import create_user
    from archive.services.packages import import_package
    from archive.services.people import create_account

    data_dir = tmp_path_factory.mktemp("browser-data")
    # DATABASE_URL=None: SQLite in the data folder, whatever the environment names.
    # SECURE_COOKIES off: the live server speaks plain HTTP, as `./twiza serve` does.
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "browser-tests",
                      "DATABASE_URL": None, "SECURE_COOKIES": False})
    with app.app_context():
        upgrade()
        import_package(build_demo_package(tmp_path_factory.mktemp("demo-package"), large_images=False))
        create_user(READER_EMAIL, "Nadia Benali", READER_PASSWORD)
        create_user(WORKER_EMAIL, "Amina Aït Ali", READER_PASSWORD, roles=["data_worker"])
        # Only certified workers hold the reviewer role: she is certified as the command line does it.
        create_account(REVIEWER_EMAIL, "Khadija Bennani", READER_PASSWORD, roles=["reviewer"],
                       certify="reviewer")
        create_user(CURATOR_EMAIL, "Hassan Ouali", READER_PASSWORD, roles=["curator"])
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="twiza-live-server", daemon=True)
    thread.start()
    host = f"127.0.0.1:{server.server_port}"
    try:
        yield LiveServer(url=f"http://{host}", host=host, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


# ------------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (which downloads nothing here)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements.lock)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class PageLog:
    """What one test's pages asked for and what they were answered."""
    requests: list[str]
    errors: list[str]


@pytest.fixture
def page_log() -> PageLog:
    return PageLog(requests=[], errors=[])


def _log_error(log: PageLog, response: Any) -> None:
    if response.status >= 400:
        log.errors.append(f"{response.status} {response.request.method} {response.url}")


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer, page_log: PageLog) -> Iterator[Callable[..., Any]]:
    """``new_page(width=1280, locale="fr-FR")``: a page in a fresh browser context (its own cookies and
    storage), recording every request. At teardown, fails on any request to another host and on any
    error answer (4xx/5xx) from ours."""
    contexts: list[Any] = []

    def make(width: int = DESKTOP["width"], height: int = DESKTOP["height"], locale: str = "fr-FR") -> Any:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height},
                                      locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("request", lambda request: page_log.requests.append(request.url))
        page.on("response", lambda response: _log_error(page_log, response))
        return page

    yield make
    for context in contexts:
        context.close()
    off_host = [url for url in page_log.requests
                if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != live_server.host]
    assert not off_host, f"pages asked another host than {live_server.host}: {off_host}"
    assert not page_log.errors, f"the server answered with errors: {page_log.errors}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280 px wide) with a French browser, in a fresh context."""
    return new_page()


# --------------------------------------------------------------------------------------------- axe


@pytest.fixture(scope="session")
def axe() -> Callable[[Any], list[dict[str, Any]]]:
    """``axe(page)``: the serious and critical WCAG 2.1 A/AA violations axe-core finds on the page, each
    as {id, impact, help, nodes: [{target, summary}]}. axe-core comes from npm (package-lock.json)."""
    if not AXE_SCRIPT.is_file():
        unavailable(f"{AXE_SCRIPT.relative_to(ROOT)} is missing: install it with `npm ci` (./twiza does)")

    def run(page: Any) -> list[dict[str, Any]]:
        page.add_script_tag(path=str(AXE_SCRIPT))
        return page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
            }""",
            WCAG_TAGS,
        )

    return run
