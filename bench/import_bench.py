"""Time the package importer and exporter through the real CLI.

Builds an N-item text package (OLDI Seed, no images) with
bench/third_party_package.py into a temporary folder, then, against a fresh
data directory (TWIZA_DATA_DIR=<tmp>/data), runs as subprocesses:

    flask --app app db upgrade
    flask --app app archive import PACKAGE      (timed; the search index is updated by it)
    flask --app app search check                (timed; must report nothing missing or stale)
    flask --app app search reindex              (timed: the whole index rebuilt)
    flask --app app archive export OUT          (timed)
    flask --app app archive import PACKAGE      (timed: idempotent re-import)

and prints seconds (wall and CPU, the step's processes together) and items/s
for each, the CLI's start-up time, the size of the database (every SQLite file
found in the data directory) and of the search index, the machine's load
average, and whether the re-import left the row counts unchanged. The last
line is ``RESULT {json}``.

Run from the repository root:

    .venv/bin/python bench/import_bench.py [--items N] [--keep]

Figures only: nothing here asserts (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:  # run as a script (bench/ on sys.path) or imported as bench.import_bench
    from third_party_package import REPO_ROOT, build_oldi_package, default_shared_dir
except ImportError:  # pragma: no cover
    from bench.third_party_package import REPO_ROOT, build_oldi_package, default_shared_dir

SQLITE_MAGIC = b"SQLite format 3\x00"


class StepFailed(RuntimeError):
    pass


def flask_cmd(*args: str) -> list[str]:
    """``flask --app app ARGS`` with this interpreter (so the venv's Flask and app deps)."""
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def run_step(name: str, args: list[str], *, cwd: Path, env: dict, logdir: Path, timeout: float) -> tuple[float, float]:
    """Run one command, its output to logdir/NAME.log; return wall seconds and CPU seconds (user and
    system time of the command and of the processes it waited for).

    Raises StepFailed (with the log's tail) on a non-zero exit or a timeout.
    """
    log = logdir / f"{name}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "wb") as fh:
        try:
            proc = subprocess.run(args, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"{name}: no answer after {timeout:.0f} s\n{_tail(log)}") from None
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise StepFailed(f"{name}: exit code {proc.returncode}: {' '.join(args)}\n{_tail(log)}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def sqlite_files(data_dir: Path) -> list[Path]:
    """The SQLite databases under data_dir, found by their header (any name)."""
    found = []
    for p in sorted(Path(data_dir).rglob("*")):
        if p.is_file() and p.stat().st_size >= 100:
            with open(p, "rb") as fh:
                if fh.read(16) == SQLITE_MAGIC:
                    found.append(p)
    return found


def db_bytes(db: Path) -> int:
    """The database file plus its -wal and -shm companions."""
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def row_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {}
        for name in names:
            try:
                counts[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            except sqlite3.DatabaseError:  # e.g. a virtual table whose module is not loaded here
                counts[name] = -1
        return counts
    finally:
        con.close()


def count_lines(path: Path) -> int | None:
    if not path.is_file():
        return None
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def bench_env(data_dir: Path, extra: list[str]) -> dict:
    """The environment for the app: the caller's, less any TWIZA_* setting (so a
    developer's own database is never touched), plus TWIZA_DATA_DIR and --env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWIZA_") or k == "TWIZA_SHARED_DIR"}
    env["TWIZA_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    for pair in extra:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--env wants KEY=VALUE, not {pair!r}")
        env[key] = value
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="items in the package (default 10000)")
    parser.add_argument("--package", type=Path, help="import this existing package instead of building one")
    parser.add_argument("--no-long-texts", dest="long_texts", action="store_false",
                        help="no 50+ sentence texts in the built package")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT,
                        help="folder holding app.py, where flask runs (default: the repository root)")
    parser.add_argument("--shared-dir", type=Path, default=None,
                        help="shared data (default $TWIZA_SHARED_DIR or ../shared)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the app, e.g. TWIZA_SQLALCHEMY_DATABASE_URI=... (repeatable)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per step (default 3600)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (package, data, logs)")
    args = parser.parse_args(argv)

    repo = args.repo.resolve()
    if not (repo / "app.py").is_file() and not (repo / "app").is_dir():
        print(f"error: no app.py in {repo}: run from the repository root once the app exists", file=sys.stderr)
        return 2
    shared = (args.shared_dir or default_shared_dir()).resolve()
    work = Path(tempfile.mkdtemp(prefix="twiza-import-bench-"))
    data_dir, logs, out = work / "data", work / "logs", work / "export"
    data_dir.mkdir()
    logs.mkdir()
    env = bench_env(data_dir, args.env)
    result: dict = {"bench": "import", "work_dir": str(work)}
    try:
        if args.package:
            package = args.package.resolve()
            n_items = count_lines(package / "items.jsonl") or 0
        else:
            if not (shared / "data" / "oldi-seed").is_dir():
                print(f"error: no OLDI Seed data under {shared} (set TWIZA_SHARED_DIR)", file=sys.stderr)
                return 2
            t0 = time.perf_counter()
            package = build_oldi_package(work / "package", shared, items=args.items,
                                         with_images=False, long_texts=args.long_texts)
            result["build_s"] = round(time.perf_counter() - t0, 3)
            n_items = args.items
        result.update(items=n_items, package=str(package), package_mb=round(dir_size(package) / 1e6, 1))
        print(f"package: {package} ({n_items} items, {result['package_mb']} MB"
              + (f", built in {result['build_s']:.2f} s)" if "build_s" in result else ")"))
        print(f"data dir: {data_dir}   logs: {logs}")

        def step(name: str, *cli: str) -> float:
            seconds, cpu = run_step(name, flask_cmd(*cli), cwd=repo, env=env, logdir=logs, timeout=args.timeout)
            result[f"{name}_s"] = round(seconds, 3)
            result[f"{name}_cpu_s"] = round(cpu, 3)
            return seconds

        result["load_before"] = list(os.getloadavg())

        step("startup", "archive", "--help")
        step("upgrade", "db", "upgrade")
        dbs = sqlite_files(data_dir)
        if not dbs and not args.env:
            raise StepFailed(
                f"`db upgrade` created no SQLite database under TWIZA_DATA_DIR={data_dir}; "
                "refusing to import into a database this bench does not own "
                "(pass --env to point the app at a database explicitly)")

        step("import", "archive", "import", str(package))
        dbs = sqlite_files(data_dir)
        counts_first = {str(db): row_counts(db) for db in dbs}
        result["db_bytes_after_import"] = sum(db_bytes(db) for db in dbs)
        index_dir = data_dir / "search"
        result["index_bytes_after_import"] = dir_size(index_dir) if index_dir.exists() else None

        step("check", "search", "check")
        check_output = (logs / "check.log").read_text(encoding="utf-8", errors="replace")
        result["check_clean"] = "missing: 0" in check_output and "stale: 0" in check_output
        step("reindex", "search", "reindex")
        result["index_bytes_after_reindex"] = dir_size(index_dir) if index_dir.exists() else None

        step("export", "archive", "export", str(out))
        result["export_items"] = count_lines(out / "items.jsonl")
        result["export_mb"] = round(dir_size(out) / 1e6, 1) if out.exists() else None

        step("reimport", "archive", "import", str(package))
        dbs = sqlite_files(data_dir)
        counts_again = {str(db): row_counts(db) for db in dbs}
        changed = {
            f"{Path(db).name}:{table}": [counts_first.get(db, {}).get(table), n]
            for db, tables in counts_again.items() for table, n in tables.items()
            if counts_first.get(db, {}).get(table) != n
        }
        result["reimport_row_changes"] = changed
        result["db_files"] = {str(db.relative_to(data_dir)): db_bytes(db) for db in dbs}
        result["db_bytes"] = sum(result["db_files"].values())
        result["data_dir_bytes"] = dir_size(data_dir)
        result["load_after"] = list(os.getloadavg())
    except StepFailed as exc:
        print(f"FAILED {exc}", file=sys.stderr)
        print(f"(kept {work})", file=sys.stderr)
        return 1

    startup = result["startup_s"]
    print(f"\n{'step':<10} {'seconds':>9} {'CPU s':>9} {'items/s':>9} {'items/s net of start-up':>24}")
    print(f"{'startup':<10} {startup:>9.2f} {result['startup_cpu_s']:>9.2f} {'':>9} {'(flask --app app archive --help)':>24}")
    print(f"{'upgrade':<10} {result['upgrade_s']:>9.2f} {result['upgrade_cpu_s']:>9.2f}")
    for name in ("import", "check", "reindex", "export", "reimport"):
        s = result[f"{name}_s"]
        net = max(s - startup, 1e-9)
        result[f"{name}_items_per_s"] = round(n_items / s, 1)
        print(f"{name:<10} {s:>9.2f} {result[f'{name}_cpu_s']:>9.2f} {n_items / s:>9.0f} {n_items / net:>24.0f}")
    print(f"(CPU s: user and system time of the step's processes; wall seconds above CPU seconds, or below them "
          f"divided by the processes running at once, mean the machine was busy: load average "
          f"{result['load_before'][0]:.1f} before, {result['load_after'][0]:.1f} after, on {os.cpu_count()} processors)")
    print()
    if result["index_bytes_after_import"] is not None:
        print(f"search index: {result['index_bytes_after_import'] / 1e6:.1f} MB after the import, "
              f"{result['index_bytes_after_reindex'] / 1e6:.1f} MB after reindex; "
              f"search check {'clean' if result['check_clean'] else 'NOT CLEAN (see check.log)'}")
    for rel, size in result["db_files"].items():
        print(f"database {rel}: {size / 1e6:.1f} MB (with -wal/-shm)")
    if not result["db_files"]:
        print("database: no SQLite file under the data dir (external database?)")
    print(f"data dir (database, search index, media store): {result['data_dir_bytes'] / 1e6:.1f} MB; "
          f"package {result['package_mb']} MB; export {result['export_mb']} MB "
          f"with {result['export_items']} lines in items.jsonl")
    if result["export_items"] is not None and result["export_items"] != n_items:
        print(f"note: the export holds {result['export_items']} items, the package {n_items}")
    if result["db_files"]:
        print("re-import: row counts unchanged" if not changed
              else f"re-import changed row counts (table: [before, after]): {changed}")
    print("RESULT " + json.dumps(result, sort_keys=True))
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
