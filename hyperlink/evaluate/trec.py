"""TREC-style qrels and linking runs: read (plain or ``.gz``), validate with FILE:LINE, write.

Qrels:        ``<anchorId> Q0 <videoId> <start> <end> <rel>``                   (rel 0 or 1)
Linking run:  ``<anchorId> Q0 <videoId> <start> <end> <rank> <score> <runName>``

Times are ``M.SS`` (minutes.seconds, seconds 00-59), read into whole seconds.
"""

from __future__ import annotations

import codecs
import gzip
import io
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, Literal, overload

from ..errors import InputError
from ..files import input_file
from ..parsed import Parsed
from ..timecode import TimeFormatError, format_mss, parse_mss
from ..types import Judgment

__all__ = ["RawRunLine", "RunLine", "read_qrels", "read_run", "write_run", "format_run_line"]

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class RunLine:
    """One ranked target of a linking run; times in seconds, ``rank`` 1-based.

    Zero-length targets (``end == start``) are allowed, as the official evaluator scores them.
    """

    anchor: str
    video: str
    start: float
    end: float
    rank: int
    score: float
    run_name: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)) or self.start < 0:
            raise ValueError(f"target times must be finite and not negative, got {self.start!r}-{self.end!r}")
        if self.end < self.start:
            raise ValueError(
                f"target ends ({format_mss(self.end)}) before it starts ({format_mss(self.start)}); swap the two times"
            )
        if self.rank < 1:
            raise ValueError(f"rank must be 1 or more, got {self.rank}")
        if not math.isfinite(self.score):
            raise ValueError(f"score must be a finite number, got {self.score!r}")


def _open_binary(path: str | Path) -> IO[bytes]:
    """Byte stream of ``path``, gunzipped when the file starts with the gzip magic bytes."""
    raw = input_file(path, "qrels or run").open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _lines(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, whitespace-split fields) of every non-blank line.

    Each line is decoded on its own so that a non-UTF-8 byte is reported with its line.
    """
    with _open_binary(path) as handle:
        number = 0
        try:
            for number, raw in enumerate(handle, 1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"not UTF-8 (byte 0x{raw[exc.start]:02x}); re-encode the file as UTF-8", path, number
                    ) from None
                fields = line.split()
                if fields:
                    yield number, fields
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"cannot read the file after line {number} ({exc}); is it a text or a complete .gz file?", path
            ) from None


def _time(text: str, what: str, path: str | Path, number: int) -> int:
    try:
        return parse_mss(text)
    except TimeFormatError as exc:
        raise InputError(f"{what} time: {exc}", path, number) from None


def read_qrels(path: str | Path) -> Parsed[Judgment]:
    """Read a qrels file into judgments (times in seconds), each with its line number.

    Raises InputError ``FILE:LINE: ...`` for a wrong field count, a bad time or relevance value,
    or an empty file.
    """
    parsed: Parsed[Judgment] = Parsed(str(path))
    for number, fields in _lines(path):
        if len(fields) != 6:
            raise InputError(
                f"expected 6 fields '<anchor> Q0 <video> <start> <end> <rel>', found {len(fields)}", path, number
            )
        anchor, _, video, start, end, rel = fields
        if rel not in ("0", "1"):
            raise InputError(f"relevance must be 0 or 1, found {rel!r}", path, number)
        try:
            begin, finish = _time(start, "start", path, number), _time(end, "end", path, number)
            judgment = Judgment(anchor, video, begin, finish, int(rel))
        except ValueError as exc:
            raise InputError(f"{exc}", path, number) from None
        parsed.add(judgment, number)
    if not parsed.items:
        raise InputError("the qrels file has no judgments; is this the right file?", path)
    return parsed


@dataclass(frozen=True, slots=True)
class RawRunLine:
    """A linking-run line as written, read by ``read_run(path, strict=False)`` for validators.

    Nothing is rejected: a value that does not parse is None and ``problems`` says why, as
    ``(rule, message)`` pairs with rule ``fields``, ``rank``, ``score`` or ``time``; times may be
    inverted (``end < start``). A line without 8 fields keeps only its first and third field.
    """

    anchor: str
    video: str
    start: int | None
    end: int | None
    rank: int | None
    score: float | None
    run_name: str
    problems: tuple[tuple[str, str], ...] = ()


_Values = tuple[str, str, int | None, int | None, int | None, float | None, str]


def _run_fields(fields: list[str]) -> tuple[_Values, list[tuple[str, str]]]:
    """Values of one run line and its problems, in the order the strict reader reports them."""
    if len(fields) != 8:
        hint = " (a search run, with a jump-in point, has 9: only linking runs are evaluated)"
        message = (
            f"expected 8 fields '<anchor> Q0 <video> <start> <end> <rank> <score> <run>', found {len(fields)}"
            + (hint if len(fields) == 9 else "")
        )
        video = fields[2] if len(fields) > 2 else ""
        return (fields[0], video, None, None, None, None, ""), [("fields", message)]
    anchor, _, video, start, end, rank, score, run_name = fields
    problems: list[tuple[str, str]] = []
    rank_value: int | None = None
    score_value: float | None = None
    try:
        rank_value = int(rank)
    except ValueError:
        problems.append(("rank", f"rank must be a whole number, found {rank!r}"))
    try:
        score_value = float(score)
    except ValueError:
        problems.append(("score", f"score must be a number, found {score!r}"))
    times: list[int | None] = []
    for what, text in (("start", start), ("end", end)):
        try:
            times.append(parse_mss(text))
        except TimeFormatError as exc:
            times.append(None)
            problems.append(("time", f"{what} time: {exc}"))
    return (anchor, video, times[0], times[1], rank_value, score_value, run_name), problems


@overload
def read_run(path: str | Path, *, strict: Literal[True] = ...) -> Parsed[RunLine]: ...
@overload
def read_run(path: str | Path, *, strict: Literal[False]) -> Parsed[RawRunLine]: ...


def read_run(path: str | Path, *, strict: bool = True) -> Parsed[RunLine] | Parsed[RawRunLine]:
    """Read a linking run (8 fields a line), each target with its line number.

    Raises InputError ``FILE:LINE: ...`` for a wrong field count, a bad time, rank or score,
    and for a run with no lines at all. With ``strict=False`` (for ``hyperlink check-run``) no
    line is rejected: every line becomes a :class:`RawRunLine` listing its problems, and rank
    below 1, a non-finite score and inverted times are left for the validator to report.
    """
    parsed: Parsed = Parsed(str(path))
    for number, fields in _lines(path):
        values, problems = _run_fields(fields)
        if not strict:
            rank_value, score_value = values[4], values[5]
            if rank_value is not None and rank_value < 1:
                problems.append(("rank", f"rank must be 1 or more, got {rank_value}"))
            if score_value is not None and not math.isfinite(score_value):
                problems.append(("score", f"score must be a finite number, got {score_value!r}"))
            parsed.add(RawRunLine(*values, problems=tuple(problems)), number)
            continue
        if problems:
            raise InputError(problems[0][1], path, number)
        try:
            line = RunLine(*values)  # type: ignore[arg-type]
        except ValueError as exc:
            raise InputError(str(exc), path, number) from None
        parsed.add(line, number)
    if not parsed.items:
        raise InputError("the run is empty: no result lines to evaluate", path)
    return parsed


def format_run_line(line: RunLine) -> str:
    """One official 8-field run line (no newline): ``M.SS`` times, a score that round-trips exactly.

    >>> format_run_line(RunLine("anchor_1", "v1", 65, 95, 1, 0.5, "demo"))
    'anchor_1 Q0 v1 1.05 1.35 1 0.5 demo'
    """
    return (f"{line.anchor} Q0 {line.video} {format_mss(line.start)} {format_mss(line.end)} "
            f"{line.rank} {float(line.score)!r} {line.run_name}")


def write_run(lines: Iterable[RunLine], path: str | Path) -> int:
    """Write ``lines`` as an official linking run (``.gz`` compresses); returns the count written.

    Times are written ``M.SS`` ("%d.%02d", rounded to the second); scores round-trip exactly.
    """
    p = Path(path)
    count = 0
    with open(p, "wb") as raw:
        # .gz: no time stamp and no file name in the header, so the same run gives the same bytes
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if p.name.endswith(".gz") else raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as handle:
            for line in lines:
                handle.write(format_run_line(line) + "\n")
                count += 1
    return count
