"""Reconciliation checks as data: one case file per check under tests/cases/reconcile/ (claims in; every
finding and check out, and the bounds of some quantities), run by one table-driven test. A toy check is
added through the documented steps only."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from claimrec import load, report, store
from claimrec.reconcile import CHECKS, Check, run_checks
from claimrec.reconcile.kinds import FINDING_KINDS, Kind
from claimrec.reconcile.runner import statements
from support import MINI, claims_yaml

CASES = Path(__file__).parent / "cases" / "reconcile"


def reconcile_case(case: Path, folder: Path, checks=CHECKS, kinds=FINDING_KINDS) -> duckdb.DuckDBPyConnection:
    """Reconcile the claims of a case file in a copy of the small claims folder, in an in-memory database."""
    shutil.copytree(MINI, folder)
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    rows = [tuple(str(part) for part in row) for row in spec["claims"]]
    (folder / "claims.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    con = duckdb.connect()
    store.load_into(con, load.load_claims(folder))
    run_checks(con, checks, kinds)
    return con


def found(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
    """The findings and checks of a reconciled database, as case files write them."""
    findings = [
        {"kind": kind, "certainty": certainty, "claims": claims, "margin": margin}
        for kind, certainty, claims, margin in con.execute(
            "SELECT kind, certainty, claim_ids, margin FROM findings ORDER BY kind, claim_ids"
        ).fetchall()
    ]
    checks = []
    for kind, whole, parts, low, high, outcome, certainty in con.execute("""
        SELECT kind, whole_quantity_id, part_quantity_ids, low_bound, high_bound, outcome, certainty
        FROM checks ORDER BY kind, whole_quantity_id, part_quantity_ids, low_bound
    """).fetchall():
        check = {"kind": kind, "whole": whole, "parts": parts, "low": low, "high": high, "outcome": outcome}
        if certainty is not None:
            check["certainty"] = certainty
        checks.append(check)
    return findings, checks


def _sorted(items: list[dict], *keys: str) -> list[dict]:
    return sorted(items, key=lambda i: tuple(str(i.get(k)) for k in keys))


@pytest.mark.parametrize("case", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case(case: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    con = reconcile_case(case, tmp_path / "claims")
    findings, checks = found(con)
    assert _sorted(findings, "kind", "claims") == _sorted(spec["findings"], "kind", "claims")
    assert _sorted(checks, "kind", "whole", "parts", "low") == _sorted(spec["checks"], "kind", "whole", "parts", "low")
    for quantity_id, expected in (spec.get("quantities") or {}).items():
        row = con.execute(
            """
            SELECT n_claims, n_sources, [widest_low, widest_high], [consensus_low, consensus_high],
                   [implied_low, implied_high], status
            FROM quantities WHERE quantity_id = ?
        """,
            [quantity_id],
        ).fetchone()
        assert row is not None, quantity_id
        got = dict(zip(("claims", "sources", "widest", "consensus", "implied", "status"), row))
        assert {k: got[k] for k in expected} == expected, quantity_id


def test_every_check_has_a_case_and_named_statements() -> None:
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == sorted(c.name for c in CHECKS)
    for check in CHECKS:
        names = [name for name, _ in statements(check)]
        assert names and len(names) == len(set(names)), check.name
        assert check.text.startswith(f"-- Check: {check.name}\n"), check.name


def test_no_temporary_table_outlives_the_checks(tmp_path: Path) -> None:
    con = reconcile_case(CASES / "sums_against_wholes.yaml", tmp_path / "claims")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_a_failing_statement_names_its_check_and_statement(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sql"
    broken.write_text("-- Check: broken\n\n-- statement: nonsense\nSELECT * FROM no_such_table;\n", encoding="utf-8")
    with pytest.raises(store.StoreError, match=r"reconciliation failed in check broken, statement nonsense: Catalog"):
        reconcile_case(CASES / "quantities.yaml", tmp_path / "claims", CHECKS + (Check("broken", broken),))


TOY_SQL = """-- Check: twin_claims
-- Establishes which claims of one source repeat the same figure for the same quantity (a toy check).

-- statement: findings
INSERT INTO findings BY NAME
SELECT claimrec_id('F', 'twin_claims|' || a.claim_id || '|' || b.claim_id) AS finding_id, 'twin_claims' AS kind,
       a.quantity_id, [a.claim_id, b.claim_id] AS claim_ids, [a.source_id, b.source_id] AS source_ids,
       true AS same_source, 'possible' AS certainty, NULL AS part_quantity_ids, a.low AS low_bound,
       a.low AS high_bound, 1 AS margin, a.claim_id || ' and ' || b.claim_id || ' repeat one figure.' AS message
FROM claims a JOIN claims b ON a.quantity_id = b.quantity_id AND a.source_id = b.source_id
     AND a.low = b.low AND a.high = b.high AND a.claim_id < b.claim_id;
"""

TOY_CASE = """claims:
  - [t1, ngo, killed, side_a, all, 2019, "value: 12; qualifier: exact"]
  - [t2, ngo, killed, side_a, all, 2019, "value: 12; qualifier: exact"]
  - [t3, monitors, killed, side_a, all, 2019, "value: 12; qualifier: exact"]
findings:
  - {kind: twin_claims, certainty: possible, claims: [t1, t2], margin: 1}
checks: []
"""


def test_a_new_kind_of_finding_takes_a_check_an_entry_a_kind_and_a_case(tmp_path: Path) -> None:
    """The documented steps (docs/reconciliation.md): a check file, an entry in CHECKS, an entry in the
    vocabulary, a case file. The report lists the new kind with the others."""
    (tmp_path / "twin_claims.sql").write_text(TOY_SQL, encoding="utf-8")
    checks = CHECKS + (Check("twin_claims", tmp_path / "twin_claims.sql"),)
    kinds = FINDING_KINDS + (Kind("twin_claims", "One source repeats the same figure for the same quantity."),)
    case = tmp_path / "twin_claims.yaml"
    case.write_text(TOY_CASE, encoding="utf-8")
    con = reconcile_case(case, tmp_path / "claims", checks, kinds)
    findings, checks_found = found(con)
    spec = yaml.safe_load(TOY_CASE)
    assert findings == spec["findings"] and checks_found == spec["checks"]
    assert con.execute("SELECT kind FROM finding_kinds ORDER BY position DESC LIMIT 1").fetchone() == ("twin_claims",)
    text = report.render(con)
    assert "| twin_claims | 1 | 0 | 1 |" in text
    assert "### 1. twin_claims (possible): killed, side_a, all, 2019" in text


def test_finding_ids_are_the_md5_of_their_key_to_sixteen_digits(tmp_path: Path) -> None:
    con = reconcile_case(CASES / "disjoint_claims.yaml", tmp_path / "claims")
    ids = con.execute("SELECT finding_id FROM findings WHERE claim_ids = ['d1', 'd2']").fetchall()
    expected = "F" + hashlib.md5(b"disjoint_claims|d1|d2").hexdigest()[:16]
    assert ids == [(expected,)]
