"""Where the problems of one read of a claims folder are gathered, so that all of them are raised at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from claimrec.errors import Problem


class Collector:
    """The problems found while reading one claims folder, and the digest of every file read."""

    def __init__(self, claims_dir: Path):
        self.root = claims_dir
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()
        self._names: dict[Path, str] = {}
        self.what = "claim"  # what an id in a problem names: "source" while sources.yaml is read

    def name(self, path: Path) -> str:
        """The path as messages show it: relative to the claims folder's parent."""
        if path not in self._names:
            self._names[path] = (Path(self.root.name) / path.relative_to(self.root)).as_posix()
        return self._names[path]

    def problem(self, path: Path, line: int, message: str, claim: str | None = None, field: str | None = None) -> None:
        """A problem in the file at `path`."""
        self.add(self.name(path), line, message, claim, field)

    def add(self, file: str, line: int, message: str, claim: str | None = None, field: str | None = None) -> None:
        """A problem in the file shown as `file` (see `name`)."""
        self.problems.append(Problem(file, line, claim, field, message, self.what))
