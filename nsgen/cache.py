"""The user cache folder: things nsgen can rebuild at will, kept only so that it starts faster.

Everything stored there is checked against what it was made from before it is used (the grammar's
and each template's contents), so a stale entry is rebuilt, never used. Without a usable folder
(no home, read-only file system) nsgen simply builds everything each run.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/nsgen` (else `~/.cache/nsgen`), created if missing; None if it is not usable."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        # The XDG spec says to ignore a relative XDG_CACHE_HOME.
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
        folder = root / "nsgen"
        if not folder.exists():
            if not _ours(_nearest_existing(folder)):
                return None  # say, `sudo -E` with the user's HOME: leave their home alone
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: Path.home() with no home directory
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) and _private(folder) else None


def _nearest_existing(path: Path) -> Path:
    """`path` or its closest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _ours(path: Path) -> bool:
    """True if we own `path` (so folders made in it are ours to make)."""
    try:
        return path.stat().st_uid == os.geteuid()
    except OSError:
        return False


def _private(folder: Path) -> bool:
    """True if only we can change the folder (ours, not group- or world-writable): its files are
    unpickled, so a folder others can write to (a shared XDG_CACHE_HOME, say) is not used."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def fingerprint(*parts: str) -> str:
    """A short hex digest naming a cache entry by everything that decides its contents."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
