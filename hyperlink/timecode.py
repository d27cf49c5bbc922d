"""Time notations, all converted to seconds (float).

* ``M.SS`` -- official anchors, qrels and runs: minutes, a dot, integer seconds (< 60).
  ``17.35`` is 1055 s; ``1.5`` is 1 min 5 s (the official tool reads the digits as an int).
* ``HH:MM:SS[.fff]`` / ``MM:SS[.fff]`` -- collection lists, WebVTT/SRT (``,`` as decimal mark too).
* plain seconds (``12.5``) -- CSV, JSONL and our own formats.
"""

from __future__ import annotations

import math
import re

from .settings import MAX_TIME

__all__ = ["parse_mss", "format_mss", "parse_clock", "parse_seconds", "parse_time", "TimeFormatError"]


class TimeFormatError(ValueError):
    """A time string that does not parse; readers turn it into an InputError with file:line."""


def _bounded(seconds: float, text: str) -> float:
    """``seconds`` unless it is above MAX_TIME (a week), which no video in an archive runs to."""
    if seconds > MAX_TIME:
        raise TimeFormatError(f"{_shown(text)} is more than a week ({MAX_TIME} s); check the time")
    return seconds


def _shown(text: object) -> str:
    """The user's text, quoted and cut to a readable length (a 400-digit number stays one line)."""
    shown = str(text).strip()
    return repr(shown if len(shown) <= 40 else shown[:37] + "...")


def _whole(digits: str, text: str) -> int:
    """``int(digits)``, refusing runs too long for any time before int() is asked to parse them."""
    if len(digits) > 9:
        raise TimeFormatError(f"{_shown(text)} is more than a week ({MAX_TIME} s); check the time")
    return int(digits)


_MSS = re.compile(r"^\s*(\d+)\.(\d{1,2})\s*$")
_MIN_ONLY = re.compile(r"^\s*(\d+)\s*$")
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,9})\d*)?\s*$")


def parse_mss(text: str) -> int:
    """Official ``M.SS`` to seconds; seconds above 59 are rejected.

    >>> parse_mss("17.35"), parse_mss("1.5"), parse_mss("0.07"), parse_mss("3")
    (1055, 65, 7, 180)
    """
    m = _MSS.match(text)
    if m:
        minutes, seconds = _whole(m.group(1), text), int(m.group(2))
    else:
        m = _MIN_ONLY.match(text)
        if not m:
            raise TimeFormatError(f"{_shown(text)} is not a time in M.SS (minutes.seconds) notation")
        minutes, seconds = _whole(m.group(1), text), 0
    if seconds > 59:
        raise TimeFormatError(f"{_shown(text)}: seconds must be 00-59 in M.SS notation")
    return int(_bounded(minutes * 60 + seconds, text))


def format_mss(seconds: float) -> str:
    """Seconds to official ``M.SS`` (rounded to the nearest second, zero-padded).

    >>> format_mss(1055), format_mss(65), format_mss(7.6)
    ('17.35', '1.05', '0.08')
    """
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"cannot write {seconds!r} as M.SS")
    total = int(round(seconds))
    return "%d.%02d" % divmod(total, 60)


def parse_clock(text: str) -> float:
    """``HH:MM:SS[.fff]`` or ``MM:SS[.fff]`` to seconds.

    >>> parse_clock("00:05:54"), parse_clock("01:02.5"), parse_clock("00:00:01,250")
    (354.0, 62.5, 1.25)
    """
    m = _CLOCK.match(text)
    if not m:
        raise TimeFormatError(f"{_shown(text)} is not a time in HH:MM:SS notation")
    hours = _whole(m.group(1) or "0", text)
    minutes, seconds = int(m.group(2)), int(m.group(3))
    if minutes > 59 or seconds > 59:
        raise TimeFormatError(f"{_shown(text)}: minutes and seconds must be 00-59")
    frac = float("0." + m.group(4)) if m.group(4) else 0.0
    return _bounded(hours * 3600 + minutes * 60 + seconds + frac, text)


def parse_seconds(text: str | float | int) -> float:
    """Plain seconds; negative, NaN and infinite values are rejected.

    >>> parse_seconds("12.5"), parse_seconds(3)
    (12.5, 3.0)
    """
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float's range
        raise TimeFormatError(f"{_shown(text)} is not a number of seconds") from None
    if not math.isfinite(value):
        raise TimeFormatError(f"{_shown(text)} is not a finite number of seconds")
    if value < 0:
        raise TimeFormatError(f"{_shown(text)}: times cannot be negative")
    return _bounded(value, str(text))


def parse_time(text: str | float | int) -> float:
    """Seconds or ``HH:MM:SS`` (anything with a colon), for non-official files.

    >>> parse_time("90"), parse_time("00:01:30")
    (90.0, 90.0)
    """
    if isinstance(text, str) and ":" in text:
        return parse_clock(text)
    return parse_seconds(text)
