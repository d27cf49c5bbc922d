"""The HTML pages: anchors, one anchor's targets with relevance colours and measures from the evaluator,
two sources side by side, playback of the span, thumbnails or placeholders, assessor forms, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from hyperlink.evaluate.report import evaluate_run
from hyperlink.evaluate.relevance import build_qrels
from hyperlink.evaluate.trec import RunLine
from hyperlink.store import Store
from hyperlink.types import shares_seconds

from .conftest import NO_MEDIA


class Targets(HTMLParser):
    """Each <li class="target ..."> of each column: its classes and data attributes."""

    def __init__(self):
        super().__init__()
        self.columns: list[tuple[str, list[dict]]] = []
        self.videos: list[dict] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "column" in a.get("class", ""):
            self.columns.append((a["data-source"], []))
        elif tag == "li" and "target" in a.get("class", "").split():
            self.columns[-1][1].append({"classes": set(a["class"].split()), "video": a["data-video"],
                                        "start": float(a["data-start"]), "end": float(a["data-end"])})
        elif tag == "video":
            self.videos.append(a)
        elif tag == "img":
            self.images.append(a["src"])


def parse(html: str) -> Targets:
    p = Targets()
    p.feed(html)
    return p


def test_the_anchor_list_links_every_anchor(demo, client_of):
    r = client_of(demo).get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    with Store.open(demo.db, create=False) as store:
        ids = [a.id for a in store.anchors()]
    for anchor in ids:
        assert f'href="/anchors/{anchor}?model=' in r.text
    assert r.text.count('class="anchor-link"') == len(ids)


def test_colours_and_measures_follow_the_evaluator(demo, client_of):
    client = client_of(demo)
    with Store.open(demo.db, create=False) as store:
        qrels = build_qrels(store.judgments())
    for anchor in ("anchor_1", "anchor_5"):
        html = client.get(f"/anchors/{anchor}", params={"model": "tiny", "k": 10}).text
        (source, targets), = parse(html).columns
        api = client.get(f"/api/anchors/{anchor}/targets", params={"model": "tiny", "k": 10}).json()["hits"]
        assert source == "tiny" and [(t["video"], t["start"], t["end"]) for t in targets] == \
            [(h["video"], h["start"], h["end"]) for h in api]
        colour = {1: "rel-1", 0: "rel-0", None: "rel-u"}
        assert [colour[h["relevant"]] in t["classes"] for t, h in zip(targets, api)] == [True] * len(api)
        # the measures shown are the official evaluator's on the same ranking
        lines = [RunLine(anchor, h["video"], h["start"], h["end"], h["rank"], h["score"], "x") for h in api]
        official = evaluate_run({anchor: qrels[anchor]}, lines, "x").per_anchor[anchor]
        for css, measure in (("p5", "P_5"), ("p10", "P_10"), ("ap", "map")):
            shown = re.search(rf'<b class="{css}">([0-9.]+)</b>', html).group(1)
            assert shown == f"{official[measure]:.3f}", (anchor, measure)


def test_two_sources_side_by_side_mark_what_only_one_found(demo, client_of):
    html = client_of(demo, runs=[demo.run]).get("/anchors/anchor_3", params={"model": "tiny", "other": "text-run"}).text
    (a_name, a), (b_name, b) = parse(html).columns
    assert (a_name, b_name) == ("tiny", "text-run") and len(a) == len(b) == 10

    def alone(t, others):
        return not any(t["video"] == o["video"] and shares_seconds(t["start"], t["end"], o["start"], o["end"])
                       for o in others)

    assert [("only" in t["classes"]) for t in a] == [alone(t, b) for t in a]
    assert [("only" in t["classes"]) for t in b] == [alone(t, a) for t in b]
    assert any("only" in t["classes"] for t in a + b), "the two rankings should differ somewhere"


def test_playback_of_exactly_the_span_and_thumbnails_or_placeholders(demo, client_of):
    client = client_of(demo)
    with Store.open(demo.db, create=False) as store:
        anchor = next(a for a in store.anchors() if a.id == "anchor_1")
        no_media = {v.id for v in store.videos() if not v.media_path}
    assert len(no_media) == NO_MEDIA
    page = parse(client.get("/anchors/anchor_1", params={"model": "tiny", "k": 30}).text)
    main = next(v for v in page.videos if v.get("id") == "anchor-video")
    assert main["src"] == f"/media/{anchor.video}#t={anchor.start:g},{anchor.end:g}"
    targets = page.columns[0][1]
    for t in targets:
        if t["video"] in no_media:
            continue
        assert any(v["src"] == f"/media/{t['video']}#t={t['start']:g},{t['end']:g}" for v in page.videos)
    with_media = [t for t in targets if t["video"] not in no_media]
    assert len(page.images) == 3 * len(with_media)
    assert client.get(page.images[0]).headers["content-type"] == "image/jpeg"
    html = client.get("/anchors/anchor_1", params={"model": "tiny", "k": 30}).text
    shown = sum(1 for t in targets if t["video"] in no_media)
    assert shown, "some target should come from a video without media"
    assert html.count("no media file recorded for") == shown


def test_the_page_judges_in_assessor_mode_only(demo_copy, client_of):
    viewer = client_of(demo_copy)
    assert 'action="/judge"' not in viewer.get("/anchors/anchor_2", params={"model": "tiny"}).text
    client = client_of(demo_copy, assess=True)
    html = client.get("/anchors/anchor_2", params={"model": "tiny"}).text
    assert html.count('action="/judge"') == 10
    target = next(t for t in parse(html).columns[0][1] if "rel-u" in t["classes"])
    before = client.get("/api/qrels").text
    r = client.post("/judge", data={"anchor": "anchor_2", "video": target["video"], "start": target["start"],
                                    "end": target["end"], "rel": "0", "back": "/anchors/anchor_2?model=tiny"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/anchors/anchor_2?model=tiny"
    assert len(client.get("/api/qrels").text.splitlines()) == len(before.splitlines()) + 1
    after = parse(client.get("/anchors/anchor_2", params={"model": "tiny"}).text).columns[0][1]
    same = next(t for t in after if (t["video"], t["start"]) == (target["video"], target["start"]))
    assert "rel-0" in same["classes"]
    # the page marks the stored mark and offers to clear it; the other mark replaces it, "clear" withdraws it
    html = client.get("/anchors/anchor_2", params={"model": "tiny"}).text
    assert html.count('class="no chosen"') == 1 and html.count('value="clear"') == 1
    fields = {"anchor": "anchor_2", "video": target["video"], "start": target["start"], "end": target["end"],
              "back": "/anchors/anchor_2?model=tiny"}
    assert client.post("/judge", data=fields | {"rel": "1"}, follow_redirects=False).status_code == 303
    html = client.get("/anchors/anchor_2", params={"model": "tiny"}).text
    assert html.count('class="yes chosen"') == 1 and html.count('class="no chosen"') == 0
    assert len(client.get("/api/qrels").text.splitlines()) == len(before.splitlines()) + 1
    assert client.post("/judge", data=fields | {"rel": "clear"}, follow_redirects=False).status_code == 303
    assert client.get("/api/qrels").text == before
    html = client.get("/anchors/anchor_2", params={"model": "tiny"}).text
    assert 'value="clear"' not in html and " chosen" not in html
    cleared = next(t for t in parse(html).columns[0][1] if (t["video"], t["start"]) == (target["video"], target["start"]))
    assert "rel-u" in cleared["classes"]
    assert client.post("/judge", data=fields | {"rel": "0"}, follow_redirects=False).status_code == 303  # as before
    # a redirect never leaves the server
    r = client.post("/judge", data={"anchor": "anchor_2", "video": target["video"], "start": target["start"],
                                    "end": target["end"], "rel": "0", "back": "https://example.org/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_user_text_is_shown_literally(demo_copy, client_of):
    from hyperlink.parsed import Parsed
    from hyperlink.types import Anchor

    odd = 'x<script>alert("1")</script>&'
    with Store.open(demo_copy.db, create=False) as store, store.transaction() as tx:
        tx.add_anchors(Parsed("t", [Anchor(odd, "news0001", 0.0, 20.0)], [1]))
    client = client_of(demo_copy)
    listing = client.get("/").text
    assert "<script>" not in listing and "x&lt;script&gt;alert(&#34;1&#34;)&lt;/script&gt;&amp;" in listing
    r = client.get("/anchors/%3Cb%3Enope")
    assert r.status_code == 404 and "&lt;b&gt;nope" in r.text and "<b>nope" not in r.text


@pytest.mark.parametrize("url,status,words", [
    ("/anchors/anchor_1?model=nope", 400, "unknown model or run"),
    ("/anchors/anchor_1?k=abc", 422, "abc"),
    ("/anchors/anchor_1?model=tiny&other=text&k=0", 422, "greater than or equal to 1"),
    ("/anchors/missing", 404, "no anchor"),
    ("/thumbs/news0000/99999999.jpg", 400, "outside news0000"),
    ("/no/such/page", 404, "no such page"),
])
def test_bad_parameters_are_4xx_pages_with_a_message(demo, client_of, url, status, words):
    r = client_of(demo).get(url)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert words in r.text and "Traceback" not in r.text
