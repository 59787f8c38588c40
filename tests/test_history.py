"""What changed: claims are versioned, findings have a life, and each run writes reports/changes.md."""

from __future__ import annotations

from pathlib import Path

import duckdb

from claimrec import pipeline, report, store
from support import EXTRA_CLAIM


def _started(config: pipeline.RunConfig, run_id: str) -> str:
    """When a run started, as changes.md shows it (from the runs table, to the second, in UTC)."""
    with duckdb.connect(str(config.db_path), read_only=True) as con:
        (started,) = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return f"{started:%Y-%m-%d %H:%M:%S} UTC"


def _edit(claims_file: Path) -> None:
    """Change two figures, remove one claim, add one."""
    text = claims_file.read_text().replace("value: 120", "value: 160").replace("value: 40\n", "value: 45\n")
    start, end = text.index("  - id: wounded-hundreds"), text.index("  - id: left-ganja\n")
    claims_file.write_text(text[:start] + text[end:] + EXTRA_CLAIM)


def test_edits_keep_old_versions_and_are_reported(mini_config: pipeline.RunConfig) -> None:
    first = pipeline.run_pipeline(mini_config).run_id
    changes = mini_config.reports_dir / report.CHANGES_NAME
    assert changes.read_text() == (
        f"# Changes since the previous run\n\nRun `{first}` (started {_started(mini_config, first)}) is the first run"
        " of this database: its 7 claims and 1 findings are recorded as new.\n"
    )
    _edit(mini_config.claims_dir / "claims.yaml")
    second = pipeline.run_pipeline(mini_config).run_id
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        versions = con.execute(
            """
            SELECT claim_id, version, value, valid_from_run = $1, valid_to_run = $2 FROM claim_versions
            WHERE claim_id IN ('a-soldiers-killed', 'wounded-hundreds', 'new-one', 'left-ganja') ORDER BY 1, 2
        """,
            [first, second],
        ).fetchall()
        assert versions == [
            ("a-soldiers-killed", 1, 120, True, True),
            ("a-soldiers-killed", 2, 160, False, None),
            ("left-ganja", 1, 90, True, None),
            ("new-one", 1, 250, False, None),
            ("wounded-hundreds", 1, None, True, True),
        ]
        assert con.execute("SELECT count(*) FROM claim_versions WHERE valid_to_run IS NULL").fetchone() == (7,)
        assert con.execute(
            "SELECT first_run = $1, resolved_run = $2 FROM finding_history", [first, second]
        ).fetchall() == [(True, True)]
    assert (
        changes.read_text()
        == f"""# Changes since the previous run

Run `{second}` (started {_started(mini_config, second)}), compared with run `{first}` (started {_started(mini_config, first)}).

## Claims: 1 added, 2 changed, 1 retired

- added `new-one`: wounded, side_b, all, 2019-01-01 – 2019-12-31: approximately 250 (ngo)
- changed `a-soldiers-killed` (version 1 → 2): value 120 → 160
- changed `civilians-killed` (version 1 → 2): value 40 → 45
- retired `wounded-hundreds`: wounded, all, all, 2019-01-01 – 2019-12-31: hundreds (monitors)

## Findings: 0 new, 1 resolved

- resolved disjoint_claims: Ministry of A (120) and Independent monitors (150–180) disagree on killed, side_a, military, 2019; the figures do not overlap, 30 apart.
"""
    )
    # re-rendering from the published database gives the same file
    rendered = mini_config.reports_dir.parent / "rerendered"
    with store.read_only(mini_config.db_path) as con:
        report.write(con, rendered)
    assert (rendered / report.CHANGES_NAME).read_text() == changes.read_text()


def test_a_claim_that_returns_gets_a_new_version_and_its_finding_reappears(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    path = mini_config.claims_dir / "claims.yaml"
    original = path.read_text()
    path.write_text(original.replace("value: 120", "value: 160"))
    pipeline.run_pipeline(mini_config)
    path.write_text(original)
    third = pipeline.run_pipeline(mini_config).run_id
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute(
            "SELECT version, value, valid_to_run IS NULL FROM claim_versions WHERE claim_id = 'a-soldiers-killed'"
            " ORDER BY version"
        ).fetchall() == [(1, 120, False), (2, 160, False), (3, 120, True)]
        lives = con.execute(
            "SELECT first_run = ?, resolved_run IS NULL FROM finding_history ORDER BY first_run", [third]
        )
        assert lives.fetchall() == [(False, False), (True, True)]
    text = (mini_config.reports_dir / report.CHANGES_NAME).read_text()
    assert "- changed `a-soldiers-killed` (version 2 → 3): value 160 → 120" in text
    assert "## Findings: 1 new, 0 resolved" in text


def test_an_identical_run_changes_no_history(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)

    def history() -> list:
        with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
            return [
                con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("claim_versions", "finding_history")
            ]

    before = history()
    pipeline.run_pipeline(mini_config)
    assert history() == before
    text = (mini_config.reports_dir / report.CHANGES_NAME).read_text()
    assert "## Claims" not in text and "## Findings" not in text  # empty sections are left out
    assert text.endswith(").\n\nNo claim and no finding changed.\n")


def test_a_removed_claim_that_comes_back_gets_the_next_version(mini_config: pipeline.RunConfig) -> None:
    first = pipeline.run_pipeline(mini_config).run_id
    path = mini_config.claims_dir / "claims.yaml"
    original = path.read_text()
    start, end = original.index("  - id: wounded-hundreds"), original.index("  - id: left-ganja\n")
    path.write_text(original[:start] + original[end:])
    second = pipeline.run_pipeline(mini_config).run_id
    path.write_text(original)
    third = pipeline.run_pipeline(mini_config).run_id
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute(
            "SELECT version, valid_from_run, valid_to_run FROM claim_versions WHERE claim_id = 'wounded-hundreds'"
            " ORDER BY version"
        ).fetchall() == [(1, first, second), (2, third, None)]
        # the same content comes back with the same hash
        assert con.execute(
            "SELECT count(DISTINCT content_hash) FROM claim_versions WHERE claim_id = 'wounded-hundreds'"
        ).fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM claim_versions WHERE valid_to_run IS NULL").fetchone() == (7,)
        open_twice = "SELECT claim_id FROM claim_versions WHERE valid_to_run IS NULL GROUP BY 1 HAVING count(*) > 1"
        assert con.execute(open_twice).fetchall() == []


def test_the_content_hash_is_the_md5_that_earlier_databases_hold(mini_config: pipeline.RunConfig) -> None:
    """Databases written before keep their hashes: a different expression would give every claim a new version."""
    pipeline.run_pipeline(mini_config)
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute("""
            SELECT count(*), count(*) FILTER (content_hash = md5(concat_ws(chr(31), source_id, document_id,
                coalesce(section, '-'), quote, metric, side, category, coalesce(subject, '-'), period_start, period_end,
                coalesce(as_of::VARCHAR, '-'), qualifier, coalesce(value::VARCHAR, '-'), coalesce(stated_low::VARCHAR, '-'),
                coalesce(stated_high::VARCHAR, '-'), coalesce(revision, '-'), coalesce(notes, '-'))))
            FROM claim_versions
        """).fetchone() == (7, 7)
