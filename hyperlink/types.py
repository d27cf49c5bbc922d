"""The nouns passed between layers. Times are seconds; invalid spans are rejected at construction."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["check_name", "check_id", "Span", "Video", "Cue", "Segment", "Anchor", "Judgment", "Hit", "overlaps", "shares_seconds",
           "MIN_TARGET", "MAX_TARGET", "MAX_TARGETS"]

# The run rules (TRECVID / MediaEval): a target lasts 10-120 s; at most 1000 targets per anchor.
MIN_TARGET, MAX_TARGET, MAX_TARGETS = 10.0, 120.0, 1000


def check_name(name: str, what: str) -> str:
    """``name`` when it can safely become a file or folder name; else ValueError saying why.

    >>> check_name("bidnn-512", "model name")
    'bidnn-512'
    >>> check_name("../x", "model name")
    Traceback (most recent call last):
    ...
    ValueError: model name '../x' cannot contain '/' or '\\'; use letters, digits, '-', '_' and '.'
    """
    if "/" in name or "\\" in name:
        raise ValueError(f"{what} {name!r} cannot contain '/' or '\\'; use letters, digits, '-', '_' and '.'")
    if not name or name in (".", "..") or name.startswith("."):
        raise ValueError(f"{what} {name!r} must not be empty or start with '.'")
    if any(ord(c) < 32 for c in name) or len(name) > 200:
        raise ValueError(f"{what} {name!r} must be at most 200 printable characters")
    return name


_NOT_IN_IDS = re.compile(r"[\s\x00-\x1f\x7f]")
MAX_ID = 1000  # characters; ids are written into every run line


def check_id(value: str, what: str) -> str:
    """``value`` when it can be an id in a whitespace-separated run or qrels line; else ValueError.

    >>> check_id("v12_3", "video id")
    'v12_3'
    >>> check_id("a b", "video id")
    Traceback (most recent call last):
    ...
    ValueError: video id 'a b' holds whitespace or a control character; ids are fields of runs and qrels, use letters, digits and punctuation
    """
    if not value:
        raise ValueError(f"{what} must not be empty")
    if _NOT_IN_IDS.search(value):
        raise ValueError(
            f"{what} {value!r} holds whitespace or a control character; ids are fields of runs and qrels, "
            "use letters, digits and punctuation"
        )
    if len(value) > MAX_ID:
        raise ValueError(f"{what} {value[:40]!r}... is {len(value)} characters long; ids are at most {MAX_ID}")
    return value


def _check_span(start: float, end: float) -> None:
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"span times must be finite, got {start!r}-{end!r}")
    if start < 0:
        raise ValueError(f"span start must not be negative, got {start!r}")
    if end <= start:
        raise ValueError(f"span end ({end:g}) must be after its start ({start:g})")


def overlaps(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    """Closed-interval overlap, the official rule (touching counts).

    >>> overlaps(0, 10, 10, 20), overlaps(0, 10, 11, 20)
    (True, False)
    """
    return a_start <= b_end and b_start <= a_end


def shares_seconds(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    """Overlap between two targets of one anchor: at least one shared second, touching allowed
    (the official checker's interval test ``begin <= t < end``).

    >>> shares_seconds(50, 60, 60, 70), shares_seconds(50, 60, 59, 70)
    (False, True)
    """
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True, slots=True)
class Span:
    """A time span of one video."""

    video: str
    start: float
    end: float

    def __post_init__(self) -> None:
        _check_span(self.start, self.end)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.video == other.video and overlaps(self.start, self.end, other.start, other.end)


@dataclass(frozen=True, slots=True)
class Video:
    """A video of the collection; ``duration`` in seconds.

    Zero is allowed: official lists contain a few videos listed as ``00:00:00`` (shorter than a
    second or unknown). They are kept so ids resolve, but no target can be cut from them.
    """

    id: str
    duration: float
    media_path: str | None = None
    blacklisted: bool = False

    def __post_init__(self) -> None:
        check_id(self.id, "video id")
        if not (math.isfinite(self.duration) and self.duration >= 0):
            raise ValueError(f"video duration must be a non-negative number of seconds, got {self.duration!r}")


@dataclass(frozen=True, slots=True)
class Cue:
    """One time-coded transcript line."""

    video: str
    start: float
    end: float
    text: str

    def __post_init__(self) -> None:
        _check_span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Segment:
    """A candidate target segment (or any span with features); ``id`` is the store's."""

    video: str
    start: float
    end: float
    id: int | None = None
    origin: str = "window"

    def __post_init__(self) -> None:
        _check_span(self.start, self.end)

    @property
    def span(self) -> Span:
        return Span(self.video, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A query segment chosen by the campaign organisers."""

    id: str
    video: str
    start: float
    end: float

    def __post_init__(self) -> None:
        check_id(self.id, "anchor id")
        check_id(self.video, "video id")
        _check_span(self.start, self.end)

    @property
    def span(self) -> Span:
        return Span(self.video, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Judgment:
    """One qrels line: is ``video[start, end]`` relevant (1) or not (0) to ``anchor``."""

    anchor: str
    video: str
    start: float
    end: float
    rel: int

    def __post_init__(self) -> None:
        check_id(self.anchor, "anchor id")
        check_id(self.video, "video id")
        _check_span(self.start, self.end)
        if self.rel not in (0, 1):
            raise ValueError(f"relevance must be 0 or 1, got {self.rel!r}")


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked target returned for a query."""

    video: str
    start: float
    end: float
    score: float
    segment_id: int | None = None
