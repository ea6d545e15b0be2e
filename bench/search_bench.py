"""Search latency through the HTTP app against the bare search anchors, on one corpus, in one run.

Uses the corpus and the queries of ``shared/bench/search-anchor`` (issue 4, "Benchmark"):

1. builds, when absent, ``corpus.jsonl`` and ``queries.json`` with the shared ``make_corpus.py`` under
   ``$ANCHOR_DIR`` (default /tmp/twiza-search-anchor, the anchors' own variable). With ``--items`` below
   100,000 or ``--queries`` below 200 the corpus is built again with ``NDOCS=N`` in ``$ANCHOR_DIR/nN-qQ``
   (the first N documents of the full corpus: same generator, same seed) and queries.json is cut to the
   first Q/4 queries of each type, so the anchors run on exactly what Twiza runs on;
2. turns every corpus document into a Twiza package line (``d000123``: kind mapped one to one from the
   corpus kind, title in the document's main language, the body cut back into its sentences and tagged
   ``ary-Arab``, ``zgh-Tfng`` or ``en`` by the OLDI Seed file each came from, licence CC-BY-SA-4.0), then
   in a child process against a fresh data dir (SQLite): ``flask_migrate.upgrade``,
   ``archive.services.packages.import_package`` (timed; its ``index_items`` call timed apart), and
   ``archive.services.indexing.reindex_all`` (timed: what ``flask search reindex`` does);
3. starts the app in another child process (werkzeug ``make_server`` on 127.0.0.1, serving in a thread,
   one request at a time) and sends every query as ``GET /api/search?q=...`` (facet counts included,
   as the browse page needs them): one warm-up pass, then 2 timed passes; p50, p95 and max per query
   type, the server's memory (VmRSS and peak VmHWM from /proc);
4. runs the anchors ``whoosh_bare.py`` and ``sqlite_fts5.py`` with the same ``ANCHOR_DIR`` (``SKIP_BUILD``
   is passed to whoosh_bare.py only when it is set in the environment and the index exists), printing
   their RESULT lines;
5. prints a table: Twiza against bare Whoosh and bare SQLite FTS5, the Twiza/FTS5 p95 ratio, and the
   index build times. The last line is ``RESULT {json}``.

Run from the repository root (long: run it in the background):

    .venv/bin/python bench/search_bench.py [--items N] [--queries N] [--keep]
    .venv/bin/python bench/search_bench.py --reuse-data DIR --skip-anchors --profile prefix

``--profile TYPE`` adds one untimed pass of the queries of that type with pyinstrument running inside
the server (``pip install pyinstrument`` into the venv; not a dependency of the app) and writes
``profile-TYPE.txt``, ``profile-TYPE-all.txt`` (library frames too) and ``.html`` into the work folder
(no session file: at 100,000 items it would take 2 GB). Figures only: nothing here asserts.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # the workers import the app
DEFAULT_ANCHOR_DIR = "/tmp/twiza-search-anchor"
FULL_ITEMS, FULL_QUERIES = 100_000, 200
TYPES = ("word", "and", "phrase", "prefix")

# Corpus kind -> Twiza kind, one to one, so each Twiza kind count equals the anchors' kind count.
KIND_MAP = {"manuscript": "tale", "photograph": "craft", "map": "motif", "letter": "narrative",
            "inscription": "proverb", "audio": "song", "object": "technique", "book": "poem"}
# OLDI Seed file (= corpus "lang") -> BCP 47 tag of the values taken from it.
LANG_TAGS = {"ary_Arab": "ary-Arab", "zgh_Tfng": "zgh-Tfng", "eng_Latn": "en"}
LICENCE = "CC-BY-SA-4.0"
KEY_CHARS = 16  # every OLDI Seed sentence has at least 17 characters


def default_shared_dir() -> Path:
    env = os.environ.get("TWIZA_SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def pct(xs: list[float], p: float) -> float:
    """Linear-interpolation percentile: the same formula as the anchors' searchbench.pct."""
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a live process, in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name] = int(value.split()[0]) / 1024
    return out


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_note() -> str:
    """The machine's load: other work on a 2-core machine shows up in every latency here."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


# ------------------------------------------------------------------------------------ corpus and queries


def prepare_anchor_dir(base: Path, anchors: Path, items: int, queries: int) -> Path:
    """The folder the anchors and Twiza read (corpus.jsonl, queries.json), built with make_corpus.py."""
    make_corpus = anchors / "make_corpus.py"
    full = items >= FULL_ITEMS and queries >= FULL_QUERIES
    target = base if full else base / f"n{items}-q{queries}"
    if not (target / "corpus.jsonl").is_file() or not (target / "queries.json").is_file():
        target.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "ANCHOR_DIR": str(target), "NDOCS": str(items)}
        print(f"building the corpus: NDOCS={items} ANCHOR_DIR={target} {make_corpus}", flush=True)
        subprocess.run([sys.executable, str(make_corpus)], env=env, check=True, stdout=subprocess.DEVNULL)
        if queries < FULL_QUERIES:
            every = json.loads((target / "queries.json").read_text(encoding="utf-8"))
            per_type = -(-queries // len(TYPES))
            kept = [q for t in TYPES for q in [q for q in every if q["type"] == t][:per_type]][:queries]
            (target / "queries.json").write_text(json.dumps(kept, ensure_ascii=False, indent=0), encoding="utf-8")
    return target


class SentenceTagger:
    """Cuts a corpus body (sentences joined by one space) back into its sentences, each with the OLDI
    Seed file it came from, by looking the sentences up (no two files share a sentence)."""

    def __init__(self, oldi_dir: Path):
        self.by_key: dict[str, list[tuple[str, str]]] = {}
        for lang in LANG_TAGS:
            lines = (oldi_dir / lang).read_text(encoding="utf-8").split("\n")[:6193]
            for sentence in dict.fromkeys(lines):
                self.by_key.setdefault(sentence[:KEY_CHARS], []).append((sentence, lang))
        for candidates in self.by_key.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def split(self, body: str) -> list[tuple[str, str]] | None:
        """[(sentence, lang), ...] or None when the body is not made of known sentences."""
        out: list[tuple[str, str]] = []

        def walk(pos: int) -> bool:
            if pos == len(body):
                return True
            for sentence, lang in self.by_key.get(body[pos : pos + KEY_CHARS], ()):
                end = pos + len(sentence)
                if body.startswith(sentence, pos) and (end == len(body) or body[end] == " "):
                    out.append((sentence, lang))
                    if walk(end + 1 if end < len(body) else end):
                        return True
                    out.pop()
            return False

        return out if walk(0) else None


def package_line(doc: dict, tagger: SentenceTagger) -> tuple[dict, bool]:
    """One items.jsonl line for a corpus document; the flag says whether the body was cut exactly."""
    main = LANG_TAGS[doc["lang"]]
    parts = tagger.split(doc["body"])
    exact = parts is not None
    if parts is None:
        parts = [(doc["body"], doc["lang"])]
    text: list[dict[str, str]] = []
    for sentence, lang in parts:  # consecutive sentences of one language make one value
        tag = LANG_TAGS[lang]
        if text and text[-1]["lang"] == tag:
            text[-1]["value"] += " " + sentence
        else:
            text.append({"value": sentence, "lang": tag})
    languages = list(dict.fromkeys([main, *(v["lang"] for v in text)]))
    return {"id": doc["id"], "kind": KIND_MAP[doc["kind"]], "title": [{"value": doc["title"], "lang": main}],
            "text": text, "languages": languages, "license": LICENCE}, exact


def write_package(corpus: Path, dest: Path, oldi_dir: Path) -> dict:
    dest.mkdir(parents=True)
    tagger = SentenceTagger(oldi_dir)
    n = inexact = 0
    with open(corpus, encoding="utf-8") as src, open(dest / "items.jsonl", "w", encoding="utf-8") as out:
        for line in src:
            record, exact = package_line(json.loads(line), tagger)
            inexact += not exact
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return {"items": n, "bodies_not_cut": inexact}


def query_text(q: dict) -> str:
    """The search box text for an anchor query (what whoosh_bare.py sends its parser)."""
    t = q["terms"]
    return {"word": lambda: t[0], "and": lambda: f"{t[0]} AND {t[1]}",
            "phrase": lambda: f'"{t[0]} {t[1]}"', "prefix": lambda: f"{t[0]}*"}[q["type"]]()


# ---------------------------------------------------------------------------------------- child processes


def _make_app(data_dir: Path):
    from app import create_app

    # SQLite in the data dir and the embedded Whoosh backend (the postgres backend needs PostgreSQL).
    return create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "DATABASE_URL": None,
                       "SEARCH_BACKEND": "whoosh"})


def code_version() -> str:
    """The commit of the code under test, with '+changes' when search/, archive/ or app.py differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "search", "archive", "app.py", "config.py"],
                               cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def worker_load(data_dir: Path, package: Path, result_path: Path, reindex: bool) -> None:
    """Child: migrate, import (timing the indexing the import does), then rebuild the index alone."""
    import resource

    from flask_migrate import upgrade

    import archive.services.indexing as indexing
    from sqlalchemy import func, select

    from archive.db import db
    from archive.models import Item
    from archive.services.packages import import_package

    app = _make_app(data_dir)
    result: dict = {}
    timed = {"index_s": 0.0, "indexed": 0}
    original = indexing.index_items

    def timed_index_items(ids):  # import_package imports it from the module at call time
        t0 = time.perf_counter()
        print(f"  import: database written; indexing {len(ids)} items (index_items)", flush=True)
        count = original(ids)
        timed["index_s"] += time.perf_counter() - t0
        timed["indexed"] += count
        return count

    def progress_every(step: int, label: str):
        state = {"n": 0, "t0": time.perf_counter()}

        def tick(k: int) -> None:
            state["n"] += k
            if state["n"] % step == 0:
                print(f"  {label}: {state['n']} ({time.perf_counter() - state['t0']:.0f} s)", flush=True)
        return tick

    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        result["upgrade_s"] = time.perf_counter() - t0
        indexing.index_items = timed_index_items
        t0 = time.perf_counter()
        report = import_package(package, actor_label="bench", progress=progress_every(10_000, "import"),
                                on_validated=lambda n: print(f"  import: {n} items validated "
                                                             f"({time.perf_counter() - t0:.0f} s)", flush=True))
        total = time.perf_counter() - t0
        indexing.index_items = original
        result.update(import_total_s=total, import_index_s=timed["index_s"], import_db_s=total - timed["index_s"],
                      items_created=report.items_created, indexed_by_import=timed["indexed"])
        result["index_after_import_mb"] = dir_bytes(data_dir / "search") / 1e6
        if reindex:
            db.session.expunge_all()
            t0 = time.perf_counter()
            result["reindexed"] = indexing.reindex_all(progress=progress_every(10_000, "reindex_all"))
            result["reindex_s"] = time.perf_counter() - t0
        result["index_mb"] = dir_bytes(data_dir / "search") / 1e6
        result["db_mb"] = (data_dir / "twiza.sqlite3").stat().st_size / 1e6
        wal = data_dir / "twiza.sqlite3-wal"  # the import's one transaction, until a checkpoint
        result["db_wal_mb"] = wal.stat().st_size / 1e6 if wal.exists() else 0.0
        result["items_in_db"] = db.session.scalar(select(func.count()).select_from(Item))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result_path.write_text(json.dumps(result))


def worker_serve(data_dir: Path, profile_dir: Path | None) -> None:
    """Child: the app behind werkzeug's server in a thread, until stdin closes. Prints 'LISTENING port'.

    With ``profile_dir``, requests sent with the header X-Bench-Profile: TYPE run under one pyinstrument
    profiler per TYPE (samples add up over the requests), written out when the server stops."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    app = _make_app(data_dir)
    profilers: dict = {}
    if profile_dir is not None:
        from pyinstrument import Profiler

        inner = app.wsgi_app

        def profiled(environ, start_response):
            label = environ.get("HTTP_X_BENCH_PROFILE")
            if not label:
                return inner(environ, start_response)
            profiler = profilers.setdefault(label, Profiler(interval=0.001, async_mode="disabled"))
            profiler.start()
            try:
                return list(inner(environ, start_response))  # the body is made inside the profile
            finally:
                profiler.stop()

        app.wsgi_app = profiled
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"LISTENING {server.server_port}", flush=True)
    sys.stdin.read()
    server.shutdown()
    thread.join()
    for label, profiler in profilers.items():
        (profile_dir / f"profile-{label}.txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
        (profile_dir / f"profile-{label}-all.txt").write_text(  # library frames too (whoosh, sqlalchemy)
            profiler.output_text(unicode=True, color=False, show_all=True), encoding="utf-8")
        (profile_dir / f"profile-{label}.html").write_text(profiler.output_html(), encoding="utf-8")
        print(f"profile written: {profile_dir / f'profile-{label}.txt'} (-all.txt, .html)", flush=True)


def run_child(cmd: list[str], env: dict, *, show=lambda line: True, prefix: str = "") -> tuple[int, list[str], float]:
    """Run a child, echoing the lines ``show`` accepts; returns (exit code, all lines, peak RSS in MB)."""
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, bufsize=1)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        if show(line):
            print(prefix + line, flush=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, lines, usage.ru_maxrss / 1024


def child_env() -> dict:
    """The caller's environment less its TWIZA_* settings (the bench never touches your database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIZA_") or k == "TWIZA_SHARED_DIR"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


# ------------------------------------------------------------------------------------------------ queries


class Server:
    def __init__(self, data_dir: Path, profile_dir: Path | None):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "serve", "--data", str(data_dir)]
        if profile_dir is not None:
            cmd += ["--profile-dir", str(profile_dir)]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=child_env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=None, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            raise SystemExit(f"the server did not start: {line!r}")
        self.port = int(line.split()[1])

    def get(self, path: str, headers: dict | None = None, timeout: float = 600) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def memory(self) -> dict[str, float]:
        return proc_status(self.proc.pid)

    def stop(self) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        rest = self.proc.stdout.read().splitlines()
        self.proc.wait(timeout=300)
        return rest


def search_path(q: dict, per_page: int | None) -> str:
    params = {"q": query_text(q)}
    if per_page:
        params["per_page"] = str(per_page)
    return "/api/search?" + urlencode(params)


def run_twiza_queries(server: Server, qs: list[dict], *, passes: int, warm_passes: int,
                      per_page: int | None) -> dict:
    """Anchor-style passes through the HTTP app; returns latencies per pass and the totals found."""
    def one(q: dict) -> tuple[float, int]:
        t0 = time.perf_counter()
        status, body = server.get(search_path(q, per_page))
        dt = (time.perf_counter() - t0) * 1000
        if status != 200:
            raise SystemExit(f"GET {search_path(q, per_page)} answered {status}: {body[:300]!r}")
        return dt, json.loads(body)["total"]

    t0 = time.perf_counter()
    for _ in range(warm_passes):
        for q in qs:
            one(q)
    print(f"  warm-up: {warm_passes} pass(es) in {time.perf_counter() - t0:.0f} s; server memory {server.memory()}",
          flush=True)
    runs, hits, cpu_shares = [], [], []
    for p in range(1, passes + 1):
        lat, hits = [], []
        cpu0 = proc_cpu_s(server.proc.pid)
        for q in qs:
            dt, total = one(q)
            lat.append(dt)
            hits.append(total)
        cpu = proc_cpu_s(server.proc.pid) - cpu0
        cpu_shares.append(cpu / (sum(lat) / 1000))
        print(f"  pass {p}: server CPU {cpu:.1f} s for {sum(lat) / 1000:.1f} s of requests "
              f"({cpu_shares[-1] * 100:.0f} %: below ~90 % the server waited for a CPU or I/O); {load_note()}",
              flush=True)
        by_type: dict[str, list[float]] = {}
        for q, dt in zip(qs, lat):
            by_type.setdefault(q["type"], []).append(dt)
        types = " ".join(f"{t}_p50={pct(v, 50):.2f}/p95={pct(v, 95):.2f}" for t, v in by_type.items())
        print(f"RESULT twiza-http query pass={p} n={len(lat)} p50_ms={pct(lat, 50):.2f} p95_ms={pct(lat, 95):.2f} "
              f"max_ms={max(lat):.2f} mean_ms={statistics.mean(lat):.2f} | {types}", flush=True)
        slow = sorted(range(len(lat)), key=lambda i: -lat[i])[:3]
        print(f"  slowest (pass {p}): " + "; ".join(
            f"{qs[i]['type']} {qs[i]['lang']} {' '.join(qs[i]['terms'])!r} {lat[i]:.0f} ms, {hits[i]} hits"
            for i in slow), flush=True)
        runs.append(lat)
    zero = sum(1 for h in hits if h == 0)
    print(f"RESULT twiza-http hits: median={statistics.median(hits):.0f} max={max(hits)} zero-hit queries={zero}",
          flush=True)
    return {"passes": runs, "hits": hits, "server_cpu_share": cpu_shares}


def profile_pass(server: Server, qs: list[dict], kind: str, per_page: int | None) -> list[float]:
    lat = []
    for q in qs:
        if q["type"] == kind:
            t0 = time.perf_counter()
            server.get(search_path(q, per_page), headers={"X-Bench-Profile": kind})
            lat.append((time.perf_counter() - t0) * 1000)
    return lat


# ------------------------------------------------------------------------------------------------ anchors

_RESULT_QUERY = re.compile(r"^RESULT (\S+) query pass=(\d+) n=\d+ p50_ms=([\d.]+) p95_ms=([\d.]+) max_ms=([\d.]+)"
                           r" mean_ms=[\d.]+ \| (.*)$")
_RESULT_BUILD = re.compile(r"^RESULT (\S+) build .*build_s=([\d.]+)")


def parse_result_lines(lines: list[str]) -> dict:
    """{'build_s': .., 'passes': [{'p50','p95','max','types': {t: (p50, p95)}}]} from anchor output."""
    out: dict = {"passes": []}
    for line in lines:
        m = _RESULT_QUERY.match(line)
        if m:
            types = {t: (float(a), float(b)) for t, a, b in re.findall(r"(\w+)_p50=([\d.]+)/p95=([\d.]+)", m[6])}
            out["passes"].append({"p50": float(m[3]), "p95": float(m[4]), "max": float(m[5]), "types": types})
        m = _RESULT_BUILD.match(line)
        if m:
            out["build_s"] = float(m[2])
    return out


def run_anchors(anchors: Path, anchor_dir: Path) -> dict:
    results = {}
    show = lambda line: line.startswith(("RESULT", "whoosh", "sqlite", "  slowest"))  # noqa: E731
    cached_build = anchor_dir / "twiza-bench-whoosh-build.txt"
    for name, script in (("whoosh", "whoosh_bare.py"), ("sqlite-fts5", "sqlite_fts5.py")):
        env = {**child_env(), "ANCHOR_DIR": str(anchor_dir)}
        env.pop("SKIP_BUILD", None)
        reuse = name == "whoosh" and os.environ.get("SKIP_BUILD") and (anchor_dir / "whoosh_ix").is_dir()
        if reuse:
            env["SKIP_BUILD"] = "1"
        print(f"\n== anchor {script} (ANCHOR_DIR={anchor_dir}{', SKIP_BUILD=1' if reuse else ''})", flush=True)
        t0 = time.perf_counter()
        code, lines, rss = run_child([sys.executable, str(anchors / script)], env, show=show)
        if code != 0:
            print("\n".join(lines[-20:]), file=sys.stderr)
            raise SystemExit(f"{script} failed with exit code {code}")
        parsed = parse_result_lines(lines)
        if name == "whoosh":
            if "build_s" in parsed:
                cached_build.write_text(str(parsed["build_s"]))
            elif cached_build.is_file():
                parsed["build_s_earlier_run"] = float(cached_build.read_text())
        parsed.update(wall_s=time.perf_counter() - t0, peak_rss_mb=rss, load=load_note())
        print(f"   ({script}: {parsed['wall_s']:.0f} s wall, peak RSS {rss:.0f} MB; {parsed['load']})", flush=True)
        results[name] = parsed
    return results


# ------------------------------------------------------------------------------------------------- report


def summarise_passes(passes: list[dict]) -> dict:
    """Across the timed passes, the worse figure of each (the same rule for every engine)."""
    return {"p50": max(p["p50"] for p in passes), "p95": max(p["p95"] for p in passes),
            "max": max(p["max"] for p in passes),
            "types": {t: (max(p["types"][t][0] for p in passes), max(p["types"][t][1] for p in passes))
                      for t in passes[0]["types"]}}


def twiza_as_anchor_passes(qs: list[dict], runs: list[list[float]]) -> list[dict]:
    out = []
    for lat in runs:
        types = {t: (pct(v, 50), pct(v, 95)) for t in TYPES
                 if (v := [dt for q, dt in zip(qs, lat) if q["type"] == t])}
        out.append({"p50": pct(lat, 50), "p95": pct(lat, 95), "max": max(lat), "types": types})
    return out


def print_report(qs, twiza: dict, load: dict, anchors: dict, server_mem: dict, args) -> dict:
    pooled = {}
    print(f"\nTwiza through HTTP (GET /api/search with facets), {len(twiza['passes'])} timed passes pooled, ms:")
    print(f"{'type':<8} {'n':>4} {'p50':>9} {'p95':>9} {'max':>9}")
    for t in (*TYPES, "all"):
        v = [dt for lat in twiza["passes"] for q, dt in zip(qs, lat) if t in ("all", q["type"])]
        if v:
            pooled[t] = {"p50": pct(v, 50), "p95": pct(v, 95), "max": max(v), "n": len(v)}
            print(f"{t:<8} {len(v):>4} {pooled[t]['p50']:>9.1f} {pooled[t]['p95']:>9.1f} {pooled[t]['max']:>9.1f}")
    over_1s = sum(1 for lat in twiza["passes"] for dt in lat if dt > 1000)

    engines = {"twiza-http": summarise_passes(twiza_as_anchor_passes(qs, twiza["passes"]))}
    for name, res in anchors.items():
        if res.get("passes"):
            engines[name] = summarise_passes(res["passes"])
    print("\nAll engines, the worse of the timed passes, ms (per type: p50/p95):")
    head = f"{'engine':<12} {'p50':>8} {'p95':>8} {'max':>9}  " + "  ".join(f"{t:>15}" for t in TYPES)
    print(head)
    for name, s in engines.items():
        cells = "  ".join(f"{s['types'][t][0]:>7.1f}/{s['types'][t][1]:<7.1f}" if t in s["types"] else f"{'':>15}"
                          for t in TYPES)
        print(f"{name:<12} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['max']:>9.1f}  {cells}")
    ratios = {}
    for other in ("sqlite-fts5", "whoosh"):
        if other in engines:
            ratios[f"p95_twiza_over_{other}"] = engines["twiza-http"]["p95"] / engines[other]["p95"]
            ratios[f"p50_twiza_over_{other}"] = engines["twiza-http"]["p50"] / engines[other]["p50"]
            ratios.update({f"p95_{t}_twiza_over_{other}": engines["twiza-http"]["types"][t][1] /
                           engines[other]["types"][t][1] for t in TYPES
                           if t in engines[other]["types"] and t in engines["twiza-http"]["types"]})
    if "p95_twiza_over_sqlite-fts5" in ratios:
        print(f"\nratio Twiza / SQLite FTS5: p95 {ratios['p95_twiza_over_sqlite-fts5']:.1f}x, "
              f"p50 {ratios['p50_twiza_over_sqlite-fts5']:.1f}x; per type p95: " + ", ".join(
                  f"{t} {ratios[f'p95_{t}_twiza_over_sqlite-fts5']:.1f}x" for t in TYPES
                  if f"p95_{t}_twiza_over_sqlite-fts5" in ratios))
    if "p95_twiza_over_whoosh" in ratios:
        print(f"ratio Twiza / bare Whoosh: p95 {ratios['p95_twiza_over_whoosh']:.2f}x, "
              f"p50 {ratios['p50_twiza_over_whoosh']:.2f}x")
    aim_p95 = "sqlite-fts5" in engines and engines["twiza-http"]["p95"] <= engines["sqlite-fts5"]["p95"]
    print(f"aim (issue 4): p95 <= FTS5 p95: {'met' if aim_p95 else 'NOT met'}; "
          f"requests over 1 s: {over_1s} of {sum(len(l) for l in twiza['passes'])}")

    print(f"\nindex build ({args.items} documents), s:")
    if "import_total_s" not in load:
        print("  twiza: no load figures (--reuse-data of a folder this bench did not load)")
    else:
        print(f"  twiza  import_package total {load['import_total_s']:.1f} = database {load['import_db_s']:.1f}"
              f" + index_items {load['import_index_s']:.1f};  reindex_all "
              + (f"{load['reindex_s']:.1f}" if "reindex_s" in load else "(skipped)")
              + f";  index {load['index_mb']:.0f} MB, database {load['db_mb']:.0f} MB"
              + (f" (+ {load['db_wal_mb']:.0f} MB of WAL)" if load.get("db_wal_mb") else ""))
    w = anchors.get("whoosh", {})
    if w:
        build = (f"{w['build_s']:.1f}" if "build_s" in w else
                 f"{w['build_s_earlier_run']:.1f} (earlier run, SKIP_BUILD)" if "build_s_earlier_run" in w else "?")
        print(f"  whoosh bare build {build}")
    if anchors.get("sqlite-fts5", {}).get("build_s") is not None:
        print(f"  sqlite-fts5 build {anchors['sqlite-fts5']['build_s']:.1f}")
    print(f"memory, MB: twiza server VmRSS {server_mem.get('VmRSS', 0):.0f} "
          f"(peak VmHWM {server_mem.get('VmHWM', 0):.0f}),"
          f" twiza load process peak {load.get('peak_rss_mb', 0):.0f}"
          + "".join(f", {n} peak {r['peak_rss_mb']:.0f}" for n, r in anchors.items()))
    return {"twiza_pooled": pooled, "engines": engines, "ratios": ratios, "over_1s": over_1s, "aim_p95_met": aim_p95}


# --------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=FULL_ITEMS, help="corpus documents (default 100000)")
    parser.add_argument("--queries", type=int, default=FULL_QUERIES,
                        help="queries, spread over the 4 types (default 200)")
    parser.add_argument("--passes", type=int, default=2, help="timed passes (default 2)")
    parser.add_argument("--warm-passes", type=int, default=1, help="untimed warm-up passes (default 1)")
    parser.add_argument("--per-page", type=int, default=None,
                        help="per_page sent to /api/search (default: the app's ITEMS_PER_PAGE, as the search page)")
    parser.add_argument("--no-reindex", dest="reindex", action="store_false",
                        help="do not time reindex_all after the import")
    parser.add_argument("--skip-anchors", action="store_true", help="do not run the bare anchors")
    parser.add_argument("--reuse-data", type=Path,
                        help="serve this data dir (kept by an earlier --keep run) instead of loading")
    parser.add_argument("--profile", choices=TYPES, help="one more, untimed pass of this query type under pyinstrument")
    parser.add_argument("--anchors", type=Path, default=None,
                        help="the search-anchor folder (default SHARED/bench/search-anchor)")
    parser.add_argument("--shared-dir", type=Path, default=None,
                        help="shared data (default $TWIZA_SHARED_DIR or ../shared)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (package, data dir, profiles)")
    parser.add_argument("--worker", choices=("load", "serve"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--package", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "load":
        worker_load(args.data, args.package, args.result, args.reindex)
        return 0
    if args.worker == "serve":
        worker_serve(args.data, args.profile_dir)
        return 0

    shared = (args.shared_dir or default_shared_dir()).resolve()
    anchors_src = (args.anchors or shared / "bench" / "search-anchor").resolve()
    if not (anchors_src / "make_corpus.py").is_file():
        print(f"error: no make_corpus.py in {anchors_src}", file=sys.stderr)
        return 2
    base = Path(os.environ.get("ANCHOR_DIR", DEFAULT_ANCHOR_DIR))
    started = time.perf_counter()
    anchor_dir = prepare_anchor_dir(base, anchors_src, args.items, args.queries)
    qs = json.loads((anchor_dir / "queries.json").read_text(encoding="utf-8"))
    print(f"anchor dir: {anchor_dir} ({args.items} documents, {len(qs)} queries)", flush=True)

    work = Path(tempfile.mkdtemp(prefix="twiza-search-bench-"))
    result: dict = {"bench": "search", "items": args.items, "queries": len(qs), "anchor_dir": str(anchor_dir),
                    "work_dir": str(work), "code": code_version()}
    print(f"work dir: {work}; code {result['code']} ({REPO_ROOT})", flush=True)
    try:
        if args.reuse_data:
            data_dir = args.reuse_data.resolve()
            load_file = data_dir / "search-bench-load.json"
            load = json.loads(load_file.read_text()) if load_file.is_file() else {}
            print(f"\n== reusing {data_dir} (load figures of the run that built it)", flush=True)
        else:
            data_dir = work / "data"
            t0 = time.perf_counter()
            info = write_package(anchor_dir / "corpus.jsonl", work / "package", shared / "data" / "oldi-seed")
            print(f"\n== package: {info['items']} items in {time.perf_counter() - t0:.1f} s "
                  f"({info['bodies_not_cut']} bodies not cut into sentences)", flush=True)
            print(f"== load into a fresh archive (data dir {data_dir})", flush=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "load", "--data", str(data_dir),
                   "--package", str(work / "package"), "--result", str(work / "load.json")]
            if not args.reindex:
                cmd.append("--no-reindex")
            code, lines, _rss = run_child(cmd, child_env(), prefix="")
            if code != 0:
                raise SystemExit(f"loading failed with exit code {code}")
            load = json.loads((work / "load.json").read_text())
            load["load_after"] = load_note()
            (data_dir / "search-bench-load.json").write_text(json.dumps(load))
            print(f"RESULT twiza build items={load['items_created']} import_total_s={load['import_total_s']:.1f} "
                  f"import_db_s={load['import_db_s']:.1f} import_index_s={load['import_index_s']:.1f} "
                  f"reindex_s={load.get('reindex_s', float('nan')):.1f} index_MB={load['index_mb']:.1f} "
                  f"db_MB={load['db_mb']:.1f} wal_MB={load['db_wal_mb']:.1f} "
                  f"load_peak_rss_MB={load['peak_rss_mb']:.0f}",
                  flush=True)
        result["load"] = load

        print(f"\n== queries through the app (werkzeug make_server, 127.0.0.1): {args.warm_passes} warm-up, "
              f"{args.passes} timed passes of {len(qs)}", flush=True)
        if code_version() != result["code"]:
            print(f"WARNING: the code changed during the run ({result['code']} -> {code_version()}): "
                  "the server runs the new code on an index built by the old", flush=True)
            result["code_at_serve"] = code_version()
        server = Server(data_dir, work if args.profile else None)
        try:
            result["server_mem_start_mb"] = server.memory()
            twiza = run_twiza_queries(server, qs, passes=args.passes, warm_passes=args.warm_passes,
                                      per_page=args.per_page)
            server_mem = server.memory()
            print(f"RESULT twiza-http memory VmRSS_MB={server_mem['VmRSS']:.0f} VmHWM_MB={server_mem['VmHWM']:.0f}",
                  flush=True)
            if args.profile:
                lat = profile_pass(server, qs, args.profile, args.per_page)
                print(f"  profiled pass ({args.profile}, {len(lat)} queries, under pyinstrument): "
                      f"p50 {pct(lat, 50):.0f} ms, max {max(lat):.0f} ms, sum {sum(lat) / 1000:.1f} s", flush=True)
        finally:
            for line in server.stop():
                print("  " + line, flush=True)
        (work / "hits_twiza.json").write_text(json.dumps(twiza["hits"]))
        result["twiza_hits"] = twiza["hits"]
        result["twiza_server_cpu_share"] = twiza["server_cpu_share"]

        anchors: dict = {}
        if not args.skip_anchors:
            anchors = run_anchors(anchors_src, anchor_dir)
            fts_hits = anchor_dir / "hits_sqlite-fts5.json"
            if fts_hits.is_file():
                fts = json.loads(fts_hits.read_text())
                fewer = [i for i, (a, b) in enumerate(zip(twiza["hits"], fts)) if a < b]
                print(f"\nhits: Twiza finds fewer items than FTS5 for {len(fewer)} of {len(qs)} queries"
                      + (": " + "; ".join(f"{qs[i]['type']} {' '.join(qs[i]['terms'])!r} {twiza['hits'][i]} < {fts[i]}"
                                          for i in fewer[:5]) if fewer else ""), flush=True)
                result["queries_with_fewer_hits_than_fts5"] = len(fewer)
        result["anchors"] = anchors
        result.update(print_report(qs, twiza, load, anchors, server_mem, args))
        result["server_mem_mb"] = server_mem
        result["wall_s"] = round(time.perf_counter() - started, 1)
    except BaseException:
        print(f"(kept {work})", file=sys.stderr)
        raise
    result.pop("twiza_hits", None)
    print("RESULT " + json.dumps(result, sort_keys=True, default=float))
    if args.keep or args.profile:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
