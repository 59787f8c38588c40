"""The thresholds reconciliation works with, in one place. The checks read them as SQL variables
(`getvariable('pair_group_max')`); the id length is built into the `claimrec_id` macro, so that the
views, which word checks when they are read, make the same ids as the checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb


@dataclass(frozen=True)
class Thresholds:
    """How reconciliation sizes its findings and ids."""

    pair_group_max: int = 10
    """disjoint_claims: a group of claims (one quantity, one as-of date) of at most this many claims gets one
    finding per pair of claims that do not meet; a larger group gets one finding naming every claim that misses
    another, so that the work grows with the claims and not with their square."""

    claim_pairs_max: int = 100
    """part_exceeds_whole: a part and a whole with at most this many pairs of claims (claims on the part times
    claims on the whole) get one finding per pair of claims that clash; beyond it, one finding per pair of
    quantities."""

    bound_digits: int = 6
    """Claims' bounds are rounded to this many decimals before whole-number units round them inwards, so that
    a factor such as 0.9 * 40 = 36.000000000000004 still gives 36."""

    id_hex_digits: int = 16
    """Hexadecimal digits of the MD5 in finding and check ids (`F` or `C` followed by them): 64 bits, so that
    two of millions of ids collide with negligible probability."""


THRESHOLDS = Thresholds()
"""The thresholds every run uses."""

VARIABLES = ("pair_group_max", "claim_pairs_max", "bound_digits")
"""The thresholds the SQL reads as variables."""


def apply(con: duckdb.DuckDBPyConnection, thresholds: Thresholds = THRESHOLDS) -> None:
    """Set the thresholds' SQL variables on `con` and (re)create the `claimrec_id` macro with their id length."""
    values = asdict(thresholds)
    for name in VARIABLES:
        con.execute(f"SET VARIABLE {name} = {int(values[name])}")
    digits = int(thresholds.id_hex_digits)
    con.execute(f"CREATE OR REPLACE MACRO claimrec_id(prefix, key) AS prefix || substr(md5(key), 1, {digits})")
    con.execute(
        "COMMENT ON MACRO claimrec_id IS 'The id of a finding (prefix F) or check (prefix C): the prefix and the"
        f" first {digits} hexadecimal digits of the MD5 of its key, e.g. disjoint_claims|<claim id>|<claim id>'"
    )
