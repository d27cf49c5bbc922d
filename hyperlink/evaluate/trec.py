"""TREC-style qrels and linking runs: read (plain or ``.gz``), validate with FILE:LINE, write.

Qrels:        ``<anchorId> Q0 <videoId> <start> <end> <rel>``                   (rel 0 or 1)
Linking run:  ``<anchorId> Q0 <videoId> <start> <end> <rank> <score> <runName>``

Times are ``M.SS`` (minutes.seconds, seconds 00-59), read into whole seconds.
"""

from __future__ import annotations

import gzip
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..errors import InputError
from ..parsed import Parsed
from ..segments import Judgment
from ..timecode import TimeFormatError, format_mss, parse_mss

__all__ = ["RunLine", "read_qrels", "read_run", "write_run"]

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


def _open_text(path: str | Path) -> IO[str]:
    """Text stream of ``path``, gunzipped when the file starts with the gzip magic bytes."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file; check the path", p)
    raw = p.open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", errors="strict")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict")


def _lines(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, whitespace-split fields) of every non-blank line."""
    with _open_text(path) as handle:
        try:
            for number, line in enumerate(handle, 1):
                fields = line.split()
                if fields:
                    yield number, fields
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            raise InputError(f"cannot read the file ({exc}); is it a text or .gz file?", path) from None


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


def read_run(path: str | Path) -> Parsed[RunLine]:
    """Read a linking run (8 fields a line), each target with its line number.

    Raises InputError ``FILE:LINE: ...`` for a wrong field count, a bad time, rank or score,
    and for a run with no lines at all.
    """
    parsed: Parsed[RunLine] = Parsed(str(path))
    for number, fields in _lines(path):
        if len(fields) != 8:
            hint = " (a search run, with a jump-in point, has 9: only linking runs are evaluated)"
            hint = hint if len(fields) == 9 else ""
            raise InputError(
                f"expected 8 fields '<anchor> Q0 <video> <start> <end> <rank> <score> <run>', found {len(fields)}"
                + hint,
                path,
                number,
            )
        anchor, _, video, start, end, rank, score, run_name = fields
        try:
            rank_value = int(rank)
        except ValueError:
            raise InputError(f"rank must be a whole number, found {rank!r}", path, number) from None
        try:
            score_value = float(score)
        except ValueError:
            raise InputError(f"score must be a number, found {score!r}", path, number) from None
        begin, finish = _time(start, "start", path, number), _time(end, "end", path, number)
        try:
            line = RunLine(anchor, video, begin, finish, rank_value, score_value, run_name)
        except ValueError as exc:
            raise InputError(str(exc), path, number) from None
        parsed.add(line, number)
    if not parsed.items:
        raise InputError("the run is empty: no result lines to evaluate", path)
    return parsed


def write_run(lines: Iterable[RunLine], path: str | Path) -> int:
    """Write ``lines`` as an official linking run (``.gz`` compresses); returns the count written.

    Times are written ``M.SS`` ("%d.%02d", rounded to the second); scores round-trip exactly.
    """
    p = Path(path)
    count = 0
    opener = gzip.open if p.name.endswith(".gz") else open
    with opener(p, "wt", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(
                f"{line.anchor} Q0 {line.video} {format_mss(line.start)} {format_mss(line.end)} "
                f"{line.rank} {float(line.score)!r} {line.run_name}\n"
            )
            count += 1
    return count
