from __future__ import annotations

import pytest

from hyperlink.errors import InputError
from hyperlink.ingest import read_transcripts
from hyperlink.types import Cue

VTT = """WEBVTT - a test
Kind: captions

NOTE this block is a comment
that spans two lines

STYLE
::cue { color: yellow }

intro
00:00:01.000 --> 00:00:04.000 align:start position:10%
<v Roger Bingham>We are in New York City &amp; it's
<c.loud>hot</c>

00:05.500 --> 00:07.250
Second <i>cue</i>
"""


def test_vtt(write):
    path = write("vid042.vtt", VTT)
    got = read_transcripts(path)
    assert got.items == [
        Cue("vid042", 1.0, 4.0, "We are in New York City & it's hot"),
        Cue("vid042", 5.5, 7.25, "Second cue"),
    ]
    assert got.lines == [11, 15]
    assert read_transcripts(path, video="other").items[0].video == "other"


def test_srt_with_crlf(write):
    srt = "1\r\n00:00:01,000 --> 00:00:04,000\r\n<i>Hello</i>\r\nworld\r\n\r\n2\r\n00:01:00,500 --> 00:01:02,000 X1:40\r\n{\\an8}Bye\r\n"
    got = read_transcripts(write("v7.srt", srt))
    assert got.items == [Cue("v7", 1.0, 4.0, "Hello world"), Cue("v7", 60.5, 62.0, "Bye")]
    assert got.lines == [2, 7]  # a cue's line is its timing line


def test_jsonl(write):
    path = write("t.jsonl", '{"video": "a", "start": 1.5, "end": "00:00:03", "text": " hi  there "}\n')
    assert read_transcripts(path).items == [Cue("a", 1.5, 3.0, "hi there")]
    with pytest.raises(InputError, match="object has no 'video' string"):
        read_transcripts(write("u.jsonl", '{"start": 1, "end": 2, "text": "x"}\n'))
    assert read_transcripts(write("w.jsonl", '{"start": 1, "end": 2, "text": "x"}\n'), video="b").items[0].video == "b"


def test_empty_cue_text_is_a_warning(write):
    got = read_transcripts(write("v.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<c></c>\n\n00:03.000 --> 00:04.000\nok\n"))
    assert [c.text for c in got] == ["ok"]
    assert got.warnings == [f"{got.path}:3: cue has no text; skipped"]


@pytest.mark.parametrize(
    "name, content, line, message",
    [
        ("a.vtt", "00:01.000 --> 00:02.000\nhi\n", 1, "missing the 'WEBVTT' header"),
        ("a.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n\n00:03.000 --> 00", 6,
         "end '00' is not a time in HH:MM:SS notation"),
        ("a.vtt", "WEBVTT\n\n00:05.000 --> 00:02.000\nhi\n", 3, "end 2 is not after start 5; a span needs end > start"),
        ("a.vtt", "WEBVTT\n\n00:05.000 --> 00:05.000\nhi\n", 3, "end 5 is not after start 5"),
        ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n", 5, "cue has a number but no timing line"),
        ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:03,0", 6, "expected a timing line"),
        ("a.srt", "1\n00:00:01,000 -> 00:00:02,000\nhi\n", 2, "expected a timing line 'start --> end'"),
        ("a.srt", "1\n00:00:01,000 --> 00:70:02,000\nhi\n", 2, "end '00:70:02,000': minutes and seconds must be 00-59"),
        ("a.jsonl", '{"video": "a", "start": -1, "end": 2, "text": "x"}\n', 1, "start '-1': times cannot be negative"),
        ("a.jsonl", '{"video": "a", "start": 1, "end": 2, "text": "x"}\n{"video": "a", "st', 2, "not valid JSON"),
        ("a.jsonl", '{"video": "a", "start": 3, "end": 2, "text": "x"}\n', 1, "end 2 is not after start 3"),
    ],
)
def test_errors(write, name, content, line, message):
    path = write(name, content)
    with pytest.raises(InputError) as e:
        read_transcripts(path)
    assert e.value.line == line
    assert e.value.message.startswith(message), e.value.message


def test_not_utf8(write):
    path = write("a.srt", "1\n00:00:01,000 --> 00:00:02,000\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError) as e:
        read_transcripts(path)
    assert str(e.value) == f"{path}:3: not UTF-8 (byte 0xe9 at line 3); re-encode the file as UTF-8"


def test_empty_and_cueless(write):
    with pytest.raises(InputError, match="file is empty; expected a transcript"):
        read_transcripts(write("a.vtt", ""))
    with pytest.raises(InputError, match="holds no cues"):
        read_transcripts(write("b.vtt", "WEBVTT\n\nNOTE nothing here\n"))
