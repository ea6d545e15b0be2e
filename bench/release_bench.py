"""Export a dataset release of N items built from OLDI Seed and report time, throughput and peak memory.

Issue 7's benchmark: "Export a release of 100,000 items: time, throughput in MB/s and peak memory." Steps:

1. build a package of ``--items`` text items with bench/third_party_package.py (no images) and import it into a
   fresh SQLite archive in a temporary folder (timed, for context);
2. define a public dataset with the text and translation layers;
3. run ``flask --app app archive release`` in its own process (so that its peak memory is the release's alone:
   measured by /usr/bin/time), timed; the release's bytes over its seconds give the throughput;
4. an anchor in the same run: a bare script that reads the same items' text columns from the SQLite file and
   writes them as JSONL (no access rules, no credits, no other files), for the ratio.

Figures only, nothing asserted. The last line is ``RESULT {json}``.

    .venv/bin/python bench/release_bench.py [--items 100000] [--keep]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

ANCHOR = r"""
import json, sqlite3, sys, time
started = time.perf_counter()
connection = sqlite3.connect(sys.argv[1])
size = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for public_id, title, text, licence in connection.execute(
            "SELECT public_id, title, text, licence_id FROM items WHERE status = 'published' ORDER BY public_id"):
        line = json.dumps({"id": public_id, "title": json.loads(title), "text": json.loads(text), "licence": licence},
                          ensure_ascii=False) + "\n"
        size += len(line.encode())
        out.write(line)
print(size, time.perf_counter() - started)
"""


def _peak_mb(stderr: str) -> float:
    # /usr/bin/time measures the release process alone. RUSAGE_CHILDREN would not: a child forked from this
    # process (which imported the whole package) counts this process's pages before it execs.
    found = re.search(r"^MAXRSS_KB (\d+)$", stderr, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from archive.services.packages import import_package
    from bench.third_party_package import build_oldi_package, default_shared_dir

    work = Path(tempfile.mkdtemp(prefix="twiza-release-bench-"))
    data_dir = work / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWIZA_")}
    env.update(TWIZA_DATA_DIR=str(data_dir), TWIZA_SECRET_KEY="bench", TWIZA_SITE_URL="https://twiza.example.org")
    try:
        started = time.perf_counter()
        package = build_oldi_package(work / "package", default_shared_dir(), items=args.items, with_images=False)
        build_seconds = time.perf_counter() - started
        app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench", "DATABASE_URL": None})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            import_package(package)
            import_seconds = time.perf_counter() - started
            from archive.services.accounts import create_user
            from archive.services.releases import DatasetDefinition, define_dataset

            curator = create_user("bench@example.org", "Bench", "bench password 1234", roles=["curator"])
            define_dataset(curator, DatasetDefinition(slug="oldi", title="OLDI Seed bench", layers=["text", "translations"],
                                                      motivation="Benchmark."))
        shutil.rmtree(package)
        print(f"package of {args.items} items built in {build_seconds:.1f} s, imported in {import_seconds:.1f} s "
              f"({args.items / import_seconds:.0f} items/s)", flush=True)

        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M",
                                 str(REPO_ROOT / ".venv" / "bin" / "flask"), "--app", "app", "archive", "release", "oldi"],
                                cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"release failed:\n{result.stdout}\n{result.stderr[-3000:]}")
        peak = _peak_mb(result.stderr)
        folder = data_dir / "releases" / "oldi" / "1.0.0"
        sizes = {path.name: path.stat().st_size for path in folder.iterdir()}
        total = sum(sizes.values())
        print(result.stdout.strip())
        print("files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())))
        print(f"release: {total / 1e6:.1f} MB in {seconds:.1f} s (process start included) = {total / 1e6 / seconds:.2f} MB/s, "
              f"{args.items / seconds:.0f} items/s; peak resident memory of the release process: {peak:.0f} MB")

        anchor = subprocess.run([sys.executable, "-c", ANCHOR, str(data_dir / "twiza.sqlite3"), str(work / "anchor.jsonl")],
                                capture_output=True, text=True, check=True)
        anchor_bytes, anchor_seconds = anchor.stdout.split()
        anchor_bytes, anchor_seconds = int(anchor_bytes), float(anchor_seconds)
        print(f"anchor (bare SQLite -> JSONL of the same items, one file): {anchor_bytes / 1e6:.1f} MB in "
              f"{anchor_seconds:.1f} s = {anchor_bytes / 1e6 / anchor_seconds:.2f} MB/s; release time / anchor time = "
              f"{seconds / anchor_seconds:.1f}")
        print("RESULT " + json.dumps({"items": args.items, "release_bytes": total, "seconds": round(seconds, 2),
                                      "mb_per_s": round(total / 1e6 / seconds, 2), "peak_rss_mb": round(peak),
                                      "import_seconds": round(import_seconds, 1), "anchor_seconds": round(anchor_seconds, 2),
                                      "anchor_mb_per_s": round(anchor_bytes / 1e6 / anchor_seconds, 2)}))
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
