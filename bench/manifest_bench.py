"""Time to build the IIIF manifest of an item with many canvases (issue 5 asks for 100).

Builds a package with one item holding ``--canvases`` pictures (small PNGs drawn here, each different), each
with a region tag and a description, imports it into a fresh SQLite archive, then times
``GET /iiif/3/<id>/manifest`` through the WSGI app (no HTTP server: the app's own cost), ``--runs`` times
after one warm-up, and checks the answer has that many canvases. Figures only, nothing asserted.

    .venv/bin/python bench/manifest_bench.py [--canvases 100] [--runs 20]
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def build_package(root: Path, canvases: int) -> None:
    from PIL import Image

    (root / "media").mkdir(parents=True)
    media, annotations = [], []
    for index in range(canvases):
        picture = Image.new("RGB", (320, 240), ((index * 37) % 256, (index * 71) % 256, (index * 113) % 256))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        (root / "media" / f"p{index:03d}.png").write_bytes(buffer.getvalue())
        media.append({"path": f"media/p{index:03d}.png", "label": [{"value": f"Page {index + 1}", "lang": "fr"}]})
        annotations.append({"media": index, "motivation": "tagging", "tag": "ⴰⵣⵓⵍ", "selector": "xywh=10,10,100,80"})
        annotations.append({"media": index, "motivation": "describing", "selector": "xywh=120,60,90,90",
                            "body": {"value": f"Motif {index + 1} de la broderie", "lang": "fr"}})
    line = {"id": "tw-hundred-pages", "kind": "craft", "title": [{"value": "Cahier de motifs", "lang": "fr"}],
            "license": "CC-BY-4.0", "access": "public", "status": "published",
            "contributors": [{"name": "Rkia Talbi", "role": "art"}], "media": media, "annotations": annotations}
    (root / "items.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--canvases", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from archive.services.packages import import_package

    work = Path(tempfile.mkdtemp(prefix="twiza-manifest-bench-"))
    try:
        build_package(work / "package", args.canvases)
        app = create_app({"DATA_DIR": str(work / "data"), "SECRET_KEY": "bench", "DATABASE_URL": None,
                          "SECURE_COOKIES": False})
        with app.app_context():
            upgrade()
            import_package(work / "package")
        client = app.test_client()
        url = "/iiif/3/tw-hundred-pages/manifest"
        first = client.get(url)
        manifest = first.get_json()
        assert first.status_code == 200 and len(manifest["items"]) == args.canvases, first.status_code
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        size = len(first.data)
        print(f"manifest of {args.canvases} canvases ({size / 1024:.0f} KiB of JSON-LD): "
              f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms "
              f"over {args.runs} requests")
        print("RESULT " + json.dumps({"canvases": args.canvases, "bytes": size, "median_ms": round(statistics.median(times), 1),
                                      "min_ms": round(min(times), 1), "max_ms": round(max(times), 1)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
