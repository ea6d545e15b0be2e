"""What recording public changes (IIIF Change Discovery) costs an import.

Builds an N-item text package (OLDI Seed, no images) with bench/third_party_package.py, imports it into a
fresh SQLite archive in a temporary folder, and prints the import's seconds and the part of them spent in
``PublicChanges.note_before`` and ``PublicChanges.record`` (archive/services/publication.py), with the
number of changes recorded. Run from the repository root:

    .venv/bin/python bench/public_changes_bench.py [--items N]

Figures only: nothing here asserts (see bench/README.md).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from archive.db import db  # noqa: E402
from archive.models import PublicChange  # noqa: E402
from archive.services import publication  # noqa: E402
from archive.services.packages import import_package  # noqa: E402
from bench.third_party_package import build_oldi_package, default_shared_dir  # noqa: E402


def _timed(spent: dict[str, float], name: str) -> None:
    original = getattr(publication.PublicChanges, name)

    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    setattr(publication.PublicChanges, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    items = parser.parse_args().items
    spent = {"note_before": 0.0, "record": 0.0}
    for name in spent:
        _timed(spent, name)
    with tempfile.TemporaryDirectory() as work:
        package = build_oldi_package(Path(work) / "package", default_shared_dir(), items=items, with_images=False)
        app = create_app({"DATA_DIR": str(Path(work) / "data"), "SECRET_KEY": "bench", "DATABASE_URL": None})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            import_package(package)
            total = time.perf_counter() - start
            recorded = db.session.scalar(select(func.count(PublicChange.id)))
            db.engine.dispose()
    part = spent["note_before"] + spent["record"]
    print(f"{items} items: import {total:.1f} s, of which public changes {part:.2f} s ({100 * part / total:.1f} %: "
          f"note_before {spent['note_before']:.2f} s, record {spent['record']:.2f} s); {recorded} changes recorded")


if __name__ == "__main__":
    main()
