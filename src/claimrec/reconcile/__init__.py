"""Reconciliation: the checks that turn loaded claims into quantities, bounds, checks and findings.

CHECKS       the checks, in order (checks.py), each a SQL file of named statements (sql/)
run_checks   runs them, one statement at a time, timed (runner.py)
kinds        the vocabulary of finding and check kinds (kinds.py)
thresholds   the thresholds the checks work with (thresholds.py)
"""

from claimrec.reconcile.checks import CHECKS, Check
from claimrec.reconcile.runner import Timing, run_checks

__all__ = ["CHECKS", "Check", "Timing", "run_checks"]
