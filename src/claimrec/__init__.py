"""claimrec: keep every war figure as a sourced claim and reconcile the claims into bounds and contradictions."""

__version__ = "0.1.0"
