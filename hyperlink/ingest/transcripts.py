"""Time-coded transcripts: WebVTT, SRT and JSON lines, each cue a ``Cue``.

* ``.vtt`` -- ``WEBVTT`` header; NOTE / STYLE / REGION blocks skipped; optional cue identifiers;
  settings after the timing ignored; tags (``<v Speaker>``, ``<c>``, ``<i>``, inline timestamps)
  stripped and entities (``&amp;``) decoded;
* ``.srt`` -- numbered blocks with ``00:00:01,000 --> 00:00:04,000``; ``<i>``-style and ``{\\an8}`` tags stripped;
* ``.jsonl`` / ``.ndjson`` -- objects ``{"video", "start", "end", "text"}``, times in seconds or HH:MM:SS.

Multi-line cue text is joined with single spaces. VTT and SRT files hold one video: its id is the
``video`` argument, or else the file name without its last extension (``vid001.vtt`` -> ``vid001``).
A cue whose text is empty once tags are stripped is skipped with a warning.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..errors import InputError
from ..parsed import Parsed
from ..timecode import TimeFormatError, parse_clock
from ..types import Cue, check_id
from ._common import check_span, dispatch, jsonl_records, read_text, require, time_of

__all__ = ["read_transcripts"]

_TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)(?:\s.*)?$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_SPACE = re.compile(r"\s+")


def read_transcripts(path: str | Path, video: str | None = None) -> Parsed[Cue]:
    """Read the cues of a transcript file (format by extension), in file order."""
    reader = dispatch(path, _READERS, "transcript")
    if video is not None:
        try:
            check_id(video, "--video")
        except ValueError as exc:
            raise InputError(str(exc)) from None
    out: Parsed[Cue] = Parsed(str(path))
    reader(read_text(path, "transcript"), out, video)
    if not out.items:
        raise InputError("holds no cues; expected at least one timed line of text", path)
    return out


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Groups of non-blank lines with the line number of each group's first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _clock(text: str, path: str, line: int, field: str) -> float:
    try:
        return parse_clock(text)
    except TimeFormatError as e:
        raise InputError(f"{field} {e}; cue times are written 00:01:02.500", path, line) from None


def _cue(out: Parsed[Cue], video: str, first: int, lines: list[str], offset: int) -> None:
    """Add the cue whose timing is ``lines[offset]`` (at file line ``first + offset``)."""
    number = first + offset
    m = _TIMING.match(lines[offset].strip())
    if not m:
        raise InputError(
            f"expected a timing line 'start --> end', got {lines[offset].strip()!r}; the cue may be cut short",
            out.path,
            number,
        )
    start = _clock(m.group(1), out.path, number, "start")
    end = _clock(m.group(2), out.path, number, "end")
    check_span(start, end, out.path, number)
    text = _SPACE.sub(" ", html.unescape(_TAG.sub("", " ".join(lines[offset + 1:])))).strip()
    if not text:
        out.warnings.append(f"{out.path}:{number}: cue has no text; skipped")
        return
    out.add(Cue(video, start, end, text), number)


def _read_vtt(text: str, out: Parsed[Cue], video: str | None) -> None:
    blocks = _blocks(text)
    head = blocks[0][1][0] if blocks else ""
    if not (head == "WEBVTT" or head.startswith(("WEBVTT ", "WEBVTT\t"))) or blocks[0][0] != 1:
        raise InputError("missing the 'WEBVTT' header; a WebVTT file starts with the line WEBVTT", out.path, 1)
    video = video or Path(out.path).stem
    for first, lines in blocks[1:]:
        if lines[0].split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        _cue(out, video, first, lines, 0 if "-->" in lines[0] else 1 if len(lines) > 1 else 0)


def _read_srt(text: str, out: Parsed[Cue], video: str | None) -> None:
    video = video or Path(out.path).stem
    for first, lines in _blocks(text):
        has_index = "-->" not in lines[0]
        if has_index and not lines[0].strip().isdigit():
            raise InputError(
                f"expected a cue number or a timing line, got {lines[0].strip()!r}", out.path, first
            )
        if has_index and len(lines) == 1:
            raise InputError("cue has a number but no timing line; the file may be cut short", out.path, first)
        _cue(out, video, first, lines, 1 if has_index else 0)


def _read_jsonl(text: str, out: Parsed[Cue], video: str | None) -> None:
    for number, record in jsonl_records(text, out.path):
        vid = record.get("video") or video
        if not vid or not isinstance(vid, str):
            raise InputError("object has no 'video' string; add it or pass the video id", out.path, number)
        start = time_of(require(record, "start", out.path, number), out.path, number, "start")
        end = time_of(require(record, "end", out.path, number), out.path, number, "end")
        check_span(start, end, out.path, number)
        body = require(record, "text", out.path, number)
        if not isinstance(body, str):
            raise InputError(f"text {body!r} must be a string", out.path, number)
        body = _SPACE.sub(" ", body).strip()
        if not body:
            out.warnings.append(f"{out.path}:{number}: cue has no text; skipped")
            continue
        out.add(Cue(vid, start, end, body), number)


_READERS = {".vtt": _read_vtt, ".srt": _read_srt, ".jsonl": _read_jsonl, ".ndjson": _read_jsonl}
