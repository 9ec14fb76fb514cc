"""The same story, once: stories made by the build (both ways of writing, full and incremental),
read by the engine, and shown one per story by the search, the pages and the API."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPOSTS, write_reposts
from indexer import build as build_module
from indexer import generations
from indexer.build import build
from indexer.duplicates import STORIES_FILE, Stories
from indexer.engine import Generation
from indexer.engine.stories import StoryColumn, collapse, collapse_ranked
from indexer.extract import doc_id
from indexer.service import BadRequest, IndexHandle, parse_params, search

ORIGINALS = sorted({original for original, *_ in REPOSTS})


def stories_of(index: Path) -> Stories:
    return Stories.load(generations.current(index) / STORIES_FILE)


def expected_groups(paths: list[str]) -> list[set[str]]:
    """Each original with its reposts, as page ids."""
    groups = []
    for original in ORIGINALS:
        members = {doc_id(original)} | {doc_id(p) for p in paths if Path(p).stem.startswith(Path(original).stem)}
        groups.append(members)
    return groups


@pytest.fixture(scope="module")
def handle(repost_index):
    return IndexHandle(repost_index, warm_seconds=0)


def test_the_build_groups_reposts_with_their_original_and_nothing_else(repost_index, repost_archive):
    reposts = [p.relative_to(repost_archive).as_posix() for p in repost_archive.rglob("*-dang-lai-*.html")]
    found = [set(m) for m in stories_of(repost_index).members().values()]
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected_groups(reposts)))
    report = generations.read_json(generations.current(repost_index) / "report.json")
    assert "stories" in report["phases"]


def test_sharded_and_single_writer_builds_make_the_same_stories(repost_archive, repost_index, tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "SHARD_MIN_PAGES", 20)
    sharded = tmp_path / "sharded"
    build([repost_archive], sharded, workers=2, quiet=True)
    assert generations.read_json(generations.current(sharded) / "report.json")["shards"]  # written in shards
    one, two = stories_of(repost_index), stories_of(sharded)
    assert (one.ids == two.ids).all() and (one.groups == two.groups).all()
    assert (one.signatures == two.signatures).all()


def test_an_incremental_build_updates_the_stories_and_keeps_their_ids(repost_archive, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(repost_archive, archive)
    index = tmp_path / "index"
    build([archive], index, quiet=True)
    before = stories_of(index)
    big, small = REPOSTS[0][0], REPOSTS[-1][0]  # a story of four pages, one of two
    story = before.group_of(doc_id(big))
    members = set(before.members()[story])
    # one more repost of the first story arrives, one of its reposts is deleted, a page changes
    extra = archive / "sotttt-laocai-gov-vn" / "2022" / "repost-again.html"
    shutil.copy(next(archive.glob("sotttt-laocai-gov-vn/2022/*-dang-lai-exact.html")), extra)
    gone = next(archive.rglob("*-dang-lai-relead.html"))
    gone.unlink()
    changed = archive / small
    changed.write_bytes(changed.read_bytes().replace(b"</body>", b"<p>C\xe1\xba\xadp nh\xe1\xba\xadt.</p></body>"))
    report = build([archive], index, quiet=True)
    assert report.mode == "incremental" and report.added == 1 and report.removed == 1 and report.updated == 1
    after = stories_of(index)
    new_id, gone_id = doc_id(extra.relative_to(archive).as_posix()), doc_id(gone.relative_to(archive).as_posix())
    assert after.group_of(doc_id(big)) == story  # the story keeps its id
    assert set(after.members()[story]) == members - {gone_id} | {new_id}
    assert after.group_of(gone_id) is None
    # the changed page is sketched again and still with its repost; unchanged pages kept their sketch
    assert after.group_of(doc_id(small)) == before.group_of(doc_id(small))
    assert len(after.members()[after.group_of(doc_id(small))]) == 2
    kept = np.isin(after.ids, before.ids) & (after.ids != doc_id(small))
    same = np.isin(before.ids, after.ids[kept])
    assert (after.signatures[kept] == before.signatures[same]).all()


def test_the_engine_reads_the_stories_into_a_column_by_document_number(repost_index):
    generation = Generation.open(generations.current(repost_index))
    stories = stories_of(repost_index)
    for docnum in np.flatnonzero(generation.live)[:80].tolist():
        hit = generation.hit(docnum)
        assert hit.story == stories.group_of(hit.id)
    generation.close()


def test_one_result_per_story_with_the_others_listed_under_it(handle):
    grouped = search(handle, parse_params({"q": "chuyen doi so", "per_page": "100"}))
    every = search(handle, parse_params({"q": "chuyen doi so", "per_page": "100", "collapse": "0"}))
    assert grouped["total"] == every["total"] and grouped["total_groups"] == every["total_groups"]
    assert grouped["total"] - grouped["total_groups"] == len(REPOSTS)  # 4 reposts of 2 stories
    assert len(grouped["results"]) == grouped["total_groups"] and len(every["results"]) == every["total"]
    assert grouped["facets"] == every["facets"]  # facet counts stay per page
    story = next(r for r in grouped["results"] if r["similar_total"] == 3)
    listed = [r["id"] for r in every["results"]]
    members = [story["id"]] + [s["id"] for s in story["similar"]]
    # the best-ranked member leads, the others follow in rank order, each with agency and date
    assert members == [i for i in listed if i in members]
    assert all(s["agency"] and s["date"] and s["title"] for s in story["similar"])
    assert len({s["agency"] for s in story["similar"]} | {story["agency"]}) == 4
    one = search(handle, parse_params({"q": "chuyen doi so", "group": story["group"]}))
    assert sorted(r["id"] for r in one["results"]) == sorted(members) and one["total_groups"] == 1
    with pytest.raises(BadRequest):
        parse_params({"group": "not-a-story"})


def test_paging_and_date_sorting_count_stories(handle):
    pages = [search(handle, parse_params({"q": "chuyen doi so", "page": str(n)})) for n in range(1, 6)]
    assert pages[0]["pages"] == -(-pages[0]["total_groups"] // 10)
    seen = [r["group"] for p in pages for r in p["results"]]
    assert len(seen) == len(set(seen)) == pages[0]["total_groups"]
    newest = search(handle, parse_params({"q": "chuyen doi so", "sort": "newest", "per_page": "100"}))
    dates = [r["date"] for r in newest["results"]]
    assert dates == sorted(dates, reverse=True)
    for r in newest["results"]:  # each story is led by its newest page
        assert all(s["date"] <= r["date"] for s in r["similar"])


def test_the_api_and_the_page_show_the_count_both_ways(repost_index):
    from webapp import create_app

    client = create_app({"INDEX_DIR": str(repost_index), "TESTING": True}).test_client()
    data = client.get("/api/search", query_string={"q": "chuyen doi so"}).get_json()
    total, stories = data["total"], data["total_groups"]
    assert total - stories == len(REPOSTS)
    first = next(r for r in data["results"] if r["similar"])
    assert {"group", "similar"} <= set(first) and set(first["similar"][0]) == {"id", "title", "agency", "date"}
    html = client.get("/search", query_string={"q": "chuyen doi so"}).get_data(as_text=True)
    assert f"<strong>{total}</strong> kết quả, {stories} tin" in html and "và 3 bài tương tự" in html
    assert f'href="/search?q=chuyen+doi+so&amp;group={first["group"]}"' in html
    assert 'id="show-every-page" href="/search?q=chuyen+doi+so&amp;collapse=0"' in html


def test_the_article_page_lists_the_same_story_published_elsewhere(handle, repost_index):
    from indexer.service import document
    from webapp import create_app

    original = doc_id(REPOSTS[0][0])
    doc = document(handle, original)
    assert len(doc["same_story"]) == 3 and original not in {r["id"] for r in doc["same_story"]}
    assert {r["agency"] for r in doc["same_story"]} == {agency for source, _, agency, *_ in REPOSTS if source == REPOSTS[0][0]}
    alone = document(handle, doc_id("mic-gov-vn/2023/thuc-day-chuyen-doi-ipv6-trong-cac-co-quan-nha-nuoc.html"))
    assert alone["same_story"] == []
    html = create_app({"INDEX_DIR": str(repost_index), "TESTING": True}).test_client().get(f"/doc/{original}").get_data(as_text=True)
    assert "Cùng tin này, đăng ở nơi khác" in html and "Sở Thông tin và Truyền thông tỉnh Phú Thọ" in html


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 2000), stories=st.integers(1, 300),
       kept=st.floats(0.01, 1.0), offset=st.integers(0, 40), limit=st.integers(1, 12))
def test_collapsing_the_best_few_gives_what_collapsing_all_gives(seed, size, stories, kept, offset, limit):
    """The ranked collapse orders only the best pages; the page, its stories' other pages and
    the count of stories are those of ordering every page (scores with ties, stories of any size)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, stories, size)
    scores = rng.choice([0.5, 1.0, 1.5, 2.0, 3.25], size) * rng.choice([1.0, 1.0, 1.01], size)
    docnums = np.flatnonzero(rng.random(size) < kept)
    if not len(docnums):
        docnums = np.array([0])
    column = StoryColumn(codes, np.array([f"{i:016x}" for i in range(stories)]))
    everything = collapse(docnums[np.lexsort((docnums, -scores[docnums]))], codes, offset, limit)
    fast = collapse_ranked(docnums, scores, column, offset, limit)
    assert fast.entries == everything.entries
    assert fast.stories == everything.stories == column.count(docnums) == len(set(codes[docnums].tolist()))
