"""`hyperlink report-html`: the pages as a static folder whose every link is relative and resolves offline."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from hyperlink.store import Store

from .conftest import cli
from .test_pages import parse

LINK = re.compile(r'(?:href|src)="([^"]*)"')


def _links(folder: Path) -> list[tuple[Path, str]]:
    return [(page, link) for page in folder.rglob("*.html") for link in LINK.findall(page.read_text())]


def test_report_opens_offline_with_the_servers_targets(demo, client_of, tmp_path):
    out = tmp_path / "report"
    code, _, err = cli("--db", demo.db, "report-html", "--out", out, "--model", "tiny", "--model", "text", "-k", "5")
    assert code == 0, err
    with Store.open(demo.db, create=False) as store:
        anchors = [a.id for a in store.anchors()]
    assert sorted(p.stem for p in (out / "anchors").glob("*.html")) == sorted(anchors)
    links = _links(out)
    assert links
    for page, link in links:
        assert not link.startswith(("/", "http:", "https:")), (page, link)
        target = (page.parent / unquote(link.split("#")[0])).resolve()
        assert target.is_file(), (page, link)
    # the same targets, side by side, as the server shows
    client = client_of(demo)
    for anchor in anchors[:3]:
        static = parse((out / "anchors" / f"{anchor}.html").read_text()).columns
        live = parse(client.get(f"/anchors/{anchor}", params={"model": "tiny", "other": "text", "k": 5}).text).columns
        assert static == live
    thumbs = list((out / "thumbs").glob("*.jpg"))
    assert thumbs and all(p.read_bytes()[:2] == b"\xff\xd8" for p in thumbs)
    page = (out / "anchors" / "anchor_1.html").read_text()
    media = [link for p, link in links if p.name == "anchor_1.html" and "#t=" in link]
    assert media and all((out / "anchors" / unquote(m.split("#")[0])).resolve() == demo.media[Path(m.split("#")[0]).stem].resolve()
                         for m in media)
    assert 'action="/judge"' not in page and 'action="/search"' not in page  # nothing that needs the server
    assert (out / "qrels.txt").read_text() == client.get("/api/qrels").text


def test_copy_media_makes_a_folder_that_can_be_moved(demo, tmp_path):
    out = tmp_path / "shared"
    code, _, err = cli("--db", demo.db, "report-html", "--out", out, "--model", "tiny", "--copy-media", "-k", "3")
    assert code == 0, err
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    out.rename(moved)
    for page, link in _links(moved):
        target = (page.parent / unquote(link.split("#")[0])).resolve()
        assert target.is_file() and moved.resolve() in target.parents, (page, link)


def test_a_run_file_can_be_reported_and_a_report_is_replaced(demo, tmp_path):
    out = tmp_path / "r"
    assert cli("--db", demo.db, "report-html", "--out", out, "--run", demo.run, "-k", "3")[0] == 0
    first = (out / "anchors" / "anchor_1.html").read_text()
    assert 'data-source="text-run"' in first
    assert cli("--db", demo.db, "report-html", "--out", out, "--model", "tiny", "-k", "3")[0] == 0
    assert 'data-source="tiny"' in (out / "anchors" / "anchor_1.html").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_bad_outputs_are_refused_and_nothing_is_written(demo, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep me\n")
    code, _, err = cli("--db", demo.db, "report-html", "--out", busy)
    assert code == 3 and "holds no report" in err and (busy / "mine.txt").read_text() == "keep me\n"
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = cli("--db", demo.db, "report-html", "--out", afile)
    assert code == 3 and "not a folder" in err
    code, _, err = cli("--db", demo.db, "report-html", "--out", tmp_path / "no" / "r")
    assert code == 3 and "does not exist" in err
    code, _, err = cli("--db", demo.db, "report-html", "--out", tmp_path / "r3", "--model", "tiny", "--model",
                       "text", "--run", demo.run)
    assert code == 3 and "at most two" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "busy"]
