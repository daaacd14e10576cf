"""Browser tests: Playwright's sync API driving Debian's Chromium against `live_server`.

Loaded by tests/conftest.py through `pytest_plugins = ["tests.browser"]`.

How to write one::

    @pytest.mark.browser
    def test_something(live_server, page):
        page.goto(f"{live_server.url}/admin/")
        screenshot(page, "admin-login")  # test-artifacts/screenshots/admin-login.png

- Mark the test `browser`. tests/conftest.py skips it when Chromium is missing (fails under
  OMNISTORE_REQUIRE_SERVICES=1). Asking for `page` or `chromium` without the mark is an error,
  raised before anything starts: Chromium only ever runs for browser tests.
- Use `live_server` (pytest-django). It gives the test a transactional database, so rows the
  test creates are visible to the server thread, and the other way round; they are flushed
  after the test.
- `page` is a fresh browser context per test (no cookies carried over), 1280x900, with a 10 s
  default timeout for actions, navigations and `expect`. It is closed after the test; when the
  test failed, a screenshot named after the test is saved first.
- `screenshot(page, name)` saves test-artifacts/screenshots/<name>.png (git-ignored).

One Playwright and one Chromium serve a run of consecutive browser tests (the session's
`_browser_session`); they start with the first browser test and stop as soon as the next test is
not one. The reason: while Playwright's sync API is alive it keeps its asyncio loop registered as
running in the main thread, and Django then refuses every ORM call from that thread with
SynchronousOnlyOperation: the test's own queries, and the database set-up and flush of any test
that would run next in the same process. So:

- DJANGO_ALLOW_ASYNC_UNSAFE=true is set when Playwright starts and removed when it stops, which
  is while browser tests run and only then. Nothing async touches the ORM: the test and the
  live server's thread are plain synchronous code.
- Browser tests are moved to the end of the collection, so that in one process they run one
  after the other and Chromium starts once.
- `make test` runs them in a pytest run of their own, after the parallel run of the rest
  (`-m browser`, no xdist): two Chromiums and two live servers never compete for the 2 CPU
  cores of a small machine or CI runner, where that makes timeouts flaky.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Git-ignored (`test-artifacts/` in .gitignore); CI can upload the folder.
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def _is_browser_test(item: pytest.Item) -> bool:
    return item.get_closest_marker("browser") is not None


def chromium_path() -> str:
    """Debian's Chromium, else a `chromium` on the PATH (tests/conftest.py accepts either)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium") or CHROMIUM


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Saves a PNG of `page` (all of it, or what the viewport shows) as
    test-artifacts/screenshots/<name>.png, replacing an older one; returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "screenshot"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --- Collection -------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_tests = [item for item in items if _is_browser_test(item)]
    items[:] = [item for item in items if not _is_browser_test(item)] + browser_tests


# --- Playwright and Chromium ----------------------------------------------------------------


class BrowserSession:
    """Playwright and Chromium, started on first use and stopped by `stop()`."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._async_unsafe_before: str | None = None

    @property
    def running(self) -> bool:
        return self._playwright is not None

    def browser(self):
        if self._browser is not None:
            return self._browser
        from playwright.sync_api import expect, sync_playwright

        # Before starting: from then on the Playwright loop counts as running in this thread.
        self._async_unsafe_before = os.environ.get(_ASYNC_UNSAFE)
        os.environ[_ASYNC_UNSAFE] = "true"
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
        except BaseException:
            self.stop()
            raise
        return self._browser

    def stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()
                if self._async_unsafe_before is None:
                    os.environ.pop(_ASYNC_UNSAFE, None)
                else:
                    os.environ[_ASYNC_UNSAFE] = self._async_unsafe_before


_browser_session_key = pytest.StashKey[BrowserSession]()


@pytest.fixture(scope="session")
def _browser_session(pytestconfig: pytest.Config):
    session = BrowserSession()
    pytestconfig.stash[_browser_session_key] = session
    yield session
    session.stop()
    del pytestconfig.stash[_browser_session_key]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    try:
        return (yield)
    finally:
        # After the test's own fixtures (its page, its database flush) are torn down.
        session = item.config.stash.get(_browser_session_key, None)
        if session is not None and session.running:
            if nextitem is None or not _is_browser_test(nextitem):
                session.stop()


@pytest.fixture
def chromium(request: pytest.FixtureRequest):
    """The shared Chromium (playwright.sync_api.Browser), for tests that need several contexts."""
    if not _is_browser_test(request.node):
        pytest.fail(
            f"{request.node.nodeid} uses Chromium but is not marked: add @pytest.mark.browser",
            pytrace=False,
        )
    # Asked for only now, so an unmarked test fails before anything starts.
    return request.getfixturevalue("_browser_session").browser()


#: Whether the test's call phase failed, for the screenshot in `page`'s teardown.
_call_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = report.failed
    return report


@pytest.fixture
def page(request: pytest.FixtureRequest, chromium):
    """A new page in a new browser context; a screenshot is saved when the test failed."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
        if request.node.stash.get(_call_failed, False) and not page.is_closed():
            screenshot(page, f"FAILED-{request.node.nodeid}")
    finally:
        context.close()
