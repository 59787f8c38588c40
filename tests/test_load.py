"""Parsing: claim files become typed records, and every problem is reported at once with its place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claimrec import load
from claimrec.errors import InputError

F = "claims/claims.yaml"

# (case id, text to replace in tests/cases/mini/claims.yaml, replacement, the exact problem reported)
BAD_CLAIMS = [
    (
        "unknown-source",
        "source: ministry_a\n    quote: Ministry",
        "source: ministry_x\n    quote: Ministry",
        f"{F}:6: claim a-soldiers-killed: source: unknown source 'ministry_x': did you mean ministry_a?",
    ),
    (
        "unknown-metric",
        "metric: killed\n    side: side_a\n    category: military\n    period: 2019\n    value: 120",
        "metric: kiled\n    side: side_a\n    category: military\n    period: 2019\n    value: 120",
        f"{F}:8: claim a-soldiers-killed: metric: unknown metric 'kiled': did you mean killed?",
    ),
    (
        "unknown-side",
        "side: side_a\n    category: military\n    period: 2019\n    value: 120",
        "side: side_c\n    category: military\n    period: 2019\n    value: 120",
        f"{F}:9: claim a-soldiers-killed: side: unknown side 'side_c': did you mean side_a or side_b?",
    ),
    (
        "unknown-category",
        "category: civilians\n    period: 2019\n    value: 40",
        "category: children\n    period: 2019\n    value: 40",
        f"{F}:29: claim civilians-killed: category: unknown category 'children': add it to the reference file"
        " or fix the spelling",
    ),
    (
        "unknown-qualifier",
        "qualifier: hundreds",
        "qualifier: hundredz",
        f"{F}:49: claim wounded-hundreds: qualifier: unknown qualifier 'hundredz': did you mean hundreds?",
    ),
    (
        "low-above-high",
        "low: 150\n    high: 180",
        "low: 180\n    high: 150",
        f"{F}:21: claim monitors-soldiers-killed: low: 180 is above high 150 - swap them",
    ),
    (
        "negative",
        "value: 120",
        "value: -120",
        f"{F}:12: claim a-soldiers-killed: value: -120 is negative: figures count or measure, use 0 or more",
    ),
    (
        "not-whole",
        "value: 120",
        "value: 120.5",
        f"{F}:12: claim a-soldiers-killed: value: 120.5 is not a whole number, and this metric counts whole units",
    ),
    (
        "thousands-separator",
        "value: 120",
        'value: "1,200"',
        f"{F}:12: claim a-soldiers-killed: value: expected a number without thousands separators, found text '1,200'",
    ),
    (
        "end-before-start",
        "period: {start: 2019-01, end: 2019-12-31}",
        "period: {start: 2019-12, end: 2019-01}",
        f"{F}:39: claim soldiers-captured: period: ends (2019-01-31) before it starts (2019-12-01) - swap start and end",
    ),
    (
        "bad-date",
        "period: {start: 2019-01, end: 2019-12-31}",
        "period: {start: 2019-13, end: 2019-12-31}",
        f"{F}:39: claim soldiers-captured: period: start: '2019-13' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    (
        "bad-period",
        "period: 2019\n    value: 120",
        "period: last year\n    value: 120",
        f"{F}:11: claim a-soldiers-killed: period: 'last year' is not a period: write a year (2014) or"
        " {start: ..., end: ...}",
    ),
    (
        "quote-not-in-document",
        "quote: Hundreds were wounded",
        "quote: Hundreds were hurt",
        f"{F}:44: claim wounded-hundreds: quote: not found verbatim in document report: copy the exact words",
    ),
    (
        "missing-quote",
        "    quote: Hundreds were wounded\n",
        "",
        f"{F}:42: claim wounded-hundreds: quote: missing: add 'quote:'",
    ),
    (
        "duplicate-id",
        "id: monitors-soldiers-killed",
        "id: a-soldiers-killed",
        f"{F}:14: claim a-soldiers-killed: id: duplicate id: also defined at {F}:5 - give each claim its own id",
    ),
    (
        "bad-id",
        "id: wounded-hundreds",
        "id: Wounded Hundreds",
        f"{F}:42: claim Wounded Hundreds: id: use lowercase letters, digits, '-' and '_' only",
    ),
    (
        "unknown-field",
        "value: 40",
        "value: 40\n    comment: roughly",
        f"{F}:32: claim civilians-killed: comment: unknown field 'comment' (known: {', '.join(load.CLAIM_FIELDS)})",
    ),
    (
        "value-for-range",
        "low: 150\n    high: 180",
        "value: 150",
        f"{F}:21: claim monitors-soldiers-killed: value: qualifier range takes 'low' and 'high' (found: value)",
    ),
    (
        "number-for-vague",
        "qualifier: hundreds",
        "qualifier: hundreds\n    value: 300",
        f"{F}:50: claim wounded-hundreds: value: qualifier hundreds takes no number (found: value)",
    ),
    (
        "wrong-type-quote",
        "quote: Hundreds were wounded",
        "quote: [Hundreds, wounded]",
        f"{F}:44: claim wounded-hundreds: quote: expected text, found a list",
    ),
    (
        "duplicate-key",
        "value: 120",
        "value: 120\n    value: 121",
        f"{F}:13: key 'value' appears twice in one mapping: keep one",
    ),
    (
        "yaml-syntax",
        "quote: Hundreds were wounded",
        'quote: "Hundreds were wounded',
        f"{F}:61: not valid YAML: did not find expected key (while parsing a block mapping that starts at line 42)",
    ),
    (
        "python-tag",
        "value: 120",
        "value: !!python/object/apply:os.system ['true']",
        f"{F}:12: not valid YAML: could not determine a constructor for the tag"
        " 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    (
        "alias",
        "period: 2019\n    value: 40",
        "period: &y 2019\n    value: *y",
        f"{F}:30: not valid YAML: anchors and aliases (&name, *name) are not allowed in claim files;"
        " write each value out",
    ),
]


def _break(mini: Path, old: str, new: str) -> None:
    path = mini / "claims.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test case does not match the mini claims file: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in BAD_CLAIMS], ids=[c[0] for c in BAD_CLAIMS])
def test_bad_claim_is_refused_with_its_place(mini: Path, old: str, new: str, expected: str) -> None:
    _break(mini, old, new)
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [str(p) for p in caught.value.problems] == [expected]
    assert str(caught.value).endswith("1 problem in the claim files; nothing was written")


def test_every_problem_is_reported_at_once(mini: Path) -> None:
    _break(mini, "value: 120", "value: -120")
    _break(mini, "low: 150\n    high: 180", "low: 180\n    high: 150")
    _break(mini, "source: monitors\n    quote: Around", "source: nobody\n    quote: Around")
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [(p.line, p.claim_id, p.field) for p in caught.value.problems] == [
        (12, "a-soldiers-killed", "value"),
        (21, "monitors-soldiers-killed", "low"),
        (25, "civilians-killed", "source"),
    ]
    assert "3 problems in the claim files" in str(caught.value)


def test_billion_laughs_is_refused_at_once(mini: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(9)
    ]
    (mini / "laughs.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [str(p) for p in caught.value.problems] == [
        "claims/laughs.yaml:1: not valid YAML: anchors and aliases (&name, *name) are not allowed in claim files;"
        " write each value out"
    ]


def test_empty_claim_file(mini: Path) -> None:
    (mini / "more.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [str(p) for p in caught.value.problems] == [
        "claims/more.yaml:1: file is empty: see README.md for the expected layout"
    ]


def test_duplicate_id_across_files(mini: Path) -> None:
    text = (mini / "claims.yaml").read_text(encoding="utf-8")
    (mini / "copy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 7
    assert problems[0] == (
        "claims/copy.yaml:5: claim a-soldiers-killed: id: duplicate id: also defined at claims/claims.yaml:5"
        " - give each claim its own id"
    )


def test_unknown_source_type_and_affiliation(mini: Path) -> None:
    path = mini / "sources.yaml"
    path.write_text(path.read_text().replace("type: monitor", "type: blog").replace("side_a", "side_z"))
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [str(p) for p in caught.value.problems] == [
        "claims/sources.yaml:5: source ministry_a: affiliation: unknown side 'side_z': use a side from"
        " taxonomy.yaml or leave it out",
        "claims/sources.yaml:8: source monitors: type: unknown type 'blog' (one of: belligerent_official, ngo,"
        " monitor, observer_estimate, media, encyclopedia, scholar, international_org)",
    ]


def test_bom_and_crlf_are_accepted(mini: Path) -> None:
    path = mini / "claims.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert len(load.load_claims(mini).claims) == 7


def test_not_utf8(mini: Path) -> None:
    path = mini / "claims.yaml"
    path.write_bytes(path.read_bytes().replace("Gəncə".encode(), "G\xe9nc\xe9".encode("latin-1")))
    with pytest.raises(InputError) as caught:
        load.load_claims(mini)
    assert [str(p) for p in caught.value.problems] == [
        "claims/claims.yaml:52: not UTF-8 text (byte 1229): save the file as UTF-8"
    ]


def test_claims_become_typed_records(mini: Path) -> None:
    claimset = load.load_claims(mini)
    claims = {c.claim_id: c for c in claimset.claims}
    assert sorted(claims) == [
        "a-soldiers-killed",
        "civilians-killed",
        "left-ganja",
        "left-ganja-ngo",
        "monitors-soldiers-killed",
        "soldiers-captured",
        "wounded-hundreds",
    ]
    first = claims["a-soldiers-killed"]
    assert (first.source_id, first.metric, first.side, first.category) == ("ministry_a", "killed", "side_a", "military")
    assert (first.period_start, first.period_end) == (dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert (first.value, first.qualifier, first.file, first.line) == (120.0, "exact", F, 5)
    assert first.document_id == "report" and first.section == "Only section"
    ranged = claims["monitors-soldiers-killed"]
    assert (ranged.value, ranged.stated_low, ranged.stated_high) == (None, 150.0, 180.0)
    assert claims["soldiers-captured"].period_start == dt.date(2019, 1, 1)
    assert claims["wounded-hundreds"].value is None
    assert claims["left-ganja"].quote == "Officials in Gəncə said more than 90 people left the city"
    frame = claimset.claims_frame()
    assert frame.height == 7 and frame["claim_id"].to_list() == sorted(claims)
    assert str(frame.schema["period_start"]) == "Date"


def test_taxonomy_is_a_hierarchy(mini: Path) -> None:
    nodes = {(n.dimension, n.node_id): n for n in load.load_claims(mini).nodes}
    assert nodes[("metric", "killed")].parent_id == "casualties"
    assert nodes[("metric", "killed")].unit == "people"  # inherited from the parent
    assert nodes[("side", "side_a")].parent_id == "all" and nodes[("side", "side_a")].depth == 1
    assert nodes[("category", "all")].parent_id is None


def test_digest_changes_with_any_input(mini: Path) -> None:
    before = load.load_claims(mini).digest
    assert load.load_claims(mini).digest == before
    doc = mini / "documents" / "report.txt"
    doc.write_text(doc.read_text() + "\nAnother line.\n")
    assert load.load_claims(mini).digest != before
