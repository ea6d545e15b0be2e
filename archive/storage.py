"""Content-addressed media store: each file lives once under DATA_DIR/media by its SHA-256."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the store already held these bytes


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class MediaStore:
    """Writes go to a temporary file in the store, then are linked into place: a reader never sees a
    partial file, and an existing file is never overwritten."""

    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir) / "media"

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_file(self, source: Path) -> StoredBlob:
        with open(source, "rb") as stream:
            return self.put_stream(stream)

    def put_stream(self, stream: BinaryIO) -> StoredBlob:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.is_file():
                return StoredBlob(sha, size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(tmp_name, final)  # atomic, and fails rather than overwrite
            except FileExistsError:
                return StoredBlob(sha, size, created=False)
            return StoredBlob(sha, size, created=True)
        finally:
            os.unlink(tmp_name)

    def remove(self, sha256: str) -> None:
        """Remove a blob, and its fan-out folders when empty; only for undoing a write whose database
        transaction failed."""
        path = self.path_for(sha256)
        path.unlink(missing_ok=True)
        for folder in (path.parent, path.parent.parent):
            try:
                folder.rmdir()
            except OSError:  # not empty: other blobs live there
                break


def media_store() -> MediaStore:
    return current_app.extensions["twiza.media_store"]
