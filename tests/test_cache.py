"""The start-up caches: the analysed grammar (and compiled templates) kept in the user cache folder.

A cache may only make nsgen faster: with or without it, stale, corrupt or unwritable, the output is the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nsgen import parser
from nsgen.cache import cache_dir
from nsgen.compiler import compile_source
from nsgen.targets import render

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "examples" / "seed.ns").read_text(encoding="utf-8")


def _fresh() -> None:
    """Forget the in-process parser, as a new `nsgen` process would not have it."""
    parser.lark_parser.cache_clear()


@pytest.fixture(autouse=True)
def _isolated() -> Iterator[None]:
    """Each test starts and ends without a parser built from another cache folder."""
    _fresh()
    yield
    _fresh()


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty XDG cache home; returns nsgen's folder in it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "nsgen"


def _scripts() -> list[str]:
    """Every script of the seed lab, for comparing runs."""
    result = compile_source(SEED, "seed.ns")
    assert result.plan is not None
    return [render(result.plan, target, script, style)
            for target in ("bash", "nft") for script in ("setup", "down") for style in ("default", "batch")]


def test_cache_folder_follows_xdg_cache_home(cache_home: Path) -> None:
    assert cache_dir() == cache_home
    assert cache_home.is_dir()


def test_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "nsgen"


def test_parser_from_cache_parses_the_same(cache_home: Path) -> None:
    built = _scripts()
    assert list(cache_home.glob("parser-*.lark")), "the first run stores the analysed grammar"
    _fresh()
    assert _scripts() == built


def test_corrupt_parser_cache_is_rebuilt(cache_home: Path) -> None:
    built = _scripts()
    for entry in cache_home.glob("parser-*.lark"):
        entry.write_bytes(b"not a pickle\n")
    _fresh()
    assert _scripts() == built
    _fresh()
    assert _scripts() == built, "the rebuilt entry is usable"


def test_unusable_cache_folder_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _scripts()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _fresh()
    assert cache_dir() is None
    assert _scripts() == expected


def test_syntax_errors_are_the_same_from_cache(cache_home: Path) -> None:
    bad = "ns red\nveth red<->blue ip 10.0.0.1/24 mtu\nroute red dflt via 1.2.3.4\n"
    first = parser.parse(bad, "bad.ns")[1]
    _fresh()
    assert parser.parse(bad, "bad.ns")[1] == first
    assert first, "the lab has syntax errors"
