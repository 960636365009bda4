"""The Lark LALR parser, built once, and syntax errors turned into diagnostics in the language's words."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from nsgen.cache import cache_dir, fingerprint
from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, Span, error
from nsgen.compiler.statements import KEYWORDS, TRANSFORMS, statement_rule
from nsgen.compiler.transform import ToIR, with_statements
from nsgen.resources import resource_dir

MAX_SYNTAX_ERRORS = 50

STATEMENT_WORDS = KEYWORDS


@functools.cache
def _statement_terminals() -> frozenset[str]:
    """The terminals of the statements' keywords: when all of them are expected, a statement is.
    (Lark names a keyword's terminal after the word, unless a terminal has that name already, as
    ADDRESS, the IP address, has for `address`.)"""
    return frozenset(terminal.name for terminal in lark_parser().terminals
                     if terminal.pattern.type == "str" and terminal.pattern.value in KEYWORDS)

_TERMINAL_WORDS = {
    "NAME": "a name",
    "ADDRESS": "an address such as 192.168.15.1/24 or fd00:15::1/64",
    "INT": "a number",
    "MAC": "a MAC address such as 02:00:00:00:00:01",
    "SYSCTL_VALUE": "a value such as 1 (one word)",
    "PROTOCOL": "`tcp` or `udp`",
    "DEFAULT": "`default`",
    "NO": "`no`",
    "LINK_LOCAL": "`link-local`",
    "_NL": "the end of the statement",
    "SEMICOLON": "the end of the statement",
    "$END": "the end of the statement",
}

NAME_HINT = "names start with a letter or '_' and use letters, digits, '_', '.' and '-'"


@functools.cache
def grammar_text() -> str:
    """The grammar: grammar/nsgen.lark and the `statement` rule from the statement registry."""
    return (resource_dir("grammar") / "nsgen.lark").read_text(encoding="utf-8") + statement_rule()


@functools.cache
def lark_parser() -> Lark:
    """The parser, built on first use and kept. It builds IR while parsing (no parse tree),
    keeping every token so that statements know where they start."""
    grammar = grammar_text()
    options: dict[str, Any] = {"parser": "lalr", "keep_all_tokens": True, "maybe_placeholders": False}
    cache = _parser_cache_file(grammar, options)
    if cache is not None:
        options["cache"] = str(cache)
    return Lark(grammar, transformer=with_statements(TRANSFORMS), **options)


def _parser_cache_file(grammar: str, options: dict[str, Any]) -> Path | None:
    """Where Lark keeps the analysed grammar between runs (building the LALR tables takes longer than
    loading them), or None without a cache folder.

    Lark checks the file against the grammar, its options and its own version before using it, and
    builds afresh when the file is stale, truncated or unreadable. The name carries the same
    fingerprint, so checkouts with different grammars (or Lark versions) keep separate files
    instead of overwriting each other's on every run.
    """
    folder = cache_dir()
    if folder is None:
        return None
    key = fingerprint(grammar, repr(sorted(options.items())), lark.__version__, sys.version)
    return folder / f"parser-{key}.lark"


def _parse_program(text: str, file: str) -> ir.Program:
    parser = lark_parser()
    transformer = parser.options.transformer
    assert isinstance(transformer, ToIR)
    transformer.bind(file, text)
    program = parser.parse(text)
    assert isinstance(program, ir.Program)
    return program


def parse(text: str, file: str) -> tuple[ir.Program | None, list[Diagnostic]]:
    """Parse a whole lab file into IR; on syntax errors, report each bad statement and return None."""
    diagnostics: list[Diagnostic] = []
    current = text
    while True:
        try:
            program = _parse_program(current, file)
            return (program if not diagnostics else None), diagnostics
        except UnexpectedInput as exc:
            diagnostics.append(_syntax_diagnostic(exc, current, file))
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                return None, diagnostics
            blanked = _blank_statement(current, exc)
            if blanked == current:
                return None, diagnostics
            current = blanked


def _blank_statement(text: str, exc: UnexpectedInput) -> str:
    """Replace the statement holding the error with spaces, so parsing resumes after it."""
    pos = min(_error_pos(exc, text), len(text))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    code_end = line.find("#")
    code = line if code_end == -1 else line[:code_end]
    offset = pos - line_start
    start = code.rfind(";", 0, min(offset, len(code))) + 1
    end = code.find(";", min(offset, len(code)))
    if end == -1:
        end = len(code)
    if start >= end:
        return text
    blank = "".join(" " if ch != "\r" else ch for ch in code[start:end])
    return text[: line_start + start] + blank + text[line_start + end :]


def _error_pos(exc: UnexpectedInput, text: str) -> int:
    """Character offset of the error."""
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return len(text)
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken) and exc.token.start_pos is not None:
        pos = exc.token.start_pos
    return int(pos) if pos is not None else len(text)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _in_block(text: str, pos: int) -> bool:
    """True when `pos` is inside an `on MACHINE { ... }` block (braces outside comments)."""
    depth = 0
    for line in text[:pos].split("\n"):
        code = line.split("#", 1)[0]
        depth += code.count("{") - code.count("}")
    return depth > 0


def _syntax_diagnostic(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    """One syntax error in the language's words (a closing `}` is expected only inside a block)."""
    pos = _error_pos(exc, text)
    if not _in_block(text, pos):
        for attribute in ("allowed", "expected"):
            found = getattr(exc, attribute, None)
            if isinstance(found, set) and "RBRACE" in found:
                setattr(exc, attribute, found - {"RBRACE"})
    line, column = _line_col(text, pos)
    if isinstance(exc, UnexpectedCharacters) or _stray_run_word(exc):
        char = text[pos] if pos < len(text) else ""
        span = Span(file, line, column, column + 1)
        allowed = (exc.allowed if isinstance(exc, UnexpectedCharacters)
                   else exc.expected if isinstance(exc, UnexpectedToken) else None) or set()
        return error("E001", f"unexpected character {_show_char(char)}; expected {_describe(allowed)}", span,
                     _character_hint(text, pos, allowed))
    if isinstance(exc, UnexpectedToken) and exc.token.type not in ("$END", "_NL", "SEMICOLON"):
        found = str(exc.token)
        span = Span(file, line, column, column + max(1, min(len(found), 80)))
        shown = found if len(found) <= 30 else found[:27] + "..."
        hint = _port_hint(text, pos) or _token_hint(exc.expected, found)
        return error("E002", f"expected {_describe(exc.expected)}, found '{shown}'", span, hint)
    wanted: Iterable[str] = exc.expected if isinstance(exc, (UnexpectedToken, UnexpectedEOF)) else ()
    span = Span(file, line, column, column + 1)
    return error("E003", f"the statement ends too early; expected {_describe(wanted)}", span,
                 _token_hint(wanted, ""))


def _stray_run_word(exc: UnexpectedInput) -> bool:
    """A `run` command's word where no `run` word can be, starting with a character no other word
    starts with (`$`, a quote, ...): reported as that character, as before `run` had such words."""
    return (isinstance(exc, UnexpectedToken) and exc.token.type == "RUN_WORD" and "RUN_WORD" not in exc.expected
            and not (str(exc.token)[:1].isascii() and (str(exc.token)[:1].isalnum() or str(exc.token)[:1] == "_")))


def _show_char(char: str) -> str:
    """A character as a reader can see it."""
    if not char:
        return "end of file"
    if char == "'":
        return "\"'\""
    if char.isprintable():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def _describe(expected: Iterable[str]) -> str:
    """The expected terminals in the language's words, or 'a statement'."""
    names = set(expected)
    if names >= _statement_terminals():
        return "a statement (" + ", ".join(STATEMENT_WORDS) + ")"
    words = sorted({_terminal_word(name) for name in names})
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _terminal_word(name: str) -> str:
    """One terminal as the user knows it: a keyword in backquotes or a kind of value."""
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    for terminal in lark_parser().terminals:
        if terminal.name == name:
            return f"`{terminal.pattern.value}`"
    return name.lower()


def _port_hint(text: str, pos: int) -> str | None:
    """An IPv6 address followed by `:PORT` without brackets gets a hint to bracket it."""
    end = pos
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    start = end
    while start > 0 and text[start - 1] in "0123456789abcdefABCDEF:.":
        start -= 1
    if text[start:end].count(":") >= 2:
        return "a port after an IPv6 address takes brackets: [fd00:15::2]:80"
    return None


def _character_hint(text: str, pos: int, allowed: Iterable[str]) -> str | None:
    """Say why a character is refused where that helps."""
    port = _port_hint(text, pos)
    if port:
        return port
    after_name = pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "_.-")
    if "NAME" in set(allowed) or after_name:
        return NAME_HINT + "; nothing in a lab file is passed to a shell as written"
    return None


def _token_hint(expected: Iterable[str], found: str) -> str | None:
    """A hint for a misplaced token: the statement forms, or what an address looks like."""
    names = set(expected)
    if names >= _statement_terminals():
        return "each statement starts with one of: " + ", ".join(STATEMENT_WORDS) + "; see docs/language.md"
    if "ADDRESS" in names:
        return "addresses are IPv4 or IPv6, with an optional prefix: 192.168.15.1/24, fd00:15::1/64"
    if "LINK_LOCAL" in names:
        return ("`ipv6 link-local` keeps the kernel's IPv6 link-local addresses on the lab's interfaces "
                "in namespaces (nsgen leaves them out otherwise); see docs/language.md")
    if "NAME" in names and found[:1].isdigit():
        return NAME_HINT
    if names & {"_NL", "SEMICOLON", "$END"}:
        return "end the statement with a newline or ';'"
    return None
