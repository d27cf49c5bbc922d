"""Readers and writer of qrels and linking runs: formats, .gz, and FILE:LINE errors."""

import gzip

import pytest

from hyperlink.errors import InputError
from hyperlink.evaluate.trec import RunLine, read_qrels, read_run, write_run

QRELS = "anchor_1 Q0 v1 1.05 1.30 1\nanchor_1 Q0 v2 0.00 0.20 0\n"
RUN = "anchor_1 Q0 v1 1.00 1.20 1 0.9 myrun\n\nanchor_1 Q0 v2 0.10 0.25 2 0.5 myrun\n"


def write(path, text, gz=False):
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


def test_read_qrels_times_in_seconds_with_line_numbers(tmp_path):
    parsed = read_qrels(write(tmp_path / "q.txt", QRELS))
    j = parsed.items[0]
    assert (j.anchor, j.video, j.start, j.end, j.rel) == ("anchor_1", "v1", 65, 90, 1)
    assert parsed.lines == [1, 2]


@pytest.mark.parametrize("gz", [False, True])
def test_read_run_plain_and_gz(tmp_path, gz):
    parsed = read_run(write(tmp_path / ("r.txt.gz" if gz else "r.txt"), RUN, gz))
    assert parsed.items[1] == RunLine("anchor_1", "v2", 10, 25, 2, 0.5, "myrun")
    assert parsed.lines == [1, 3]  # the blank line is skipped but still counted


def test_gzip_is_detected_by_content_not_name(tmp_path):
    assert len(read_run(write(tmp_path / "run.txt", RUN, gz=True))) == 2


@pytest.mark.parametrize(
    "line,message",
    [
        ("anchor_1 Q0 v1 1.00 1.20 1 0.9", "r.txt:2: expected 8 fields"),
        ("anchor_1 Q0 v1 1.00 1.20 1.0 1 0.9 run", "search run, with a jump-in point, has 9"),
        ("anchor_1 Q0 v1 1.60 1.70 1 0.9 run", "r.txt:2: start time: '1.60': seconds must be 00-59"),
        ("anchor_1 Q0 v1 1.00 x 1 0.9 run", "r.txt:2: end time: 'x' is not a time"),
        ("anchor_1 Q0 v1 1.00 1.20 first 0.9 run", "r.txt:2: rank must be a whole number"),
        ("anchor_1 Q0 v1 1.00 1.20 0 0.9 run", "r.txt:2: rank must be 1 or more"),
        ("anchor_1 Q0 v1 1.00 1.20 1 high run", "r.txt:2: score must be a number"),
        ("anchor_1 Q0 v1 1.20 1.00 1 0.9 run", "r.txt:2: target ends (1.00) before it starts (1.20); swap"),
    ],
)
def test_malformed_run_lines_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path / "r.txt", "anchor_1 Q0 v1 1.00 1.20 1 0.9 run\n" + line + "\n")
    with pytest.raises(InputError) as err:
        read_run(path)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "line,message",
    [
        ("anchor_1 Q0 v1 1.00 1.20", "q.txt:1: expected 6 fields"),
        ("anchor_1 Q0 v1 1.00 1.20 2", "q.txt:1: relevance must be 0 or 1, found '2'"),
        ("anchor_1 Q0 v1 1.00 1.75 1", "q.txt:1: end time: '1.75': seconds must be 00-59"),
        ("anchor_1 Q0 v1 1.20 1.20 1", "q.txt:1: span end (80) must be after its start (80)"),
    ],
)
def test_malformed_qrels_lines_name_file_and_line(tmp_path, line, message):
    with pytest.raises(InputError) as err:
        read_qrels(write(tmp_path / "q.txt", line + "\n"))
    assert message in str(err.value)


def test_empty_run_and_missing_file_are_clear(tmp_path):
    with pytest.raises(InputError, match="the run is empty"):
        read_run(write(tmp_path / "r.txt", "\n  \n"))
    with pytest.raises(InputError, match="nope.txt: no such file"):
        read_run(tmp_path / "nope.txt")


def test_binary_garbage_is_an_input_error(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match=r"r.txt:1: not UTF-8 \(byte 0xff\)"):
        read_run(path)


def test_non_utf8_is_reported_at_its_line(tmp_path):
    path = tmp_path / "r.txt"
    good = "a1 Q0 v1 0.00 1.00 1 1.0 run\n" * 5000  # past any decoder buffer
    path.write_bytes(good.encode() + b"a1 Q0 v\xe91 0.00 1.00 2 1.0 run\n")
    with pytest.raises(InputError, match=r"r.txt:5001: not UTF-8 \(byte 0xe9\)"):
        read_run(path)


def test_truncated_gzip_is_an_input_error(tmp_path):
    path = tmp_path / "r.txt.gz"
    path.write_bytes(gzip.compress(("a1 Q0 v1 0.00 1.00 1 1.0 run\n" * 2000).encode())[:200])
    with pytest.raises(InputError, match="complete .gz file"):
        read_run(path)


@pytest.mark.parametrize("text", ["9" * 40 + ".00", "9" * 400, "10081.00"])
def test_times_beyond_a_week_are_refused(tmp_path, text):
    path = write(tmp_path / "q.txt", f"a1 Q0 v1 0.00 {text} 1\n")
    with pytest.raises(InputError, match=r"q.txt:1: end time: .* more than a week"):
        read_qrels(path)


def test_a_directory_or_fifo_is_named_as_such(tmp_path):
    import os

    with pytest.raises(InputError, match="is a directory"):
        read_run(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO, not a regular file"):
        read_qrels(fifo)


@pytest.mark.parametrize("name", ["out.txt", "out.txt.gz"])
def test_write_run_round_trips(tmp_path, name):
    lines = [RunLine("anchor_1", "v1", 65, 1055, 1, 0.123456789012, "r"), RunLine("anchor_1", "v2", 7, 20, 2, 1e-7, "r")]
    assert write_run(lines, tmp_path / name) == 2
    assert read_run(tmp_path / name).items == lines
    if name == "out.txt":
        assert (tmp_path / name).read_text().splitlines()[0] == "anchor_1 Q0 v1 1.05 17.35 1 0.123456789012 r"
