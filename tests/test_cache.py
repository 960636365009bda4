"""The start-up caches: the analysed grammar (and compiled templates) kept in the user cache folder.

A cache may only make nsgen faster: with or without it, stale, corrupt or unwritable, the output is the same.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from nsgen.cache import cache_dir
from nsgen.compiler import compile_source, parser
from nsgen.compiler import render as render_module
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import render

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "examples" / "seed.ns").read_text(encoding="utf-8")


def _fresh() -> None:
    """Forget the in-process parser and templates, as a new `nsgen` process would not have them."""
    parser.lark_parser.cache_clear()
    render_module.environment.cache_clear()


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
            for target in ("iptables", "nft") for script in ("setup", "down") for style in STYLES]


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


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of templates/ that the renderer uses instead of the real one, free to edit."""
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    monkeypatch.setattr(render_module, "resource_dir", lambda name: copy)
    _fresh()
    return copy


def test_compiled_templates_are_cached_and_give_the_same_scripts(cache_home: Path) -> None:
    built = _scripts()
    assert list(cache_home.glob("template-*.cache")), "the first run stores compiled templates"
    _fresh()
    assert _scripts() == built


def test_edited_template_is_never_rendered_stale(cache_home: Path, templates: Path) -> None:
    before = _scripts()
    setup = templates / "default" / "setup.sh.j2"
    setup.write_text(setup.read_text(encoding="utf-8") + "# edited after caching\n", encoding="utf-8")
    _fresh()
    after = _scripts()
    # The default-style setup of both targets is that file; the other scripts do not use it.
    edited = {0, 2 * len(STYLES)}
    assert [a == b + "# edited after caching\n" for a, b in zip(after, before, strict=True)] == \
        [i in edited for i in range(len(before))]
    assert [a == b for a, b in zip(after, before, strict=True)] == [i not in edited for i in range(len(before))]


def test_corrupt_template_cache_is_ignored(cache_home: Path) -> None:
    built = _scripts()
    entries = list(cache_home.glob("template-*.cache"))
    for number, entry in enumerate(entries):
        # Empty, truncated and foreign contents fail in different places of Jinja's loader.
        entry.write_bytes([b"", entry.read_bytes()[:20], b"j2 not bytecode"][number % 3])
    _fresh()
    assert _scripts() == built


def test_cache_folder_removed_while_running_still_renders(cache_home: Path) -> None:
    expected = _scripts()
    _fresh()
    parser.lark_parser()  # the parser and the template cache are set up with the folder present...
    render_module.environment()
    shutil.rmtree(cache_home)  # ...which then goes away before any template is stored
    assert _scripts() == expected


def test_environment_changes_get_their_own_cache_entries(cache_home: Path) -> None:
    env = render_module.environment()
    settings = render_module._compile_settings(env)
    changed = env.overlay(trim_blocks=not env.trim_blocks)
    assert render_module._compile_settings(changed) != settings
    assert isinstance(env.bytecode_cache, render_module._QuietBytecodeCache)


def test_a_second_run_loads_the_parser_from_the_cache(cache_home: Path) -> None:
    _scripts()
    (entry,) = cache_home.glob("parser-*.lark")
    stored = entry.stat().st_mtime_ns
    _fresh()
    _scripts()
    assert entry.stat().st_mtime_ns == stored, "Lark rebuilt (and rewrote) the cached parser"


def test_a_second_run_loads_compiled_templates_from_the_cache(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scripts()
    loaded: list[bool] = []
    original = render_module._QuietBytecodeCache.load_bytecode

    def spy(self: render_module._QuietBytecodeCache, bucket: jinja2.bccache.Bucket) -> None:
        original(self, bucket)
        loaded.append(bucket.code is not None)

    monkeypatch.setattr(render_module._QuietBytecodeCache, "load_bytecode", spy)
    _fresh()
    _scripts()
    assert loaded and all(loaded), f"{loaded.count(False)} of {len(loaded)} templates were compiled again"


def test_a_home_that_is_not_ours_gets_no_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sudo -E nsgen ...` keeps the user's HOME: nsgen must not create root-owned folders in it."""
    home = tmp_path / "someone"
    home.mkdir()
    try:
        os.chown(home, 65534, 65534)
    except PermissionError:
        pytest.skip("needs root to give a folder to another user")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(home))
    assert cache_dir() is None
    assert not (home / ".cache").exists()


def test_a_folder_others_can_write_to_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    (shared / "nsgen").mkdir(parents=True)
    (shared / "nsgen").chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert cache_dir() is None
    (shared / "nsgen").chmod(0o700)
    assert cache_dir() == shared / "nsgen"
