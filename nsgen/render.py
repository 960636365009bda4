"""The Jinja environment: templates found by path, and one rule for values: quote them or fail.

Every `{{ value }}` must go through a quoting filter: `q` for shell words, `words` for several,
`ip_in` for the `ip` command of a namespace, `nft` for nft strings, `comment` for text after `#`.
The environment's finalize step refuses anything else, so an unquoted value never reaches a script.
"""

from __future__ import annotations

import functools
import shlex
from typing import Any

import jinja2

from nsgen.resources import resource_dir


class Quoted(str):
    """Text already made safe for where a template puts it."""


class UnquotedValueError(RuntimeError):
    """A template printed a value without a quoting filter."""


def q(value: object) -> Quoted:
    """Quote a value as one shell word (`shlex.quote`); plain names and addresses stay as they are."""
    return Quoted(shlex.quote(str(value)))


def nft(value: object) -> Quoted:
    """An nft string literal, `"eth0"`: the value may hold no quote, backslash or newline."""
    text = str(value)
    if any(ch in text for ch in '"\\\n\r'):
        raise UnquotedValueError(f"cannot write {text!r} as an nft string")
    return Quoted(f'"{text}"')


def comment(value: object) -> Quoted:
    """Text for a `#` comment: one line; tabs kept, other control characters refused."""
    text = str(value)
    if not text.replace("\t", " ").isprintable():
        raise UnquotedValueError(f"cannot put {text!r} in a one-line comment")
    return Quoted(text)


def words(values: list[object]) -> Quoted:
    """Several values as shell words, each quoted, separated by spaces."""
    return Quoted(" ".join(q(value) for value in values))


def ip_in(netns: str | None) -> Quoted:
    """The `ip` command for a namespace: `ip -n NS`, or plain `ip` for the host (None)."""
    return Quoted("ip" if netns is None else f"ip -n {q(netns)}")


def _finalize(value: Any) -> Any:
    if isinstance(value, Quoted) or value == "":
        return value
    raise UnquotedValueError(f"template printed {value!r} without a quoting filter (q, nft or comment)")


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment: strict about undefined names and about quoting."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
        # Bash's `${#array[@]}` would open a Jinja comment; templates need no comments of Jinja's own.
        comment_start_string="<%#",
        comment_end_string="#%>",
    )
    env.filters.update(q=q, nft=nft, comment=comment, ip_in=ip_in, words=words)
    return env


def render_template(name: str, context: dict[str, Any]) -> str:
    """Render `templates/<name>` with `context`."""
    return environment().get_template(name).render(context)
