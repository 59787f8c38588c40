"""The `claimrec` command: a thin layer over the library that turns its errors into messages.

Exit codes: 0 success; 1 the claim files were refused (bad input or a failed expectation);
2 the command line was wrong; 3 the database or reports could not be read or written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from claimrec import load, pipeline, report, store, validate
from claimrec.errors import ClaimrecError, InputError, StageFailed, ValidationFailed

EXIT_REFUSED, EXIT_USAGE, EXIT_STORE = 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimrec",
        description="Reconcile sourced claims about war figures into bounds and contradictions.",
        epilog="Exit codes: 0 success, 1 claim files refused, 2 usage error, 3 database or report error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def paths(p: argparse.ArgumentParser, claims: bool = True, db: bool = True, reports: bool = True) -> None:
        if claims:
            p.add_argument("--claims", type=Path, default=Path("claims"), help="claims folder (default: claims)")
        if db:
            p.add_argument("--db", type=Path, default=Path("claimrec.duckdb"),
                           help="DuckDB file (default: claimrec.duckdb)")  # fmt: skip
        if reports:
            p.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder (default: reports)")
        p.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    paths(commands.add_parser("run", help="parse, validate, store, reconcile and report (no Prefect)",
                              description="Run the whole pipeline on the claims folder and publish"
                              " the database and the reports together."))  # fmt: skip
    paths(commands.add_parser("validate", help="check the claim files only; writes nothing",
                              description="Parse the claim files and run the expectation suite."
                              " Nothing is written."), db=False, reports=False)  # fmt: skip
    paths(commands.add_parser("report", help="re-render the reports from the database",
                              description="Render reports/ from an existing database."), claims=False)  # fmt: skip
    return parser


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `claimrec` command."""
    args = _parser().parse_args(argv)
    try:
        return {"run": _run, "validate": _validate, "report": _report}[args.command](args)
    except ClaimrecError as exc:
        cause = exc.cause if isinstance(exc, StageFailed) else exc
        print(f"Error: {exc}" if not isinstance(cause, (InputError, ValidationFailed)) else str(cause),
              file=sys.stderr)  # fmt: skip
        return EXIT_REFUSED if isinstance(cause, (InputError, ValidationFailed)) else EXIT_STORE


def _run(args: argparse.Namespace) -> int:
    config = pipeline.RunConfig(args.claims, args.db, args.reports)
    run = pipeline.run_pipeline(config, progress=lambda stage, summary: _say(args, f"{stage:>9}: {summary}"))
    _say(args, f"run {run.run_id}: {run.counts['claims']} claims, {run.counts['findings']} findings")
    return 0


def _validate(args: argparse.Namespace) -> int:
    claimset = load.load_claims(args.claims)
    outcomes = validate.validate(claimset)
    _say(args, f"{len(claimset.claims)} claims from {len(claimset.sources)} sources: all {len(outcomes)}"
               " expectations met")  # fmt: skip
    return 0


def _report(args: argparse.Namespace) -> int:
    con = store.read_only(args.db)
    try:
        for path in report.write(con, args.reports):
            _say(args, f"wrote {path}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TQDM_DISABLE", "1")
    raise SystemExit(main())
