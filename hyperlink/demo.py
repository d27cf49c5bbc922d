"""A SYNTHETIC news-archive collection, generated deterministically from a seed.

Nothing here is real data. Each video is a run of news stories; each story has one latent topic.
A topic owns a vocabulary (its words dominate the story's transcript) and a visual centroid
(its keyframe vectors scatter around it), so text, visuals and judgments agree by construction:
a judged target is relevant exactly when its story shares the anchor story's topic.
Some stories have no speech or no transcript (no cues: text missing) or a feed gap (no keyframes:
visual missing), and some carry a *misleading* transcript: a presenter reads another topic's item over the footage,
so the words point to the wrong topic while the pictures (and the judgments) keep the story's own.
Those spans are where a joint text+visual model should beat a text-only one: the demo is built so
that the comparison `make demo` prints has something to show.

Files written (all in the formats `hyperlink ingest` reads):
  collection.txt      `<videoId> HH:MM:SS`
  transcripts.jsonl   {"video", "start", "end", "text"} per cue
  keyframes.npy       float32 (n, visual_dim), one row per keyframe (every ``keyframe_every`` s)
  keyframes.csv       video,time  (row i describes row i of keyframes.npy)
  anchors.xml         TRECVID 2016 anchor XML (times in M.SS)
  qrels.txt           official qrels `<anchor> Q0 <video> <start> <end> <rel>` (M.SS)
With ``media`` (needs PyAV, the ``media`` extra), also:
  media/<videoId>.webm  a small VP8 video per video: each story is filled with its topic's colour
                        (stories of one topic look alike, as their keyframe vectors do), black where
                        the feed has no keyframes, with a white bar growing through each story
  collection.csv      `id,duration,media_path` (absolute paths), read instead of collection.txt
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError
from .timecode import format_mss

__all__ = ["DemoSpec", "DemoFiles", "generate_demo", "write_webm"]

_SYLLABLES = ["ka", "lo", "mi", "ren", "ta", "vo", "shi", "pe", "du", "nar", "gel", "fi", "zo", "bri", "tem", "ul"]
_COMMON = ("the a of and to in is that it was for on are as with they at be this from have or by one "
           "had not but what all were when we there can an your which their said if do will each about "
           "how up out them then she many some so these would other into has more her two like him see").split()


@dataclass(frozen=True)
class DemoSpec:
    """Size and shape of the synthetic collection."""

    videos: int = 50  # number of videos
    topics: int = 12  # latent topics shared by text and visuals
    min_minutes: float = 5.0  # video length range
    max_minutes: float = 20.0
    visual_dim: int = 128  # keyframe vector width ("CNN features")
    keyframe_every: float = 5.0  # seconds between keyframes
    anchors: int = 36  # judged anchors: enough for a paired test to separate two models
    judged_per_anchor: int = 40
    silent: float = 0.08  # share of stories without speech (text missing)
    blank: float = 0.08  # share of stories without keyframes (visual missing)
    # Drawn from a second random stream, so that the collection's other draws stay as they were:
    untranscribed: float = 0.18  # share of spoken stories whose speech has no transcript (text missing)
    misleading: float = 0.15  # share of transcribed stories whose words belong to another topic
    seed: int = 0
    media: bool = False  # also write a small video per video (PyAV) and a collection naming them
    media_size: tuple[int, int] = (128, 72)  # width, height of those videos
    media_fps: int = 1


@dataclass(frozen=True)
class DemoFiles:
    collection: Path
    transcripts: Path
    keyframes: Path
    keyframe_index: Path
    anchors: Path
    qrels: Path


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return "%02d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def _topic_words(rng: np.random.Generator, topics: int, per_topic: int = 60) -> list[list[str]]:
    words: list[list[str]] = []
    used: set[str] = set()
    for _ in range(topics):
        vocab = []
        while len(vocab) < per_topic:
            w = "".join(rng.choice(_SYLLABLES, size=rng.integers(2, 4)))
            if w not in used:
                used.add(w)
                vocab.append(w)
        words.append(vocab)
    return words


def generate_demo(out: str | Path, spec: DemoSpec = DemoSpec()) -> DemoFiles:
    """Write the synthetic collection's files under ``out`` and return their paths."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("is a file; --out names the folder the demo's files are written to", out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder ({exc.strerror}); pick another --out", out) from None
    rng = np.random.default_rng(spec.seed)
    hide = np.random.default_rng([spec.seed, 1])  # which stories lose or change their words
    vocab = _topic_words(rng, spec.topics)
    centroids = rng.normal(size=(spec.topics, spec.visual_dim)).astype(np.float32)

    stories: list[tuple[str, float, float, int]] = []  # (video, start, end, topic)
    scenes: dict[str, tuple[int, list[tuple[float, float, int, bool]]]] = {}  # video -> (seconds, its stories
    # as (start, end, topic, without keyframes)): what the media show
    coll_lines, cue_lines, key_rows, key_index = [], [], [], []
    width = max(4, len(str(spec.videos)))
    for v in range(spec.videos):
        vid = f"news{v:0{width}d}"
        duration = float(int(rng.uniform(spec.min_minutes, spec.max_minutes) * 60))
        coll_lines.append(f"{vid} {_clock(duration)}")
        scenes[vid] = (int(duration), [])
        mixture = rng.choice(spec.topics, size=3, replace=False)
        t = 0.0
        while t < duration - 20:
            length = min(float(rng.integers(40, 180)), duration - t)
            topic = int(rng.choice(mixture, p=[0.6, 0.25, 0.15]))
            stories.append((vid, t, t + length, topic))
            silent, blank = rng.random() < spec.silent, rng.random() < spec.blank
            scenes[vid][1].append((t, t + length, topic, blank))
            untranscribed = hide.random() < spec.untranscribed
            spoken = topic
            if hide.random() < spec.misleading:  # the words of another topic over this story's pictures
                spoken = int((topic + hide.integers(1, spec.topics)) % spec.topics)
            c = t
            while not silent and c < t + length - 2:
                cue_len = min(float(rng.uniform(2.5, 6.0)), t + length - c)
                n_words = int(rng.integers(6, 14))
                own = rng.random(n_words) < 0.7
                words = [rng.choice(vocab[spoken]) if o else rng.choice(_COMMON) for o in own]
                if not untranscribed:  # the words are drawn all the same: the main stream stays unchanged
                    cue_lines.append(json.dumps({"video": vid, "start": round(c, 2), "end": round(c + cue_len, 2),
                                                 "text": " ".join(words)}))
                c += cue_len + float(rng.uniform(0, 0.8))
            k = np.ceil(t / spec.keyframe_every) * spec.keyframe_every
            while not blank and k < t + length:
                key_rows.append(centroids[topic] + rng.normal(scale=0.8, size=spec.visual_dim).astype(np.float32))
                key_index.append(f"{vid},{k:g}")
                k += spec.keyframe_every
            t += length

    files = DemoFiles(out / "collection.txt", out / "transcripts.jsonl", out / "keyframes.npy",
                      out / "keyframes.csv", out / "anchors.xml", out / "qrels.txt")
    files.collection.write_text("\n".join(coll_lines) + "\n")
    files.transcripts.write_text("\n".join(cue_lines) + "\n")
    np.save(files.keyframes, np.stack(key_rows).astype(np.float32))
    files.keyframe_index.write_text("video,time\n" + "\n".join(key_index) + "\n")

    anchor_lines, qrel_lines = ['<?xml version="1.0" ?>', "<anchors>"], []
    candidates = [s for s in stories if s[2] - s[1] >= 40]
    picks = rng.choice(len(candidates), size=min(spec.anchors, len(candidates)), replace=False)
    for n, p in enumerate(sorted(picks)):
        vid, s, e, topic = candidates[p]
        a_start = float(int(s + 5))
        a_end = float(int(min(e, a_start + rng.integers(20, 60))))
        aid = f"anchor_{n + 1}"
        anchor_lines += ["  <anchor>", f"    <anchorId>{aid}</anchorId>", f"    <video>{vid}</video>",
                         f"    <startTime>{format_mss(a_start)}</startTime>",
                         f"    <endTime>{format_mss(a_end)}</endTime>", "  </anchor>"]
        others = [x for x in stories if x[0] != vid and x[2] - x[1] >= 20]
        same = [x for x in others if x[3] == topic]
        diff = [x for x in others if x[3] != topic]
        n_rel = min(len(same), spec.judged_per_anchor // 2)
        judged = [(x, 1) for x in (same[i] for i in rng.choice(len(same), n_rel, replace=False))]
        n_non = min(len(diff), spec.judged_per_anchor - n_rel)
        judged += [(x, 0) for x in (diff[i] for i in rng.choice(len(diff), n_non, replace=False))]
        for (jv, js, je, _), rel in judged:
            js = float(int(js))
            je = float(int(min(je, js + 120)))
            qrel_lines.append(f"{aid} Q0 {jv} {format_mss(js)} {format_mss(je)} {rel}")
    anchor_lines.append("</anchors>")
    files.anchors.write_text("\n".join(anchor_lines) + "\n")
    files.qrels.write_text("\n".join(qrel_lines) + "\n")
    if spec.media:
        files = _write_media(out, files, spec, scenes)
    return files


def _write_media(out: Path, files: DemoFiles, spec: DemoSpec,
                 scenes: dict[str, tuple[int, list[tuple[float, float, int, bool]]]]) -> DemoFiles:
    """Write ``media/<video>.webm`` for every video and ``collection.csv`` naming them; the files with it."""
    from .deps import require

    require("av", "av", "demo videos (--media)")
    colours = np.random.default_rng([spec.seed, 2]).integers(40, 230, size=(spec.topics, 3)).astype(np.uint8)
    folder = out / "media"
    folder.mkdir(exist_ok=True)
    rows = ["id,duration,media_path"]
    for vid, (duration, stories) in scenes.items():
        path = (folder / f"{vid}.webm").resolve()
        write_webm(path, _story_frames(duration, stories, colours, spec), spec.media_size, spec.media_fps)
        rows.append(f"{vid},{duration},{path}")
    collection = out / "collection.csv"
    collection.write_text("\n".join(rows) + "\n")
    return DemoFiles(collection, files.transcripts, files.keyframes, files.keyframe_index, files.anchors, files.qrels)


def _story_frames(duration: int, stories: list[tuple[float, float, int, bool]], colours: np.ndarray,
                  spec: DemoSpec) -> Iterator[np.ndarray]:
    """``duration`` seconds of frames at ``spec.media_fps``: each the colour of its story's topic."""
    w, h = spec.media_size
    story = 0
    for i in range(duration * spec.media_fps):
        t = i / spec.media_fps
        while story + 1 < len(stories) and t >= stories[story][1]:
            story += 1
        frame = np.zeros((h, w, 3), np.uint8)  # black: no story here, or a feed gap
        if stories and stories[story][0] <= t < stories[story][1]:
            start, end, topic, blank = stories[story]
            if not blank:
                frame[:] = colours[topic]
            frame[h - h // 8:, : max(1, int(w * (t - start) / (end - start)))] = 255
        yield frame


def write_webm(path: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: int = 1) -> Path:
    """Encode RGB ``frames`` (each (height, width, 3) uint8, ``size`` = (width, height)) as VP8 at
    ``fps``; written to a temporary name and renamed, so ``path`` is never half a video. Needs PyAV."""
    import av

    tmp = path.with_name(path.name + ".tmp.webm")
    with av.open(str(tmp), "w") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)
    return path
