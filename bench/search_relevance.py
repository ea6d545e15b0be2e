"""Relevance of Twiza's search on the demo archive: recall@10 and MRR over tests/search/relevance.json.

    .venv/bin/python bench/search_relevance.py [--show-misses]

Builds the demo archive (small images) in a temporary data dir, imports and indexes it, then runs every
query of the relevance set through the search service as an anonymous visitor. Prints figures only.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from app import create_app
    from archive.demo import build_demo_package
    from archive.services.browse import BrowseQuery
    from archive.services.packages import import_package
    from archive.services.search import search_items

    cases = json.loads((ROOT / "tests" / "search" / "relevance.json").read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory(prefix="twiza-relevance-") as tmp:
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "bench", "DATABASE_URL": None})
        with app.app_context():
            upgrade()
            import_package(build_demo_package(Path(tmp) / "demo", large_images=False), actor_label="bench")
            recall_hits, reciprocal, timings = 0, [], []
            for case in cases:
                started = time.perf_counter()
                ids = [i.public_id for i in search_items(None, case["q"], BrowseQuery(per_page=10)).items]
                timings.append(time.perf_counter() - started)
                found = all(e in ids for e in case["expect"])
                recall_hits += found
                ranks = [ids.index(e) + 1 for e in case["expect"] if e in ids]
                reciprocal.append(1 / min(ranks) if ranks else 0.0)
                if args.show_misses and not found:
                    print(f"miss: {case['q']!r} expected {case['expect']} got {ids[:5]}")
    timings.sort()
    print(f"queries={len(cases)} recall@10={recall_hits / len(cases):.3f} MRR={sum(reciprocal) / len(cases):.3f} "
          f"p50_ms={timings[len(timings) // 2] * 1000:.1f} max_ms={timings[-1] * 1000:.1f}")


if __name__ == "__main__":
    main()
