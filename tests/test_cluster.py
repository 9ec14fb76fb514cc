"""Full builds on a real Dask cluster on 127.0.0.1 (``build --cluster``): a scheduler and two
worker processes started with dask's own command-line entry points, as deploy/ runs them.

A generation built on the cluster must be the generation a local build makes: the same stored
documents in the same order, facet values, suggestion vocabulary, manifest, and the same scores.
And the faults: a worker killed mid-task, a scheduler unreachable or lost, a bad file, the lock.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, free_port
from indexer import generations as gen
from indexer.service import IndexHandle, SearchParams, search

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed (make test installs it)")

DASK = Path(sys.executable).with_name("dask")
BUILD_TIMEOUT = 600  # a ceiling for a loaded machine, not the expected time
QUERIES = ["chuyển đổi số", "chuyen doi so", "\"cụm thi đua\"", "Bộ TT&TT", "y tế", "kinh tế xã hội",
           "458/TB-VP", "hội nghị trực tuyến", "giáo dục", "an toàn giao thông"]
PROGRESS = re.compile(r"(\d+)/(\d+) pages, (\d+(?:\.\d+)?) pages/s, ETA \d+ s, tasks (\d+)/(\d+)")


class DaskCluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, their output in files."""

    def __init__(self, workdir: Path, workers: int):
        if not DASK.exists():
            pytest.skip(f"dask's command-line entry point is not installed beside {sys.executable}")
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.dashboard = free_port()
        self.procs: list[subprocess.Popen] = []
        self.scheduler = self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                     "--dashboard-address", f"127.0.0.1:{self.dashboard}")
        for i in range(workers):
            self._start(f"worker-{i}", "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                        "--nworkers", "1", "--no-dashboard", "--name", f"w{i}",
                        "--local-directory", str(workdir / f"worker-{i}"))
        with self.client() as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "wb")
        proc = subprocess.Popen([str(DASK), *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        return proc

    def client(self):
        return distributed.Client(self.address, timeout=30, set_as_default=False)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = DaskCluster(tmp_path_factory.mktemp("dask"), workers=2)
    yield running
    running.stop()


def cli_build(source: Path, index: Path, *extra: str, wait: bool = True):
    cmd = [sys.executable, "-m", "indexer", "build", "--source", str(source), "--index", str(index), *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)


def built(proc) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return proc


def report(index: Path) -> dict:
    return json.loads((gen.current(index) / "report.json").read_text())


def snapshot(index: Path) -> dict:
    """Everything a reader of the generation sees, to compare two builds of the same files."""
    live = gen.current(index)
    generation = IndexHandle(index, warm_seconds=0).generation()
    handle = IndexHandle(index, warm_seconds=0)
    answers = {}
    for q in QUERIES + [""]:
        result = search(handle, SearchParams(q=q, per_page=50))
        answers[q] = (result["total"], [(r["id"], r["score"]) for r in result["results"]], result["facets"])
    rep = report(index)
    return {
        "documents": [generation.store.stored(n) for n in range(generation.store.documents())],
        "agency": generation.columns.agency.values,
        "units": generation.columns.unit.values,
        "days": generation.columns.day_ordinal.tolist(),
        "vocabulary": list(generation.vocabulary.items()),
        "manifest": json.loads((live / "manifest.json").read_text()),
        "answers": answers,
        "report": {k: rep[k] for k in ("read", "indexed", "added", "documents", "skipped_by_reason")},
        "skipped": sorted((s["path"], s["reason"]) for s in rep["skipped"]),
    }


def assert_same_generation(cluster_index: Path, local_index: Path) -> None:
    ours, theirs = snapshot(cluster_index), snapshot(local_index)
    assert ours["documents"] and ours["answers"]["chuyen doi so"][0] > 0
    for key in theirs:
        assert ours[key] == theirs[key], f"{key} differs between the cluster build and the local build"


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """corpus/ and a generated archive of a few hundred pages side by side, with two bad files."""
    from test_rebuild import make_archive

    src = tmp_path_factory.mktemp("cluster-src")
    shutil.copytree(CORPUS, src / "corpus")
    make_archive(src / "archive", 150, seed=3)
    (src / "corpus" / "bad-binary.html").write_bytes(b"\x00\x01\x02PNG" * 500)
    (src / "corpus" / "empty.html").write_bytes(b"")
    return src


@pytest.fixture(scope="module")
def local_index(tmp_path_factory, source) -> Path:
    """The reference: the same files built on this machine, sharded as a full build is."""
    index = tmp_path_factory.mktemp("local") / "index"
    built(cli_build(source, index, "--full", "--workers", "2", "--quiet"))
    return index


def test_a_cluster_build_is_the_generation_a_local_build_makes(tmp_path, cluster, source, local_index):
    index = tmp_path / "index"
    # many small tasks, merged on the cluster down to three segments
    proc = built(cli_build(source, index, "--cluster", cluster.address, "--task-pages", "40", "--max-segments", "3"))
    assert f"cluster {cluster.address}: 2 workers, 2 threads; dashboard: http://127.0.0.1:{cluster.dashboard}/status" in proc.stderr
    lines = PROGRESS.findall(proc.stderr)
    assert lines, proc.stderr[-2000:]
    pages, total, _rate, tasks, all_tasks = map(float, lines[-1])
    assert pages == total and tasks == all_tasks
    saved = report(index)
    assert saved["mode"] == "full" and saved["cluster"]["segments"] == 3
    assert [m["merge"] for m in saved["cluster"]["merges"]] == [0, 1, 2], "each group of tasks merged on the cluster"
    assert saved["cluster"]["tasks"] == len(saved["shards"]) == int(all_tasks) > 3
    assert len(saved["cluster"]["task_workers"]) == 2, "both workers took tasks"
    assert list(saved["phases"]) == ["discover", "read", "write", "combine", "stories", "arrays", "publish"]
    assert IndexHandle(index, warm_seconds=0).generation().store.segments() == 3
    assert ("corpus/bad-binary.html" in {s["path"] for s in saved["skipped"]}
            and "corpus/empty.html" in {s["path"] for s in saved["skipped"]}), "bad files skipped, the build went on"
    assert_same_generation(index, local_index)
    assert not list(gen.current(index).glob("shard-*"))


def test_shipped_files_and_segments_through_a_scratch_folder_make_the_same_generation(tmp_path, cluster, source,
                                                                                      local_index):
    index, scratch = tmp_path / "index", tmp_path / "scratch"
    scratch.mkdir()
    built(cli_build(source, index, "--cluster", cluster.address, "--ship-files", "--scratch", str(scratch),
                    "--task-pages", "100", "--quiet"))
    saved = report(index)["cluster"]
    assert saved["ship_files"] and saved["scratch"] and saved["segments"] == saved["tasks"] == 3
    assert list(scratch.iterdir()) == [], "the scratch folder is left empty"
    assert_same_generation(index, local_index)


def test_a_worker_killed_mid_task_is_replaced_and_the_generation_is_complete(tmp_path, cluster, source, local_index):
    index = tmp_path / "index"
    killed: dict = {}

    def kill_a_busy_worker() -> None:
        with cluster.client() as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                busy = {w: keys for w, keys in client.processing().items() if any("tracuu-shard" in str(k) for k in keys)}
                if busy:
                    time.sleep(0.5)  # inside the task: reading pages
                    worker = sorted(busy)[0]
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.update(worker=worker, pid=pid, keys=list(map(str, busy[worker])))
                    return
                time.sleep(0.05)

    proc = cli_build(source, index, "--cluster", cluster.address, "--task-pages", "60",
                     wait=False)
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    out, err = proc.communicate(timeout=BUILD_TIMEOUT)
    killer.join()
    assert killed, "no worker was busy with a shard task to kill"
    assert proc.returncode == 0, f"build failed ({proc.returncode}):\n{out}\n{err[-4000:]}"
    with pytest.raises(ProcessLookupError):
        os.kill(killed["pid"], 0)
    assert_same_generation(index, local_index)
    with cluster.client() as client:  # the nanny started a new worker process in its place
        client.wait_for_workers(2, timeout=60)


def test_an_unreachable_scheduler_is_named_exit_69_and_nothing_is_touched(tmp_path, source):
    index = tmp_path / "index"
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    proc = cli_build(source, index, "--cluster", address)
    assert proc.returncode == 69, proc.stderr[-2000:]
    assert f"no Dask scheduler answers at {address}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not index.exists(), "nothing was created"
    assert time.monotonic() - started < 60


def test_a_second_cluster_build_of_the_same_index_exits_75(tmp_path, cluster, source):
    index = tmp_path / "index"
    with gen.build_lock(index):
        proc = cli_build(source, index, "--cluster", cluster.address)
    assert proc.returncode == 75, proc.stderr[-2000:]
    assert "another build is running" in proc.stderr
    assert not gen.generations_dir(index).exists()


def test_a_scheduler_lost_during_the_build_fails_it_and_the_live_generation_keeps_serving(tmp_path, source,
                                                                                        local_index):
    own = DaskCluster(tmp_path / "dask", workers=1)
    try:
        index = tmp_path / "index"
        shutil.copytree(local_index, index)
        live = gen.current(index).name
        before = snapshot(index)["answers"]
        proc = cli_build(source, index, "--cluster", own.address, "--task-pages", "30", wait=False)
        with own.client() as client:
            deadline = time.monotonic() + 120
            while not any(client.processing().values()) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
        time.sleep(1.0)
        own.scheduler.kill()
        out, err = proc.communicate(timeout=120)
    finally:
        own.stop()
    assert proc.returncode == 69, f"{out}\n{err[-3000:]}"
    assert f"lost the Dask scheduler at {own.address}" in err and "nothing was published" in err
    assert gen.current(index).name == live
    assert [p.name for p in gen.generations_dir(index).iterdir()] == [live], "the unfinished generation was removed"
    assert snapshot(index)["answers"] == before
