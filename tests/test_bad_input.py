"""Bad input: every malformed file in tests/cases/bad is refused with its exact message and exit code 1,
and leaves the database and the reports byte for byte as they were (beside them, only the run's marker,
which holds the same message for the next run to record); the legitimate oddities in
tests/cases/good (a UTF-8 byte-order mark, CR LF line ends, non-ASCII names, apostrophes) are accepted.

The corpus:

- `tests/cases/bad/<case>.yaml` (or `.yml`): an extra claim file, dropped into a copy of
  tests/cases/mini as `claims/extra/<case>`; the rest of the folder stays valid;
- `tests/cases/bad/reference/<case>/<file>`: reference files (sources.yaml, taxonomy.yaml, ...) that
  replace the mini folder's own;
- `tests/cases/bad/expected.yaml`: for every case, what it breaks, the exit code of `claimrec run` and
  the exact lines it prints on stderr;
- the 50 MB file is generated here at run time, not committed.

Each case runs `claimrec run` in a subprocess over a copy of a folder where one good run has already
published a database and reports (made once per session). The parse stage refuses these files before
Great Expectations is imported, so a case takes about half a second; the cases run two or more at a time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from claimrec import load, settings
from support import MINI, snapshot

CASES = Path(__file__).resolve().parent / "cases"
BAD = CASES / "bad"
GOOD = CASES / "good"
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
SUMMARY = re.compile(r"^(\d+) problems? in the claim files; nothing was written$")


def _bad_cases() -> list[str]:
    files = sorted(p.name for p in BAD.iterdir() if p.is_file() and p.name != "expected.yaml")
    folders = sorted(f"reference/{p.name}" for p in (BAD / "reference").iterdir() if p.is_dir())
    return files + folders


BAD_CASES = _bad_cases()
GOOD_FILES = sorted(p.name for p in GOOD.iterdir() if p.is_file())


def claimrec(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.DEFAULTS}
    return subprocess.run([sys.executable, "-m", "claimrec", *args], cwd=cwd, capture_output=True, text=True, env=env)


def place(case: str, claims: Path) -> None:
    """Put a bad case into a claims folder: an extra claim file, or reference files replacing the folder's own."""
    if case.startswith("reference/"):
        source = BAD / case
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            shutil.copyfile(path, claims / path.relative_to(source))
    else:
        (claims / "extra").mkdir(exist_ok=True)
        shutil.copyfile(BAD / case, claims / "extra" / case)


@dataclass(frozen=True)
class Refusal:
    """What one `claimrec run` over a broken folder did."""

    returncode: int
    stderr: str
    stdout: str
    before: dict[str, str]
    after: dict[str, str]
    leftovers: list[str]
    seconds: float
    failures: list[dict]
    """What the run left in its marker beside the database (`.claimrec.duckdb.<run-id>.running`): its reason."""


def run_broken(template: Path, work: Path, breaks) -> Refusal:
    """Copy the template (claims, database, reports), break its claims, run `claimrec run` and look around."""
    shutil.copytree(template, work)
    try:
        breaks(work / "claims")
        published = (work / "claimrec.duckdb", work / "reports")
        before = snapshot(*published)
        start = time.monotonic()
        done = claimrec("run", "-q", cwd=work)
        seconds = time.monotonic() - start
        after = snapshot(*published)
        leftovers = sorted(
            p.relative_to(work).as_posix()
            for p in work.rglob("*")
            if ".building" in p.name or p.name == "pwned" or (p.name.endswith(".running") and p.parent != work)
        )
        failures = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(work.glob(".claimrec.duckdb.*.running"))]
        return Refusal(done.returncode, done.stderr, done.stdout, before, after, leftovers, seconds, failures)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the database is 8 MB; do not keep one per case


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini folder after one good `claimrec run`: claims/, claimrec.duckdb and reports/."""
    work = tmp_path_factory.mktemp("bad-input-template")
    shutil.copytree(MINI, work / "claims")
    done = claimrec("run", "-q", cwd=work)
    assert done.returncode == 0, done.stderr
    assert (work / "claimrec.duckdb").is_file() and (work / "reports" / "discrepancies.md").is_file()
    return work


@pytest.fixture(scope="session")
def refusals(request: pytest.FixtureRequest, template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every selected bad case run once, a few at a time (each is a separate process)."""
    selected = sorted(
        {
            item.callspec.params["case"]
            for item in request.session.items
            if getattr(item, "originalname", None) == "test_bad_case_is_refused" and hasattr(item, "callspec")
        }
    )
    root = tmp_path_factory.mktemp("bad-input-cases")

    def one(index_case: tuple[int, str]) -> Refusal:
        index, case = index_case
        return run_broken(template, root / str(index), lambda claims: place(case, claims))

    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        return dict(zip(selected, pool.map(one, enumerate(selected)), strict=True))


def test_corpus_is_complete_and_well_formed() -> None:
    assert sorted(EXPECTED) == sorted(BAD_CASES), "every case needs an entry in expected.yaml, and the reverse"
    assert len(BAD_CASES) + 1 >= 40  # + the 50 MB file made at run time
    for case, want in EXPECTED.items():
        assert set(want) == {"about", "exit", "stderr"}, case
        *problems, summary = want["stderr"]
        count = SUMMARY.match(summary)
        assert count and int(count.group(1)) == len(problems) >= 1, case
        for line in problems:
            assert re.match(r"^claims/[^:]+:\d+: \S", line), line
        if not case.startswith("reference/"):  # the extra file itself is blamed
            assert any(line.startswith(f"claims/extra/{case}:") for line in problems), case
    assert set(GOOD_FILES) == set(GOOD_CLAIMS)


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_case_is_refused(case: str, refusals: dict) -> None:
    want, got = EXPECTED[case], refusals[case]
    assert got.stderr == "".join(f"{line}\n" for line in want["stderr"])
    assert got.returncode == want["exit"] == 1
    assert got.stdout == ""
    assert got.before and got.after == got.before, "the database or the reports changed"
    assert got.leftovers == []
    assert _reasons(got) == [("parse", got.stderr.removesuffix("\n"))], "the run's marker says why it failed"


def _reasons(got: Refusal) -> list[tuple[str, str]]:
    return [(failure["stage"], failure["error"]) for failure in got.failures]


def test_fifty_megabyte_file_is_refused_quickly(template: Path, tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    body = (GOOD / "yml-extension.yml").read_text(encoding="utf-8").replace("good-yml", "big")
    pad = "# " + "padding " * 12 + "\n"

    def add_big_file(claims: Path) -> None:
        text = body + pad * ((size - len(body)) // len(pad))
        text += "#" * (size - len(text) - 1) + "\n"
        (claims / "extra").mkdir()
        (claims / "extra" / "fifty-megabytes.yaml").write_text(text, encoding="utf-8")
        assert (claims / "extra" / "fifty-megabytes.yaml").stat().st_size == size

    got = run_broken(template, tmp_path / "work", add_big_file)
    assert got.stderr.splitlines() == [
        "claims/extra/fifty-megabytes.yaml:1: file is 52,428,800 bytes, over the 10,485,760-byte limit for one"
        " claim file: split it into several files",
        "1 problem in the claim files; nothing was written",
    ]
    assert got.returncode == 1
    assert got.after == got.before and got.leftovers == []
    assert _reasons(got) == [("parse", got.stderr.removesuffix("\n"))]
    assert got.seconds < 10


# For each accepted file: claim id -> (line, quote as read). The line and the quote must come out as they
# would without the byte-order mark or the CR LF line ends.
GOOD_CLAIMS = {
    "utf8-bom.yaml": {"good-bom-civilians-killed": (5, "Around 40 civilians died that year")},
    "crlf-line-endings.yaml": {"good-crlf-soldiers-captured": (5, "At least 12 soldiers were captured")},
    "bom-and-crlf.yaml": {"good-bom-crlf-wounded": (5, "Hundreds were wounded")},
    "non-ascii-ganja.yaml": {
        "good-ganja-left": (5, "Officials in Gəncə said more than 90 people left the city"),
        "good-ganja-left-escaped": (15, "Officials in Gəncə said more than 90 people"),
    },
    "apostrophe-quote.yaml": {
        "good-apostrophe-plain": (5, 'it\'s "as many as 300" according to the NGO'),
        "good-apostrophe-single-quoted": (14, 'it\'s "as many as 300"'),
        "good-apostrophe-double-quoted": (23, 'it\'s "as many as 300" according'),
    },
    "yml-extension.yml": {"good-yml-soldiers-killed": (5, "Ministry A stated 120 of its soldiers were killed in 2019")},
}


@pytest.mark.parametrize("name", GOOD_FILES)
def test_oddity_is_read_as_written(name: str, mini: Path) -> None:
    (mini / "extra").mkdir()
    shutil.copyfile(GOOD / name, mini / "extra" / name)
    claims = {c.claim_id: c for c in load.load_claims(mini).claims if c.file == f"claims/extra/{name}"}
    assert {cid: (c.line, c.quote) for cid, c in claims.items()} == GOOD_CLAIMS[name]
    for claim in claims.values():
        for text in (claim.quote, claim.section, claim.notes or ""):
            assert "\r" not in text and "\ufeff" not in text
    if name == "non-ascii-ganja.yaml":
        assert claims["good-ganja-left"].section == "Gəncə (Ganja)"
    if name == "crlf-line-endings.yaml":
        assert claims["good-crlf-soldiers-captured"].notes == "A folded note over two lines."


def test_oddities_pass_claimrec_validate(mini: Path) -> None:
    """All the accepted files together pass the parser and the whole expectation suite."""
    (mini / "extra").mkdir()
    for name in GOOD_FILES:
        shutil.copyfile(GOOD / name, mini / "extra" / name)
    checked = claimrec("validate", cwd=mini.parent)
    assert checked.returncode == 0, checked.stderr
    n_claims = 7 + sum(len(claims) for claims in GOOD_CLAIMS.values())
    assert checked.stdout.startswith(f"{n_claims} claims from 3 sources: all ")
