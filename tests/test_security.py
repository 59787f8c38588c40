"""Hostile input and isolation: the parser never crashes on arbitrary input, and a run makes no network calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimrec import load
from claimrec.errors import InputError
from support import MINI

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELDS = list(load.CLAIM_FIELDS)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fuzz") / "claims"
    shutil.copytree(MINI, target)
    return target


def _parse_only_input_errors(folder: Path, data: bytes) -> None:
    (folder / "fuzz.yaml").write_bytes(data)
    try:
        load.load_claims(folder)
    except InputError as exc:
        assert exc.problems and all(p.file.startswith("claims/") for p in exc.problems)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_only_input_errors(folder: Path, data: bytes) -> None:
    _parse_only_input_errors(folder, data)


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text_gives_only_input_errors(folder: Path, text: str) -> None:
    _parse_only_input_errors(folder, text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS + ["other"]), values, max_size=12), max_size=4), values)
def test_claims_with_arbitrary_field_values_give_only_input_errors(folder: Path, claims, document) -> None:
    text = yaml.safe_dump({"document": document, "claims": claims}, allow_unicode=True)
    _parse_only_input_errors(folder, text.encode("utf-8", errors="surrogatepass"))


def test_a_run_makes_no_network_calls(tmp_path: Path) -> None:
    """The whole pipeline (parse, Great Expectations, DuckDB, report) with every socket call refused."""
    shutil.copytree(MINI, tmp_path / "claims")
    script = textwrap.dedent("""
        import socket, sys
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args[1:2] or args)
            raise OSError("network blocked by the test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.getaddrinfo = refuse
        socket.create_connection = refuse
        from claimrec.cli import main
        code = main(["run", "-q"])
        print(f"exit={code} attempts={len(attempts)} {attempts[:3]}")
    """)
    env = {k: v for k, v in os.environ.items() if k != "GX_ANALYTICS_ENABLED"}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.stdout.strip() == "exit=0 attempts=0 []", done.stderr[-2000:]
    assert (tmp_path / "claimrec.duckdb").exists()


def test_a_document_outside_the_claims_folder_is_refused(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "claims")
    (tmp_path / "secret.txt").write_text("Ministry A stated 120 of its soldiers were killed in 2019")
    path = tmp_path / "claims" / "documents.yaml"
    path.write_text(path.read_text().replace("path: documents/report.txt", "path: ../secret.txt"))
    with pytest.raises(InputError) as caught:
        load.load_claims(tmp_path / "claims")
    assert [str(p) for p in caught.value.problems] == [
        "claims/documents.yaml:4: path: the document text must lie inside the claims folder"
    ]


def test_claim_text_cannot_inject_html_into_the_report(tmp_path: Path) -> None:
    from claimrec import pipeline

    shutil.copytree(MINI, tmp_path / "claims")
    doc = tmp_path / "claims" / "documents" / "report.txt"
    doc.write_text(doc.read_text() + "\n<script>alert(1)</script> 5 <b>soldiers</b> | died.\n")
    claims = tmp_path / "claims" / "claims.yaml"
    claims.write_text(
        claims.read_text()
        + "\n".join(
            [
                "  - id: html",
                "    source: ngo",
                '    quote: "<script>alert(1)</script> 5 <b>soldiers</b> | died."',
                "    metric: killed",
                "    side: side_a",
                "    category: military",
                "    period: 2019",
                "    value: 5",
                "    qualifier: exact",
                "",
            ]
        )
    )
    config = pipeline.RunConfig(tmp_path / "claims", tmp_path / "db.duckdb", tmp_path / "reports")
    pipeline.run_pipeline(config)
    text = (config.reports_dir / "discrepancies.md").read_text()
    assert "<script>" not in text and "<b>" not in text
    assert "  > &lt;script&gt;alert(1)&lt;/script&gt; 5 &lt;b&gt;soldiers&lt;/b&gt; | died." in text
