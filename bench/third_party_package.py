"""Build Twiza packages (spec: items.jsonl + media/) from third-party data.

The text comes from OLDI Seed (Maillard et al., ACL 2023, CC BY-SA 4.0): 6,193
line-aligned sentences in Moroccan Arabic (ary_Arab), Standard Moroccan
Tamazight (zgh_Tfng) and English (eng_Latn), with each line's source page in
metadata.tsv. The photographs are the Wikimedia Commons files of
``data/heritage-images`` with their credits. Nothing in a package built here was
written by the project, so importing it tests the importer on data it was not
tuned for.

Two builders:

* :func:`build_oldi_package` -- a valid package of any size, deterministic
  (same arguments, same bytes), used by benchmarks and large import tests.
* :func:`build_broken_package` -- a small package with exactly one error per
  bad line, and the list of ``(line_number, fragment)`` the importer's error
  report is expected to contain.

The shared data folder is never written to; callers pass it (see
:func:`default_shared_dir` for the usual ``TWIZA_SHARED_DIR`` / ``../shared``).

CLI::

    python bench/third_party_package.py DEST --items N [--no-images] [--no-long-texts]
    python bench/third_party_package.py DEST --broken
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent

SOURCE = "OLDI Seed (Maillard et al., ACL 2023)"
LICENSE = "CC-BY-SA-4.0"
CONTRIBUTOR = {"name": "OLDI Seed contributors", "role": "trl"}
ID_PREFIX = "oldi-"

# Order of the spec's kinds, starting with the ones the brief names.
KINDS = (
    "tale", "proverb", "narrative", "lexicon", "song",
    "poem", "craft", "motif", "technique", "gesture",
)
REGIONS = (
    "tanger-tetouan-al-hoceima", "oriental", "fes-meknes", "rabat-sale-kenitra",
    "beni-mellal-khenifra", "casablanca-settat", "marrakech-safi", "draa-tafilalet",
    "souss-massa", "guelmim-oued-noun", "laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab",
)
# (corpus file, BCP 47 tag used by the archive)
LANGS = (("ary_Arab", "ary-Arab"), ("zgh_Tfng", "zgh-Tfng"), ("eng_Latn", "en"))

TITLE_MAX = 80
# Passage lengths (sentences) cycled through for ordinary items: "several".
SHORT_LENGTHS = (3, 5, 4, 6, 8, 4, 7, 5)
MIN_SHORT = 2  # a run's tail shorter than this is merged into the previous passage
# With long_texts, every LONG_EVERY-th item (from LONG_PHASE) gets 50..80 sentences.
LONG_EVERY = 50
LONG_PHASE = 9
LONG_MIN, LONG_SPAN = 50, 31
LONG_PARAGRAPH = 6  # sentences per paragraph in long texts ("\n\n" between)

# Package layout: media files live under media/. The spec ("media/... the media
# files, named by relative POSIX paths from items.jsonl") can be read as paths
# relative to media/ or to the package root; the app's importer and exporter use
# the package root ("media/<item>/001-....jpg"), so paths here start with media/.
# Set to False to write paths relative to media/ instead.
MEDIA_DIR = "media"
PATHS_FROM_PACKAGE_ROOT = True
IMAGE_SUBDIR = "heritage-images"
N_IMAGE_ITEMS = 8

# Registry ids closest to the photographs' licences (the registry has only 4.0).
_LICENCE_MAP = {"CC BY": "CC-BY-4.0", "CC BY-SA": "CC-BY-SA-4.0"}


def default_shared_dir() -> Path:
    """``$TWIZA_SHARED_DIR``, else ``../shared`` from the repository root."""
    env = os.environ.get("TWIZA_SHARED_DIR")
    return Path(env) if env else (REPO_ROOT.parent / "shared")


# --------------------------------------------------------------------------- corpus

@dataclass(frozen=True)
class Corpus:
    """The aligned OLDI Seed lines: ``sentences[lang_tag][i]`` and ``urls[i]``."""

    sentences: dict[str, tuple[str, ...]]
    urls: tuple[str | None, ...]
    runs: tuple[tuple[int, int], ...]  # [start, end) of consecutive lines from one source page

    def __len__(self) -> int:
        return len(self.urls)


def _read_lines(path: Path) -> list[str]:
    # split("\n"), not splitlines(): U+2028 and friends are text, not line ends.
    text = path.read_text(encoding="utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r").strip() for line in lines]


@lru_cache(maxsize=4)
def load_corpus(shared_dir: Path) -> Corpus:
    """Read ``data/oldi-seed`` under *shared_dir*.

    Raises FileNotFoundError if it is absent and ValueError if the files are not
    line-aligned. Lines where any language is empty are dropped (a LangValue
    must be non-empty).
    """
    base = Path(shared_dir) / "data" / "oldi-seed"
    columns = [_read_lines(base / name) for name, _ in LANGS]
    meta = _read_lines(base / "metadata.tsv")
    if meta and meta[0].split("\t")[0].strip().upper() == "URL":
        meta = meta[1:]
    n = len(columns[0])
    if any(len(c) != n for c in columns) or len(meta) != n:
        raise ValueError(
            f"oldi-seed files are not line-aligned: {[len(c) for c in columns]} lines, "
            f"{len(meta)} metadata rows"
        )
    keep = [i for i in range(n) if all(c[i] for c in columns)]
    sentences = {tag: tuple(col[i] for i in keep) for (_, tag), col in zip(LANGS, columns)}
    urls = []
    for i in keep:
        url = meta[i].split("\t")[0].strip()
        urls.append(url if re.match(r"^https?://\S+$", url) else None)
    runs: list[tuple[int, int]] = []
    for i, url in enumerate(urls):
        if runs and urls[runs[-1][0]] == url:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return Corpus(sentences, tuple(urls), tuple(runs))


def _short_passages(corpus: Corpus, seen: set[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Passages ``(start, length)`` of a few consecutive sentences; never one in *seen*.

    Round 0 cuts every source page into consecutive passages of SHORT_LENGTHS
    sentences; round r cuts again from offset r (with the length cycle turned by
    r), so later rounds reuse the sentences in other passages. When those are
    used up, windows of 3, 4, 5 ... sentences at every line follow (these may run
    on into the next page), so there is no fixed limit. Every passage yielded is
    added to *seen*, so all are distinct.
    """
    max_run = max(end - start for start, end in corpus.runs)
    for r in range(max_run):
        for start, end in corpus.runs:
            size = end - start
            pos = start + (r % size)
            k = r
            while pos < end:
                length = SHORT_LENGTHS[k % len(SHORT_LENGTHS)]
                k += 1
                if end - (pos + length) < MIN_SHORT:  # don't leave a tiny tail
                    length = end - pos
                key = (pos, length)
                pos += length
                if length < MIN_SHORT <= size or key in seen:
                    continue
                seen.add(key)
                yield key
    n = len(corpus)
    for length in range(3, n + 1):
        for pos in range(n - length + 1):
            key = (pos, length)
            if key not in seen:
                seen.add(key)
                yield key


def _long_passages(corpus: Corpus, seen: set[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Passages of LONG_MIN..LONG_MIN+LONG_SPAN-1 sentences inside one long source page."""
    long_runs = [(s, e) for s, e in corpus.runs if e - s >= LONG_MIN]
    if not long_runs:
        return
    for r in range(10_000):
        produced = 0
        for j, (start, end) in enumerate(long_runs):
            size = end - start
            length = min(size, LONG_MIN + (r * 7 + j * 3) % LONG_SPAN)
            pos = start + (r * 5) % (size - length + 1)
            key = (pos, length)
            if key not in seen:
                seen.add(key)
                produced += 1
                yield key
        if produced == 0 and r > LONG_SPAN * 5:
            return


def plan_passages(corpus: Corpus, items: int, long_texts: bool = True) -> list[tuple[int, int]]:
    """The ``(start, length)`` passage of each of *items* items; all distinct.

    Raises ValueError if the corpus cannot give that many distinct passages.
    """
    seen: set[tuple[int, int]] = set()
    short = _short_passages(corpus, seen)
    long = _long_passages(corpus, seen) if long_texts else iter(())
    plan: list[tuple[int, int]] = []
    for i in range(items):
        source = long if (long_texts and i % LONG_EVERY == LONG_PHASE) else short
        nxt = next(source, None)
        if nxt is None and source is long:
            nxt = next(short, None)
        if nxt is None:
            raise ValueError(f"the corpus gives only {len(plan)} distinct passages, not {items}")
        plan.append(nxt)
    return plan


# --------------------------------------------------------------------------- items

def _truncate(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:،؛-–—") + "…"


def _join(sentences: tuple[str, ...] | list[str], long: bool) -> str:
    if not long:
        return " ".join(sentences)
    paragraphs = [
        " ".join(sentences[i : i + LONG_PARAGRAPH]) for i in range(0, len(sentences), LONG_PARAGRAPH)
    ]
    return "\n\n".join(paragraphs)


def _subject(url: str | None) -> str | None:
    if not url:
        return None
    m = re.search(r"/wiki/([^/?#]+)$", url)
    if not m:
        return None
    from urllib.parse import unquote

    return unquote(m.group(1)).replace("_", " ")


def make_item(corpus: Corpus, index: int, start: int, length: int) -> dict:
    """The items.jsonl object for item number *index* (0-based) with that passage."""
    long = length >= LONG_MIN
    title, text = [], []
    for _, tag in LANGS:
        col = corpus.sentences[tag]
        title.append({"value": _truncate(col[start]), "lang": tag})
        text.append({"value": _join(col[start : start + length], long), "lang": tag})
    item: dict = {
        "id": f"{ID_PREFIX}{index + 1:06d}",
        "kind": KINDS[index % len(KINDS)],
        "title": title,
        "text": text,
        "languages": [tag for _, tag in LANGS],
        "region": REGIONS[index % len(REGIONS)],
        "license": LICENSE,
        "contributors": [dict(CONTRIBUTOR)],
        "source": SOURCE,
    }
    url = corpus.urls[start]
    if url:
        item["source_url"] = url
        subject = _subject(url)
        if subject:
            item["subjects"] = [subject]
    return item


# --------------------------------------------------------------------------- photographs

@dataclass(frozen=True)
class Photo:
    file: Path
    title: str
    page_url: str | None
    creator: str | None
    licence_text: str  # exactly as in CREDITS.md, e.g. "CC BY-SA 2.5"
    license: str  # closest registry id
    width: int
    height: int


def registry_licence(licence_text: str) -> str:
    """Closest registry id (CC-BY-4.0 / CC-BY-SA-4.0) for "CC BY 2.0", "CC BY-SA 2.5" ...

    Raises ValueError for anything else (NC, ND, unknown).
    """
    m = re.match(r"^\s*CC[\s-]+(BY(?:-SA)?)(?:[\s-]+\d(?:\.\d)?)?\s*$", licence_text, re.I)
    if not m:
        raise ValueError(f"no registry id for licence {licence_text!r}")
    return _LICENCE_MAP["CC " + m.group(1).upper()]


_CREDIT_ROW = re.compile(
    r"^\|\s*`(?P<file>[^`]+)`\s*\|\s*\[(?P<title>[^\]]+)\]\((?P<url>[^)]+)\)(?:\s+by\s+(?P<by>[^|]+?))?\s*"
    r"\|\s*(?P<licence>[^|]+?)\s*\|\s*$"
)


def load_photos(shared_dir: Path) -> list[Photo]:
    """The photographs of ``data/heritage-images`` with CREDITS.md and their real size.

    Sorted by file name. Raises ValueError if a photo has no credit row.
    """
    from PIL import Image  # Pillow is a dependency of the app (media, IIIF)

    base = Path(shared_dir) / "data" / "heritage-images"
    credits = {}
    for line in (base / "CREDITS.md").read_text(encoding="utf-8").splitlines():
        m = _CREDIT_ROW.match(line.strip())
        if m:
            credits[m.group("file")] = m
    photos = []
    for path in sorted(base.glob("*.jpg")):
        m = credits.get(path.name)
        if m is None:
            raise ValueError(f"{path.name} has no row in CREDITS.md")
        with Image.open(path) as im:
            width, height = im.size
            if im.getexif().get(0x0112) in (5, 6, 7, 8):  # shown rotated by 90°
                width, height = height, width
        photos.append(
            Photo(
                file=path,
                title=m.group("title").strip(),
                page_url=m.group("url").strip(),
                creator=(m.group("by") or "").strip() or None,
                licence_text=m.group("licence").strip(),
                license=registry_licence(m.group("licence")),
                width=width,
                height=height,
            )
        )
    return photos


def media_path(rel: str) -> str:
    """The items.jsonl ``path`` of the file at ``media/<rel>`` in a package."""
    return f"{MEDIA_DIR}/{rel}" if PATHS_FROM_PACKAGE_ROOT else rel


def _copy_media(src: Path, dest_root: Path, rel: str) -> str:
    """Copy *src* to ``dest_root/media/<rel>``; return its items.jsonl path."""
    target = dest_root / MEDIA_DIR / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)  # not copy2: the shared files are read-only
    return media_path(rel)


def _media_entry(photo: Photo, rel: str) -> dict:
    who = f" by {photo.creator}" if photo.creator else " (author not named in the credits)"
    label = (
        f"{photo.title}. Photograph{who}, Wikimedia Commons, {photo.licence_text}"
        + (f" ({photo.page_url})" if photo.page_url else "")
    )
    entry: dict = {
        "path": rel,
        "label": [{"value": label, "lang": "en"}],
        "license": photo.license,
        "mime": "image/jpeg",
    }
    if photo.creator:
        entry["creator"] = {"name": photo.creator}
    return entry


def _region(photo: Photo, k: int) -> str:
    """An xywh selector well inside the image, different for each photo."""
    w, h = photo.width, photo.height
    rw, rh = max(1, w * (3 + k % 3) // 10), max(1, h * (3 + (k + 1) % 3) // 10)
    x = (w - rw) * (1 + k % 4) // 5
    y = (h - rh) * (1 + (k + 2) % 4) // 5
    assert 0 <= x and 0 <= y and x + rw <= w and y + rh <= h
    return f"xywh={x},{y},{rw},{rh}"


def _attach_photo(item: dict, photo: Photo, k: int, dest: Path) -> None:
    path = _copy_media(photo.file, dest, f"{IMAGE_SUBDIR}/{photo.file.name}")
    item["media"] = [_media_entry(photo, path)]
    item["annotations"] = [
        {"media": 0, "motivation": "tagging", "tag": photo.title, "selector": _region(photo, k)},
        {
            "media": 0,
            "motivation": "describing",
            "body": {
                "value": f"Photograph: {photo.title} ({photo.width}×{photo.height} px), "
                f"from Wikimedia Commons under {photo.licence_text}.",
                "lang": "en",
            },
        },
    ]


# --------------------------------------------------------------------------- writing

def _prepare(dest: Path) -> Path:
    dest = Path(dest)
    if (dest / "items.jsonl").exists() or (dest / MEDIA_DIR).exists():
        raise FileExistsError(f"{dest} already holds a package (items.jsonl or media/)")
    dest.mkdir(parents=True, exist_ok=True)
    return dest


def _dump(obj: dict) -> str:
    # U+2028/U+2029 are valid raw in JSON but are line breaks to str.splitlines(): escape them.
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def build_oldi_package(
    dest: Path, shared_dir: Path, *, items: int, with_images: bool = True, long_texts: bool = True
) -> Path:
    """Write a valid Twiza package of *items* OLDI Seed items into *dest* and return it.

    Deterministic. Each item holds a passage of consecutive aligned sentences in
    ary-Arab, zgh-Tfng and en (every LONG_EVERY-th item a long one of 50+ with
    *long_texts*); no two items have the same passage. With *with_images* the
    first 8 items each get one heritage photograph (copied to dest/media/), a
    tagging annotation on a region and a describing annotation.

    Raises FileExistsError if *dest* already holds a package, FileNotFoundError
    if the shared data is missing, ValueError if *items* is more than the corpus
    can give distinct passages for.
    """
    if items < 0:
        raise ValueError("items must be >= 0")
    corpus = load_corpus(Path(shared_dir).resolve())
    photos = load_photos(Path(shared_dir)) if with_images else []
    plan = plan_passages(corpus, items, long_texts)
    dest = _prepare(dest)

    def lines() -> Iterator[str]:
        for index, (start, length) in enumerate(plan):
            item = make_item(corpus, index, start, length)
            if index < min(N_IMAGE_ITEMS, len(photos)):
                _attach_photo(item, photos[index], index, dest)
            yield _dump(item)

    _write_lines(dest / "items.jsonl", lines())
    return dest


# --------------------------------------------------------------------------- broken package

def build_broken_package(dest: Path, shared_dir: Path) -> tuple[Path, list[tuple[int, str]]]:
    """Write a package whose items.jsonl has one error on each bad line.

    Returns ``(dest, expected)`` where *expected* lists ``(line_number, fragment)``:
    the 1-based line of items.jsonl and a short lowercase word that the
    importer's message for that line should contain (case-insensitively).
    Lines 1 and 11 are valid items; line 9 repeats line 1's id.
    """
    corpus = load_corpus(Path(shared_dir).resolve())
    photo = load_photos(Path(shared_dir))[0]
    dest = _prepare(dest)
    plan = plan_passages(corpus, 11, long_texts=False)

    def item(n: int, **changes) -> dict:
        obj = make_item(corpus, n, *plan[n])
        obj["id"] = f"{ID_PREFIX}broken-{n + 1:02d}"
        obj.update(changes)
        return obj

    good_path = _copy_media(photo.file, dest, f"{IMAGE_SUBDIR}/{photo.file.name}")
    # Text bytes under a JPEG name and claimed type; "type" is in its name too, so
    # a message that only quotes the path still holds the expected fragment.
    (dest / MEDIA_DIR / "wrong-type.jpg").write_text(
        "This is a plain text file, not a JPEG photograph.\n", encoding="utf-8"
    )

    first = item(0)
    first["media"] = [_media_entry(photo, good_path)]
    bad_lang = item(5)
    bad_lang["title"] = [dict(bad_lang["title"][0], lang="Arabic")] + bad_lang["title"][1:]
    missing = item(6, media=[{"path": media_path("missing.jpg"), "mime": "image/jpeg"}])
    wrong = item(7, media=[{"path": media_path("wrong-type.jpg"), "mime": "image/jpeg"}])
    out_of_range = item(9, media=[_media_entry(photo, good_path)])
    out_of_range["annotations"] = [
        {"media": 5, "motivation": "describing", "body": {"value": "Which photograph?", "lang": "en"}}
    ]
    broken_json = _dump(item(1))
    broken_json = broken_json[: len(broken_json) // 2]  # cut in the middle: unterminated

    lines: list[tuple[str, str | None]] = [
        (_dump(first), None),
        (broken_json, "json"),
        (_dump(item(2, license="Proprietary-License-1.0")), "license"),
        (_dump(item(3, kind="legend")), "kind"),
        (_dump(item(4, contributors=[{"name": "OLDI Seed contributors", "role": "translator"}])), "role"),
        (_dump(bad_lang), "lang"),
        (_dump(missing), "missing"),
        (_dump(wrong), "type"),
        (_dump(item(8, id=first["id"])), "duplicate"),
        (_dump(out_of_range), "media"),
        (_dump(item(10)), None),
    ]
    _write_lines(dest / "items.jsonl", [text for text, _ in lines])
    expected = [(n, frag) for n, (_, frag) in enumerate(lines, start=1) if frag]
    return dest, expected


# --------------------------------------------------------------------------- CLI

def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="package folder to create (must not hold a package)")
    parser.add_argument("--items", type=int, default=1000, help="number of items (default 1000)")
    parser.add_argument("--no-images", dest="images", action="store_false",
                        help="no photographs on the first 8 items")
    parser.add_argument("--no-long-texts", dest="long_texts", action="store_false",
                        help="no items with 50+ sentence texts")
    parser.add_argument("--broken", action="store_true",
                        help="build the package with one error per line instead")
    parser.add_argument("--shared-dir", type=Path, default=None,
                        help="shared data folder (default $TWIZA_SHARED_DIR or ../shared)")
    args = parser.parse_args(argv)
    shared = args.shared_dir or default_shared_dir()
    if not (shared / "data" / "oldi-seed").is_dir():
        print(f"error: no OLDI Seed data under {shared} (set TWIZA_SHARED_DIR)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        if args.broken:
            dest, expected = build_broken_package(args.dest, shared)
        else:
            dest = build_oldi_package(args.dest, shared, items=args.items,
                                      with_images=args.images, long_texts=args.long_texts)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - t0
    with open(dest / "items.jsonl", "rb") as fh:
        n_lines = sum(1 for _ in fh)
    print(f"wrote {dest}: {n_lines} lines, {_size(dest) / 1e6:.1f} MB, {seconds:.2f} s")
    if args.broken:
        for line, fragment in expected:
            print(f"  line {line}: expect an error mentioning {fragment!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
