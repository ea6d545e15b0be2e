"""Item bundles: a BagIt bag (RFC 8493, SHA-256 manifests) in a ZIP, streamed as it is written.

Memory stays flat whatever the size: files are copied in chunks into a ZIP written to a pipe-like buffer
that is emptied after every chunk, and the checksums of the originals need no reading, since the media
store is addressed by SHA-256 already.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

CHUNK = 1024 * 1024
BAGIT_VERSION = "1.0"


@dataclass(frozen=True)
class PayloadFile:
    """A file of the bag's payload: its path under data/, and where its bytes are (with their known digest)."""

    name: str
    source: Path
    sha256: str
    size: int


class _Pipe:
    """A write-only stream that keeps what was written until it is drained; ZipFile writes into it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def _tag_line(key: str, value: str) -> str:
    # Tag values are one line each; continuation lines would need indentation, so newlines become spaces.
    return f"{key}: {' '.join(value.split())}\n"


def stream_bag(bag_name: str, payload: list[PayloadFile], documents: dict[str, bytes], info: dict[str, str],
               *, created: dt.date | None = None) -> Iterator[bytes]:
    """The ZIP of a BagIt bag named ``bag_name``: ``payload`` files and the generated ``documents`` (name under
    data/ -> bytes) in data/, bagit.txt, bag-info.txt (``info`` plus Bagging-Date and Payload-Oxum), and the
    SHA-256 payload and tag manifests. Yields the ZIP's bytes chunk by chunk."""
    pipe = _Pipe()
    digests: dict[str, str] = {}
    total_bytes = 0
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for entry in payload:
            path = f"data/{entry.name}"
            info_entry = zipfile.ZipInfo(f"{bag_name}/{path}", date_time=(1980, 1, 1, 0, 0, 0))
            info_entry.compress_type = zipfile.ZIP_STORED  # pictures and recordings are compressed already
            info_entry.file_size = entry.size
            with archive.open(info_entry, "w", force_zip64=entry.size > 2**31) as target, open(entry.source, "rb") as source:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.drain()
            digests[path] = entry.sha256
            total_bytes += entry.size
        for name, content in documents.items():
            path = f"data/{name}"
            archive.writestr(_entry(bag_name, path, zipfile.ZIP_DEFLATED), content)
            digests[path] = hashlib.sha256(content).hexdigest()
            total_bytes += len(content)
            yield pipe.drain()
        tags: dict[str, bytes] = {
            "bagit.txt": f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n".encode(),
            "bag-info.txt": "".join(
                [_tag_line(key, value) for key, value in info.items()]
                + [_tag_line("Bagging-Date", (created or dt.date.today()).isoformat()),
                   _tag_line("Payload-Oxum", f"{total_bytes}.{len(digests)}")]).encode(),
            "manifest-sha256.txt": "".join(f"{digest}  {path}\n" for path, digest in sorted(digests.items())).encode(),
        }
        tags["tagmanifest-sha256.txt"] = "".join(
            f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(tags.items())).encode()
        for name, content in tags.items():
            archive.writestr(_entry(bag_name, name, zipfile.ZIP_DEFLATED), content)
    yield pipe.drain()


def _entry(bag_name: str, path: str, compression: int) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(f"{bag_name}/{path}", date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = compression
    return entry


def stream_zip(folder: str, files: Iterator[tuple[str, bytes]]) -> Iterator[bytes]:
    """A ZIP of ``files`` (path, content) under ``folder``/, yielded as each file is written: the files are
    asked for one at a time, so only one is ever in memory. JPEG, PNG and PDF files are stored as they are
    (compressing them again gains nothing); the rest is deflated."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for path, content in files:
            stored = path.lower().endswith((".jpg", ".jpeg", ".png", ".pdf"))
            archive.writestr(_entry(folder, path, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), content)
            yield pipe.drain()
    yield pipe.drain()
