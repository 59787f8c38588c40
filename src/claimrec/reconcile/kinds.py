"""The vocabulary of reconciliation: the kinds of finding and of check, and the values of their
categorical columns. This is the one place they are spelled out; the database gets them as the
`finding_kinds` and `check_kinds` tables, and verify, report, synth and the views read them from here
or from those tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of finding or check: its name (as stored in `kind` columns) and what it means."""

    name: str
    description: str


FINDING_KINDS: tuple[Kind, ...] = (
    Kind("disjoint_claims", "Claims on the same quantity (as of the same date) whose intervals do not meet."),
    Kind("part_exceeds_whole", "A claim on a part is above a claim on a quantity that contains it."),
    Kind("parts_exceed_whole", "Disjoint parts of a quantity add up to more than the quantity allows."),
    Kind("whole_exceeds_parts", "Parts that cover a quantity completely add up to less than it is stated to be."),
    Kind("cumulative_decrease", "A source's running figure for a quantity falls between two dates, unexplained."),
)
"""Every kind of finding, in the order reports list them."""

CHECK_KINDS: tuple[Kind, ...] = (
    Kind("part_whole", "A part is not above its whole."),
    Kind("parts_sum", "Disjoint parts add up to no more than the whole."),
    Kind("cover_sum", "Parts that cover the whole completely add up to no less than it."),
    Kind(
        "cumulative", 'A source\'s "as of" figure for a quantity does not fall below its previous one unless explained.'
    ),
)
"""Every kind of check (a relation evaluated, whether it holds or not)."""

CERTAINTIES = ("definite", "possible")
"""definite: the contradiction holds whichever claims are believed; possible: it depends on the choice."""

STATUSES = ("single", "agreed", "contradicted")
"""A quantity's status among its own claims."""

OUTCOMES = ("consistent", "contradiction")
"""A check's outcome."""


def names(kinds: tuple[Kind, ...]) -> tuple[str, ...]:
    """The names of `kinds`, in order."""
    return tuple(k.name for k in kinds)
