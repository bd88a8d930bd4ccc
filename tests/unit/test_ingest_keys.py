"""The integer row keys behind the duplicate and lesion checks, against pandas' own multi-column operations."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from tkicohort.ingest import keys
from tkicohort.ingest.read import RawColumn
from tkicohort.packing import pack

_rows = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 2)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_rows, st.booleans())
def test_duplicated_and_first_row_match_pandas(rows, sort):
    frame = pd.DataFrame(rows or [(0, 0, 0)], columns=["a", "b", "c"])
    if sort:  # the usual layout of a cohort file, settled by comparing neighbours
        frame = frame.sort_values(["a", "b", "c"], ignore_index=True)
    key = pack([frame[c].to_numpy() for c in "abc"], [5, 4, 3])
    expected = frame.duplicated(keep="first").to_numpy()
    assert keys.duplicated(key).tolist() == expected.tolist()
    dup = np.flatnonzero(expected)
    first = frame.reset_index().groupby(["a", "b", "c"])["index"].transform("first").to_numpy()
    assert keys.first_row(key, dup).tolist() == first[dup].tolist()


@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=40))
def test_duplicated_of_a_wide_key_range_uses_hashing_and_agrees(values):
    key = np.asarray(values, dtype=np.int64)
    assert keys.duplicated(key).tolist() == pd.Series(values).duplicated().tolist()


def test_pack_beyond_int64_numbers_the_tuples():
    big = 2**40
    columns = [np.array([1, 1, 2, 1]), np.array([5, 5, 5, 6]), np.array([3, 3, 3, 3])]
    key = pack(columns, [big, big, big])
    assert key[0] == key[1] and len({key[0], key[2], key[3]}) == 3


@given(st.lists(st.sampled_from(["7", "07", " 7", "8", "x", ""]), min_size=1, max_size=30))
def test_value_codes_compare_typed_values(cells):
    rc = RawColumn.from_values(cells)
    typed = pd.to_numeric(pd.Series(cells).str.strip(), errors="coerce")  # '7' == '07'; 'x' and '' are missing
    codes, n = keys.value_codes(rc, typed)
    assert codes.max() < n
    same = codes[:, None] == codes[None, :]
    values = typed.to_numpy()
    expected = (values[:, None] == values[None, :]) | (np.isnan(values)[:, None] & np.isnan(values)[None, :])
    assert (same == expected).all()


def test_dense_renumbers_a_sparse_range():
    key, n = keys.dense(np.array([2**50, 3, 2**50, 7], dtype=np.int64))
    assert n == 3 and key[0] == key[2] and len(set(key.tolist())) == 3
    key, n = keys.dense(np.array([4, 1, 4], dtype=np.int64))
    assert n == 5 and key.tolist() == [4, 1, 4]
