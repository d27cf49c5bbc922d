from __future__ import annotations

import pytest

from hyperlink.errors import InputError
from hyperlink.ingest import read_anchors
from hyperlink.types import Anchor

ME14 = """<?xml version="1.0" ?>
<anchors>
  <anchor>
    <anchorId>anchor_1</anchorId>
    <refId>53b3c46f42b47e459265d06f</refId>
    <startTime>16.38</startTime>
    <endTime>17.35</endTime>
    <fileName>v20080629_killer_whales</fileName>
  </anchor>
  <anchor>
    <anchorId>anchor_2</anchorId>
    <refId>x</refId>
    <startTime>1.05</startTime>
    <endTime>2.5</endTime>
    <fileName>v2</fileName>
  </anchor>
</anchors>
"""
TV15 = """<anchors><anchor><anchorId>anchor_a</anchorId><refId>r</refId><video>vid1</video>
<startTime>0.07</startTime><endTime>3</endTime></anchor></anchors>"""
TV16 = """<?xml version="1.0" encoding="UTF-8"?>
<anchors>
  <anchor>
    <anchorId>anchor_29</anchorId>
    <video>vid06236</video>
    <startTime>27.18</startTime>
    <endTime>27.48</endTime>
  </anchor>
</anchors>"""


def test_mediaeval_2014(write):
    got = read_anchors(write("a.xml", ME14))
    # 16.38 = 998 s, 17.35 = 1055 s, 1.05 = 65 s, 2.5 = 2 min 5 s = 125 s (official M.SS reading)
    assert got.items == [Anchor("anchor_1", "v20080629_killer_whales", 998.0, 1055.0), Anchor("anchor_2", "v2", 65.0, 125.0)]
    assert got.lines == [3, 10]


def test_trecvid_2015_and_2016(write):
    assert read_anchors(write("a.xml", TV15)).items == [Anchor("anchor_a", "vid1", 7.0, 180.0)]
    got = read_anchors(write("b.xml", TV16))
    assert got.items == [Anchor("anchor_29", "vid06236", 1638.0, 1668.0)] and got.lines == [3]


def test_csv(write):
    got = read_anchors(write("a.csv", "anchor_id,video,start,end\nq1,v1,10,20.5\nq2,v2,00:01:00,00:01:30\n"))
    assert got.items == [Anchor("q1", "v1", 10.0, 20.5), Anchor("q2", "v2", 60.0, 90.0)]
    assert got.lines == [2, 3]


def _xml(*anchors: str, root: str = "anchors") -> str:
    return f"<{root}>\n" + "".join(anchors) + f"</{root}>\n"


def _anchor(aid="a1", video="<video>v</video>", start="1.00", end="2.00") -> str:
    return f"<anchor>\n<anchorId>{aid}</anchorId>\n{video}\n<startTime>{start}</startTime>\n<endTime>{end}</endTime>\n</anchor>\n"


@pytest.mark.parametrize(
    "xml, line, message",
    [
        (_xml(_anchor(), root="runs"), 1, "root element is <runs>, not <anchors>; this is not an anchors file"),
        ("<anchors>\n<query/>\n</anchors>", None, "has no <anchor> elements under <anchors>; this is not an anchors file"),
        (_xml(_anchor(video="")), 2, "<anchor> has no <video> or <fileName>; give the video id once"),
        (_xml(_anchor(), _anchor(aid="")), 8, "<anchor> has no anchorId; each anchor needs anchorId, startTime, endTime"),
        (_xml(_anchor(video="<video>v</video><fileName>w</fileName>")), 2, "<anchor> has <video> and <fileName> disagree"),
        (_xml(_anchor(start="1.75")), 5, "startTime '1.75': seconds must be 00-59 in M.SS notation"),
        (_xml(_anchor(start="-1.00")), 5, "startTime '-1.00' is not a time in M.SS"),
        (_xml(_anchor(end="00:02")), 6, "endTime '00:02' is not a time in M.SS"),
        (_xml(_anchor(start="2.00", end="1.00")), 6, "end 60 is not after start 120; a span needs end > start"),
        (_xml(_anchor(start="2.00", end="2.00")), 6, "end 120 is not after start 120"),
        (_xml(_anchor(), _anchor()), 8, "duplicate anchor id 'a1' (first at line 2)"),
        (_xml(_anchor())[:-20], 7, "malformed XML (unclosed token, column 1); the file seems cut off"),
        (_xml(_anchor())[:-12], 7, "malformed XML (no element found, column 10); the file seems cut off"),
        ("<anchors>\n<anchor>\n</anchorx>\n" + "\n" * 3 + "</anchors>", 3, "malformed XML (mismatched tag, column 3); fix the XML there"),
    ],
)
def test_xml_errors(write, xml, line, message):
    path = write("a.xml", xml)
    with pytest.raises(InputError) as e:
        read_anchors(path)
    assert e.value.line == line and e.value.message.startswith(message), str(e.value)


@pytest.mark.parametrize(
    "csv, line, message",
    [
        ("anchor,video,begin,end\nq,v,1,2\n", 1, "the header has no 'start' column"),
        ("anchor_id,video,start,end\nq,v,1,2\nq,v,3,4\n", 3, "duplicate anchor id 'q' (first at line 2)"),
        ("anchor_id,video,start,end\nq,v,5,2\n", 2, "end 2 is not after start 5"),
        ("anchor_id,video,start,end\nq,v,-5,2\n", 2, "start '-5': times cannot be negative"),
        ("anchor_id,video,start,end\nq,v,1,2\nr,v,1", 3, "row has 3 fields; the header has 4"),
    ],
)
def test_csv_errors(write, csv, line, message):
    path = write("a.csv", csv)
    with pytest.raises(InputError) as e:
        read_anchors(path)
    assert e.value.line == line and e.value.message.startswith(message), str(e.value)


def test_not_utf8_empty_and_not_xml(write):
    path = write("a.xml", _xml(_anchor(video="<video>caf\u00e9</video>")).encode("latin-1"))
    with pytest.raises(InputError) as e:
        read_anchors(path)
    assert str(e.value) == f"{path}:4: not UTF-8 (byte 0xe9 at line 4); re-encode the file as UTF-8"
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + _xml(_anchor(video="<video>caf\u00e9</video>")))
    assert read_anchors(write("b.xml", latin.encode("latin-1"))).items[0].video == "caf\u00e9"
    with pytest.raises(InputError, match="file is empty; expected an anchors file"):
        read_anchors(write("c.xml", "  \n"))
    with pytest.raises(InputError, match=r"d.xml:1: malformed XML \(syntax error"):
        read_anchors(write("d.xml", "anchor_id,video,start,end\n"))


@pytest.mark.data
def test_mediaeval_2014_anchors(datasets):
    got = read_anchors(datasets / "mediaeval2014-linking" / "me14sh_linking_testSet_anchors.xml")
    assert len(got) == 48
    assert got.items[0] == Anchor("anchor_1", "v20080629_184000_bbctwo_killer_whales_in_the", 998.0, 1055.0)


@pytest.mark.data
def test_trecvid_2016_anchors(datasets):
    got = read_anchors(datasets / "trecvid2016-linking" / "tv16hlk_test_anchors.xml")
    assert len(got) == 94
    assert got.items[0] == Anchor("anchor_29", "vid06236", 1638.0, 1668.0)
    assert got.items[-1].id == "anchor_122"
