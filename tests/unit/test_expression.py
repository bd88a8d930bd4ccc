"""The plan expression language (tkicohort.expression): grammar, types, three-valued logic, limits, attacks, and a
differential test against a row-by-row reference written here from the documented semantics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from attacks import attacks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tkicohort.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NESTING,
    ExpressionError,
    column_types,
    parse,
    select,
)

FRAME = pd.DataFrame({
    "x": [1.0, 2.5, np.nan, -4.0, 0.0, 10.0],
    "n": pd.array([1, 0, 1, None, 0, 1], dtype="Int8"),
    "s": ["F", "M", None, "F", "M", "X"],
    "odd name": [1, 2, 3, 4, 5, 6],
})
TYPES = {"x": "number", "n": "number", "s": "text", "odd name": "number"}


def values(text: str) -> list:
    return [None if v is pd.NA else bool(v) for v in parse(text).evaluate(FRAME)]


T, F, U = True, False, None


# --- grammar and semantics, against hand-worked rows ------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("x > 1", [F, T, U, F, F, T]),
    ("x >= 2.5", [F, T, U, F, F, T]),
    ("x <= 0", [F, F, U, T, T, F]),
    ("x < 0", [F, F, U, T, F, F]),
    ("x == 1e1", [F, F, U, F, F, T]),
    ("x != 1", [F, T, U, T, T, T]),
    ("n == 1", [T, F, T, U, F, T]),
    ("s == 'F'", [T, F, U, T, F, F]),
    ('s != "F"', [F, T, U, F, T, T]),
    ("s in ['F', 'X']", [T, F, U, T, F, T]),
    ("s not in ['F', 'X']", [F, T, U, F, T, F]),
    ("x in [-4, .0, 2.5,]", [F, T, U, T, T, F]),
    ("s is missing", [F, F, T, F, F, F]),
    ("n is not missing", [T, T, T, F, T, T]),
    ("x * 2 + 1 > 5", [F, T, U, F, F, T]),
    ("x - -1 == 2", [T, F, U, F, F, F]),
    ("10 / x > 4", [T, F, U, F, U, F]),  # 10 / 0 is missing, so unknown
    ("`odd name` + x == 2", [T, F, U, F, F, F]),
    ("not x > 1", [T, F, U, T, T, F]),
    ("not (x > 1 or s == 'F')", [F, F, U, F, T, F]),
    ("x > 1 and s == 'M' or n == 0", [F, T, U, U, T, F]),  # and binds tighter than or
    ("x > 1 and (s == 'M' or n == 0)", [F, T, U, F, F, F]),
    ("1 + 2 * 3 == 7", [T] * 6),  # * before +
    ("8 - 2 - 1 == 5", [T] * 6),  # left to right
    ("8 / 4 / 2 == 1", [T] * 6),
])
def test_grammar_on_hand_worked_rows(text, expected):
    assert values(text) == expected


def test_kleene_truth_tables():
    # p takes true, false, unknown in turn; q the same for every p: the 9 combinations, one row each.
    p = [T, T, T, F, F, F, U, U, U]
    q = [T, F, U] * 3
    frame = pd.DataFrame({"p": pd.array([v if v is not None else pd.NA for v in p], dtype="boolean"),
                          "q": pd.array([v if v is not None else pd.NA for v in q], dtype="boolean")})

    def run(text):
        return [None if v is pd.NA else bool(v) for v in parse(text).evaluate(frame)]

    assert run("p and q") == [T, F, U, F, F, F, U, F, U]
    assert run("p or q") == [T, T, T, T, F, U, T, U, U]
    assert run("not p") == [F, F, F, T, T, T, U, U, U]
    assert run("p is missing") == [F, F, F, F, F, F, T, T, T]


def test_select_keeps_only_true_rows_and_the_index():
    frame = FRAME.set_index(pd.Index(list("abcdef")))
    assert select(frame, "s != 'F'").index.tolist() == ["b", "e", "f"]  # the missing s is in neither side
    assert select(frame, "s != 'F' or s is missing").index.tolist() == ["b", "c", "e", "f"]
    assert select(frame, None) is frame


def test_columns_and_column_types():
    assert parse("x > 1 and (s == 'F' or `odd name` is missing) and x < 9").columns == ("x", "s", "odd name")
    frame = pd.DataFrame({"a": [1, 2], "b": ["u", None], "c": [True, False], "d": [np.nan, np.nan],
                          "e": pd.array([1, None], dtype="Int64"), "f": pd.Categorical(["a", "b"])})
    assert column_types(frame) == {"a": "number", "b": "text", "c": "boolean", "d": None, "e": "number",
                                   "f": "text"}


def test_a_column_without_values_is_unknown_everywhere():
    frame = pd.DataFrame({"empty": [np.nan, np.nan], "x": [1.0, 2.0]})
    for text in ("empty == 'a'", "empty > 1", "empty in ['a']", "-empty + 1 == 0"):
        assert parse(text).evaluate(frame).isna().all(), text
    assert parse("empty is missing and x > 1").evaluate(frame).tolist() == [False, True]


# --- checking ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("sex == 1", "cannot compare the column 's' (text) with the number 1 (a text is quoted: s == '1')"),
    ("x == 'a'", "cannot compare the column 'x' (number) with the text 'a'"),
    ("s >= 1", "'>=' compares numbers; the column 's' (text) is not a number"),
    ("s + 1 > 2", "'+' needs numbers; the column 's' (text) is not one"),
    ("n and x > 1", "'and' needs conditions; the column 'n' (number) is not one (write n == 1 for a 0/1 column)"),
    ("x", "a condition is needed (such as 'evaluable == 1'); this is the column 'x' (number)"),
    ("x + 1", "a condition is needed"),
    ("s in [1, 2]", "the column 's' (text) is never in a list of numbers"),
    ("x in [1, 'a']", "the list mixes numbers and quoted texts"),
    ("odd_name == 1", "no column 'odd_name' in the data; did you mean 'odd name'?"),
    ("s == 'f'", "the column 's' never holds 'f'; its values: 'F', 'M'"),
    ("s in ['M', 'm']", "the column 's' never holds 'm'"),
])
def test_check_reports_types_columns_and_values(text, reason):
    text = text.replace("sex", "s")
    problems = parse(text).check(TYPES, {"s": ("F", "M")})
    assert problems and reason in str(problems[0])
    assert all(isinstance(p, ExpressionError) for p in problems)


def test_check_of_a_good_condition_is_empty_and_unknown_types_pass():
    assert parse("s == 'F' and x + n > 1").check(TYPES, {"s": ("F", "M")}) == []
    assert parse("u == 'F' and u > 1").check({"u": None}) == []


def test_evaluate_refuses_what_check_refuses_with_the_same_message():
    with pytest.raises(ExpressionError, match="cannot compare the column 's' \\(text\\) with the number 1"):
        parse("s == 1").evaluate(FRAME)
    with pytest.raises(ExpressionError, match="no column 'sexx' in the data"):
        select(FRAME, "sexx == 'F'")


def test_message_quotes_the_condition_and_points_at_the_place():
    with pytest.raises(ExpressionError) as err:
        parse("age_years >= 55 and sex = 'F'")
    assert str(err.value) == ("'=' is not a comparison; write '==' (at character 25 of the condition)\n"
                              "    age_years >= 55 and sex = 'F'\n"
                              "                            ^")
    assert err.value.position == 24


def test_message_shows_invisible_characters_escaped_and_long_text_windowed():
    with pytest.raises(ExpressionError) as err:
        parse("sex\u200b == 'F'")
    assert "U+200B (ZERO WIDTH SPACE)" in str(err.value) and "sex<U+200B> == 'F'" in str(err.value)
    with pytest.raises(ExpressionError) as err:
        parse("x == 1 and " * 60 + "x ==")
    shown = str(err.value).splitlines()[1]
    assert shown.startswith("    …") and len(shown) < 140


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the condition is empty"),
    ("   ", "the condition is empty"),
    ("x >", "expected a column, a number, a quoted text or '(', found the end of the condition"),
    ("(x > 1", "expected ')' to close the '(' at character 1"),
    ("x > 1)", "')' without a matching '('"),
    ("x > 1 s == 'F'", "expected 'and', 'or' or the end of the condition, found 's'"),
    ("1 < x < 3", "comparisons do not chain"),
    ("s == 'F", "a quoted text starting here has no closing '"),
    ("x in []", "the list is empty"),
    ("x in [x]", "a list holds numbers or quoted texts only"),
    ("x in 1", "expected '[' to start the list after 'in'"),
    ("s is 'F'", "expected 'missing' after 'is'"),
    ("x == missing", "'missing' is a keyword: write 'x is missing'"),
    ("x === 1", "'=' is not a comparison"),
    ("x && y", "write 'and'"),
    ("x | y", "write 'or'"),
    ("~x", "write 'not'"),
    ("!x", "write '!=' or 'not'"),
    ("x ** 2 > 1", "'**' (power) is not part of the language"),
    ("x // 2 > 1", "'//' is not part of the language"),
    ("x % 2 == 1", "'%' is not part of the language"),
    ("1_000 > x", "'1_000' is not a number"),
    ("0x1f > x", "'0x1f' is not a number"),
    ("1e999 > x", "the number is too large"),
    ("x == None", "'None' is a Python word, not part of the language"),
    ("x == True", "'True' is a Python word"),
    ("x ＝＝ 1", "U+FF1D (FULLWIDTH EQUALS SIGN) is not part of the language; outside quotes it uses ASCII only"),
    ("s == 'F\u202e'", "U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed in a quoted text"),
    ("`` == 1", "an empty column name"),
    ("x # comment", "'#' is not part of the language"),
])
def test_syntax_errors_say_what_to_write(text, reason):
    with pytest.raises(ExpressionError) as err:
        parse(text)
    assert reason in str(err.value)


def test_non_text_is_refused():
    for value in (1, None, ["x == 1"], {"a": 1}):
        with pytest.raises(ExpressionError, match="a condition must be a text"):
            parse(value)


# --- limits ------------------------------------------------------------------------------------------------------

def test_limits_on_length_nesting_and_depth():
    with pytest.raises(ExpressionError, match=f"longer than {MAX_LENGTH} characters"):
        parse("x == 1 or " * 100 + "x == 1")
    ok = "(" * MAX_NESTING + "x > 1" + ")" * MAX_NESTING
    assert values(ok) == values("x > 1")
    with pytest.raises(ExpressionError, match="nests more than"):
        parse("(" * (MAX_NESTING + 1) + "x > 1" + ")" * (MAX_NESTING + 1))
    with pytest.raises(ExpressionError, match="nests more than"):
        parse("not " * (MAX_NESTING + 1) + "x > 1")
    with pytest.raises(ExpressionError, match="nests more than"):
        parse("-" * (MAX_NESTING + 1) + "x > 1")
    with pytest.raises(ExpressionError, match=f"nests more than {MAX_DEPTH} levels"):
        parse("+".join(["x"] * (MAX_DEPTH + 1)) + " > 1")  # a left-leaning chain as deep as it is long
    chain = " or ".join(["x == 1"] * (MAX_DEPTH - 2))
    assert len(chain) <= MAX_LENGTH and values(chain) == values("x == 1")


# --- attacks -----------------------------------------------------------------------------------------------------

def test_attacks_are_refused_with_a_clear_message_and_run_nothing(tmp_path):
    marker = tmp_path / "marker"
    for text in attacks(marker):
        with pytest.raises(ExpressionError) as err:
            select(FRAME, text)
        message = str(err.value)
        assert "(at character" in message and "^" in message.splitlines()[-1], text
        assert isinstance(err.value.reason, str) and err.value.reason, text
    assert not marker.exists()


def test_the_attack_is_real_under_pandas_query(tmp_path):
    """What the language replaces: pandas' query runs the first attack (so the marker check above can fail)."""
    marker = tmp_path / "marker"
    frame = pd.DataFrame({"x": [1.0]})
    try:
        frame.query(f"@pd.io.common.os.system('touch {marker}') == 0", engine="python")
    except Exception:  # noqa: BLE001 - pandas fails after running the command; the point is whether the file appears
        pass
    if not marker.exists():
        pytest.skip("this pandas no longer reaches os.system through @-references")


# --- fuzzing -----------------------------------------------------------------------------------------------------

ALPHABET = st.sampled_from([
    "x", "s", "n", "`odd name`", "1", "2.5", "-", "+", "*", "/", "==", "!=", "<", "<=", ">", ">=", "(", ")", "[", "]",
    ",", "and", "or", "not", "in", "is", "missing", "'F'", '"M"', "@", ".", "__x", "'", "`", "\\", "\u200b", " ",
])


def _must_be_language_error(text: str) -> None:
    try:
        expression = parse(text)
    except ExpressionError as err:
        assert err.text == text or not isinstance(text, str)
        return
    problems = expression.check(TYPES, {"s": ("F", "M")})
    assert all(isinstance(p, ExpressionError) for p in problems)
    try:
        result = expression.evaluate(FRAME)
    except ExpressionError:
        assert problems
        return
    assert not problems and len(result) == len(FRAME) and str(result.dtype) == "boolean"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text_raises_only_the_language_error(text):
    _must_be_language_error(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map(" ".join))
def test_fuzz_token_soup_raises_only_the_language_error(text):
    _must_be_language_error(text)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 3000), st.sampled_from(["(", "not ", "-", "x + ", "x == 1 or "]))
def test_fuzz_long_and_deep_inputs_end_with_the_language_error(size, piece):
    _must_be_language_error(piece * size + "x > 1" + (")" * size if piece == "(" else ""))


# --- differential test: the evaluator against a row-by-row reference of the documented semantics -------------

ROWS = FRAME.to_dict("records")


def _cell(row, name):
    value = row[name]
    return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else value


def _arith(op, a, b):
    if a is None or b is None:
        return None
    if op == "/" and b == 0:
        return None
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]
    return float(result) if math.isfinite(result) else None


def _compare(op, a, b):
    if a is None or b is None:
        return None
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _and(a, b):
    if a is False or b is False:
        return False
    return True if a is True and b is True else None


def _or(a, b):
    if a is True or b is True:
        return True
    return False if a is False and b is False else None


def _number_column(name: str):
    return lambda row: None if _cell(row, name) is None else float(_cell(row, name))


NUMBER_LEAVES = st.one_of(
    st.sampled_from(["x", "n", "`odd name`"]).map(lambda c: (c, _number_column(c.strip("`")))),
    st.sampled_from([0, 1, 2, 2.5, 10, 0.5]).map(lambda v: (repr(v), lambda row, v=v: float(v))),
)


def _number_step(children):
    return st.one_of(
        st.tuples(children, st.sampled_from("+-*/"), children).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})",
                       lambda row, t=t: _arith(t[1], t[0][1](row), t[2][1](row)))),
        children.map(lambda c: (f"-({c[0]})", lambda row, c=c: None if c[1](row) is None else -c[1](row))),
    )


NUMBERS = st.recursive(NUMBER_LEAVES, _number_step, max_leaves=4)

CONDITION_LEAVES = st.one_of(
    st.tuples(NUMBERS, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), NUMBERS).map(
        lambda t: (f"{t[0][0]} {t[1]} {t[2][0]}", lambda row, t=t: _compare(t[1], t[0][1](row), t[2][1](row)))),
    st.tuples(st.sampled_from(["==", "!="]), st.sampled_from(["F", "M", "X", "Z"])).map(
        lambda t: (f"s {t[0]} '{t[1]}'", lambda row, t=t: _compare(t[0], _cell(row, "s"), t[1]))),
    st.tuples(st.booleans(), st.lists(st.sampled_from(["F", "M", "Z"]), min_size=1, max_size=3)).map(
        lambda t: (f"s {'not in' if t[0] else 'in'} [{', '.join(repr(v) for v in t[1])}]",
                   lambda row, t=t: None if _cell(row, "s") is None else (_cell(row, "s") in t[1]) != t[0])),
    st.tuples(NUMBERS, st.booleans()).map(
        lambda t: (f"{t[0][0]} is {'not ' if t[1] else ''}missing",
                   lambda row, t=t: (t[0][1](row) is None) != t[1])),
)


def _condition_step(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: (f"({t[0][0]}) {t[1]} ({t[2][0]})",
                       lambda row, t=t: (_and if t[1] == "and" else _or)(t[0][1](row), t[2][1](row)))),
        children.map(lambda c: (f"not ({c[0]})", lambda row, c=c: None if c[1](row) is None else not c[1](row))),
    )


CONDITIONS = st.recursive(CONDITION_LEAVES, _condition_step, max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONDITIONS)
def test_evaluator_agrees_with_the_row_by_row_reference(case):
    text, reference = case
    got = [None if v is pd.NA else bool(v) for v in parse(text).evaluate(FRAME)]
    assert got == [reference(row) for row in ROWS], text
