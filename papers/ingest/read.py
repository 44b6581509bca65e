"""Read recorded responses: day arguments, files and folders, strict JSON with errors at `file:line:col`."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papers.ingest.schema import Batch, IngestError
from papers.ingest.validate import validate_items

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_IN_NAME_RE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_NON_FINITE_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def parse_day(value: str | dt.date) -> dt.date:
    """A `YYYY-MM-DD` day (dates pass through); ValueError with a readable message otherwise."""
    if isinstance(value, dt.date):
        return value
    try:
        if not _DAY_RE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def day_from_name(name: str) -> dt.date | None:
    """The first real `YYYY-MM-DD` date in a file name, if any."""
    for match in _DAY_IN_NAME_RE.finditer(name):
        try:
            return dt.date.fromisoformat(match[1])
        except ValueError:
            continue
    return None


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders expanded to their `*.json` files (sorted); each file once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                raise IngestError(f"{path}: no *.json files in this folder")
        elif path.exists():
            found = [path]
        else:
            raise IngestError(f"{path}: no such file or folder")
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files


def read_file(path: Path, day: dt.date | None = None) -> Batch:
    """Read and validate one recorded response; `day` (else a date in the file name) is the fallback listing date."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IngestError(f"{source}: cannot read: {error.strerror or error}") from None
    return validate_items(parse_json(data, source), source, day or day_from_name(path.name))


def parse_json(data: bytes, source: str) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity; errors say `source:line:col`."""
    if not data.strip():
        raise IngestError(f"{source}: empty file, expected a JSON array")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = _byte_position(data, error.start)
        raise IngestError(f"{source}:{where}: invalid UTF-8: byte 0x{data[error.start]:02x} ({error.reason})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise IngestError(f"{source}:{_Position(error.lineno, error.colno)}: invalid JSON: {error.msg}") from None
    except _NonFiniteNumber as error:
        where = _non_finite_position(text)
        raise IngestError(f"{source}:{where}: invalid JSON: {error} is not a number JSON allows") from None


@dataclass(frozen=True)
class _Position:
    """A place in a file, both counted from 1; shown as `line:col`."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteNumber(name)


def _non_finite_position(text: str) -> _Position:
    """Where the first NaN or Infinity outside a string is (the column counts characters)."""
    for match in _NON_FINITE_RE.finditer(text):
        if match[1]:
            start = match.start(1)
            return _Position(text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1)
    return _Position(1, 1)


def _byte_position(data: bytes, offset: int) -> _Position:
    """Where a byte offset is (the column counts characters, a bad byte as one)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return _Position(data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].decode("utf-8", "replace")) + 1)
