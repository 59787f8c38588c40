"""The expectations over the reconciled outputs, and the Data Docs a run publishes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from claimrec import pipeline, store, validate
from claimrec.errors import StageFailed, ValidationFailed
from support import CLAIMS, MINI, reconciled, snapshot

FINDING = "Fa125b4205d38b9b6"
"""The one finding of the mini claims: a-soldiers-killed against monitors-soldiers-killed."""


def test_outputs_of_the_seed_meet_every_expectation(seed_db: duckdb.DuckDBPyConnection) -> None:
    outcomes, _ = validate.validate_outputs(seed_db)
    assert all(o.success and o.unexpected_count == 0 for o in outcomes)
    n = dict(
        zip(
            ("findings", "quantities", "quantity_links", "part_sums", "series_checks"),
            seed_db.execute(
                "SELECT (SELECT count(*) FROM findings), (SELECT count(*) FROM quantities),"
                " (SELECT count(DISTINCT whole_key) FROM quantity_links), (SELECT count(*) FROM part_sums),"
                " (SELECT count(*) FROM series_checks)"
            ).fetchone(),
        )
    )
    assert n == {"findings": 13, "quantities": 200, "quantity_links": 41, "part_sums": 41, "series_checks": 0}
    between, in_set, unique = "values_to_be_between", "values_to_be_in_set", "values_to_be_unique"
    equal, ordered = "pair_values_to_be_equal", "pair_values_a_to_be_greater_than_b"
    expected = [
        (unique, "findings.finding_id"),
        (in_set, "findings.kind"),
        (in_set, "findings.certainty"),
        (between, "findings.margin"),
        (between, "findings.n_claim_ids"),
        (equal, "findings.n_source_ids, findings.n_claim_ids"),
        (between, "findings.unknown_claims"),
        (between, "findings.unknown_quantity"),
        (between, "findings.unknown_parts"),
        ("values_to_not_be_null", "quantities.quantity_id"),
        (unique, "quantities.quantity_id"),
        (unique, "quantities.quantity_key"),
        (between, "quantities.unknown_quantity"),
        (in_set, "quantities.status"),
        (equal, "quantities.n_claims, quantities.n_claims_counted"),
        (ordered, "quantities.widest_high, quantities.widest_low"),
        (ordered, "quantities.consensus_high, quantities.consensus_low"),
        (ordered, "quantities.chosen_high, quantities.chosen_low"),
        (ordered, "quantities.consensus_low, quantities.widest_low"),
        (ordered, "quantities.widest_high, quantities.consensus_high"),
        (between, "quantities.inverted_claims"),
        (between, "quantity_links.unknown_whole"),
        (between, "quantity_links.unknown_parts"),
        (between, "quantity_links.repeated_parts"),
        (between, "quantity_links.whole_as_part"),
        (between, "quantity_links.summed_not_maximal"),
        (unique, "part_sums.whole_quantity_id"),
        (between, "part_sums.unknown_whole"),
        (equal, "part_sums.n_parts, part_sums.n_summed"),
        (unique, "series_checks.check_id"),
        (in_set, "series_checks.outcome"),
        (between, "series_checks.unknown_quantity"),
        (between, "series_checks.unknown_claims"),
    ]
    assert [(o.expectation, o.column, o.element_count) for o in outcomes] == [
        (f"expect_column_{kind}", column, n[column.split(".")[0]]) for kind, column in expected
    ]
    recorded = seed_db.execute(
        "SELECT count(*), bool_and(success) FROM validations WHERE contains(\"column\", '.')"
    ).fetchone()
    assert recorded == (len(outcomes), True)


def test_corrupted_findings_and_quantities_are_named() -> None:
    con = reconciled(MINI)
    con.execute(
        "UPDATE findings SET claim_ids = ['ghost'] || claim_ids[2:], margin = 0 WHERE finding_id = ?", [FINDING]
    )
    con.execute("UPDATE quantities SET n_claims = 3 WHERE quantity_id = 'killed/side_a/military/2019'")
    con.execute(
        "UPDATE quantities SET consensus_low = consensus_high + 1 WHERE quantity_id = 'displaced/all/civilians/2019'"
    )
    con.execute("DELETE FROM quantities WHERE quantity_id = 'wounded/all/all/2019'")
    con.execute("INSERT INTO quantities SELECT * FROM quantities WHERE quantity_id = 'captured/side_a/military/2019'")
    with pytest.raises(ValidationFailed) as caught:
        validate.validate_outputs(con)
    assert caught.value.failures == [
        f"expectation expect_column_values_to_be_between on findings.margin failed: broken by {FINDING}",
        f"expectation expect_column_values_to_be_between on findings.unknown_claims failed: broken by {FINDING}",
        "expectation expect_column_values_to_be_unique on quantities.quantity_id failed:"
        " broken by captured/side_a/military/2019",
        "expectation expect_column_values_to_be_unique on quantities.quantity_key failed:"
        " broken by captured/side_a/military/2019",
        "expectation expect_column_values_to_be_between on quantities.unknown_quantity failed:"
        " broken by wounded/all/all/2019",
        "expectation expect_column_pair_values_to_be_equal on quantities.n_claims, quantities.n_claims_counted failed:"
        " broken by killed/side_a/military/2019",
        "expectation expect_column_pair_values_a_to_be_greater_than_b on quantities.consensus_high,"
        " quantities.consensus_low failed: broken by displaced/all/civilians/2019",
    ]


def test_corrupted_links_and_sums_are_named() -> None:
    con = reconciled(CLAIMS)
    (first, first_key, part_key), (second, second_key, other_key) = con.execute(
        "SELECT w.quantity_id, l.whole_key, min(l.part_key) FROM quantity_links l"
        " JOIN quantities w ON w.quantity_key = l.whole_key GROUP BY ALL ORDER BY ALL LIMIT 2"
    ).fetchall()
    pair = "whole_key = ? AND part_key = ?"
    con.execute(f"INSERT INTO quantity_links SELECT * FROM quantity_links WHERE {pair}", [first_key, part_key])
    con.execute(f"UPDATE quantity_links SET part_key = -1 WHERE {pair}", [second_key, other_key])
    summed = con.execute("SELECT max(whole_key) FROM part_sums").fetchone()[0]
    con.execute("UPDATE part_sums SET n_parts = n_parts + 1 WHERE whole_key = ?", [summed])
    name = con.execute("SELECT quantity_id FROM quantities WHERE quantity_key = ?", [summed]).fetchone()[0]
    with pytest.raises(ValidationFailed) as caught:
        validate.validate_outputs(con)
    assert caught.value.failures == [
        f"expectation expect_column_values_to_be_between on quantity_links.unknown_parts failed: broken by {second}",
        f"expectation expect_column_values_to_be_between on quantity_links.repeated_parts failed: broken by {first}",
        "expectation expect_column_pair_values_to_be_equal on part_sums.n_parts, part_sums.n_summed failed:"
        f" broken by {first}, {name}",  # the repeated link of `first` is a summed one
    ]


def test_a_run_records_the_output_outcomes_and_publishes_data_docs(mini_config: pipeline.RunConfig) -> None:
    run = pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    assert (docs / "index.html").is_file()
    suites = [
        "claims.columns",
        "claims.ids",
        "claims.unique_ids",
        "claims.quotes",
        "claims.references",
        "claims.periods",
        "claims.figures",
        "claims.origin",
        "sources",
        "findings",
        "quantities",
        "quantity_links",
        "part_sums",
        "series_checks",
    ]
    name = validate.run_name(run.claimset)
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    assert pages == sorted(
        ["index.html"]
        + [f"expectations/{s.replace('.', '/')}.html" for s in suites]
        + [f"validations/{s.replace('.', '/')}/{name}/19700101T000000.000000Z/claimrec-tallies.html" for s in suites]
    )
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert all(f"validations/{s.replace('.', '/')}/{name}/" in index for s in suites)
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT split_part(\"column\", '.', 1), count(*), bool_and(success) FROM validations"
            " WHERE run_id = ? AND contains(\"column\", '.') GROUP BY ALL ORDER BY 1",
            [run.run_id],
        ).fetchall()
    assert rows == [
        ("findings", 9, True),
        ("part_sums", 3, True),
        ("quantities", 12, True),
        ("quantity_links", 5, True),
        ("series_checks", 4, True),
    ]


def test_same_claims_give_byte_identical_data_docs(mini_config: pipeline.RunConfig, tmp_path: Path) -> None:
    """Another run over the same claims replaces the published Data Docs with the same bytes, and a run
    elsewhere writes the same files."""
    pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    first = _relative(docs)
    assert len(first) > 20
    pipeline.run_pipeline(mini_config)
    assert _relative(docs) == first
    assert sorted(p.name for p in mini_config.reports_dir.iterdir()) == [
        "changes.md",
        "discrepancies.md",
        "index.html",
        "validation",
    ]
    claims = tmp_path / "elsewhere" / "claims"
    shutil.copytree(MINI, claims)
    other = pipeline.RunConfig(claims, claims.parent / "other.duckdb", claims.parent / "out")
    pipeline.run_pipeline(other)
    assert _relative(other.reports_dir / validate.DOCS_DIR) == first


def test_data_docs_carry_no_moment_of_rendering(mini_config: pipeline.RunConfig) -> None:
    """Great Expectations' random element ids, the time on the logo's address and the moment each batch was
    loaded are rewritten in the written pages (`datadocs.stabilise`): ids numbered per page, each link still
    leading to its element; the run's fixed time in place of the load moment."""
    pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    pages = {p: p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*.html"))}
    assert len(pages) == 29
    for page, text in pages.items():
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text), page
        assert "?d=" not in text and "dataContextId" not in text, page
        targets = re.findall(r'href="#([^"]+)"', text)
        assert all(f"id={t} " in text or f'id="{t}"' in text for t in targets), page
    validation = next(t for p, t in pages.items() if p.name == "claimrec-tallies.html" and "unique_ids" in str(p))
    assert re.findall(r"collapse-body-(\d{6})", validation)[:2] == ["000001", "000001"]
    stamps = re.findall(r">ge_load_time</span>.*?<span[^>]*>([^<]*)</span>", validation, flags=re.S)
    assert stamps == ["19700101T000000.000000Z"]


def test_a_broken_output_fails_the_run_and_publishes_nothing(mini_config: pipeline.RunConfig, monkeypatch) -> None:
    pipeline.run_pipeline(mini_config)
    before = snapshot(mini_config.db_path, mini_config.reports_dir)
    reconcile = store.reconcile

    def corrupting(building: Path, run_id: str | None = None) -> dict[str, int]:
        counts = reconcile(building, run_id)
        with duckdb.connect(str(building)) as con:
            con.execute("UPDATE findings SET margin = -1")
        return counts

    monkeypatch.setattr(pipeline.store, "reconcile", corrupting)
    with pytest.raises(StageFailed) as caught:
        pipeline.run_pipeline(mini_config)
    assert caught.value.stage == "verify"
    assert f"findings.margin failed: broken by {FINDING}" in str(caught.value)
    assert snapshot(mini_config.db_path, mini_config.reports_dir) == before
    assert not list(mini_config.reports_dir.glob(".building-*"))
    assert not list(mini_config.db_path.parent.glob(".*.building*"))


def _relative(folder: Path) -> dict[str, str]:
    return {str(Path(k).relative_to(folder)): v for k, v in snapshot(folder).items()}
