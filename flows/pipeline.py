"""Run the claimrec pipeline once as a Prefect flow (`make run`):

    python flows/pipeline.py [--claims claims] [--db claimrec.duckdb] [--reports reports]
                             [--fail-on-contradictions N]

It ends by printing one sentence: the counts of claims, quantities and findings, and where the reports and the
database are (exit code 0), or the flow run's failure (exit code 1). The flow itself is
`claimrec.flow.claimrec_pipeline`; it is re-exported here for `prefect deploy`.
"""

from __future__ import annotations

from claimrec.flow import claimrec_pipeline, main

__all__ = ["claimrec_pipeline", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
