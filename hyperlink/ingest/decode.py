"""Keyframes from video files with PyAV (FFmpeg's libraries inside the `av` wheel; nothing downloaded).

A keyframe is taken every ``every`` seconds (the first frame at or after 0, every, 2*every, ...)
and/or at each shot change. A shot change is a frame whose colour histogram (4x4x4 RGB bins of a
32x32 thumbnail) differs from the previous frame's by more than ``threshold`` in total-variation
distance (half the L1 distance: 0 = same colours, 1 = disjoint), at least ``min_shot`` seconds after
the previous change -- so flashes and fast pans do not make a burst of shots. The first frame opens
the first shot.

Durations come from the file: the video stream's declared duration (or the container's), and a file
that decodes to clearly less than it declares is reported as truncated.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..deps import require
from ..errors import InputError

__all__ = ["VIDEO_EXTENSIONS", "KeyframeSpec", "Keyframe", "VideoInfo", "probe", "iter_keyframes", "frame_distance"]

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ogv", ".avi", ".mpg", ".mpeg", ".ts", ".flv", ".wmv")
_BINS = 4  # histogram bins per RGB channel
_THUMB = 32  # pixels of the square thumbnail the histogram is taken on


@dataclass(frozen=True)
class KeyframeSpec:
    every: float | None = 5.0  # seconds between periodic keyframes; None: none
    shots: bool = True  # also a keyframe at every shot change
    threshold: float = 0.18  # histogram distance (0-1) above which two frames belong to different shots
    min_shot: float = 1.0  # seconds: a change this soon after the previous one is ignored
    short_side: int = 256  # keyframes are scaled down so their shorter side has this many pixels

    def __post_init__(self) -> None:
        if self.every is None and not self.shots:
            raise ValueError("no keyframes would be taken: give --every SECONDS, --shots, or both")
        if self.every is not None and not self.every > 0:
            raise ValueError(f"--every must be > 0 seconds, got {self.every:g}")
        if not 0 < self.threshold < 1:
            raise ValueError(f"the shot threshold must lie in (0, 1), got {self.threshold:g}")


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    duration: float  # seconds, as the file declares it (0 when it declares none)
    fps: float
    width: int
    height: int
    codec: str


@dataclass(frozen=True)
class Keyframe:
    time: float  # seconds from the start, rounded to the millisecond
    image: np.ndarray  # uint8 (h, w, 3) RGB, shorter side = KeyframeSpec.short_side (never upscaled)
    reason: str  # 'shot' | 'interval'


def _open(path: Path):
    av = require("av", "av", "decoding video files")
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"cannot open as a video ({exc}); the file is corrupt, truncated or not a video", path) from None


def _info(container, path: Path) -> VideoInfo:
    if not container.streams.video:
        raise InputError("has no video stream", path)
    stream = container.streams.video[0]
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000  # AV_TIME_BASE
    else:
        duration = 0.0
    rate = stream.average_rate or stream.guessed_rate
    ctx = stream.codec_context
    return VideoInfo(path, duration, float(rate) if rate else 0.0, ctx.width, ctx.height, ctx.name)


def probe(path: str | Path) -> VideoInfo:
    """Duration, frame rate, size and codec of a video file's first video stream."""
    path = Path(path)
    with _open(path) as container:
        return _info(container, path)


def _histogram(frame, scaler) -> np.ndarray:
    thumb = scaler.reformat(frame, width=_THUMB, height=_THUMB, format="rgb24").to_ndarray()  # (32, 32, 3)
    q = (thumb // (256 // _BINS)).astype(np.int64)
    codes = (q[..., 0] * _BINS + q[..., 1]) * _BINS + q[..., 2]
    return np.bincount(codes.ravel(), minlength=_BINS**3) / codes.size


def frame_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total-variation distance of two normalised histograms: 0.5 * sum |a - b|, in [0, 1].

    >>> frame_distance(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5]))
    0.5
    """
    return 0.5 * float(np.abs(a - b).sum())


def _image(frame, short_side: int, scaler) -> np.ndarray:
    w, h = frame.width, frame.height
    scale = min(1.0, short_side / min(w, h))
    return scaler.reformat(frame, width=max(1, round(w * scale)), height=max(1, round(h * scale)), format="rgb24",
                           interpolation="AREA").to_ndarray()


def iter_keyframes(path: str | Path, spec: KeyframeSpec, info: list | None = None) -> Iterator[Keyframe]:
    """Decode ``path`` once, yielding its keyframes in time order.

    Raises InputError naming the file when it cannot be decoded to the end. When ``info`` is a
    list, the file's VideoInfo (duration corrected to what was decoded) is appended to it at the end.
    """
    av = require("av", "av", "decoding video files")
    path = Path(path)
    with _open(path) as container:
        declared = _info(container, path)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame threads: both cores decode
        next_time, last_cut, previous = 0.0, -math.inf, None
        end, frames = 0.0, 0
        step = 1.0 / declared.fps if declared.fps else 0.0
        # one scaler each, kept across frames, so FFmpeg's scaling context is set up once per size
        thumbs, images = av.video.reformatter.VideoReformatter(), av.video.reformatter.VideoReformatter()
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.time is None:
                    continue
                t = float(frame.time)
                frames += 1
                end = max(end, t + step)
                reason = None
                if spec.shots:
                    hist = _histogram(frame, thumbs)
                    if previous is None or (frame_distance(hist, previous) > spec.threshold
                                            and t - last_cut >= spec.min_shot):
                        reason, last_cut = "shot", t
                    previous = hist
                if spec.every is not None and t >= next_time - 1e-6:
                    reason = reason or "interval"
                    next_time = (math.floor(t / spec.every + 1e-9) + 1) * spec.every
                if reason is not None:
                    yield Keyframe(round(t, 3), _image(frame, spec.short_side, images), reason)
        except av.FFmpegError as exc:
            raise InputError(f"decoding failed after {end:.1f} s ({exc}); the file is corrupt or truncated: "
                             "re-encode it or remove it from the folder", path) from None
    if frames == 0:
        raise InputError("holds no decodable video frame; the file is corrupt or empty", path)
    if declared.duration and end < declared.duration - max(1.0, 0.05 * declared.duration):
        raise InputError(f"decodes to {end:.1f} s of the {declared.duration:.1f} s it declares; the file is "
                         "truncated: re-encode it or remove it from the folder", path)
    if info is not None:
        info.append(VideoInfo(path, max(declared.duration, end), declared.fps, declared.width, declared.height,
                              declared.codec))
