"""Anchors: the official XML of MediaEval 2014 and TRECVID 2015/2016, or a CSV of our own.

XML flavours, told apart by their fields (times in official M.SS notation, ``17.35`` = 1055 s):

* MediaEval 2014 -- ``anchorId, refId, startTime, endTime, fileName`` (fileName is the video id);
* TRECVID 2015 -- ``anchorId, refId, video, startTime, endTime``;
* TRECVID 2016 -- ``anchorId, video, startTime, endTime``.

The root must be ``<anchors>`` holding ``<anchor>`` elements; other child elements (refId,
descriptions) are ignored. The XML is read with expat so that every error names its line.
CSV: a header ``anchor_id, video, start, end`` (times in seconds or HH:MM:SS). The format is chosen
by the extension (``.xml``, ``.csv``), or by whether the file starts with ``<``.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.parsers import expat

from ..errors import InputError
from ..parsed import Parsed
from ..types import Anchor
from ._common import (
    check_span,
    check_unique,
    check_width,
    csv_rows,
    decode,
    header_index,
    made,
    mss_of,
    read_bytes,
    time_of,
)

__all__ = ["read_anchors"]

_FIELDS = ("anchorId", "startTime", "endTime")
_CSV_COLUMNS = {"anchor_id": ("anchor_id", "anchorid", "anchor"), "video": ("video", "video_id"),
                "start": ("start",), "end": ("end",)}
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def read_anchors(path: str | Path) -> Parsed[Anchor]:
    """Read an anchors file (XML flavour detected from its fields, or CSV); anchor ids must be unique."""
    raw = read_bytes(path, "anchors file")
    suffix = Path(path).suffix.lower()
    is_xml = suffix == ".xml" or (suffix != ".csv" and raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"))
    out: Parsed[Anchor] = Parsed(str(path))
    if is_xml:
        _read_xml(raw, out)
    else:
        _read_csv(decode(raw, path), out)
    if not out.items:
        raise InputError("holds no anchors; expected at least one", path)
    seen: dict[str, int] = {}
    for anchor, line in zip(out.items, out.lines):
        check_unique(seen, anchor.id, line, path, "anchor id")
    return out


def _read_xml(raw: bytes, out: Parsed[Anchor]) -> None:
    declared = _DECLARED.match(raw)
    if declared is None or declared.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8"):
        decode(raw, out.path)  # a clear message for non-UTF-8 bytes, with the line
    parser = expat.ParserCreate()
    depth = 0
    anchor: dict[str, tuple[str, int]] | None = None
    anchor_line = 0
    field: str | None = None
    text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, anchor, anchor_line, field
        line = parser.CurrentLineNumber
        depth += 1
        if depth == 1 and name != "anchors":
            raise InputError(
                f"root element is <{name}>, not <anchors>; this is not an anchors file", out.path, line
            )
        if depth == 2 and name == "anchor":
            anchor, anchor_line = {}, line
        elif depth == 3 and anchor is not None:
            field = name
            text.clear()

    def end(name: str) -> None:
        nonlocal depth, anchor, field
        if depth == 3 and anchor is not None and field is not None:
            if field in anchor:
                raise InputError(f"<anchor> has two <{field}> elements; keep one", out.path, parser.CurrentLineNumber)
            anchor[field] = ("".join(text).strip(), parser.CurrentLineNumber)
            field = None
        elif depth == 2 and anchor is not None:
            _add(out, anchor, anchor_line)
            anchor = None
        depth -= 1

    def chars(data: str) -> None:
        if field is not None:
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as e:
        reason = expat.ErrorString(e.code)
        at_end = e.lineno >= raw.rstrip().count(b"\n") + 1
        hint = "the file seems cut off; get a complete copy" if at_end else "fix the XML there"
        raise InputError(f"malformed XML ({reason}, column {e.offset + 1}); {hint}", out.path, e.lineno) from None
    if not out.items:
        raise InputError("has no <anchor> elements under <anchors>; this is not an anchors file", out.path)


def _add(out: Parsed[Anchor], anchor: dict[str, tuple[str, int]], line: int) -> None:
    for name in _FIELDS:
        if not anchor.get(name, ("", 0))[0]:
            raise InputError(
                f"<anchor> has no {name}; each anchor needs anchorId, startTime, endTime and video (or fileName)",
                out.path,
                line,
            )
    videos = {anchor[n][0] for n in ("video", "fileName") if anchor.get(n, ("", 0))[0]}
    if len(videos) != 1:
        problem = "no <video> or <fileName>" if not videos else f"<video> and <fileName> disagree ({', '.join(sorted(videos))})"
        raise InputError(f"<anchor> has {problem}; give the video id once", out.path, line)
    start = mss_of(anchor["startTime"][0], out.path, anchor["startTime"][1], "startTime")
    end = mss_of(anchor["endTime"][0], out.path, anchor["endTime"][1], "endTime")
    check_span(start, end, out.path, anchor["endTime"][1])
    out.add(made(Anchor, out.path, line, anchor["anchorId"][0], videos.pop(), start, end), line)


def _read_csv(text: str, out: Parsed[Anchor]) -> None:
    rows = csv_rows(text, out.path)
    head_line, header = next(rows)
    cols = header_index(header, _CSV_COLUMNS, set(), out.path, head_line)
    for line, fields in rows:
        check_width(fields, header, out.path, line)
        anchor_id, video = fields[cols["anchor_id"]], fields[cols["video"]]
        if not anchor_id or not video:
            raise InputError("row has an empty anchor id or video", out.path, line)
        start = time_of(fields[cols["start"]], out.path, line, "start")
        end = time_of(fields[cols["end"]], out.path, line, "end")
        check_span(start, end, out.path, line)
        out.add(made(Anchor, out.path, line, anchor_id, video, start, end), line)
