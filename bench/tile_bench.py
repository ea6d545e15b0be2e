"""IIIF tile serving: Twiza against IIPImage and static nginx tiles, on the same 8000x6000 picture, in one run.

Uses ../shared/bench/tile-anchor (read there, never copied): its picture, its wrk script and its anchors.
Steps (see bench/README.md):
  1. the anchor's picture and URL lists (01_build_image.sh, 02_gen_urls.py) unless /tmp/twiza-tile-anchor has them;
  2. a Twiza package of N copies of the picture, each a few bytes different (a JPEG comment) so that every copy
     is its own file, pyramid and cache entries: the cold pass never repeats a URL; imported into a fresh data
     dir (the import builds the pyramids, timed);
  3. a check that each of the 1025 tiles answers 200 with the right pixel size, and how many are served as stored;
  4. where the time of one tile goes, in process (access check, Flask, file read, decode and encode);
  5. Twiza under gunicorn (WORKERS processes x THREADS threads) driven by wrk exactly as the anchors' own
     04_bench_tiles.sh drives them (its tiles.lua, 2 threads, 2 and 8 connections): cold (server restarted,
     image cache emptied, the pyramids' and originals' pages dropped from the OS cache) and warm (65 coarse
     tiles, all 1025 tiles, after priming); each Twiza run followed at once by the same run of IIPImage and
     nginx (started with the anchor's iip_server.sh and nginx_server.sh, cold IIPImage restarted with its
     TIFFs' pages dropped, as 04_bench_tiles.sh does), so that both meet the same load; then one table.

  .venv/bin/python bench/tile_bench.py                 # ~6 min, 40 copies (the first run builds the picture)
  .venv/bin/python bench/tile_bench.py --copies 10 --duration 10s --skip-anchors
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANCHOR_TMP = Path("/tmp/twiza-tile-anchor")
PORT = 18082
IIP_PORT, NGX_PORT = 18080, 18081  # the anchor scripts' defaults


def shared_dir() -> Path:
    return Path(os.environ.get("TWIZA_SHARED_DIR", ROOT.parent / "shared"))


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


def twiza_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIZA_")}
    env.update(TWIZA_DATA_DIR=str(data_dir), TWIZA_SECRET_KEY="tile-bench", PYTHONPATH=str(ROOT))
    return env


# ------------------------------------------------------------------------------------------ preparation


def ensure_anchor_picture(anchor: Path) -> None:
    if not (ANCHOR_TMP / "img" / "big.jpg").is_file() or not (ANCHOR_TMP / "img" / "static").is_dir():
        print("building the anchor picture (01_build_image.sh) ...", flush=True)
        run(["bash", str(anchor / "01_build_image.sh")], stdout=subprocess.DEVNULL)
    if not (ANCHOR_TMP / "urls" / "static_all.txt").is_file():
        run([sys.executable, str(anchor / "02_gen_urls.py")], stdout=subprocess.DEVNULL)


def copy_with_comment(jpeg: bytes, n: int) -> bytes:
    """The same JPEG with a comment segment after its start marker: other bytes, same pixels."""
    comment = f"twiza tile bench copy {n}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def build_package(work: Path, copies: int) -> Path:
    package = work / "package"
    if package.is_dir():
        shutil.rmtree(package)
    (package / "media").mkdir(parents=True)
    big = (ANCHOR_TMP / "img" / "big.jpg").read_bytes()
    lines = []
    for n in range(copies):
        name = f"media/big-{n:03d}.jpg"
        (package / name).write_bytes(copy_with_comment(big, n))
        lines.append({"id": f"tile-bench-{n:03d}", "kind": "craft", "license": "CC-BY-SA-4.0", "access": "public",
                      "status": "published", "title": [{"value": f"Mosaic {n}", "lang": "en"}],
                      "media": [{"path": name, "id": f"big-{n:03d}"}]})
    (package / "items.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return package


def load(work: Path, copies: int) -> tuple[Path, float]:
    data = work / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    package = build_package(work, copies)
    env = twiza_env(data)
    flask = str(ROOT / ".venv" / "bin" / "flask")
    run([flask, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    run([flask, "--app", "app", "archive", "import", str(package)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return data, time.perf_counter() - started


def url_lists(work: Path, copies: int) -> dict[str, Path]:
    """Twiza's lists: the anchor's static tiles (x,y,w,h/w,h as a IIIF 3 viewer asks) in the same order."""
    static_all = (ANCHOR_TMP / "urls" / "static_all.txt").read_text().split()
    static_small = (ANCHOR_TMP / "urls" / "static_small.txt").read_text().split()

    def twiza(path: str, n: int) -> str:
        return f"/iiif/3/image/big-{n:03d}/" + path.removeprefix("/big/")

    lists = {"cold": [twiza(p, n) for n in range(copies) for p in static_all],
             "all": [twiza(p, 0) for p in static_all], "small": [twiza(p, 0) for p in static_small]}
    paths = {}
    for name, urls in lists.items():
        paths[name] = work / f"twiza_{name}.txt"
        paths[name].write_text("\n".join(urls) + "\n")
    return paths


# ------------------------------------------------------------------------------------------ the server


class Gunicorn:
    def __init__(self, data: Path, workers: int, threads: int, worker_class: str, log: Path):
        self.data, self.workers, self.threads, self.log = data, workers, threads, log
        self.worker_class = worker_class
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{PORT}", "--workers",
                   str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads),
                   "--keep-alive", "30", "app:create_app()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=twiza_env(self.data),
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/iiif/3/image/big-000/info.json", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: TERM would wait for keep-alive clients
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pids(self) -> list[int]:
        if not self.process:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [self.process.pid, *map(int, children)]


def drop_page_cache(patterns: list[str]) -> None:
    """Evict these files' pages from the OS cache, as the anchor does for its TIFFs (no global drop)."""
    for pattern in patterns:
        for name in glob.glob(pattern, recursive=True):
            if os.path.isfile(name):
                fd = os.open(name, os.O_RDONLY)  # written long before: clean pages, no fsync needed
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, IndexError):
            pass
    return total


def wrk(lua: Path, urls: Path, connections: int, duration: str, port: int) -> dict[str, float]:
    """The anchors' wrk command (04_bench_tiles.sh): 2 threads, the tile list walked in order."""
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "10s", "--latency",
                             "-s", str(lua), f"http://127.0.0.1:{port}", "--", str(urls), "2"],
                            capture_output=True, text=True).stdout
    line = next((l for l in output.splitlines() if l.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no RESULT:\n{output}")
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}


# ------------------------------------------------------------------------------------------ checks and profile


def check_tiles(urls: Path, data: Path) -> dict[str, int]:
    from PIL import Image
    import io

    stored = {hashlib.sha256(p.read_bytes()).digest() for p in (data / "pyramids").rglob("*.jpg")
              if "/" + p.parts[-3] + "/" in str(p)}
    counts = {"tiles": 0, "ok": 0, "as_stored": 0}
    for path in urls.read_text().split():
        counts["tiles"] += 1
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}") as response:
            body = response.read()
        size = tuple(map(int, path.split("/")[6].split(",")))
        if Image.open(io.BytesIO(body)).size == size:
            counts["ok"] += 1
        counts["as_stored"] += hashlib.sha256(body).digest() in stored
    return counts


def breakdown(data: Path, urls: Path) -> dict[str, float]:
    """Microseconds per tile for each stage, measured in this process on the warm tiles of copy 0."""
    os.environ.update(twiza_env(data))
    sys.path.insert(0, str(ROOT))
    from PIL import Image
    import io

    from app import create_app
    from archive.services import images

    app = create_app()
    paths = urls.read_text().split()[:400]
    figures: dict[str, float] = {}

    def per_tile(label: str, action, rounds: int = 3) -> None:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for path in paths:
                action(path)
            best = min(best, (time.perf_counter() - started) / len(paths) * 1e6)
        figures[label] = best

    client = app.test_client()
    per_tile("whole request, fast path (test client)", lambda p: client.get(p).data)
    signed_in = app.test_client()
    signed_in.set_cookie("session", "x")  # a session sends the request through Flask
    per_tile("whole request through Flask (test client)", lambda p: signed_in.get(p).data)
    with app.test_request_context():
        per_tile("access check (one SQL query)", lambda p: images.image_for_viewer(p.split("/")[4], None))
        image = images.image_for_viewer("big-000", None)
        bodies = {p: client.get(p).data for p in paths}
        root = images.pyramid_dir(image.sha256)
        tile_files = sorted(root.rglob("*.jpg"))[:len(paths)]
        per_tile("read a stored tile", lambda p: tile_files[paths.index(p) % len(tile_files)].read_bytes())
        per_tile("decode a 256 px tile (Pillow)", lambda p: Image.open(io.BytesIO(bodies[p])).load())
        decoded = {p: Image.open(io.BytesIO(bodies[p])).convert("RGB") for p in paths}
        per_tile("encode a 256 px tile (JPEG q85)", lambda p: images.encode(decoded[p], "jpg"))
    client.get("/iiif/3/image/big-000/info.json")
    per_tile("Flask request for a 404 (no database)", lambda p: client.get("/no-such-page.jpg", headers={"Accept": "application/json"}))
    return figures


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=40, help="copies of the picture (cold URLs = 1025 x copies)")
    parser.add_argument("--duration", default="20s", help="wrk duration of each run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class: gthread or sync")
    parser.add_argument("--work", type=Path, default=Path("/tmp/twiza-tile-bench"))
    parser.add_argument("--reuse-data", action="store_true", help="serve the data dir of the last run again")
    parser.add_argument("--skip-anchors", action="store_true")
    args = parser.parse_args()

    anchor = shared_dir() / "bench" / "tile-anchor"
    if not anchor.is_dir():
        sys.exit(f"no tile anchor at {anchor} (set TWIZA_SHARED_DIR)")
    for tool in ("wrk", "vips"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install -y iipimage-server lighttpd libvips-tools wrk nginx")
    args.work.mkdir(parents=True, exist_ok=True)
    ensure_anchor_picture(anchor)
    data = args.work / "data"
    if args.reuse_data and data.is_dir():
        load_seconds = float("nan")
    else:
        data, load_seconds = load(args.work, args.copies)
    lists = url_lists(args.work, args.copies)
    print(f"import of {args.copies} copies of the 8000x6000 picture (pyramids included): {load_seconds:.1f} s "
          f"({load_seconds / args.copies:.2f} s per picture)", flush=True)

    lua = anchor / "tiles.lua"
    server = Gunicorn(data, args.workers, args.threads, args.worker_class, args.work / "gunicorn.log")
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        server.start()
        counts = check_tiles(lists["all"], data)
        print(f"tiles checked: {counts['tiles']}, right size: {counts['ok']}, served as stored: {counts['as_stored']}")
        server.stop()
        for label, micros in breakdown(data, lists["all"]).items():
            print(f"  {label:<42} {micros:8.0f} us per tile")

        anchor_urls = ANCHOR_TMP / "urls"
        iip_env = {**os.environ, "PORT": str(IIP_PORT)}
        ngx_env = {**os.environ, "PORT": str(NGX_PORT)}

        def measure(server_name: str, run_name: str, urls: Path, port: int, connections: int, pids: list[int]) -> None:
            before = cpu_seconds(pids)
            result = wrk(lua, urls, connections, args.duration, port)
            result["server_cpu"] = (cpu_seconds(pids) - before) / result["secs"] if pids else float("nan")
            results.setdefault(f"{run_name} c={connections}", {})[server_name] = result
            print(f"{server_name:<8} {run_name:<9} c={connections}  rps={result['rps']:8.0f}  p50={result['p50_ms']:6.2f} ms  "
                  f"p99={result['p99_ms']:7.2f} ms  non2xx={result['non2xx']:.0f}  wraps={result['wraps']:.0f}  "
                  f"server CPU {result['server_cpu']:.2f} cores  load {os.getloadavg()[0]:.1f}", flush=True)

        def iip(command: str) -> list[int]:
            run([str(anchor / "iip_server.sh"), command], env=iip_env, stdout=subprocess.DEVNULL)
            pid_file = ANCHOR_TMP / "iip" / "lighttpd.pid"
            if command == "stop" or not pid_file.is_file():
                return []
            parent = int(pid_file.read_text())
            return [parent, *map(int, subprocess.run(["pgrep", "-P", str(parent)], capture_output=True,
                                                     text=True).stdout.split())]

        # Each run of Twiza is followed at once by the same run of the anchors, so that both meet the same
        # load from whatever else the machine is doing (the anchors' own 04_bench_tiles.sh does the same
        # runs one after the other).
        run([str(anchor / "nginx_server.sh"), "restart"], env=ngx_env, stdout=subprocess.DEVNULL)
        for connections in (2, 8):
            shutil.rmtree(data / "cache", ignore_errors=True)
            drop_page_cache([str(data / "pyramids" / "**" / "*.jpg"), str(data / "media" / "**" / "*")])
            server.start()
            measure("twiza", "cold", lists["cold"], PORT, connections, server.pids())
            server.stop()
            if not args.skip_anchors:
                drop_page_cache([str(ANCHOR_TMP / "img" / "iip" / "*.tif")])
                measure("iipimage", "cold", anchor_urls / "iip_cold.txt", IIP_PORT, connections, iip("restart"))
        server.start()
        if not args.skip_anchors:
            pids = iip("restart")
        for name, prime in (("small", "3s"), ("all", "8s")):
            run_name = f"warm{'65' if name == 'small' else '1025'}"
            for connections in (2, 8):
                wrk(lua, lists[name], 8, prime, PORT)  # prime, as the anchor does
                measure("twiza", run_name, lists[name], PORT, connections, server.pids())
                if not args.skip_anchors:
                    wrk(lua, anchor_urls / f"iip_{name}.txt", 8, prime, IIP_PORT)
                    measure("iipimage", run_name, anchor_urls / f"iip_{name}.txt", IIP_PORT, connections, pids)
                    wrk(lua, anchor_urls / f"static_{name}.txt", 8, "2s", NGX_PORT)
                    measure("nginx", run_name, anchor_urls / f"static_{name}.txt", NGX_PORT, connections, [])
    finally:
        server.stop()
        if not args.skip_anchors:
            subprocess.run([str(anchor / "iip_server.sh"), "stop"], env={**os.environ, "PORT": str(IIP_PORT)},
                           stdout=subprocess.DEVNULL)
            subprocess.run([str(anchor / "nginx_server.sh"), "stop"], env={**os.environ, "PORT": str(NGX_PORT)},
                           stdout=subprocess.DEVNULL)

    print()
    print("| run | Twiza tiles/s | p50 ms | p99 ms | IIPImage tiles/s | p50 ms | p99 ms | Twiza/IIPImage | "
          "nginx static tiles/s | Twiza/nginx |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run_name, by_server in results.items():
        mine, iip, ngx = by_server["twiza"], by_server.get("iipimage"), by_server.get("nginx")
        row = [run_name, f"{mine['rps']:.0f}", f"{mine['p50_ms']:.2f}", f"{mine['p99_ms']:.2f}"]
        row += ([f"{iip['rps']:.0f}", f"{iip['p50_ms']:.2f}", f"{iip['p99_ms']:.2f}", f"{mine['rps'] / iip['rps']:.2f}"]
                if iip else ["-"] * 4)
        row += [f"{ngx['rps']:.0f}", f"{mine['rps'] / ngx['rps']:.3f}"] if ngx else ["-", "-"]
        print("| " + " | ".join(row) + " |")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print("RESULT " + json.dumps({"commit": commit, "copies": args.copies, "duration": args.duration,
                                  "workers": args.workers, "threads": args.threads, "worker_class": args.worker_class,
                                  "import_seconds": load_seconds,
                                  "runs": results, "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
