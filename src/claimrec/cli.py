"""The `claimrec` command: a thin layer over the library that turns its errors into messages.

Exit codes (also in `claimrec --help` and docs/operations.md): 0 success; 1 the claim files were refused (bad input
or a failed expectation); 2 the command line was wrong; 3 the database or reports could not be read or
written, or another run held the writer lock for longer than the wait; 4 the run found more definite
contradictions than --fail-on-contradictions allows (it published first); 5 the Prefect server could not be
started or reached; 6 the database refused the SQL given to `claimrec query`; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import duckdb

from claimrec import load, pipeline, report, settings, store, validate
from claimrec.errors import (
    ClaimrecError,
    InputError,
    ServeError,
    StageFailed,
    StoreError,
    TooManyContradictions,
    ValidationFailed,
)
from claimrec.runs import markers
from claimrec.runs.lock import LOCK_WAIT_SECONDS

EXIT_REFUSED, EXIT_USAGE, EXIT_STORE, EXIT_CONTRADICTIONS, EXIT_SERVE, EXIT_QUERY = 1, 2, 3, 4, 5, 6
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    0: "success",
    EXIT_REFUSED: "the claim files were refused (a parse problem or a failed expectation); nothing was published",
    EXIT_USAGE: "the command line was wrong",
    EXIT_STORE: "the database or the reports could not be read or written, or another run held the writer"
    " lock for longer than --wait",
    EXIT_CONTRADICTIONS: "more definite contradictions than --fail-on-contradictions allows (the database and"
    " the reports were published)",
    EXIT_SERVE: "the Prefect server could not be started or reached",
    EXIT_QUERY: "the database refused the query: a SQL error, such as a syntax error, an unknown table or a"
    " statement that would write on the read-only connection",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class QueryRefused(ClaimrecError):
    """DuckDB refused the SQL given to `claimrec query`: a syntax error, an unknown name, a failed conversion,
    or a statement that would write over the read-only connection."""


VERSIONED = (
    ("DuckDB", "duckdb"),
    ("Polars", "polars"),
    ("Prefect", "prefect"),
    ("Great Expectations", "great_expectations"),
)
"""The libraries `claimrec --version` names, with their distributions: read from the installed metadata, so that
Prefect and Great Expectations, slow to import, are not imported."""


def _installed(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    """What `claimrec --version` prints: claimrec's version, then the versions of the libraries it runs on."""
    return f"claimrec {_installed('claimrec')}\n" + ", ".join(f"{name} {_installed(d)}" for name, d in VERSIONED)


class _Version(argparse.Action):
    """`--version`: print `version_text()` and exit 0 (argparse's own action would read the versions each time
    the parser is built)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_text())
        parser.exit()


def _epilog(*codes: int) -> str:
    """The table of exit codes, one line each, printed as it is written."""
    return "exit codes:\n" + "\n".join(f"  {code:<3}  {EXIT_CODES[code]}" for code in codes)


def _filled(text: str) -> str:
    """`text` filled as argparse fills a description: its lines as wide as the terminal less 2 columns.

    The parsers print their descriptions and epilogs as written (RawDescriptionHelpFormatter), so that the
    lines of the exit-code tables stay apart; the descriptions are filled here instead."""
    return textwrap.fill(" ".join(text.split()), shutil.get_terminal_size().columns - 2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimrec",
        description=_filled("Reconcile sourced claims about war figures into bounds and contradictions."),
        epilog=_epilog(*EXIT_CODES) + "\n\n`claimrec COMMAND --help` describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the versions of claimrec and its libraries")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str, *codes: int) -> argparse.ArgumentParser:  # noqa: A002
        return commands.add_parser(
            name,
            help=help,
            description=_filled(description),
            epilog=_epilog(0, *codes),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def paths(
        p: argparse.ArgumentParser,
        claims: bool = True,
        db: bool = True,
        reports: bool = True,
        quiet: str = "print only errors",
    ) -> None:
        if claims:
            p.add_argument("--claims", type=Path, default=Path("claims"), help="claims folder (default: claims)")
        if db:
            p.add_argument(
                "--db", type=Path, default=Path("claimrec.duckdb"), help="DuckDB file (default: claimrec.duckdb)"
            )
        if reports:
            p.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder (default: reports)")
        p.add_argument("-q", "--quiet", action="store_true", help=quiet)

    def threshold(p: argparse.ArgumentParser, outcome: str) -> None:
        p.add_argument(
            "--fail-on-contradictions",
            type=_count,
            metavar="N",
            help=f"{outcome} when the run publishes more than N definite contradictions;"
            " the database and the reports are published first",
        )

    run = command(
        "run",
        "parse, validate, store, reconcile and report (no Prefect)",
        "Run the whole pipeline on the claims folder and publish the database and the reports"
        " together, printing each stage with its duration. A run that fails publishes nothing"
        " and leaves its reason beside the database for `claimrec runs` and the next run.",
        EXIT_REFUSED,
        EXIT_USAGE,
        EXIT_STORE,
        EXIT_CONTRADICTIONS,
        EXIT_INTERRUPTED,
    )
    paths(run)
    threshold(run, "exit with code 4")
    run.add_argument(
        "--wait",
        type=_seconds,
        default=LOCK_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for another run that holds the writer lock (default: 600)",
    )
    paths(
        command(
            "validate",
            "check the claim files only; writes nothing",
            "Parse the claim files and run the expectation suite. Nothing is written.",
            EXIT_REFUSED,
            EXIT_USAGE,
            EXIT_INTERRUPTED,
        ),
        db=False,
        reports=False,
    )
    paths(
        command(
            "report",
            "re-render the reports from the database",
            "Render reports/ from an existing database.",
            EXIT_USAGE,
            EXIT_STORE,
        ),
        claims=False,
    )
    query = command(
        "query",
        "run one SQL query on the database, read-only",
        "Run a SQL query over a read-only connection and print the result. The query is the argument, or"
        " stdin when the argument is -, or the file given with --file. The table shows NULL as NULL and"
        " quotes text that could be mistaken for it, or that is empty or has spaces at its ends, as a SQL"
        " literal ('', 'NULL'); lists and structs are written as DuckDB casts them to text ([a, b, NULL])."
        ' In csv NULL is an empty field and the empty string is ""; json has null and arrays.',
        EXIT_USAGE,
        EXIT_STORE,
        EXIT_QUERY,
    )
    query.add_argument(
        "sql", nargs="?", metavar="SQL", help='the query, e.g. "select kind, message from findings"; - reads stdin'
    )
    query.add_argument("--file", type=Path, metavar="PATH", help="read the query from this file (UTF-8) instead")
    query.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (default), csv (with a header) or json (an array of objects)",
    )
    paths(query, claims=False, reports=False, quiet="print the rows only, without the row count")
    runs = command(
        "runs",
        "list the runs, recorded and pending",
        "List every run recorded in `runs`, newest first, and the runs not recorded yet: one under"
        " way (running) and failed ones whose reason is waiting beside the database for the next"
        " run that publishes (failed, pending).",
        EXIT_USAGE,
        EXIT_STORE,
    )
    paths(runs, claims=False, reports=False, quiet="print the rows only, without the row count")
    runs.add_argument(
        "--slowest",
        type=_count,
        metavar="N",
        help="list instead the N slowest statements of the latest run's reconciliation",
    )
    serve = command(
        "serve",
        "serve the Prefect flow on a cron schedule",
        "Serve the claimrec-pipeline flow as a Prefect deployment that runs on a cron schedule,"
        " until stopped with Ctrl-C or SIGTERM. With no PREFECT_API_URL configured, start a local"
        " Prefect server on 127.0.0.1 first and stop it on exit; otherwise use the configured"
        " server. The paths become the deployment's parameters, made absolute.",
        EXIT_USAGE,
        EXIT_SERVE,
    )
    serve.add_argument("--cron", required=True, help='when to run, a cron expression, e.g. "0 6 * * *"')
    serve.add_argument("--timezone", default="UTC", help="time zone of the cron expression (default: UTC)")
    serve.add_argument("--name", default="served", help="deployment name (default: served)")
    paths(serve)
    threshold(serve, "a deployment parameter: each flow run fails")
    synth = command(
        "synth",
        "write a synthetic claims folder with planted contradictions",
        "Write a claims folder of exactly N synthetic claims (reference files, a document, the claims"
        " and planted.parquet, the contradictions planted in them) that `claimrec run --claims DIR`"
        " reconciles. The same seed gives the same folder.",
        EXIT_USAGE,
    )
    synth.add_argument("--claims", type=int, required=True, metavar="N", help="number of claims, 50 or more")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    synth.add_argument("--out", type=Path, required=True, help="folder to write")
    synth.add_argument(
        "--format",
        choices=("parquet", "csv", "yaml"),
        default="parquet",
        help="claims file format (default: parquet; yaml only suits small N)",
    )
    synth.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count of 0 or more, found {text}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds, 0 or more, found {text}")
    return value


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, flush=True)


def _colour(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


def _error(text: str) -> None:
    prefix = "\033[1;31mError:\033[0m" if _colour(sys.stderr) else "Error:"
    print(f"{prefix} {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `claimrec` command."""
    settings.apply_defaults()
    args = _parser().parse_args(argv)
    commands = {
        "run": _run,
        "validate": _validate,
        "report": _report,
        "query": _query,
        "runs": _runs,
        "serve": _serve,
        "synth": _synth,
    }
    try:
        return commands[args.command](args)
    except TooManyContradictions as exc:
        _error(str(exc))
        return EXIT_CONTRADICTIONS
    except ServeError as exc:
        _error(str(exc))
        return EXIT_SERVE
    except QueryRefused as exc:
        _error(str(exc))
        return EXIT_QUERY
    except ClaimrecError as exc:
        cause = exc.cause if isinstance(exc, StageFailed) else exc
        if isinstance(cause, (InputError, ValidationFailed)):
            print(cause, file=sys.stderr)
            return EXIT_REFUSED
        _error(str(exc))
        return EXIT_STORE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    config = pipeline.RunConfig(args.claims, args.db, args.reports)
    run = pipeline.run_pipeline(
        config,
        progress=lambda stage, summary, seconds: _say(args, f"{stage:>9}: {summary} ({seconds:.2f} s)"),
        fail_on_contradictions=args.fail_on_contradictions,
        wait_seconds=args.wait,
        on_wait=lambda: _say(args, f"     lock: another run is writing {args.db}; waiting up to {args.wait:.0f} s"),
    )
    _say(
        args,
        f"run {run.run_id}: {run.counts['claims']} claims, {run.counts['findings']} findings"
        f" ({run.definite_findings} definite)",
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    claimset = load.load_claims(args.claims)
    outcomes = validate.validate(claimset)
    _say(args, f"{claimset.n_claims} claims from {len(claimset.sources)} sources: all {len(outcomes)} expectations met")
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
    if args.sql is not None and args.file is not None:
        _error("give the query as an argument or with --file, not both")
        return EXIT_USAGE
    if args.sql is None and args.file is None:
        _error("no query: give it as an argument, as - to read it from stdin, or with --file PATH")
        return EXIT_USAGE
    try:
        where, sql = _sql_text(args.sql, args.file)
    except OSError as exc:
        _error(f"{args.file or 'stdin'}: cannot read the query: {exc.strerror or exc}")
        return EXIT_USAGE
    except UnicodeDecodeError as exc:
        _error(f"{args.file or 'stdin'}: cannot read the query: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return EXIT_USAGE
    if not sql.strip():
        _error(f"{where}: the query is empty" if where else "the query is empty")
        return EXIT_USAGE
    _print_query(args.db, sql, args.format, footer=not args.quiet)
    return 0


def _sql_text(argument: str | None, file: Path | None) -> tuple[str, str]:
    """Where the query comes from ("" for the argument itself, "stdin", or the file) and its text."""
    if file is not None:
        return str(file), file.read_bytes().decode("utf-8-sig")
    if argument == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        return "stdin", stdin.read().decode("utf-8-sig") if stdin is not None else sys.stdin.read()
    return "", argument or ""


def _fetch(db: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql`, a query of claimrec's own, over a read-only connection."""
    con = store.read_only(db)
    try:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc
        names = [d[0] for d in cursor.description] if cursor.description else []
        return names, cursor.fetchall()
    finally:
        con.close()


NUMERIC = {"tinyint", "smallint", "integer", "bigint", "hugeint", "float", "double", "decimal"}
NUMERIC |= {f"u{name}" for name in ("tinyint", "smallint", "integer", "bigint", "hugeint")}
"""The DuckDB type ids whose columns the table aligns to the right."""


def _result(db: Path, sql: str, as_text: bool, refused: type[ClaimrecError] = QueryRefused) -> tuple | None:
    """Column names, whether each is numeric, and rows of `sql` over a read-only connection; None when the
    statement returns no result. With `as_text`, every value is text as DuckDB casts it to VARCHAR (lists
    `[a, b, NULL]`, booleans `true`), NULL staying None; otherwise values are Python's."""
    con = store.read_only(db)
    try:
        relation = con.sql(sql)
        if relation is None:
            return None
        numeric = [getattr(kind, "id", "") in NUMERIC for kind in relation.types]
        rows = relation.project("COLUMNS(*)::VARCHAR").fetchall() if as_text else relation.fetchall()
        return relation.columns, numeric, rows
    except duckdb.Error as exc:
        error = exc
        try:  # the same error from the statement run as written, which DuckDB quotes (LINE 1: …) with a caret
            con.execute(sql).fetchall()
        except duckdb.Error as plain:
            error = plain
        raise refused(f"query failed: {error}") from exc
    finally:
        con.close()


def _print_query(
    db: Path, sql: str, form: str, footer: bool = True, refused: type[ClaimrecError] = QueryRefused
) -> None:
    """Run `sql` over a read-only connection and print the result as table, csv or json; a statement without
    a result prints nothing (json: an empty array). A SQL error raises `refused`."""
    result = _result(db, sql, as_text=form != "json", refused=refused)
    if result is None:
        if form == "json":
            print("[]")
        return
    names, numeric, rows = result
    if form == "csv":
        for row in [names, *rows]:
            print(",".join(_csv_field(value) for value in row))
    elif form == "json":
        print(json.dumps([dict(zip(names, row)) for row in rows], default=str, ensure_ascii=False, indent=1))
    else:
        _table(names, [[_cell(value) for value in row] for row in rows], numeric, footer)


def _cell(text: str | None) -> str:
    """A value as the table shows it: NULL as `NULL`; text that could be mistaken for NULL or for a quoted
    value, or whose ends the table would hide (empty, `NULL`, starting with a quote, spaces at either end)
    as a SQL literal (`''`, `'NULL'`); any other text as it is."""
    if text is None:
        return "NULL"
    if text in ("", "NULL") or text.startswith("'") or text != text.strip():
        return "'" + text.replace("'", "''") + "'"
    return text


def _csv_field(text: str | None) -> str:
    """A value as a csv field: NULL as an empty field, the empty string as `""` (as PostgreSQL writes csv),
    text with a comma, a double quote or a line break in double quotes, any other text as it is."""
    if text is None:
        return ""
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _table(names: list[str], cells: list[list[str]], numeric: list[bool], footer: bool = True) -> None:
    """Cells as an aligned text table, the numeric columns to the right."""
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    print(line(names))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    if footer:
        print(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")


RUNS_SQL = (
    "SELECT run_id, status, started_at, finished_at, n_claims AS claims, n_findings AS findings,"
    " coalesce(flow_run_id, '') AS flow_run, coalesce(error, '') AS error FROM runs"
)


SLOWEST_SQL = """
    SELECT check_name AS "check", statement, round(seconds, 3) AS seconds FROM statement_timings
    WHERE run_id = (SELECT run_id FROM runs WHERE status = 'succeeded' ORDER BY started_at DESC, run_id DESC LIMIT 1)
    ORDER BY seconds DESC, position LIMIT {n}
"""


def _runs(args: argparse.Namespace) -> int:
    if args.slowest is not None:
        _print_query(args.db, SLOWEST_SQL.format(n=int(args.slowest)), "table", not args.quiet, StoreError)
        return 0
    pending = markers.pending_runs(args.db)
    if args.db.exists() or not pending:
        names, rows = _fetch(args.db, RUNS_SQL)
    else:  # runs failed before any run published: nothing is recorded yet, the markers say it all
        names, rows = ["run_id", "status", "started_at", "finished_at", "claims", "findings", "flow_run", "error"], []
    recorded = {row[0] for row in rows}
    rows += [
        (
            p["run_id"],
            p["status"],
            p["started_at"],
            p["finished_at"],
            None,
            None,
            p["flow_run_id"] or "",
            " | ".join(p["error"].splitlines()),
        )
        for p in pending
        if p["run_id"] not in recorded
    ]
    rows = [(*row[:7], " | ".join(str(row[7]).splitlines())) for row in rows]
    rows.sort(key=lambda row: (str(row[2]), row[0]), reverse=True)
    cells = [["" if value is None else str(value) for value in row] for row in rows]  # blank: none yet
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(names))]
    _table(names, cells, numeric, footer=not args.quiet)
    return 0


def _synth(args: argparse.Namespace) -> int:
    from claimrec import synth

    if args.claims < 50:
        _error(f"--claims: ask for at least 50 claims, not {args.claims}")
        return EXIT_USAGE
    world = synth.generate(args.claims, args.seed)
    synth.write(world, args.out, args.format)
    _say(
        args,
        f"wrote {world.claims.height:,} claims ({world.planted.height} planted contradictions,"
        f" {world.conflicts} conflicts, {world.sources.height} sources) to {args.out}",
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.quiet:  # Prefect reads its logging settings when imported
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    from claimrec import serve

    try:
        schedule = serve.cron_schedule(args.cron, args.timezone)
    except ValueError as exc:
        print(f"claimrec serve: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    serve.serve(
        schedule,
        args.claims,
        args.db,
        args.reports,
        fail_on_contradictions=args.fail_on_contradictions,
        name=args.name,
        say=lambda text: _say(args, text),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
