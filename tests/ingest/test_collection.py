from __future__ import annotations

import pytest

from hyperlink.errors import InputError
from hyperlink.ingest import read_blacklist, read_collection
from hyperlink.types import Video


def test_official_list(write):
    path = write("c.txt", "# comment\nvidA 00:05:54\n\nvidB 01:00:13\nvidC 90\n")
    got = read_collection(path)
    assert got.items == [Video("vidA", 354.0), Video("vidB", 3613.0), Video("vidC", 90.0)]
    assert got.lines == [2, 4, 5]
    assert got.metadata == [{}, {}, {}]


def test_zero_duration_is_kept_with_a_warning(write):
    got = read_collection(write("c.lst", "a 00:00:10\nb 00:00:00\n"))
    assert [(v.id, v.duration) for v in got] == [("a", 10.0), ("b", 0.0)]
    assert got.warnings == [f"{got.path}:2: video 'b' has duration 0; kept, but no target can be cut from it"]


def test_duplicate_id_names_the_first_line(write):
    path = write("c.txt", "a 00:00:10\nb 00:00:20\na 00:00:30\n")
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert str(e.value) == (
        f"{path}:3: duplicate video id 'a' (first at line 1); video ids must be unique within a file"
    )


@pytest.mark.parametrize(
    "line, message",
    [
        ("a 00:61:00", "duration '00:61:00': minutes and seconds must be 00-59"),
        ("a 1:xx", "duration '1:xx' is not HH:MM:SS (two digits each for minutes and seconds)"),
        ("a2 00:0", "duration '00:0' is not HH:MM:SS (two digits each for minutes and seconds); the line may be cut"),
        ("a 99999999999999999999:00:00", "duration '99999999999999999999:00:00' is more than a week"),
        ("a 700000", "duration '700000' is more than a week"),
        ("a\x00b 00:00:10", "video id 'a\\x00b' holds whitespace or a control character"),
        ("a -5", "duration '-5': times cannot be negative"),
        ("a nan", "duration 'nan' is not a finite number of seconds"),
        ("a", "expected '<videoId> HH:MM:SS', got 1 field(s); the line may be cut short"),
    ],
)
def test_bad_list_lines(write, line, message):
    path = write("c.txt", "ok 00:00:10\n" + line + "\n")
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert e.value.line == 2
    assert e.value.message.startswith(message)


def test_csv_keeps_media_path_and_extra_columns(write):
    path = write("c.csv", "id,duration,media_path,lang\nv1,12.5,/m/v1.mp4,en\nv2,00:01:00,,fr\n")
    got = read_collection(path)
    assert got.items == [Video("v1", 12.5, "/m/v1.mp4"), Video("v2", 60.0, None)]
    assert got.metadata == [{"lang": "en"}, {"lang": "fr"}]
    assert got.lines == [2, 3]


def test_csv_row_cut_short(write):
    path = write("c.csv", "id,duration,media_path\nv1,12.5,/a.mp4\nv2,13")
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert e.value.line == 3
    assert "row has 2 fields; the header has 3 (id, duration, media_path)" in e.value.message


def test_csv_without_duration_column(write):
    with pytest.raises(InputError, match="the header has no 'duration' column"):
        read_collection(write("c.csv", "id,length\nv1,3\n"))


def test_jsonl(write):
    path = write("c.jsonl", '{"id": "v1", "duration": 10, "media_path": "x.mp4", "year": 2008}\n\n'
                            '{"id": "v2", "duration": "00:00:30"}\n')
    got = read_collection(path)
    assert got.items == [Video("v1", 10.0, "x.mp4"), Video("v2", 30.0)]
    assert got.metadata == [{"year": 2008}, {}]
    assert got.lines == [1, 3]


def test_jsonl_truncated_last_line(write):
    path = write("c.ndjson", '{"id": "v1", "duration": 10}\n{"id": "v2", "dura')
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert e.value.line == 2 and e.value.message.startswith("not valid JSON (Unterminated string")


def test_jsonl_missing_key(write):
    with pytest.raises(InputError, match="object has no 'duration'"):
        read_collection(write("c.jsonl", '{"id": "v1"}\n'))


def test_not_utf8(write):
    path = write("c.txt", b"a 00:00:10\nb\xff 00:00:20\n")
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert str(e.value) == f"{path}:2: not UTF-8 (byte 0xff at line 2); re-encode the file as UTF-8"


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_empty_file(write, content):
    path = write("c.txt", content)
    with pytest.raises(InputError) as e:
        read_collection(path)
    assert str(e.value) == f"{path}: file is empty; expected a collection list"


def test_missing_file_and_unknown_extension(tmp_path, write):
    with pytest.raises(InputError, match="no such file"):
        read_collection(tmp_path / "nope.txt")
    with pytest.raises(InputError, match=r"unknown collection list extension '\.xlsx'; use one of \.csv, "):
        read_collection(write("c.xlsx", "a 1\n"))


def test_blacklist(write):
    got = read_blacklist(write("b.txt", "a\n\nb\na\nc"))
    assert got.items == ["a", "b", "c"] and got.lines == [1, 3, 5]
    assert got.warnings == [f"{got.path}:4: 'a' repeats line 1; ignored"]


def test_blacklist_empty_is_a_warning_and_two_fields_an_error(write):
    assert read_blacklist(write("b.txt", "")).items == []
    with pytest.raises(InputError, match="expected one video id per line, got 2 fields"):
        read_blacklist(write("b2.txt", "a 00:00:10\n"))


@pytest.mark.data
def test_mediaeval_2014_collection(datasets):
    got = read_collection(datasets / "mediaeval2014-linking" / "cAXES.txt")
    assert len(got) == 3520 and not got.warnings
    assert got.items[0] == Video("v20080512_001000_bbcone_weatherview", 354.0)
    assert len(read_blacklist(datasets / "mediaeval2014-linking" / "cAXES.blacklist.txt")) == 52


@pytest.mark.data
def test_trecvid_2016_collection(datasets):
    got = read_collection(datasets / "trecvid2016-linking" / "bliptv2.txt")
    # 11,482 lines; vid01010 and vid08297 say 00:00:00: kept, with a warning each.
    assert len(got) == 11482
    assert [w.split(": ")[1] for w in got.warnings] == [
        "video 'vid01010' has duration 0; kept, but no target can be cut from it",
        "video 'vid08297' has duration 0; kept, but no target can be cut from it",
    ]
    assert read_blacklist(datasets / "trecvid2016-linking" / "bliptv2.blacklist.txt").items == ["vid03249"]


def test_jsonl_overflowing_numbers_and_deep_nesting_are_input_errors(write):
    big = write("big.jsonl", '{"id": "a", "duration": 1' + "0" * 400 + "}\n")
    with pytest.raises(InputError, match="big.jsonl:1: duration '1000.*is not a number of seconds"):
        read_collection(big)
    inf = write("inf.jsonl", '{"id": "a", "duration": 1e400}\n')
    with pytest.raises(InputError, match="inf.jsonl:1: duration 'inf' is not a finite number"):
        read_collection(inf)
    deep = write("deep.jsonl", "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputError, match="deep.jsonl:1: JSON nested too deeply"):
        read_collection(deep)
