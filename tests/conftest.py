"""Shared test options and helpers: `--update-golden` rewrites expected files instead of comparing."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """nsgen's parser and template caches go to a folder of this test run, not the user's own
    (tests that need another set XDG_CACHE_HOME themselves)."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden/ and tests/errors/ expected files from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def assert_golden(path: Path, actual: str, update: bool) -> None:
    """Compare `actual` with the expected file at `path` (or rewrite it with --update-golden)."""
    if update:
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing; run `pytest --update-golden` and review the new file")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                    fromfile=f"{path.relative_to(ROOT)} (expected)", tofile="actual")
        pytest.fail("output differs from the golden file (review, then `pytest --update-golden`):\n"
                    + "".join(diff), pytrace=False)
