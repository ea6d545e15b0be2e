"""Stream an item bundle (BagIt ZIP) holding a large recording and report time, throughput and peak memory.

Issue 7 asks that streaming a 1 GB item bundle keeps peak memory under 200 MB. This script builds a Twiza
package with one item whose recording is a WAV of ``--megabytes`` (default 1024) of audio, imports it into a
fresh SQLite archive, then asks the app for ``/items/<id>/download.zip`` through the WSGI test client and reads
the response chunk by chunk, as a client would, checking the ZIP's size. Peak memory is the process's
VmHWM (resident set high-water mark) before and after the download; figures only, nothing asserted.

    .venv/bin/python bench/bundle_bench.py [--megabytes 1024] [--keep]
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_wav(path: Path, megabytes: int) -> None:
    """A silent 16-bit mono WAV of about ``megabytes`` MiB, written in chunks."""
    data_bytes = megabytes * 1024 * 1024
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16)
    with open(path, "wb") as out:
        out.write(header + b"data" + struct.pack("<I", data_bytes))
        block = bytes(4 * 1024 * 1024)
        for _ in range(data_bytes // len(block)):
            out.write(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from archive.services.packages import import_package

    work = Path(tempfile.mkdtemp(prefix="twiza-bundle-bench-"))
    try:
        package = work / "package"
        (package / "media").mkdir(parents=True)
        write_wav(package / "media" / "long.wav", args.megabytes)
        line = {"id": "tw-long-record", "kind": "song", "title": [{"value": "ⴰⵀⵉⴷⵓⵙ ⵏ ⵓⵥⵕⵓ", "lang": "zgh-Tfng"}],
                "license": "CC-BY-4.0", "access": "public", "status": "published",
                "contributors": [{"name": "Ahidous d'Azrou", "role": "sng"}],
                "media": [{"path": "media/long.wav"}]}
        (package / "items.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
        app = create_app({"DATA_DIR": str(work / "data"), "SECRET_KEY": "bench", "DATABASE_URL": None,
                          "SECURE_COOKIES": False})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            import_package(package)
            import_seconds = time.perf_counter() - started
        shutil.rmtree(package)
        before = peak_rss_mb()
        client = app.test_client()
        started = time.perf_counter()
        response = client.get("/items/tw-long-record/download.zip", buffered=False)
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        seconds = time.perf_counter() - started
        after = peak_rss_mb()
        expected = args.megabytes * 1024 * 1024 + 44
        print(f"import of the {args.megabytes} MiB recording: {import_seconds:.1f} s")
        print(f"bundle: {size / 1024 / 1024:.1f} MiB streamed in {seconds:.1f} s = {size / 1024 / 1024 / seconds:.0f} MiB/s "
              f"(payload {expected / 1024 / 1024:.1f} MiB)")
        print(f"peak resident memory: {before:.0f} MB before the download, {after:.0f} MB after "
              f"(aim: under 200 MB)")
        print("RESULT " + json.dumps({"megabytes": args.megabytes, "bundle_bytes": size, "seconds": round(seconds, 2),
                                      "mib_per_s": round(size / 1024 / 1024 / seconds, 1),
                                      "peak_rss_mb_before": round(before), "peak_rss_mb_after": round(after)}))
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
