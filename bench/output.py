"""Where the benchmark writes: the management command's stdout and stderr, at its verbosity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Output:
    write: Callable[[str], None]
    error: Callable[[str], None]
    verbosity: int = 1

    def log(self, message: str) -> None:
        """Progress and figures, shown unless the verbosity is 0."""
        if self.verbosity >= 1:
            self.write(message)
