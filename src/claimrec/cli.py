"""The `claimrec` command: a thin layer over the library that turns its errors into messages.

Exit codes: 0 success; 1 the claim files were refused (bad input or a failed expectation);
2 the command line was wrong; 3 the database or reports could not be read or written.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

import duckdb

from claimrec import load, pipeline, report, store, validate
from claimrec.errors import ClaimrecError, InputError, StageFailed, StoreError, ValidationFailed

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
    query = commands.add_parser("query", help="run one SQL query on the database, read-only",
                                description="Run a SQL query over a read-only connection and print the result.")
    query.add_argument("sql", help='the query, e.g. "select kind, message from findings"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="table (default), csv (with a header) or json (an array of objects)")  # fmt: skip
    paths(query, claims=False, reports=False)
    paths(commands.add_parser("runs", help="list the runs recorded in the database",
                              description="List every run recorded in `runs`, newest first."),
          claims=False, reports=False)  # fmt: skip
    return parser


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `claimrec` command."""
    args = _parser().parse_args(argv)
    try:
        commands = {"run": _run, "validate": _validate, "report": _report, "query": _query, "runs": _runs}
        return commands[args.command](args)
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


def _query(args: argparse.Namespace) -> int:
    _print_query(args.db, args.sql, args.format)
    return 0


def _print_query(db: Path, sql: str, form: str) -> None:
    """Run `sql` over a read-only connection and print the result as table, csv or json."""
    con = store.read_only(db)
    try:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc
        names = [d[0] for d in cursor.description] if cursor.description else []
        rows = cursor.fetchall()
    finally:
        con.close()
    if form == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
    elif form == "json":
        print(json.dumps([dict(zip(names, row)) for row in rows], default=str, ensure_ascii=False, indent=1))
    else:
        _table(names, rows)


def _table(names: list[str], rows: list[tuple]) -> None:
    """Rows as an aligned text table, numbers to the right."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(names))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    print(line(names))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _runs(args: argparse.Namespace) -> int:
    _print_query(args.db, (
        "SELECT run_id, status, started_at, finished_at, n_claims AS claims, n_findings AS findings,"
        " coalesce(flow_run_id, '') AS flow_run, coalesce(error, '') AS error"
        " FROM runs ORDER BY started_at DESC, run_id DESC"
    ), "table")  # fmt: skip
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TQDM_DISABLE", "1")
    raise SystemExit(main())
