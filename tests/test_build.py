"""Builds over small archives on disk: summaries, bad files, generations, the lock, incremental."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from indexer import engine
from indexer import generations as gen
from indexer.build import build
from indexer.service import IndexHandle, SearchParams, search

ARTICLE = """<html><head><meta charset="utf-8"><title>{title} - Cổng thông tin điện tử Bộ Y tế</title></head>
<body><div class="menu"><a href="/">Trang chủ</a> <a href="/tin">Tin tức</a></div>
<h1>{title}</h1><div class="date">Thứ hai, {date} 09:15</div>
<div class="content"><p>{body}</p><p>Bộ Y tế đề nghị các đơn vị triển khai nghiêm túc, báo cáo kết quả trước ngày 30/11.</p></div>
<div class="footer">Cổng thông tin điện tử Bộ Y tế. Địa chỉ: 138A Giảng Võ, Ba Đình, Hà Nội</div></body></html>"""


def write_page(folder: Path, name: str, title: str, body: str, date: str = "02/03/2021") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body, date=date), encoding="utf-8")
    return path


def titles(root: Path, q: str) -> list[str]:
    # every page, not one per story: these templated pages are near-duplicates of each other
    result = search(IndexHandle(root), SearchParams(q=q, per_page=50, collapse=False))
    return [r["title"] for r in result["results"]]


def open_a_stuck_pipe_after(pipe: Path, seconds: float) -> threading.Event:
    """If a build still waits on a named pipe after ``seconds``, open its other end and close
    it (the reader then sees an empty file), so that a build that opens pipes fails the test
    instead of hanging it. Set the returned event when the build is over."""
    over = threading.Event()

    def unblock() -> None:
        wait = seconds
        while not over.wait(wait):
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO: nobody is reading it
            except OSError:
                pass
            wait = 0.5

    threading.Thread(target=unblock, daemon=True).start()
    return over


def test_bad_files_are_logged_and_skipped_and_good_pages_indexed(tmp_path):
    src = tmp_path / "src"
    write_page(src, "good/a.html", "Tiêm chủng mở rộng năm 2021", "Chương trình tiêm chủng mở rộng được triển khai trên toàn quốc với nhiều hoạt động.")
    write_page(src, "good/b.html", "Phòng chống dịch sốt xuất huyết", "Các tỉnh phía Nam tăng cường phòng chống dịch sốt xuất huyết trong mùa mưa năm nay.")
    (src / "bad").mkdir()
    (src / "bad/empty.html").write_bytes(b"")
    (src / "bad/binary.html").write_bytes(b"\x00\x01\x02PNG" * 500)
    with open(src / "bad/huge.html", "wb") as fh:  # 50 MB, sparse: costs no disk
        fh.truncate(50 * 1024 * 1024)
    (src / "bad/deep.html").write_text("<div>" * 10000 + "chữ" + "</div>" * 10000, encoding="utf-8")
    (src / "bad/truncated.html").write_bytes(ARTICLE.format(title="Bài bị cắt", body="x", date="01/01/2020").encode()[:120])
    os.symlink(src / "bad", src / "bad" / "loop")
    # Unreadable for root too (CI runs as root): a link to a file that is gone, and a named pipe,
    # which blocks whoever opens it until something writes
    os.symlink(src / "bad" / "deleted.html", src / "bad" / "dangling.html")
    os.mkfifo(src / "bad" / "pipe.html")
    # a folder named like a page is a folder: walked, not read
    write_page(src, "bad/folder.html/c.html", "Hội nghị y tế cơ sở", "Hội nghị tổng kết công tác y tế cơ sở được tổ chức tại Hà Nội với nhiều ý kiến.")
    unreadable = src / "bad/secret.html"
    unreadable.write_text("<p>bí mật</p>")
    unreadable.chmod(0)
    index = tmp_path / "index"
    build_over = open_a_stuck_pipe_after(src / "bad" / "pipe.html", 20)
    try:
        report = build([src], index, workers=1, quiet=True)
    finally:
        build_over.set()
    reasons = {s["path"]: s["reason"] for s in report.skipped}
    assert report.indexed == 3
    assert "empty" in reasons["bad/empty.html"]
    assert "binary" in reasons["bad/binary.html"]
    assert "too large" in reasons["bad/huge.html"]
    assert "bad/deep.html" in reasons and "bad/truncated.html" in reasons
    assert any("loop" in r for r in reasons.values())
    assert reasons["bad/dangling.html"] == "unreadable: No such file or directory"
    assert reasons["bad/pipe.html"] == "not a regular file"
    assert not any(path.startswith("bad/folder.html") for path in reasons)
    if os.geteuid() != 0:  # root reads anything
        assert "unreadable" in reasons["bad/secret.html"]
    saved = json.loads((gen.current(index) / "report.json").read_text())
    assert saved["indexed"] == 3 and saved["skipped_by_reason"]
    assert titles(index, "tiem chung") == ["Tiêm chủng mở rộng năm 2021"]
    assert titles(index, "hoi nghi y te co so") == ["Hội nghị y tế cơ sở"]


def test_generations_switch_atomically_and_old_ones_are_pruned(tmp_path):
    src = tmp_path / "src"
    write_page(src, "a.html", "Hội nghị y tế cơ sở", "Hội nghị tổng kết công tác y tế cơ sở được tổ chức tại Hà Nội với nhiều ý kiến.")
    index = tmp_path / "index"
    names = []
    for _ in range(3):
        names.append(build([src], index, full=True, workers=1, quiet=True).generation)
    assert gen.current(index).name == names[-1]
    left = sorted(p.name for p in gen.generations_dir(index).iterdir())
    assert left == sorted(names[-2:])


def serving_one_page(tmp_path: Path) -> tuple[Path, Path, str, IndexHandle]:
    """A one-page index and a handle over it that looks for new generations at every call."""
    src = tmp_path / "src"
    write_page(src, "a.html", "Hội nghị y tế cơ sở", "Hội nghị tổng kết công tác y tế cơ sở được tổ chức tại Hà Nội với nhiều ý kiến.")
    index = tmp_path / "index"
    first = build([src], index, full=True, workers=1, quiet=True).generation
    return src, index, first, IndexHandle(index, check_every=0.0)


def add_page_and_rebuild(src: Path, index: Path) -> str:
    write_page(src, "b.html", "Tiêm chủng mở rộng", "Chương trình tiêm chủng mở rộng được triển khai ở các trạm y tế cơ sở.")
    return build([src], index, full=True, workers=1, quiet=True).generation


def test_a_published_generation_is_opened_and_warmed_in_the_background_then_swapped_in(tmp_path):
    src, index, first, handle = serving_one_page(tmp_path)
    old = handle.generation()
    assert old.directory.name == first
    assert search(handle, SearchParams(q="hoi nghi y te"))["total"] == 1
    asked = old.recent_terms()
    assert ("body_folded", "hoi") in asked and ("folded_pairs", "y_te") in asked

    second = add_page_and_rebuild(src, index)
    served = [handle.generation()]  # notices CURRENT, answers from the old one while the new one opens
    assert served[0] is old
    deadline = time.monotonic() + 30
    while served[-1].directory.name != second and time.monotonic() < deadline:
        time.sleep(0.02)
        served.append(handle.generation())
    new = served[-1]
    assert new.directory.name == second, "the new generation was never swapped in"
    names = [g.directory.name for g in served]
    assert names == [first] * names.count(first) + [second] * names.count(second)  # no flapping back
    # it came in warm: every scored field's norms, and the terms the traffic asked of the old one
    assert set(engine.SCORED_FIELDS) <= set(new._norms)
    assert set(asked) <= set(new.recent_terms())
    assert search(handle, SearchParams(q="y te co so"))["total"] == 2


def test_a_generation_that_cannot_be_opened_leaves_the_old_one_serving(tmp_path):
    src, index, first, handle = serving_one_page(tmp_path)
    assert handle.generation().directory.name == first
    broken = gen.generations_dir(index) / "broken"
    broken.mkdir()
    (broken / "junk").write_text("not an index")
    gen.publish(index, broken)
    for _ in range(20):
        assert handle.generation().directory.name == first
        assert search(handle, SearchParams(q="hoi nghi"))["total"] == 1
        time.sleep(0.05)
    # the next good build is taken up as usual
    third = add_page_and_rebuild(src, index)
    deadline = time.monotonic() + 30
    while handle.generation().directory.name != third and time.monotonic() < deadline:
        time.sleep(0.02)
    assert search(handle, SearchParams(q="tiem chung"))["total"] == 1


def test_incremental_build_picks_up_added_changed_deleted(tmp_path):
    src = tmp_path / "src"
    write_page(src, "keep.html", "Bài giữ nguyên về y tế", "Nội dung không đổi của bài viết về công tác y tế dự phòng trong năm.")
    changed = write_page(src, "change.html", "Bài cũ về vắc xin", "Nội dung cũ nói về vắc xin phòng bệnh sởi cho trẻ em ở vùng cao.")
    deleted = write_page(src, "delete.html", "Bài sẽ bị xóa về bệnh viện", "Bệnh viện tuyến tỉnh được đầu tư trang thiết bị hiện đại trong năm.")
    index = tmp_path / "index"
    first = build([src], index, workers=1, quiet=True)
    assert first.mode == "full" and first.added == 3
    write_page(src, "add.html", "Bài mới về khám chữa bệnh từ xa", "Khám chữa bệnh từ xa giúp người dân vùng sâu tiếp cận bác sĩ giỏi.")
    write_page(src, "change.html", "Bài mới sửa về vắc xin", "Nội dung mới nói về vắc xin phòng bệnh bạch hầu cho học sinh.")
    os.utime(changed, ns=(1, 1_000_000_000_000_000_000))
    deleted.unlink()
    second = build([src], index, workers=1, quiet=True)
    assert (second.mode, second.added, second.updated, second.removed, second.unchanged) == ("incremental", 1, 1, 1, 1)
    assert titles(index, "kham chua benh tu xa") == ["Bài mới về khám chữa bệnh từ xa"]
    assert titles(index, "bạch hầu") == ["Bài mới sửa về vắc xin"]
    assert "Bài sẽ bị xóa về bệnh viện" not in titles(index, "bệnh viện tuyến tỉnh")
    assert "Bài cũ về vắc xin" not in titles(index, "vắc xin")
    assert titles(index, "sởi") == []
    assert len(titles(index, "y tế")) == 3


TOPICS = ["tiêm chủng mở rộng", "khám chữa bệnh từ xa", "y tế cơ sở", "phòng chống dịch sốt xuất huyết",
          "bảo hiểm y tế học sinh", "an toàn thực phẩm", "chuyển đổi số ngành y tế", "vắc xin phòng sởi"]


def many_pages(folder: Path, count: int, prefix: str = "p") -> None:
    for i in range(count):
        a, b = TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]
        write_page(folder, f"{prefix}/{i:03d}.html", f"Bản tin số {i} về {a}",
                   f"Sở Y tế cho biết {a} đạt kết quả tốt ở {i % 7 + 1} huyện; {b} được bàn trong tuần {i}.",
                   date=f"{i % 28 + 1:02d}/{i % 12 + 1:02d}/20{10 + i % 12}")


def answers_and_scores(index: Path, queries: list[str]) -> dict:
    handle = IndexHandle(index, warm_seconds=0)
    out = {}
    for q in queries:
        result = search(handle, SearchParams(q=q, per_page=100))
        out[q] = (result["total"], [(r["id"], r["score"]) for r in result["results"]], result["facets"])
    return out


def test_a_full_build_in_shards_answers_and_scores_exactly_as_one_writer_does(tmp_path, monkeypatch, caplog):
    from indexer import build as build_module

    monkeypatch.setattr(build_module, "SHARD_MIN_PAGES", 20)
    one, other = tmp_path / "one", tmp_path / "other"
    many_pages(one, 30)
    many_pages(other, 10)
    write_page(other, "p/000.html", "Bản tin trùng đường dẫn về an toàn thực phẩm", "Cùng đường dẫn với một trang của nguồn kia, vẫn phải được giữ.")
    (one / "p" / "bad.html").write_bytes(b"\x00\x01\x02PNG" * 500)
    serial = build([one, other], tmp_path / "serial", full=True, workers=1, quiet=True)
    with caplog.at_level(logging.INFO, logger="indexer.build"):
        sharded = build([one, other], tmp_path / "sharded", full=True, workers=2)
    assert "all 41 pages read; the 2 shards are writing their segments" in caplog.text
    assert (sharded.added, sharded.read, [s["path"] for s in sharded.skipped]) == (serial.added, serial.read, ["p/bad.html"])
    assert sharded.added == 40  # pages at the same path under both roots (p/000.html ...) are all kept
    # where the time went, as the build measured it: wall phases, and each shard's own seconds
    saved = json.loads((gen.current(tmp_path / "sharded") / "report.json").read_text())
    assert list(saved["phases"]) == ["discover", "load", "read", "write", "combine", "stories", "arrays", "publish"]
    assert [s["pages"] for s in saved["shards"]] == [20, 21]
    assert all(s["read"] > 0 and s["add"] > 0 and s["merge"] > 0 for s in saved["shards"])
    assert list(serial.phases) == ["discover", "load", "read", "write", "stories", "arrays", "publish"] and not serial.shards
    assert IndexHandle(tmp_path / "sharded").generation().store.segments() == 2, "one segment per shard, not merged"
    manifest = json.loads((gen.current(tmp_path / "sharded") / "manifest.json").read_text())
    assert manifest == json.loads((gen.current(tmp_path / "serial") / "manifest.json").read_text())
    assert not list(gen.current(tmp_path / "sharded").glob("shard-*")), "the shard indexes are gone"
    queries = ["y tế", "tiem chung mo rong", "khám chữa bệnh từ xa", "\"an toàn thực phẩm\"", "Sở Y tế huyện",
               "đường dẫn", "bản tin số 7"]
    assert answers_and_scores(tmp_path / "sharded", queries) == answers_and_scores(tmp_path / "serial", queries)
    two, one_ = (IndexHandle(tmp_path / name, warm_seconds=0).generation() for name in ("sharded", "serial"))
    assert two.vocabulary == one_.vocabulary and list(two.vocabulary) == list(one_.vocabulary)  # suggestions
    assert two.columns.agency.values == one_.columns.agency.values
    assert titles(tmp_path / "sharded", "trung duong dan") == ["Bản tin trùng đường dẫn về an toàn thực phẩm"]

    # the next, incremental build goes on from the sharded generation
    write_page(one, "p/new.html", "Bài mới về nước sạch nông thôn", "Nước sạch nông thôn được đưa về các xã vùng cao.")
    again = build([one, other], tmp_path / "sharded", workers=2, quiet=True)
    assert (again.mode, again.added, again.unchanged) == ("incremental", 1, 40)
    assert list(again.phases) == ["discover", "load", "copy", "read", "write", "stories", "arrays", "publish"]
    assert titles(tmp_path / "sharded", "nuoc sach nong thon") == ["Bài mới về nước sạch nông thôn"]


def test_a_shard_that_dies_fails_the_build_and_publishes_nothing(tmp_path, monkeypatch):
    from indexer import build as build_module
    from indexer import pages

    src = tmp_path / "src"
    many_pages(src, 30)
    index = tmp_path / "index"
    first = build([src], index, full=True, workers=1, quiet=True).generation
    monkeypatch.setattr(build_module, "SHARD_MIN_PAGES", 20)
    real = pages.read_page

    def crash_on_one_page(source, *args):  # a worker killed outright (out of memory, a crash in C code)
        if source.relpath == "p/025.html":
            os._exit(3)
        return real(source, *args)

    monkeypatch.setattr(pages, "read_page", crash_on_one_page)
    with pytest.raises(RuntimeError, match="shard-1 stopped with exit code 3"):
        build([src], index, full=True, workers=2, quiet=True)
    assert gen.current(index).name == first
    assert [p.name for p in gen.generations_dir(index).iterdir()] == [first], "the unfinished generation was removed"
    assert len(titles(index, "ban tin")) == 30


def test_second_build_is_refused_with_exit_code_75(tmp_path):
    src = tmp_path / "src"
    write_page(src, "a.html", "Một bài", "Nội dung của một bài viết đủ dài để được lập chỉ mục đầy đủ.")
    index = tmp_path / "index"
    with gen.build_lock(index):
        proc = subprocess.run([sys.executable, "-m", "indexer", "build", "--source", str(src), "--index", str(index)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 75
    assert "another build is running" in proc.stderr
    with pytest.raises(gen.BuildLocked):
        with gen.build_lock(index):
            with gen.build_lock(index):
                pass


def test_a_generation_in_an_older_format_is_rebuilt_in_full(tmp_path):
    src = tmp_path / "src"
    write_page(src, "a.html", "Một bài về y tế", "Nội dung đủ dài của một bài viết về y tế cơ sở ở các tỉnh miền núi.")
    index = tmp_path / "index"
    build([src], index, workers=1, quiet=True)
    report_path = gen.current(index) / "report.json"
    report = json.loads(report_path.read_text())
    report["index_format"] = report["index_format"] - 1
    report_path.write_text(json.dumps(report))
    again = build([src], index, workers=1, quiet=True)
    assert again.mode == "full" and again.added == 1
    assert titles(index, "y tế cơ sở") == ["Một bài về y tế"]


def test_an_incremental_generation_of_several_segments_matches_and_scores_as_whoosh_does(tmp_path):
    from indexer.engine.query_tree import plan_tree
    from indexer.engine.reference import whoosh_evaluation
    from indexer.query import parse_query

    src = tmp_path / "src"
    for i in range(4):
        write_page(src, f"a{i}.html", f"Y tế cơ sở số {i}", f"Trạm y tế xã {i} được nâng cấp, khám chữa bệnh cho người dân.")
    index = tmp_path / "index"
    build([src], index, workers=1, quiet=True)
    for i in range(3):
        write_page(src, f"b{i}.html", f"Khám chữa bệnh từ xa {i}", f"Y tế từ xa giúp trạm y tế {i} khám chữa bệnh.")
    assert build([src], index, workers=1, quiet=True).mode == "incremental"
    gen_ = IndexHandle(index).generation()
    assert gen_.store.segments() > 1, "the added pages are a segment of their own"
    for q in ("y te", "khám chữa bệnh", "tram y te xa"):
        tree = plan_tree(parse_query(q), gen_.ranking)
        ours = gen_.evaluate(tree)
        mask, scores = whoosh_evaluation(gen_, tree)
        assert ours.mask.sum() >= 3 and (ours.mask == mask).all()
        assert scores and all(ours.scores[d] == pytest.approx(score, rel=1e-9) for d, score in scores.items())
    assert gen_.store.reads.walked == 0, "every posting list of both segments decoded from its bytes"
