"""Near-duplicates: reposts of one story share a story id; other pages and boilerplate-sized pages
do not; ids survive the next build. Real pages of corpus/ as the stories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.duplicates import MIN_SHINGLES, Sketcher, Stories, page_terms, shingle_hashes, similar
from indexer.extract import doc_id, extract_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    """The ten longest articles of corpus/ (230-300 words)."""
    found = sorted((extract_file(path, CORPUS).body for path in CORPUS.rglob("*.html")), key=len, reverse=True)
    assert len(found) >= 10 and len(found[9].split()) > 200
    return found[:10]


@pytest.fixture(scope="module")
def sketcher() -> Sketcher:
    return Sketcher()


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n") if p.strip()]


def test_a_repost_shortened_or_re_led_is_the_same_story(bodies, sketcher):
    original = bodies[0]
    paras = paragraphs(original)
    header = "Sở Thông tin và Truyền thông tỉnh Lào Cai đăng lại bài viết.\n"
    exact = header + original + "\nNguồn: Cổng thông tin điện tử Bộ."
    shortened = "\n".join(paras[:3] + paras[4:])
    re_led = "Tin từ cơ quan chủ quản.\n" + "\n".join(paras[1:])
    first_half = "\n".join(paras[: max(3, len(paras) // 2 + 1)])
    edited = original.replace(" và ", " cùng ", 3).replace("năm", "năm nay", 2)
    base = sketcher.sketch(original)
    for repost in (exact, shortened, re_led, first_half, edited):
        assert similar(base, sketcher.sketch(repost)), repost[:80]


def test_different_articles_are_not_grouped(bodies, sketcher):
    sketches = [sketcher.sketch(b) for b in bodies]
    for i in range(len(sketches)):
        for j in range(i + 1, len(sketches)):
            assert not similar(sketches[i], sketches[j])


def test_boilerplate_sized_pages_are_never_grouped(sketcher):
    # the same few words on many pages say nothing about the documents behind them
    notice = "Xem chi tiết nội dung văn bản tại tệp đính kèm. Lịch tiếp công dân của Lãnh đạo Sở tháng này."
    a, b = sketcher.sketch(notice), sketcher.sketch(notice)
    assert a.shingles < MIN_SHINGLES
    assert not similar(a, b)
    stories = Stories.build({"a" * 16: a, "b" * 16: b})
    assert stories.members() == {}


def test_shingles_ignore_tone_placement_and_encoding_form():
    # old-style tone placement and decomposed (NFD) text: the same shingles as the page as typed
    modern = "Ủy ban nhân dân tỉnh hoà giải thành công, thuỷ lợi được chú trọng trong năm nay"
    old = "Uỷ ban nhân dân tỉnh hòa giải thành công, thủy lợi được chú trọng trong năm nay"
    import unicodedata

    nfd = unicodedata.normalize("NFD", modern)
    assert set(shingle_hashes(page_terms(modern))) == set(shingle_hashes(page_terms(old))) == set(
        shingle_hashes(page_terms(nfd)))


def test_sketches_are_the_same_in_another_process(bodies, sketcher):
    # stored signatures are compared with those of later builds: no per-process hash seed
    code = ("import sys; from indexer.duplicates import Sketcher; "
            "print(' '.join(map(str, Sketcher().sketch(sys.stdin.read()).signature[:8])))")
    out = subprocess.run([sys.executable, "-c", code], input=bodies[1], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert [int(x) for x in out] == sketcher.sketch(bodies[1]).signature[:8].tolist()


def ids(n: int) -> list[str]:
    return [doc_id(f"page-{i}.html") for i in range(n)]


def test_story_ids_are_kept_by_the_next_build(bodies, sketcher, tmp_path):
    pages = ids(12)
    sketches = {pages[i]: sketcher.sketch(bodies[i]) for i in range(8)}
    first_three = "\n".join(paragraphs(bodies[0])[:-2])
    sketches[pages[8]] = sketcher.sketch(first_three)  # a repost of story 0
    stories = Stories.build(sketches)
    story = stories.group_of(pages[0])
    assert stories.group_of(pages[8]) == story == min(pages[0], pages[8])
    assert len(stories.members()) == 1
    stories.save(tmp_path / "stories.npz")
    loaded = Stories.load(tmp_path / "stories.npz")
    assert loaded.as_dict() == stories.as_dict()
    assert np.array_equal(loaded.signatures, stories.signatures)

    # the next build: another repost joins, the page that gave the story its id is deleted,
    # an unrelated page is added; the story keeps its id, nothing else moves
    repost = "Bài đăng lại.\n" + bodies[0]
    after = loaded.update({pages[9]: sketcher.sketch(repost), pages[10]: sketcher.sketch(bodies[9])},
                          removed=[min(pages[0], pages[8])])
    assert len(after) == 10
    survivors = [p for p in (pages[0], pages[8], pages[9]) if p != min(pages[0], pages[8])]
    assert {after.group_of(p) for p in survivors} == {story}
    assert after.group_of(min(pages[0], pages[8])) is None
    for p in pages[1:8]:
        assert after.group_of(p) == stories.group_of(p) == p
    assert after.group_of(pages[10]) == pages[10]

    # a changed page that is no longer a repost leaves the story; the story keeps its id
    changed = after.update({pages[9]: sketcher.sketch(bodies[8])})
    assert changed.group_of(pages[9]) == pages[9]
    assert changed.group_of(survivors[0]) == story


def test_a_story_split_in_two_keeps_its_id_on_the_larger_part(bodies, sketcher):
    # A ~ bridge ~ B, where A and B alone are not similar: removing the bridge splits the story
    a_paras, b_paras = paragraphs(bodies[2]), paragraphs(bodies[3])
    bridge = "\n".join(a_paras + b_paras)
    pages = ids(5)
    sketches = {pages[0]: sketcher.sketch(bodies[2]), pages[1]: sketcher.sketch(bodies[2] + "\nHết."),
                pages[2]: sketcher.sketch(bridge), pages[3]: sketcher.sketch(bodies[3])}
    stories = Stories.build(sketches)
    assert len({stories.group_of(p) for p in pages[:4]}) == 1
    story = stories.group_of(pages[0])
    split = stories.update({}, removed=[pages[2]])
    assert split.group_of(pages[0]) == split.group_of(pages[1]) == story
    assert split.group_of(pages[3]) not in (story, None)


def test_sketch_size_mismatch_is_refused(sketcher):
    stories = Stories.build({ids(1)[0]: sketcher.sketch("một hai ba " * 30)})
    from indexer.duplicates import Sketch

    with pytest.raises(ValueError):
        stories.update({ids(2)[1]: Sketch(np.zeros(64, dtype=np.uint32), 40)})


CONTACTS = ("Mọi thông tin chi tiết xin liên hệ Văn phòng Sở Thông tin và Truyền thông, số điện thoại 0214 3840 123, "
            "địa chỉ thư điện tử vanphong@laocai.gov.vn để được hướng dẫn cụ thể về hồ sơ và thủ tục theo quy định "
            "hiện hành của pháp luật.")


def test_short_notices_sharing_the_portals_standard_paragraph_are_not_one_story(sketcher):
    hiring = ("Thông báo tuyển dụng viên chức năm 2023: Sở tuyển 05 chỉ tiêu kỹ sư công nghệ thông tin làm việc tại "
              "Trung tâm Công nghệ thông tin và Truyền thông, thời hạn nộp hồ sơ đến hết ngày 15/5/2023. " + CONTACTS)
    hearings = ("Thông báo lịch tiếp công dân tháng 6 năm 2023 của Giám đốc Sở: ngày 12/6 và ngày 26/6 tại phòng tiếp "
                "công dân, tầng 1 trụ sở Sở Thông tin và Truyền thông tỉnh Lào Cai. " + CONTACTS)
    a, b = sketcher.sketch(hiring), sketcher.sketch(hearings)
    assert (a.signature == b.signature).mean() > 0.25  # they do share a third of their shingles
    assert not similar(a, b)
    # (a notice that is nearly all standard paragraph, ten words of its own, still looks like the
    # next one: that needs the paragraph cleaned away, or a filter of shingles common to many pages)
    # the same notice reposted under another header is still one story
    assert similar(a, sketcher.sketch("Tin từ Cổng thông tin điện tử tỉnh.\n" + hiring))


def test_a_story_reposted_a_hundred_times_is_one_story(bodies, sketcher):
    # one band value shared by more pages than MAX_BUCKET: compared along its sorted run, and the
    # story still comes out whole, unrelated pages outside it
    pages = ids(110)
    sketches = {pages[i]: sketcher.sketch(f"Đăng lại lần {i}.\n" + bodies[4]) for i in range(100)}
    sketches.update({pages[100 + i]: sketcher.sketch(bodies[i]) for i in range(10) if i != 4})
    stories = Stories.build(sketches)
    assert len({stories.group_of(p) for p in pages[:100]}) == 1
    assert all(stories.group_of(p) == p for p in pages[100:] if p in sketches)


def test_collapse_keeps_the_best_ranked_page_of_each_story():
    group_of = {"a": "s1", "b": "s2", "c": "s1", "d": "s3", "e": "s1"}
    from indexer.duplicates import collapse

    assert collapse(["c", "b", "a", "x", "e", "d"], group_of) == [("c", ["a", "e"]), ("b", []), ("x", []), ("d", [])]
    assert collapse([], group_of) == []
