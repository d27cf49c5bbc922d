"""Helpers shared by the readers: reading and decoding files, times, CSV rows, JSON lines.

Every problem becomes an InputError located at ``FILE:LINE`` with a message that says how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from ..errors import InputError
from ..files import input_file
from ..timecode import TimeFormatError, parse_mss, parse_time

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def read_bytes(path: str | Path, what: str, allow_empty: bool = False) -> bytes:
    """The raw bytes of ``path``; missing, unreadable and (unless allowed) blank files are refused."""
    p = input_file(path, what)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror}); check its permissions", p) from None
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    if not body or body.isspace():
        if allow_empty:
            return b""
        raise InputError(f"file is empty; expected {'an' if what[0] in 'aeiou' else 'a'} {what}", p)
    return raw


def decode(raw: bytes, path: str | Path) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); other encodings are refused with the line."""
    if raw.isascii():
        return raw.decode("ascii")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("is UTF-16, not UTF-8; re-encode the file as UTF-8", path, 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"not UTF-8 (byte 0x{raw[e.start]:02x} at line {line}); re-encode the file as UTF-8", path, line
        ) from None


def check_utf8(raw: bytes, path: str | Path) -> None:
    """Refuse non-UTF-8 bytes without keeping a decoded copy (for large numeric files)."""
    if not raw.isascii():
        decode(raw, path)


def read_text(path: str | Path, what: str) -> str:
    return decode(read_bytes(path, what), path)


def dispatch(path: str | Path, readers: dict[str, F], what: str) -> F:
    """The reader registered for ``path``'s extension; an unknown one lists the choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in readers:
        choices = ", ".join(sorted(readers))
        raise InputError(f"unknown {what} extension {suffix or '(none)'!r}; use one of {choices}", path)
    return readers[suffix]


def time_of(value: Any, path: str | Path, line: int, field: str) -> float:
    """Seconds or ``HH:MM:SS`` (CSV, JSONL, our formats)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"{field} {value!r} is not a time; write seconds (12.5) or HH:MM:SS", path, line)
    try:
        return parse_time(value)
    except TimeFormatError as e:
        raise InputError(f"{field} {e}; write seconds (12.5) or HH:MM:SS", path, line) from None


def mss_of(text: str, path: str | Path, line: int, field: str) -> float:
    """Official ``M.SS`` (anchors)."""
    try:
        return float(parse_mss(text))
    except TimeFormatError as e:
        raise InputError(f"{field} {e}; official files write minutes.seconds, e.g. 17.35", path, line) from None


def made(factory: Callable[..., T], path: str | Path, line: int, *args: Any) -> T:
    """``factory(*args)`` with its ValueError (a bad id, span or duration) located at FILE:LINE."""
    try:
        return factory(*args)
    except ValueError as e:
        raise InputError(str(e), path, line) from None


def check_span(start: float, end: float, path: str | Path, line: int) -> None:
    if end <= start:
        raise InputError(f"end {end:g} is not after start {start:g}; a span needs end > start", path, line)


def check_unique(seen: dict[str, int], key: str, line: int, path: str | Path, what: str) -> None:
    """Record ``key``'s line; a second occurrence is an error naming the first."""
    if key in seen:
        raise InputError(
            f"duplicate {what} {key!r} (first at line {seen[key]}); {what}s must be unique within a file", path, line
        )
    seen[key] = line


def csv_rows(text: str, path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV rows with the line each starts on; fields stripped of surrounding spaces."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for row in reader:
            if any(f.strip() for f in row):
                yield line, [f.strip() for f in row]
            line = reader.line_num + 1
    except csv.Error as e:
        raise InputError(f"malformed CSV ({e}); check the quotes on this row", path, line) from None


def header_index(
    fields: list[str], columns: dict[str, tuple[str, ...]], optional: set[str], path: str | Path, line: int
) -> dict[str, int]:
    """Map each canonical column (with its accepted aliases) to its position in the header."""
    names = [f.lower() for f in fields]
    found: dict[str, int] = {}
    for canonical, aliases in columns.items():
        hits = [i for i, n in enumerate(names) if n in aliases]
        if hits:
            found[canonical] = hits[0]
        elif canonical not in optional:
            want = ", ".join(c for c in columns if c not in optional)
            raise InputError(
                f"the header has no {canonical!r} column (found: {', '.join(fields)}); "
                f"the first line must name the columns {want}",
                path,
                line,
            )
    return found


def check_width(fields: list[str], header: list[str], path: str | Path, line: int) -> None:
    if len(fields) != len(header):
        raise InputError(
            f"row has {len(fields)} fields; the header has {len(header)} ({', '.join(header)}); "
            "the row may be cut short or hold an unquoted comma",
            path,
            line,
        )


def jsonl_records(text: str, path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """One JSON object per non-blank line."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as e:
            raise InputError(
                f"not valid JSON ({e.msg}, column {e.colno}); each line must be one complete JSON object",
                path,
                number,
            ) from None
        except RecursionError:
            raise InputError("JSON nested too deeply; each line must be one flat JSON object", path, number) from None
        if not isinstance(record, dict):
            raise InputError(f"expected a JSON object, got {type(record).__name__}", path, number)
        yield number, record


def require(record: dict[str, Any], key: str, path: str | Path, line: int) -> Any:
    if key not in record or record[key] is None:
        raise InputError(f"object has no {key!r}; each line needs {key!r}", path, line)
    return record[key]
