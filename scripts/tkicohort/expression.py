"""The plan expression language: conditions over the columns of a table, parsed and evaluated here, never by Python.

Plans (``subgroups[].population``, ``tests.*_population``, derived ``expression`` rules) and published-number files
(``subset``) come from other institutions, so their conditions are data: the text is split into tokens, parsed by a
recursive-descent parser into a small tree, type-checked against the columns' types and evaluated with numpy over
whole columns. Nothing reaches Python's ``eval``/``exec``/``compile``, pandas' ``query``/``eval`` or ``getattr``: a
column name is only ever a key into the table, and the only operations are the ones listed below.

Grammar (EBNF; keywords are lower case and reserved)::

    condition  = or
    or         = and { "or" and }
    and        = not { "and" not }
    not        = "not" not | comparison
    comparison = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
                     | [ "not" ] "in" list
                     | "is" [ "not" ] "missing" ]
    sum        = product { ( "+" | "-" ) product }
    product    = unary { ( "*" | "/" ) unary }
    unary      = "-" unary | atom
    atom       = number | text | column | "(" condition ")"
    list       = "[" literal { "," literal } [ "," ] "]"
    literal    = [ "-" ] number | text
    column     = name | "`" characters other than ` and \\ "`"
    name       = ASCII letter or "_", then letters, digits or "_" (not a keyword, not starting with "__")
    number     = digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]     (also ".5")
    text       = "'" characters "'"  |  '"' characters '"'     (no backslash: there are no escapes)

``not`` binds more loosely than a comparison (``not x == 1`` is ``not (x == 1)``); comparisons do not chain
(write ``a < b and b < c``). Keywords: ``and or not in is missing``; a column with such a name, or with characters
other than letters, digits and ``_`` (``ECOG (0-4)``), is written in backquotes: ```ECOG (0-4)` >= 1``.

Types: ``number`` (numeric columns, number literals, arithmetic), ``text`` (text columns, quoted literals) and
``boolean`` (conditions, and true/false columns). ``==``/``!=`` compare two values of one type; ``< <= > >=`` and
``+ - * /`` need numbers; ``in [...]`` needs a list of the operand's type; ``and``/``or``/``not`` join conditions.
A plan condition must be a condition: ``evaluable == 1``, not ``evaluable``.

Missing values (SQL's three-valued, Kleene logic):

- arithmetic with a missing operand is missing; division by zero or an overflow gives missing;
- a comparison or ``in`` with a missing operand is *unknown*; ``x is missing`` is always true or false;
- ``a and b`` is false when either is false, true when both are true, else unknown; ``a or b`` is true when either
  is true, false when both are false, else unknown; ``not unknown`` is unknown;
- a population keeps the rows where the condition is **true**: a patient whose ``sex`` is missing is in neither
  ``sex == 'F'`` nor ``sex != 'F'`` (write ``sex != 'F' or sex is missing`` to include them); a derived
  ``expression`` variable is 1 where true, 0 where false and missing where unknown.

Limits against abuse: at most 1,000 characters, nesting (parentheses, ``not``, unary minus) at most 32 deep, and a
tree at most 100 deep. Any problem raises :class:`ExpressionError`, whose message quotes the condition and points at
the place.

API: :func:`parse` → :class:`Expression` (``.columns``, ``.check(types, values)``, ``.evaluate(frame)``),
:func:`select` (the rows of a frame where a condition is true) and :func:`column_types` (the types of a frame).
"""

from __future__ import annotations

import difflib
import keyword
import operator
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

NUMBER, TEXT, BOOLEAN = "number", "text", "boolean"
MAX_LENGTH, MAX_NESTING, MAX_DEPTH = 1000, 32, 100
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "missing"})
_PYTHON_WORDS = frozenset(keyword.kwlist) - KEYWORDS
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD_TAIL = re.compile(r"[A-Za-z0-9_.]*")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_REFUSED = {  # characters (or pairs) Python or pandas would accept, with what to write instead
    "**": "'**' (power) is not part of the language", "//": "'//' is not part of the language; write '/'",
    "&&": "write 'and'", "||": "write 'or'", "=": "'=' is not a comparison; write '=='",
    "!": "write '!=' or 'not'", "&": "write 'and'", "|": "write 'or'", "~": "write 'not'",
    "@": "'@' is not part of the language: a condition cannot refer to program variables",
    ".": "'.' is not part of the language: there is no attribute access or method (for a missing value write "
         "'x is missing')",
    "\\": "a backslash is not part of the language (there are no escapes or line continuations)",
    "{": "braces are not part of the language", "}": "braces are not part of the language",
    ":": "':' is not part of the language", ";": "';' is not part of the language",
    "#": "'#' is not part of the language (there are no comments)", "%": "'%' is not part of the language",
    "^": "'^' is not part of the language",
}
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


def visible(text: str, limit: int | None = 40) -> str:
    """The text with every character that is not printable ASCII shown as <U+XXXX> (no terminal tricks), cut to
    ``limit`` characters (a name or literal quoted in a message)."""
    cut = limit is not None and len(text) > limit
    text = text[:limit] if cut else text
    return "".join(c if " " <= c <= "~" else f"<U+{ord(c):04X}>" for c in text) + ("…" if cut else "")


class ExpressionError(ValueError):
    """A condition that cannot be parsed, checked or evaluated; the message quotes it and points at the place."""

    def __init__(self, text: str, position: int, reason: str, end: int | None = None):
        self.text, self.position, self.reason = text, position, reason
        self.end = max(end if end is not None else position + 1, position + 1)
        super().__init__(self._message())

    def _message(self) -> str:
        start = max(0, self.position - 60)
        mark_end = min(self.end, self.position + 60)
        stop = min(len(self.text), mark_end + 40)
        before = ("…" if start else "") + visible(self.text[start:self.position], None)
        marked = visible(self.text[self.position:mark_end], None) or " "
        shown = before + marked + visible(self.text[mark_end:stop], None) + ("…" if stop < len(self.text) else "")
        return (f"{self.reason} (at character {self.position + 1} of the condition)\n    {shown}\n"
                f"    {' ' * len(before)}{'^' * len(marked)}")


# --- tokens ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "keyword", "number", "text", "op", "end"
    value: object
    start: int
    end: int


def _describe_char(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"the character U+{ord(c):04X}{' (' + name + ')' if name else ''}"


def _quoted(text: str, i: int, quote: str, what: str) -> tuple[str, int]:
    """The characters between the quote at ``i`` and its closing quote, and the position after it."""
    j = i + 1
    while j < len(text) and text[j] != quote:
        c = text[j]
        if c == "\\":
            raise ExpressionError(text, j, f"a backslash is not allowed in {what} (there are no escapes)")
        if not c.isprintable():
            raise ExpressionError(text, j, f"{_describe_char(c)} is not allowed in {what}")
        j += 1
    if j >= len(text):
        raise ExpressionError(text, i, f"{what} starting here has no closing {quote}", len(text))
    return text[i + 1:j], j + 1


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c.isascii() and (c.isalpha() or c == "_"):
            word = _NAME.match(text, i).group()
            end = i + len(word)
            if end < n and text[end] in "'\"":
                raise ExpressionError(text, i, "a string prefix (f'', r'', b'') is not part of the language", end + 1)
            if word in KEYWORDS:
                tokens.append(_Token("keyword", word, i, end))
            elif word in _PYTHON_WORDS:
                raise ExpressionError(text, i, f"'{word}' is a Python word, not part of the language; a column "
                                               f"of that name is written `{word}`", end)
            elif word.startswith("__"):
                raise ExpressionError(text, i, "a name starting with '__' is not a column name", end)
            else:
                tokens.append(_Token("name", word, i, end))
            i = end
        elif c.isascii() and (c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit())):
            m = _NUMBER.match(text, i)
            end = _WORD_TAIL.match(text, m.end()).end()
            value = float(m.group())
            if end != m.end():
                raise ExpressionError(text, i, f"'{visible(text[i:end])}' is not a number", end)
            if not np.isfinite(value):
                raise ExpressionError(text, i, "the number is too large", end)
            tokens.append(_Token("number", value, i, end))
            i = end
        elif c in "'\"":
            value, end = _quoted(text, i, c, "a quoted text")
            tokens.append(_Token("text", value, i, end))
            i = end
        elif c == "`":
            value, end = _quoted(text, i, "`", "a backquoted column name")
            if not value.strip():
                raise ExpressionError(text, i, "an empty column name", end)
            tokens.append(_Token("name", value, i, end))
            i = end
        else:
            pair = text[i:i + 2]
            if pair in _REFUSED:
                raise ExpressionError(text, i, _REFUSED[pair], i + 2)
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                reason = _REFUSED.get(c) or f"{_describe_char(c)} is not part of the language" + (
                    "; outside quotes it uses ASCII only" if not c.isascii() else "")
                raise ExpressionError(text, i, reason)
            tokens.append(_Token("op", op, i, i + len(op)))
            i += len(op)
    tokens.append(_Token("end", None, n, n))
    return tokens


# --- tree --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """One node of the tree: ``kind`` is column, number, text, negate, arithmetic, compare, in, missing, not,
    and, or; ``value`` the column name, literal, operator, list of literals or negation flag."""

    kind: str
    value: object
    children: tuple
    start: int
    end: int
    depth: int


def _node(text: str, kind: str, value, children: tuple, start: int, end: int) -> Node:
    depth = 1 + max((c.depth for c in children), default=0)
    if depth > MAX_DEPTH:
        raise ExpressionError(text, start, f"the condition nests more than {MAX_DEPTH} levels deep", end)
    return Node(kind, value, children, start, end, depth)


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.i, self.nesting = text, _tokenize(text), 0, 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _is(self, kind: str, value=None) -> bool:
        return self.tok.kind == kind and (value is None or self.tok.value == value)

    def _take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _fail(self, reason: str, tok: _Token | None = None):
        tok = tok or self.tok
        raise ExpressionError(self.text, tok.start, reason, tok.end)

    def _enter(self, tok: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self._fail(f"the condition nests more than {MAX_NESTING} levels deep", tok)

    def parse(self) -> Node:
        if self._is("end"):
            self._fail("the condition is empty")
        node = self.parse_or()
        if not self._is("end"):
            tok = self.tok
            if tok.kind == "op" and tok.value == ")":
                self._fail("')' without a matching '('")
            self._fail(f"expected 'and', 'or' or the end of the condition, found {self._shown(tok)}")
        return node

    def _binary(self, kind: str, keyword_: str, operand) -> Node:
        left = operand()
        while self._is("keyword", keyword_):
            self._take()
            right = operand()
            left = _node(self.text, kind, keyword_, (left, right), left.start, right.end)
        return left

    def parse_or(self) -> Node:
        return self._binary("or", "or", self.parse_and)

    def parse_and(self) -> Node:
        return self._binary("and", "and", self.parse_not)

    def parse_not(self) -> Node:
        if self._is("keyword", "not"):
            tok = self._take()
            self._enter(tok)
            operand = self.parse_not()
            self.nesting -= 1
            return _node(self.text, "not", "not", (operand,), tok.start, operand.end)
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_sum()
        tok = self.tok
        if tok.kind == "op" and tok.value in _COMPARE:
            self._take()
            right = self.parse_sum()
            node = _node(self.text, "compare", tok.value, (left, right), left.start, right.end)
        elif self._is("keyword", "in") or (self._is("keyword", "not") and self.tokens[self.i + 1].kind == "keyword"
                                           and self.tokens[self.i + 1].value == "in"):
            negated = self._take().value == "not"
            if negated:
                self._take()
            values, end = self.parse_list()
            node = _node(self.text, "in", (negated, values), (left,), left.start, end)
        elif self._is("keyword", "is"):
            self._take()
            negated = self._is("keyword", "not")
            if negated:
                self._take()
            if not self._is("keyword", "missing"):
                self._fail(f"expected 'missing' after 'is{' not' if negated else ''}', found {self._shown(self.tok)}")
            end = self._take().end
            node = _node(self.text, "missing", negated, (left,), left.start, end)
        else:
            return left
        if self.tok.kind == "op" and self.tok.value in _COMPARE or self._is("keyword", "in") or self._is(
                "keyword", "is"):
            self._fail("comparisons do not chain; join them with 'and' (a < b and b < c)")
        return node

    def parse_sum(self) -> Node:
        return self._arithmetic(("+", "-"), self.parse_product)

    def parse_product(self) -> Node:
        return self._arithmetic(("*", "/"), self.parse_unary)

    def _arithmetic(self, ops: tuple, operand) -> Node:
        left = operand()
        while self.tok.kind == "op" and self.tok.value in ops:
            op = self._take().value
            right = operand()
            left = _node(self.text, "arithmetic", op, (left, right), left.start, right.end)
        return left

    def parse_unary(self) -> Node:
        if self._is("op", "-"):
            tok = self._take()
            self._enter(tok)
            operand = self.parse_unary()
            self.nesting -= 1
            return _node(self.text, "negate", "-", (operand,), tok.start, operand.end)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.tok
        if tok.kind in ("number", "text"):
            self._take()
            return _node(self.text, tok.kind, tok.value, (), tok.start, tok.end)
        if tok.kind == "name":
            self._take()
            if self._is("op", "("):
                self._fail(f"'(' after the column '{visible(tok.value)}': the language has no functions or calls")
            if self._is("op", "["):
                self._fail("'[' after a column: the language has no indexing (a list follows 'in')")
            return _node(self.text, "column", tok.value, (), tok.start, tok.end)
        if self._is("op", "("):
            self._take()
            self._enter(tok)
            inner = self.parse_or()
            self.nesting -= 1
            if not self._is("op", ")"):
                self._fail(f"expected ')' to close the '(' at character {tok.start + 1}, found {self._shown(self.tok)}")
            self._take()
            return inner
        if self._is("op", "["):
            self._fail("a list is only allowed after 'in'")
        if self._is("keyword", "missing"):
            self._fail("'missing' is a keyword: write 'x is missing' (a column named missing is written `missing`)")
        self._fail(f"expected a column, a number, a quoted text or '(', found {self._shown(tok)}")

    def parse_list(self) -> tuple[tuple, int]:
        if not self._is("op", "["):
            self._fail(f"expected '[' to start the list after 'in', found {self._shown(self.tok)}")
        self._take()
        values: list = []
        while not self._is("op", "]"):
            sign = -1.0 if self._is("op", "-") else 1.0
            start = self.tok.start
            if sign < 0:
                self._take()
            tok = self.tok
            if tok.kind == "number" or (tok.kind == "text" and sign > 0):
                self._take()
                values.append(_node(self.text, tok.kind, sign * tok.value if tok.kind == "number" else tok.value,
                                    (), start, tok.end))
            else:
                self._fail(f"a list holds numbers or quoted texts only, found {self._shown(tok)}")
            if self._is("op", ","):
                self._take()
            elif not self._is("op", "]"):
                self._fail(f"expected ',' or ']' in the list, found {self._shown(self.tok)}")
        end = self._take().end
        if not values:
            raise ExpressionError(self.text, end - 1, "the list is empty", end)
        return tuple(values), end

    @staticmethod
    def _shown(tok: _Token) -> str:
        if tok.kind == "end":
            return "the end of the condition"
        if tok.kind == "text":
            return f"the text '{visible(str(tok.value))}'"
        if tok.kind == "number":
            return f"the number {tok.value:g}"
        return f"'{visible(str(tok.value))}'"


# --- types -------------------------------------------------------------------------------------------------------

def _what(node: Node, t: str | None) -> str:
    if node.kind == "column":
        return f"the column '{visible(node.value)}' ({t or 'type unknown'})"
    if node.kind == "number":
        return f"the number {node.value:g}"
    if node.kind == "text":
        return f"the text '{visible(node.value)}'"
    return {NUMBER: "a number", TEXT: "a text", BOOLEAN: "a condition"}.get(t, "a value")


def _literal(node: Node) -> str:
    return f"{node.value:g}" if node.kind == NUMBER else f"'{visible(node.value)}'"


def _hint(node: Node, t: str | None) -> str:
    if node.kind == "column" and t == NUMBER:
        return f" (write {visible(node.value)} == 1 for a 0/1 column)"
    return ""


def _shown_values(values: Collection) -> str:
    shown = sorted(f"{v:g}" if isinstance(v, float | int) else f"'{visible(str(v))}'" for v in values)
    return ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "")


class _Checker:
    def __init__(self, text: str, types: Mapping[str, str | None], values: Mapping[str, Collection] | None):
        self.text, self.types, self.values = text, types, values or {}
        self.problems: list[ExpressionError] = []

    def problem(self, node: Node, reason: str) -> None:
        self.problems.append(ExpressionError(self.text, node.start, reason, node.end))

    def type_of(self, node: Node) -> str | None:  # None: unknown (already reported, or a column of unknown type)
        kind = node.kind
        if kind == "column":
            if node.value not in self.types:
                names = sorted(str(k) for k in self.types)
                close = difflib.get_close_matches(node.value, names, n=1) or [
                    k for k in names if k.startswith(f"{node.value}_")][:1]
                self.problem(node, f"no column '{visible(node.value)}' in the data"
                             + (f"; did you mean '{visible(close[0])}'?" if close else ""))
                return None
            return self.types[node.value]
        if kind in (NUMBER, TEXT):
            return kind
        if kind == "negate":
            self.need(node.children[0], NUMBER, "'-'")
            return NUMBER
        if kind == "arithmetic":
            for child in node.children:
                self.need(child, NUMBER, f"'{node.value}'")
            return NUMBER
        if kind in ("not", "and", "or"):
            for child in node.children:
                self.need(child, BOOLEAN, f"'{kind}'")
            return BOOLEAN
        if kind == "missing":
            self.type_of(node.children[0])
            return BOOLEAN
        if kind == "in":
            self.check_in(node)
            return BOOLEAN
        self.check_compare(node)
        return BOOLEAN

    def need(self, node: Node, wanted: str, op: str) -> None:
        t = self.type_of(node)
        if t is not None and t != wanted:
            article = {NUMBER: "numbers", TEXT: "texts", BOOLEAN: "conditions"}[wanted]
            self.problem(node, f"{op} needs {article}; {_what(node, t)} is not one" + _hint(node, t))

    def check_compare(self, node: Node) -> None:
        left, right = node.children
        lt, rt = self.type_of(left), self.type_of(right)
        if lt is None or rt is None:
            return
        if node.value in ("==", "!="):
            if lt != rt:
                quote = next((f" (a text is quoted: {visible(c.value)} {node.value} '{o.value:g}')"
                              for c, o in ((left, right), (right, left))
                              if c.kind == "column" and o.kind == NUMBER and self.types.get(c.value) == TEXT), "")
                self.problem(node, f"cannot compare {_what(left, lt)} with {_what(right, rt)}{quote}")
            else:
                self.check_domain(left, right)
                self.check_domain(right, left)
        elif lt != NUMBER or rt != NUMBER:
            bad, t = (left, lt) if lt != NUMBER else (right, rt)
            self.problem(bad, f"'{node.value}' compares numbers; {_what(bad, t)} is not a number")

    def check_in(self, node: Node) -> None:
        (operand,), (_, items) = node.children, node.value
        t = self.type_of(operand)
        kinds = {item.kind for item in items}
        if len(kinds) > 1:
            self.problem(node, "the list mixes numbers and quoted texts")
        elif t is not None and kinds != {t}:
            self.problem(node, f"{_what(operand, t)} is never in a list of {next(iter(kinds))}s")
        else:
            for item in items:
                self.check_domain(operand, item)

    def check_domain(self, column: Node, literal: Node) -> None:
        if column.kind != "column" or literal.kind not in (NUMBER, TEXT) or column.value not in self.values:
            return
        allowed = self.values[column.value]
        if literal.value not in allowed:
            self.problem(literal, f"the column '{visible(column.value)}' never holds {_literal(literal)}; "
                                  f"its values: {_shown_values(allowed)}")


# --- values ------------------------------------------------------------------------------------------------------

@dataclass
class _Value:
    """A column-long value: ``data`` (float, object or bool array) and where it is missing / unknown. A literal is
    held as a 0-d array and broadcast by numpy, so that no column-long copy of it is made."""

    kind: str | None
    data: np.ndarray
    missing: np.ndarray


def column_types(frame: pd.DataFrame) -> dict[str, str | None]:
    """The language type of every column of a frame: boolean, number, text, or None when the column holds no
    value at all (an empty column's type cannot be known and is compatible with every comparison)."""
    return {name: _type_of(frame[name], frame[name].isna().to_numpy(dtype=bool)) for name in frame.columns}


def _type_of(s: pd.Series, missing: np.ndarray) -> str | None:
    if missing.all():
        return None
    if pd.api.types.is_bool_dtype(s.dtype):
        return BOOLEAN
    return NUMBER if pd.api.types.is_numeric_dtype(s.dtype) else TEXT


def _column(s: pd.Series, kind: str | None, missing: np.ndarray) -> _Value:
    if kind == NUMBER:
        return _Value(NUMBER, s.to_numpy(dtype=float, na_value=np.nan), missing)
    if kind == BOOLEAN:
        return _Value(BOOLEAN, s.to_numpy(dtype=bool, na_value=False), missing)
    if kind is None:  # no value at all: every operation on it is missing / unknown
        return _Value(None, np.zeros(len(s), dtype=bool), np.ones(len(s), dtype=bool))
    data = s.astype(object).to_numpy(dtype=object, copy=True)
    data[missing] = None
    return _Value(kind, data, missing)


def _condition(true: np.ndarray, false: np.ndarray) -> _Value:
    return _Value(BOOLEAN, true, ~(true | false))


def _evaluate(node: Node, columns: Mapping[str, _Value], n: int) -> _Value:
    kind = node.kind
    if kind == "column":
        return columns[node.value]
    if kind in (NUMBER, TEXT):
        return _Value(kind, np.array(node.value, dtype=float if kind == NUMBER else object), np.array(False))
    values = [_evaluate(child, columns, n) for child in node.children]
    if kind == "missing":
        return _Value(BOOLEAN, values[0].missing != node.value, np.array(False))
    if kind == "negate":
        return _Value(NUMBER, -values[0].data.astype(float), values[0].missing)
    if kind == "arithmetic":
        a, b = values
        with np.errstate(all="ignore"):
            result = _ARITHMETIC[node.value](a.data.astype(float), b.data.astype(float))
        missing = a.missing | b.missing | ~np.isfinite(result)
        return _Value(NUMBER, np.where(missing, np.nan, result), missing)
    if kind == "not":
        a = values[0]
        return _Value(BOOLEAN, ~a.data & ~a.missing, a.missing)
    if kind in ("and", "or"):
        a, b = values
        a_true, b_true = a.data & ~a.missing, b.data & ~b.missing
        a_false, b_false = ~a.data & ~a.missing, ~b.data & ~b.missing
        if kind == "and":
            return _condition(a_true & b_true, a_false | b_false)
        return _condition(a_true | b_true, a_false & b_false)
    if kind == "in":
        a = values[0]
        negated, items = node.value
        wanted = [item.value for item in items]
        if a.data.ndim == 0:  # a literal
            hit = np.array(a.data.item() in wanted)
        elif a.kind == NUMBER:
            hit = np.isin(a.data, wanted)
        else:
            hit = pd.Series(a.data, dtype=object).isin(wanted).to_numpy()
        return _Value(BOOLEAN, (hit != negated) & ~a.missing, a.missing)
    a, b = values  # compare
    missing = a.missing | b.missing
    if a.kind is None or b.kind is None:
        return _Value(BOOLEAN, np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    with np.errstate(invalid="ignore"):
        result = np.asarray(_COMPARE[node.value](a.data, b.data), dtype=bool)
    return _Value(BOOLEAN, result & ~missing, missing)


# --- public API --------------------------------------------------------------------------------------------------

class Expression:
    """A parsed condition. ``columns``: the columns it reads, in order of appearance."""

    def __init__(self, text: str, root: Node):
        self.text, self.root = text, root
        names: list[str] = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.kind == "column" and node.value not in names:
                names.append(node.value)
            stack.extend(reversed(node.children))
        self.columns = tuple(names)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def check(self, types: Mapping[str, str | None],
              values: Mapping[str, Collection] | None = None) -> list[ExpressionError]:
        """Problems of this condition against the columns' ``types`` (name → number / text / boolean, or None when
        the type is not known) and, optionally, the ``values`` a column can hold (a literal compared with a column
        must be one of them). An empty list means the condition can be evaluated."""
        checker = _Checker(self.text, types, values)
        t = checker.type_of(self.root)
        if t is not None and t != BOOLEAN:
            checker.problem(self.root, f"a condition is needed (such as 'evaluable == 1'); this is "
                                       f"{_what(self.root, t)}" + _hint(self.root, t))
        return checker.problems

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """The condition on every row of ``frame``: a nullable boolean Series (missing = unknown) on its index."""
        types = dict.fromkeys(frame.columns)  # for the suggestions of a misspelt column
        missing = {c: frame[c].isna().to_numpy(dtype=bool) for c in self.columns if c in frame.columns}
        types.update({c: _type_of(frame[c], m) for c, m in missing.items()})
        problems = self.check(types)
        if problems:
            raise problems[0]
        n = len(frame)
        columns = {c: _column(frame[c], types[c], m) for c, m in missing.items()}
        result = _evaluate(self.root, columns, n)
        data = np.array(np.broadcast_to(result.data & ~result.missing, (n,)), dtype=bool)
        missing = np.array(np.broadcast_to(result.missing, (n,)), dtype=bool)
        return pd.Series(pd.arrays.BooleanArray(data, missing), index=frame.index)


def parse(text: str) -> Expression:
    """Parse a condition; raise :class:`ExpressionError` when it is not one of the language."""
    if not isinstance(text, str):
        raise ExpressionError(visible(repr(text)), 0, "a condition must be a text such as 'evaluable == 1'")
    return _parse(text)


@lru_cache(maxsize=512)
def _parse(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text, MAX_LENGTH, f"the condition is longer than {MAX_LENGTH} characters", len(text))
    return Expression(text, _Parser(text).parse())


def select(frame: pd.DataFrame, text: str | None) -> pd.DataFrame:
    """The rows of ``frame`` where the condition is true (all rows when ``text`` is None)."""
    if text is None:
        return frame
    mask = parse(text).evaluate(frame)
    return frame[mask.to_numpy(dtype=bool, na_value=False)]


def evaluate_arrays(text: str, columns: Mapping[str, tuple[str | None, np.ndarray, np.ndarray]]) -> np.ndarray:
    """The condition over columns held as arrays of any one shape (e.g. simulated cohorts × patients): ``columns``
    maps a name to (type, values, missing) with type number / text / boolean. True where the condition is true
    (unknown counts as not true, as in :func:`select`); checked like :meth:`Expression.evaluate`."""
    expression = parse(text)
    problems = expression.check({name: kind for name, (kind, _, _) in columns.items()})
    if problems:
        raise problems[0]
    shape = np.shape(next(iter(columns.values()))[1]) if columns else ()
    values = {c: _Value(columns[c][0], np.ravel(columns[c][1]), np.ravel(columns[c][2])) for c in expression.columns}
    n = int(np.prod(shape)) if shape else 1
    result = _evaluate(expression.root, values, n)
    return np.broadcast_to(result.data & ~result.missing, (n,)).reshape(shape).copy()
