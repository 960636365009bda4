"""The Jinja environment: templates found by path, and one rule for values: quote them or fail.

Every `{{ value }}` must go through a quoting filter: `q` for shell words, `words` for several,
`ip_in` for the `ip` command of a namespace, `nft` for nft strings, `comment` for text after `#`.
The environment's finalize step refuses anything else, so an unquoted value never reaches a script.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shlex
import sys
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.runtime

from nsgen.cache import cache_dir, fingerprint
from nsgen.resources import resource_dir


class Quoted(str):
    """Text already made safe for where a template puts it."""


class UnquotedValueError(RuntimeError):
    """A template printed a value without a quoting filter."""


def q(value: object) -> Quoted:
    """Quote a value as one shell word (`shlex.quote`); plain names and addresses stay as they are."""
    return _shell_word(str(value))


@functools.lru_cache(maxsize=65536)
def _shell_word(text: str) -> Quoted:
    """`q` of one text, kept: a big lab prints the same names and addresses many times."""
    return Quoted(shlex.quote(text))


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


def family(address: str) -> int:
    """6 for an IPv6 address or network, else 4 (templates choose `ip`/`ip6`, iptables/ip6tables by it)."""
    return 6 if ":" in address else 4


def words(values: list[object]) -> Quoted:
    """Several values as shell words, each quoted, separated by spaces."""
    return Quoted(" ".join(q(value) for value in values))


def ip_in(netns: str | None) -> Quoted:
    """The `ip` command for a namespace: `ip -n NS`, or plain `ip` for the host (None)."""
    return Quoted("ip" if netns is None else f"ip -n {q(netns)}")


@jinja2.pass_context
def inline(context: jinja2.runtime.Context, name: str, **values: Any) -> Quoted:
    """Render templates/<name> with the current values (and `values`) as text for one line:
    its last newline dropped, so a command can be written inside another line (`if created ...`)."""
    template = context.environment.get_template(name)
    # shared: the template sees the current values as they are (no copy per call; thousands of
    # steps go through here in a big lab)
    fragment = template.new_context(context.get_all(), shared=True, locals=values)
    return Quoted("".join(template.root_render_func(fragment)).rstrip("\n"))


@jinja2.pass_environment
def words_of(env: jinja2.Environment, step: Any, kind: str | None = None, attrs: bool = False) -> Quoted:
    """A step's words from its macro in templates/steps/words.j2 (the step's own kind unless another
    is named): every style that writes the step calls this, so each command is written once.
    (It takes the environment, not the context: Jinja copies the context for each call in a loop.)"""
    macro = getattr(_step_words(env), kind or step.kind)
    return Quoted(macro(step, attrs))


@functools.cache
def _step_words(env: jinja2.Environment) -> Any:
    """templates/steps/words.j2 as a module of macros, made once."""
    return env.get_template("steps/words.j2").module


class Fragment(Quoted):
    """Text one of our macros wrote: template code whose values its own filters quoted already.
    It is not bracketed as a value (it may call helpers)."""


def fragment(text: str) -> Fragment:
    """Mark the output of one of our macros as template text (see `Fragment`), without its last
    newline: the line that calls the macro ends it."""
    return Fragment(text.removesuffix("\n"))


VALUE_START, VALUE_END = "\x00", "\x01"
"""Every printed value is bracketed by these while a script is assembled, so that what the lab
wrote (names, addresses, its own text) can be told from the templates' code (`without_values`);
`unmark` takes them out. Lab text never holds them: the grammar and the filters refuse control
characters."""


def _finalize(value: Any) -> Any:
    if isinstance(value, Fragment):
        return value
    if isinstance(value, Quoted):
        return Quoted(f"{VALUE_START}{value}{VALUE_END}") if value else value
    if value == "":
        return value
    raise UnquotedValueError(f"template printed {value!r} without a quoting filter (q, nft or comment)")


def unmark(text: str) -> str:
    """Rendered text as it is written out: the value brackets taken out."""
    return text.replace(VALUE_START, "").replace(VALUE_END, "")


def without_values(text: str) -> str:
    """Rendered text with every printed value (and anything nested in one) left out: the code
    the templates themselves wrote."""
    while True:  # innermost values first, until none is left
        text, found = _INNERMOST_VALUE.subn("", text)
        if not found:
            return text


_INNERMOST_VALUE = re.compile(f"{VALUE_START}[^{VALUE_START}{VALUE_END}]*{VALUE_END}")


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, except that a cache problem is never an error:
    an unreadable or damaged entry means compiling from source, an unwritable folder means not storing."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill the bucket from its file; Jinja itself rejects entries whose template source changed."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # a truncated or foreign file can fail in pickle or marshal in many ways
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Store the bucket (Jinja writes a temporary file and renames it, so readers never see half)."""
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compile_settings(env: jinja2.Environment) -> str:
    """Everything besides a template's own source that decides its compiled code.

    Jinja checks only the source against a cached entry, so these go into the entry's file name:
    a change to the environment (or to Jinja or Python) gets fresh entries, never stale ones.
    """

    def pass_args(functions: dict[str, Any]) -> list[tuple[str, object]]:
        # The compiler bakes in which filters exist and whether each takes the context or environment.
        return sorted((name, getattr(func, "jinja_pass_arg", None)) for name, func in functions.items())

    return repr((
        jinja2.__version__, sys.version,
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
        env.autoescape, env.optimized, env.is_async, sorted(env.extensions),
        env.finalize is not None, getattr(env.finalize, "jinja_pass_arg", None),
        pass_args(env.filters), pass_args(env.tests),
    ))


def _bytecode_cache(env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user cache folder (compiling them all took ~40 ms a run), or None."""
    folder = cache_dir()
    if folder is None:
        return None
    return _QuietBytecodeCache(str(folder), f"template-{fingerprint(_compile_settings(env))}-%s.cache")


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment: strict about undefined names and about quoting."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        # Templates do not change while one command runs; skip re-checking each file's mtime at every
        # `include` (a stat per included item: thousands in a big lab).
        auto_reload=False,
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
    env.filters.update(q=q, nft=nft, comment=comment, ip_in=ip_in, words=words, fragment=fragment)
    env.globals.update(words_of=words_of, inline=inline, family=family)
    env.tests.update(family_is=lambda address, af: family(address) == af)
    env.bytecode_cache = _bytecode_cache(env)
    return env


def render_marked(name: str, context: dict[str, Any]) -> str:
    """Render `templates/<name>` with `context`, its printed values still bracketed (see `unmark`)."""
    return environment().get_template(name).render(context)


def render_template(name: str, context: dict[str, Any]) -> str:
    """Render `templates/<name>` with `context`, as it is written out."""
    return unmark(render_marked(name, context))
