"""The expectations over the reconciled outputs, and the Data Docs a run publishes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from claimrec import datadocs, pipeline, store, validate
from claimrec.errors import StageFailed, ValidationFailed
from support import CLAIMS, MINI, reconciled, snapshot

FINDING = "Fa125b4205d38b9b6"
"""The one finding of the mini claims: a-soldiers-killed against monitors-soldiers-killed."""

MARCH = dt.datetime(2026, 3, 4, 5, 6, 7, 80910)
NOVEMBER = dt.datetime(2027, 11, 12, 13, 14, 15, 161718)
"""Two run start times (naive, in UTC, as `pipeline.Run.started_at`) that differ in every field."""


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
        + [f"validations/{s.replace('.', '/')}/{name}/{_stamp(run.started_at)}/claimrec-tallies.html" for s in suites]
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


def test_same_claims_give_byte_identical_data_docs(
    mini_config: pipeline.RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run over the same claims at the same run time replaces the published Data Docs with the same
    bytes, and a run elsewhere writes the same files; a run at another time differs in the time it shows and
    files under, and in nothing else."""
    _starting_at(monkeypatch, MARCH)
    pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    first = _relative(docs)
    assert len(first) > 20
    march = _contents(docs)
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

    _starting_at(monkeypatch, NOVEMBER)
    pipeline.run_pipeline(mini_config)
    november = _contents(docs)
    assert november != march
    changed = {name for name in march if any(form in name or form in march[name] for form in _times(MARCH))}
    assert len(changed) == 15  # the index and the page of each of the 14 validation results
    assert _without_time(november, NOVEMBER) == _without_time(march, MARCH)
    for time, other_time, contents in ((MARCH, NOVEMBER, march), (NOVEMBER, MARCH, november)):
        text = "\n".join(contents) + "\n".join(contents.values())
        assert _stamp(time) in text and _shown(time) in text
        assert str(other_time.year) not in text and "1970" not in text


def test_data_docs_carry_no_moment_of_rendering(mini_config: pipeline.RunConfig) -> None:
    """Great Expectations' random element ids, the time on the logo's address and the moment each batch was
    loaded are rewritten in the written pages (`datadocs.stabilise`): ids numbered per page, each link still
    leading to its element; the run's start time in place of the load moment."""
    run = pipeline.run_pipeline(mini_config)
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
    assert stamps == [_stamp(run.started_at)]


def test_data_docs_load_only_files_of_the_site(mini_config: pipeline.RunConfig) -> None:
    """Every script, style sheet, image and font a page or style sheet of the Data Docs loads is a file of the
    site (the libraries are the copies claimrec ships, `datadocs.SHIPPED`), which it names by a relative
    address; only links to follow lead elsewhere."""
    pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    assert snapshot(docs / datadocs.VENDOR) == {
        str(docs / datadocs.VENDOR / p.relative_to(datadocs.ASSETS)): digest
        for p, digest in ((Path(k), v) for k, v in snapshot(datadocs.ASSETS).items())
    }
    loads = re.compile(r"""<(?:script|img|link)\b[^>]*?\b(?:src|href)="([^"#]+)"|url\(['"]?([^'")]+)['"]?\)""")
    files = sorted([*docs.rglob("*.html"), *docs.rglob("*.css")])
    assert len(files) > 29
    seen = set()
    for page in files:
        for match in loads.finditer(page.read_text(encoding="utf-8")):
            address = match.group(1) or match.group(2)
            if address.startswith("data:") or (page.name == "all.min.css" and address.endswith(".ttf")):
                continue  # Font Awesome's TrueType fallbacks are not shipped: browsers load the WOFF2 fonts
            assert not re.match(r"[a-z]+:|//", address), f"{page}: {address}"
            target = (page.parent / address.split("?")[0]).resolve()
            assert target.is_file() and target.is_relative_to(docs.resolve()), f"{page}: {address}"
            seen.add(target.relative_to(docs.resolve()).as_posix())
    used = {target for target in datadocs.SHIPPED.values()}
    used |= {f"{datadocs.VENDOR}/fontawesome-free-6.6.0/webfonts/{p.name}" for p in datadocs.ASSETS.rglob("*.woff2")}
    assert used <= seen
    assert "integrity=" not in (docs / "index.html").read_text(encoding="utf-8")


def test_shipped_files_are_those_of_sources_md() -> None:
    """Each file under datadocs_assets/ is listed in its SOURCES.md with its SHA-256, and all of them come to
    less than 2 MB."""
    listed = re.findall(
        r"^\| `([^`]+)` \| `([^`]+)` \| ([\d.]+) \| [^|]+ \| `([0-9a-f]{64})` \|",
        (datadocs.ASSETS / "SOURCES.md").read_text(encoding="utf-8"),
        flags=re.M,
    )
    shipped = sorted(p for p in datadocs.ASSETS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    assert sorted(name for name, *_ in listed) == [p.relative_to(datadocs.ASSETS).as_posix() for p in shipped]
    for name, _package, version, digest in listed:
        assert hashlib.sha256((datadocs.ASSETS / name).read_bytes()).hexdigest() == digest, name
        assert name.split("/")[0].endswith(f"-{version}"), name
    assert sum(p.stat().st_size for p in shipped) < 2_000_000
    for target in datadocs.SHIPPED.values():
        assert target.startswith(("static/images/", f"{datadocs.VENDOR}/")), target
        if target.startswith(datadocs.VENDOR):
            assert (datadocs.ASSETS / target.removeprefix(f"{datadocs.VENDOR}/")).is_file(), target


def test_shipped_files_have_the_digests_the_pages_give() -> None:
    """Where Great Expectations' page templates give a file's SHA-384 (`integrity`), the copy shipped for that
    address has it."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    pinned = {
        url: digest
        for template in sorted(templates.rglob("*.j2"))
        for url, digest in re.findall(
            r'src="(https://[^"]+)"\s+integrity="sha384-([^"]+)"', template.read_text(encoding="utf-8")
        )
    }
    assert len(pinned) == 2
    for url, digest in pinned.items():
        copy = datadocs.ASSETS / datadocs.SHIPPED[url].removeprefix(f"{datadocs.VENDOR}/")
        assert base64.b64encode(hashlib.sha384(copy.read_bytes()).digest()).decode() == digest, url


def test_a_page_loading_a_file_not_shipped_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<a href="https://example.org/read-more">more</a><script src="https://cdn.example.org/x.js"></script>',
        encoding="utf-8",
    )
    with pytest.raises(datadocs.RemoteAssetError, match="https://cdn.example.org/x.js"):
        datadocs.stabilise(site, MARCH)
    (site / "index.html").write_text(
        '<a href="https://example.org/read-more">more</a><script src="https://code.jquery.com/jquery-3.7.1.min.js">'
        "</script>",
        encoding="utf-8",
    )
    datadocs.stabilise(site, MARCH)
    assert (site / "index.html").read_text(encoding="utf-8") == (
        '<a href="https://example.org/read-more">more</a><script src="static/vendor/jquery-3.7.1/jquery.min.js">'
        "</script>"
    )


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


def _starting_at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """Make the runs that follow start at `moment`, as far as what they record and render is concerned."""
    new_run = pipeline.new_run

    def starting(config: pipeline.RunConfig, flow_run_id: str | None = None) -> pipeline.Run:
        run = new_run(config, flow_run_id)
        run.started_at = moment
        return run

    monkeypatch.setattr(pipeline, "new_run", starting)


def _contents(folder: Path) -> dict[str, str]:
    """The pages of the Data Docs in `folder` by their relative path, and the SHA-256 of each other file."""
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        if p.suffix == ".html"
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _stamp(moment: dt.datetime) -> str:
    """How Great Expectations names the folder of a result, and shows the moment its batch was loaded."""
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def _shown(moment: dt.datetime) -> str:
    """How the index shows the run time of a result."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _times(moment: dt.datetime) -> set[str]:
    """Every form in which the Data Docs carry the run time `moment` (naive, in UTC)."""
    seconds = moment.replace(tzinfo=dt.UTC).timestamp()
    return {_stamp(moment), _shown(moment), moment.strftime("%Y-%m-%dT%H:%M:%SZ"), repr(seconds)}


def _without_time(contents: dict[str, str], moment: dt.datetime) -> dict[str, str]:
    """`contents` with each form of the run time `moment`, in file names and in pages, replaced by a mark."""
    pattern = re.compile("|".join(re.escape(form) for form in sorted(_times(moment), key=len, reverse=True)))
    return {pattern.sub("<time>", name): pattern.sub("<time>", text) for name, text in contents.items()}
