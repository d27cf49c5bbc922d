"""Run validity and the fixer: one hand-made run per rule and per fix, expected outputs worked by hand,
then the real TRECVID 2016 runs and `hyperlink check-run` end to end."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hyperlink.cli import main
from hyperlink.evaluate.trec import RawRunLine, RunLine, read_run, write_run
from hyperlink.ingest.anchors import read_anchors
from hyperlink.ingest.collection import read_blacklist, read_collection
from hyperlink.runcheck import ANSWERS, FIXES, RULES, Change, Violation, check_run, fix_run

# v lasts 5 min, w 3:20; the anchors: a1 = v [1.40-2.10] (100-130 s), a2 = w [0.50-1.10] (50-70 s).
VIDEOS = {"v": 300.0, "w": 200.0, "short": 6.0, "bad": 100.0}
BLACKLIST = {"bad"}


@pytest.fixture
def anchors():
    from hyperlink.types import Anchor

    return {"a1": Anchor("a1", "v", 100, 130), "a2": Anchor("a2", "w", 50, 70), "a3": Anchor("a3", "v", 10, 20)}


def lenient(tmp_path, text):
    path = tmp_path / "run.txt"
    path.write_text(text)
    return read_run(path, strict=False)


# line: what it breaks (hand-checked)
BROKEN = """\
a1 Q0 v 0.00 0.20 1 0.9 r
a1 Q0 v 0.20 0.40 2 0.8 r
a1 Q0 v 0.30 0.50 3 0.7 r
a1 Q0 v 1.30 1.40 4 0.6 r
a1 Q0 w 0.00 0.09 5 0.5 r
a1 Q0 w 1.00 3.01 7 0.4 r
a1 Q0 w 3.22 3.40 8 0.3 r
a1 Q0 w 0.40 0.20 9 0.2 r
a1 Q0 nope 0.00 0.20 10 0.1 r
a1 Q0 bad 0.00 0.20 11 0.1 r
a1 Q0 w 0.75 1.00 12 high r
a1 Q0 w 3.05 3.15 x 0.1 r
a2 Q0 w 0.40 0.50 1 0.9 r
a2 Q0 w 0.10 0.20 2 0.9
a1 Q0 v 3.00 3.20 14 0.1 r
zz Q0 v 0.00 0.20 1 0.9 r
"""
EXPECTED = [
    (3, "target-overlap"),  # [30-50] shares 30-40 s with line 2; lines 1 and 2 only touch: fine
    (4, "anchor-overlap"),  # [90-100] touches the anchor at 100: closed intervals
    (5, "duration"),  # 9 s
    (6, "rank"),  # 7 where 6 was due
    (6, "duration"),  # 121 s
    (7, "start-beyond-video"),  # 202 s > 200 s + 1 s of slack
    (8, "end-before-start"),
    (9, "unknown-video"),
    (10, "blacklisted"),
    (11, "score"),
    (11, "time"),  # '0.75': 75 seconds
    (12, "rank"),  # 'x'
    (13, "anchor-overlap"),  # [40-50] touches a2 at 50
    (14, "fields"),  # 7 fields, nothing else checked
    (15, "block"),  # a1 again after a2
    (16, "unknown-anchor"),
    (0, "missing-anchor"),  # a3
]


def test_every_rule_reported_at_its_line(tmp_path, anchors):
    found = check_run(lenient(tmp_path, BROKEN), VIDEOS, BLACKLIST, anchors)
    assert [(v.line, v.rule) for v in found] == EXPECTED
    assert found[0] == Violation(3, "a1", "target-overlap", found[0].message) and "line 2" in found[0].message
    assert found[-1].anchor == "a3"


def test_exclude_anchor_video_flags_every_target_in_it(tmp_path, anchors):
    found = check_run(lenient(tmp_path, BROKEN), VIDEOS, BLACKLIST, anchors, exclude_anchor_video=True)
    assert sorted(v.line for v in found if v.rule == "anchor-video") == [1, 2, 3, 4, 13, 15]


def test_boundaries_are_valid(anchors):
    run = [
        (1, RunLine("a1", "v", 0, 10, 1, 1.0, "r")),  # exactly 10 s
        (2, RunLine("a1", "v", 10, 99, 2, 1.0, "r")),  # touches line 1; ends 1 s before the anchor
        (3, RunLine("a1", "v", 131, 251, 3, 1.0, "r")),  # exactly 120 s, starts 1 s after the anchor
        (4, RunLine("a1", "w", 201, 211, 4, 1.0, "r")),  # starts 1 s past w's listed length: rounding slack
    ]
    official = dict(video_end=False)  # the official checker tests the start only
    assert check_run(run, VIDEOS, BLACKLIST, {"a1": anchors["a1"]}, **official) == []
    assert check_run(run, VIDEOS, BLACKLIST, None, **official) == []  # no anchors file: anchor rules skipped
    # ... but its end passes w's end, which the fixer clips: reported by default
    assert [(v.line, v.rule) for v in check_run(run, VIDEOS, BLACKLIST, None)] == [(4, "end-beyond-video")]


def test_end_beyond_the_video_is_what_the_fixer_clips():
    run = [(1, RunLine("a1", "v", 290, 300, 1, 1.0, "r")), (2, RunLine("a1", "w", 150, 201, 2, 1.0, "r"))]
    found = check_run(run, VIDEOS, set(), None)
    assert [(v.line, v.rule) for v in found] == [(2, "end-beyond-video")]  # 300 = v's length: fine
    assert "ends at 3.21, after the end of w (3.20)" in found[0].message
    fixed, changes = fix_run(run, VIDEOS, set(), None)
    assert [(c.line, c.action) for c in changes] == [(2, "clip-video-end")]
    fixed, changes = fix_run(run, VIDEOS, set(), None, video_end=False)
    assert changes == [] and check_run(run, VIDEOS, set(), None, video_end=False) == []


def many(n, anchor="a1"):
    """n valid targets of one anchor, one per video."""
    videos = {f"x{i}": 60.0 for i in range(n)}
    return [(i + 1, RunLine(anchor, f"x{i}", 0, 10, i + 1, 1.0 / (i + 1), "r")) for i in range(n)], videos


def test_more_than_1000_targets_reported_once_and_truncated_by_the_fixer():
    run, videos = many(1002)
    found = check_run(run, videos, set(), None)
    assert [(v.line, v.rule) for v in found] == [(1001, "too-many")]
    fixed, changes = fix_run(run, videos, set(), None)
    assert len(fixed) == 1000 and fixed[-1].rank == 1000
    assert [(c.line, c.action) for c in changes] == [(1001, "truncate")] and "2 target(s)" in changes[0].message


def test_every_rule_is_exercised():
    covered = {rule for _, rule in EXPECTED} | {"anchor-video", "too-many", "end-beyond-video"}
    assert covered == set(RULES)
    with pytest.raises(ValueError, match="unknown rule 'nope'; choose one of fields"):
        Violation(1, "a1", "nope", "")


# The fixer. Per line, what happens (a1's lines are taken in rank order: 2, 1, 3, ...):
MESSY = """\
a1 Q0 v 0.00 0.30 2 0.9 r
a1 Q0 v 0.20 0.50 1 0.95 r
a1 Q0 v 1.30 2.00 3 0.8 r
a1 Q0 w 0.40 0.20 4 0.7 r
a1 Q0 w 3.15 3.25 5 0.6 r
a1 Q0 w 0.00 3.10 6 0.5 r
a1 Q0 v 0.05 0.08 7 0.4 r
a1 Q0 v 4.00 4.05 8 0.3 r
a1 Q0 short 0.00 0.05 9 0.3 r
a1 Q0 nope 0.00 0.20 10 0.2 r
a1 Q0 bad 0.00 0.20 11 0.2 r
a1 Q0 w 3.30 3.45 12 0.2 r
a1 Q0 w 2.00 2.20 13 0.1
a2 Q0 w 0.40 1.00 1 0.9 r
zz Q0 v 0.00 0.20 1 0.9 r
a1 Q0 v 4.30 4.50 14 0.1 r
"""
FIXED = [
    ("a1", "v", 20, 50, 1, 0.95),  # line 2, rank 1: kept as is
    ("a1", "v", 0, 20, 2, 0.9),  # line 1 [0-30] clipped off line 2 [20-50]: touching is fine
    ("a1", "v", 89, 99, 3, 0.8),  # line 3 [90-120] clipped off the anchor (100-130) to [90-99], stretched back
    ("a1", "w", 20, 40, 4, 0.7),  # line 4 swapped
    ("a1", "w", 190, 200, 5, 0.6),  # line 5 [195-205] clipped to w's end, stretched back to 10 s
    ("a1", "w", 40, 160, 6, 0.5),  # line 6 [0-190]: the longest free piece is [40-190] (off lines 4 and 5), cut to 120 s
    ("a1", "v", 240, 250, 7, 0.3),  # line 8 stretched from 5 s; line 7 lay inside line 1: dropped
    ("a1", "v", 270, 290, 8, 0.1),  # line 16, gathered into a1's block
    ("a2", "w", 39, 49, 1, 0.9),  # line 14 [40-60] clipped off a2's anchor (50-70), stretched back
]
CHANGES = [
    (1, "reorder"),
    (1, "clip-target"),
    (3, "clip-anchor"),
    (3, "stretch"),
    (4, "swap"),
    (5, "clip-video-end"),
    (5, "stretch"),
    (6, "clip-target"),
    (6, "cut"),
    (7, "drop-no-room"),
    (8, "stretch"),
    (9, "drop-no-room"),  # 'short' lasts 6 s
    (10, "drop-unknown-video"),
    (11, "drop-blacklisted"),
    (12, "drop-beyond-video"),  # starts at 210 s, w lasts 200 s
    (13, "drop-malformed"),  # 7 fields: its rank does not parse, so it sorts last
    (8, "renumber"),
    (14, "clip-anchor"),
    (14, "stretch"),
    (15, "drop-unknown-anchor"),
]


def test_fixer_hand_worked(tmp_path, anchors):
    del anchors["a3"]
    fixed, changes = fix_run(lenient(tmp_path, MESSY), VIDEOS, BLACKLIST, anchors)
    assert [(x.anchor, x.video, x.start, x.end, x.rank, x.score) for x in fixed] == FIXED
    assert [(c.line, c.action) for c in changes] == CHANGES
    by_line = {(c.line, c.action): c.message for c in changes}
    assert "start moved back: w ends at 3.20" in by_line[(5, "stretch")]
    assert "line(s) 4" in by_line[(6, "clip-target")] and "short lasts only 6 s" in by_line[(9, "drop-no-room")]
    assert check_run(list(enumerate(fixed, 1)), VIDEOS, BLACKLIST, anchors) == []
    assert write_run(fixed, tmp_path / "fixed.txt") == 9 and read_run(tmp_path / "fixed.txt").items == fixed


def test_fixer_excludes_the_anchor_video_on_request(anchors):
    run = [(1, RunLine("a1", "v", 0, 20, 1, 0.9, "r")), (2, RunLine("a1", "w", 0, 20, 2, 0.8, "r"))]
    fixed, changes = fix_run(run, VIDEOS, set(), anchors, exclude_anchor_video=True)
    assert [(x.video, x.rank) for x in fixed] == [("w", 1)]
    assert [(c.line, c.action) for c in changes] == [(1, "drop-anchor-video"), (2, "renumber")]


def answered(changes, violations, same_line=False):
    """The changes that answer no reported violation (ANSWERS): of their anchor, or of their line."""
    found = {(v.line if same_line else v.anchor, v.rule) for v in violations}
    return [c for c in changes if not any(((c.line if same_line else c.anchor), rule) in found
                                          for rule in ANSWERS[c.action])]


def test_every_change_of_the_fixer_answers_a_reported_violation(tmp_path, anchors):
    del anchors["a3"]
    run = lenient(tmp_path, MESSY)
    fixed, changes = fix_run(run, VIDEOS, BLACKLIST, anchors)
    assert answered(changes, check_run(run, VIDEOS, BLACKLIST, anchors)) == []
    # and the check is not vacuous: without the end rule, the clip of line 5 answers nothing
    left = answered(changes, check_run(run, VIDEOS, BLACKLIST, anchors, video_end=False))
    assert [(c.line, c.action) for c in left] == [(5, "clip-video-end")]
    assert set(ANSWERS) == set(FIXES) and all(rules <= set(RULES) for rules in ANSWERS.values())


def test_every_fix_is_exercised():
    assert {a for _, a in CHANGES} | {"truncate", "drop-anchor-video"} == set(FIXES)
    with pytest.raises(ValueError, match="unknown fix"):
        Change(1, "a1", "nope", "")


def test_lenient_reader_keeps_every_line(tmp_path):
    parsed = lenient(tmp_path, "a Q0 v 0.40 0.20 0 nan r\na Q0 v 0.61 x 1 0.5 r\na Q0 v\n")
    assert parsed.lines == [1, 2, 3]
    assert parsed.items[0] == RawRunLine("a", "v", 40, 20, 0, parsed.items[0].score, "r", parsed.items[0].problems)
    assert [rule for rule, _ in parsed.items[0].problems] == ["rank", "score"]
    assert [m for _, m in parsed.items[1].problems] == [
        "start time: '0.61': seconds must be 00-59 in M.SS notation",
        "end time: 'x' is not a time in M.SS (minutes.seconds) notation",
    ]
    assert parsed.items[2].problems[0][0] == "fields" and parsed.items[2].video == "v"


# The real TRECVID 2016 runs.
VALID, INVALID = "tv16lnk_HMI2014_L_2_Sh_U_N_Valid.txt", "tv16lnk_HMI2014_L_1_Sh_U_N_Invalid.txt"


@pytest.fixture(scope="module")
def tv16():
    root = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "trecvid2016-linking"
    if not root.is_dir():
        pytest.skip(f"{root} is absent (the shared datasets live beside the repository, see README)")
    videos = {v.id: v.duration for v in read_collection(root / "bliptv2.txt")}
    anchors = {a.id: a for a in read_anchors(root / "tv16hlk_test_anchors.xml")}
    return root, videos, set(read_blacklist(root / "bliptv2.blacklist.txt")), anchors


@pytest.mark.data
def test_valid_run_has_no_violation(tv16):
    root, videos, blacklist, anchors = tv16
    run = read_run(root / VALID, strict=False)
    assert check_run(run, videos, set(), anchors, video_end=False) == []
    # The official check ignores the blacklist; given one, its two lines in vid03249 are reported.
    found = check_run(run, videos, blacklist, anchors, video_end=False)
    assert [(v.line, v.rule) for v in found] == [(4191, "blacklisted"), (7432, "blacklisted")]
    # It tests only starts against the video's length; 1,611 ends pass the listed length (the fixer clips them).
    found = check_run(run, videos, set(), anchors)
    assert Counter(v.rule for v in found) == {"end-beyond-video": 1611}


@pytest.mark.data
@pytest.mark.parametrize("name", [VALID, INVALID])
@pytest.mark.parametrize("video_end", [True, False])
def test_every_change_to_a_real_run_answers_a_violation_of_its_line(tv16, name, video_end):
    root, videos, blacklist, anchors = tv16
    run = read_run(root / name, strict=False)
    fixed, changes = fix_run(run, videos, blacklist, anchors, video_end=video_end)
    found = check_run(run, videos, blacklist, anchors, video_end=video_end)
    left = answered(changes, found, same_line=True)
    assert {c.action for c in left} <= {"renumber"}  # ranks that move up after a dropped line
    assert answered(changes, found) == []


@pytest.mark.data
def test_invalid_run_breaks_the_duration_rule_and_overlaps(tv16):
    root, videos, _, anchors = tv16
    run = read_run(root / INVALID, strict=False)
    assert Counter(v.rule for v in check_run(run, videos, set(), anchors)) == {
        "end-beyond-video": 2725, "duration": 959, "target-overlap": 17}
    found = check_run(run, videos, set(), anchors, video_end=False)  # the official rules
    assert Counter(v.rule for v in found) == {"duration": 959, "target-overlap": 17}
    lengths = {n: x.end - x.start for n, x in zip(run.lines, run.items)}
    bad = [lengths[v.line] for v in found if v.rule == "duration"]
    assert Counter(length <= 9 for length in bad) == {True: 160, False: 799}
    assert set(bad) == {8, 9, *range(121, 131)}
    assert {v.line for v in found if v.rule == "duration"} == {n for n, d in lengths.items() if not 10 <= d <= 120}
    # 14 of the overlaps are on lines that break nothing else: the official checker, which stops
    # at a line's first error, reports those 14 too (and its 49 starts 1 s past a video's listed end).
    overlap_only = {v.line for v in found if v.rule == "target-overlap"} - {v.line for v in found if v.rule == "duration"}
    assert len(overlap_only) == 14


@pytest.mark.data
@pytest.mark.parametrize("name", [VALID, INVALID])
@pytest.mark.parametrize("video_end", [True, False])
def test_fixed_real_runs_pass(tv16, name, video_end):
    root, videos, blacklist, anchors = tv16
    fixed, changes = fix_run(read_run(root / name, strict=False), videos, blacklist, anchors, video_end=video_end)
    assert check_run(list(enumerate(fixed, 1)), videos, blacklist, anchors, video_end=video_end) == []
    assert len({x.anchor for x in fixed}) == 94 and changes


# `hyperlink check-run` end to end.
COLLECTION = "v 00:05:00\nw 00:03:20\n"
ANCHORS = "anchor_id,video,start,end\na1,v,100,130\n"
GOOD = "a1 Q0 v 0.00 0.20 1 0.9 r\na1 Q0 w 0.00 0.20 2 0.8 r\n"
BAD = GOOD + "a1 Q0 w 0.10 0.30 3 0.7 r\na1 Q0 v 1.35 1.40 4 0.6 r\n"


@pytest.fixture
def files(tmp_path):
    for name, text in (("c.txt", COLLECTION), ("a.csv", ANCHORS), ("good.txt", GOOD), ("bad.txt", BAD)):
        (tmp_path / name).write_text(text)
    return tmp_path


def check(files, run, *extra):
    return main(["check-run", str(files / run), "--collection", str(files / "c.txt"), "--anchors", str(files / "a.csv"), *extra])


def test_cli_valid_run_exits_0(files, capsys):
    assert check(files, "good.txt") == 0
    assert "good.txt: valid" in capsys.readouterr().out


def test_cli_lists_violations_and_exits_3(files, capsys):
    assert check(files, "bad.txt") == 3
    out, err = capsys.readouterr()
    run = str(files / "bad.txt")
    assert f"{run}:3: [target-overlap] target [0.10-0.30] overlaps the target [0.00-0.20] of line 2" in out
    assert f"{run}:4: [duration]" in out and f"{run}:4: [anchor-overlap]" in out
    assert "3 violation(s)" in out and "target-overlap" in out.split("violation(s)")[1]
    assert "error:" in err and "repair them with --fix OUT" in err


def test_cli_fix_writes_a_valid_run(files, capsys):
    assert check(files, "bad.txt", "--fix", str(files / "fixed.txt"), "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False and doc["counts"] == {"duration": 1, "anchor-overlap": 1, "target-overlap": 1}
    assert doc["written"] == 4 and doc["remaining"] == [] and doc["change_counts"]["clip-target"] == 1
    assert (files / "fixed.txt").read_text().splitlines()[2:] == ["a1 Q0 w 0.20 0.30 3 0.7 r", "a1 Q0 v 1.29 1.39 4 0.6 r"]
    assert check(files, "fixed.txt") == 0


def test_cli_refuses_to_overwrite_the_run(files, capsys):
    assert check(files, "bad.txt", "--fix", str(files / "bad.txt")) == 3
    assert "would overwrite the run" in capsys.readouterr().err


@pytest.mark.data
def test_cli_on_the_real_invalid_run(tv16, capsys, tmp_path):
    root = tv16[0]
    args = ["check-run", str(root / INVALID), "--collection", str(root / "bliptv2.txt"), "--anchors", str(root / "tv16hlk_test_anchors.xml")]
    assert main(args) == 3
    out = capsys.readouterr().out
    assert "3701 violation(s)" in out and out.count("[duration]") == 959 and out.count("[end-beyond-video]") == 2725
    assert main([*args, "--official"]) == 3
    out = capsys.readouterr().out
    assert "976 violation(s)" in out and "[end-beyond-video]" not in out
    assert main([*args, "--fix", str(tmp_path / "fixed.txt")]) == 0
    capsys.readouterr()
    args[1] = str(tmp_path / "fixed.txt")
    assert main(args) == 0


def test_cli_takes_collection_anchors_and_blacklist_from_the_store(files, cli):
    (files / "bl.txt").write_text("w\n")
    for args in (("collection", files / "c.txt"), ("anchors", files / "a.csv"), ("blacklist", files / "bl.txt")):
        assert cli("ingest", *args)[0] == 0
    code, out, err = cli("check-run", files / "good.txt")  # line 2 is in w, blacklisted in the store
    assert code == 3 and f"{files / 'good.txt'}:2: [blacklisted]" in out
    assert ("checked against: collection from the store (2 videos), anchors from the store (1 anchors), "
            "blacklist from the store (1 videos)") in err
    assert "1 violation(s)" in out and "blacklisted  the video must not be blacklisted (not an official rule)" in out
    code, out, err = cli("check-run", files / "good.txt", "--official")
    assert code == 0 and "valid, no rule broken" in out and "blacklist from" not in err
    code, out, err = cli("check-run", files / "good.txt", "--collection", files / "c.txt", "--anchors", files / "a.csv")
    assert code == 0 and f"collection from {files / 'c.txt'} (2 videos)" in err  # files given: the store is not read
    assert "blacklist from" not in err


def test_cli_without_a_store_or_files_says_what_to_pass(files, cli):
    code, _, err = cli("check-run", files / "good.txt", "--collection", files / "c.txt", db_path=str(files / "none.db"))
    assert code == 4 and "Traceback" not in err  # the store is needed for the anchors, and absent
    code, _, err = cli("check-run", files / "good.txt", "--anchors", files / "a.csv", "--collection", files / "c.txt",
                       "--official", "--blacklist", files / "a.csv")
    assert code == 3 and "--blacklist and --official contradict" in err


def test_cli_fix_into_a_folder_is_input_error(files, capsys):
    assert check(files, "bad.txt", "--fix", str(files)) == 3
    out, err = capsys.readouterr()
    assert "--fix names a folder" in err and "Traceback" not in err and out == ""
