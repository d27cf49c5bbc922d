"""Media for the pages: the store's recorded video files served with HTTP Range support, and
keyframe thumbnails decoded with PyAV.

Only a path the store recorded for a video id is ever opened: the request names a video id, never
a path, so nothing outside those files can be reached.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import HyperlinkError, StoreError
from ..store import Store

__all__ = ["ByteRange", "RangeError", "parse_range", "media_file", "read_chunks", "thumbnail", "thumb_times",
           "media_type"]

CHUNK = 256 * 1024  # bytes read per step while streaming
THUMB_WIDTH = 192


class RangeError(HyperlinkError):
    """A Range header that no byte of the file satisfies (HTTP 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int  # first byte
    end: int  # last byte, inclusive (as HTTP counts)

    @property
    def length(self) -> int:
        return self.end - self.start + 1


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range asked for by ``header`` in a file of ``size`` bytes; None for the whole file
    (no header, or one this server does not serve piecewise: several ranges, another unit).

    >>> parse_range("bytes=0-99", 1000), parse_range("bytes=900-", 1000), parse_range("bytes=-100", 1000)
    (ByteRange(start=0, end=99), ByteRange(start=900, end=999), ByteRange(start=900, end=999))
    >>> parse_range("bytes=0-5000", 1000)
    ByteRange(start=0, end=999)
    """
    if not header:
        return None
    m = _RANGE.match(header)
    if m is None:
        return None
    first, last = m.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise RangeError(f"range {header!r} asks for no byte of a {size}-byte file")
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeError(f"range {header!r} lies outside the file's {size} bytes")
    return ByteRange(start, end)


def media_file(store: Store, video: str) -> Path:
    """The media file the store recorded for ``video``; StoreError when there is none or it is gone."""
    for v in store.videos():
        if v.id == video:
            if not v.media_path:
                raise StoreError(f"the store records no media file for video {video!r}")
            path = Path(v.media_path)
            if not path.is_file():
                raise StoreError(f"the media file recorded for {video!r} is missing: {path}")
            return path
    raise StoreError(f"no video {video!r} in the store")


def media_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0]
    return {".mkv": "video/x-matroska", ".webm": "video/webm"}.get(path.suffix.lower(), guessed or "application/octet-stream")


def read_chunks(path: Path, span: ByteRange | None) -> Iterator[bytes]:
    """The bytes of ``span`` (the whole file when None), CHUNK at a time."""
    size = os.path.getsize(path)
    start, left = (span.start, span.length) if span else (0, size)
    with open(path, "rb") as f:
        f.seek(start)
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data


def thumb_times(start: float, end: float, count: int = 3) -> list[int]:
    """Whole milliseconds of ``count`` keyframes spread inside a span (at 1/6, 1/2 and 5/6 of it for 3).

    >>> thumb_times(10, 40)
    [15000, 25000, 35000]
    """
    return [int(round(1000 * (start + (end - start) * (2 * i + 1) / (2 * count)))) for i in range(count)]


def thumbnail(path: Path, millis: int, width: int = THUMB_WIDTH) -> bytes:
    """A JPEG of the first frame at or after ``millis`` ms into the video (the last frame when the time
    is past the end), ``width`` pixels wide. Cached per file version."""
    stat = path.stat()
    return _thumbnail(str(path), stat.st_mtime_ns, stat.st_size, int(millis), int(width))


@lru_cache(maxsize=512)
def _thumbnail(path: str, _mtime: int, _size: int, millis: int, width: int) -> bytes:
    import io

    from ..deps import require

    av = require("av", "av", "keyframe thumbnails")
    require("PIL", "pillow", "keyframe thumbnails")
    seconds = millis / 1000.0
    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            base = stream.time_base
            container.seek(max(0, int(seconds / base)) if base else 0, stream=stream, backward=True)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time + 1e-6 >= seconds:
                    break
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise StoreError(f"cannot decode a frame of {path}: {exc}") from None
    if chosen is None:
        raise StoreError(f"{path} has no frame to show")
    image = chosen.to_image()
    height = max(2, round(image.height * width / image.width))
    out = io.BytesIO()
    image.resize((width, height)).save(out, format="JPEG", quality=80)
    return out.getvalue()
