"""Default settings of Twiza.

Every setting can be overridden in ``instance/config.py`` or from the environment with the ``TWIZA_``
prefix (``TWIZA_DATA_DIR=/srv/twiza``); values from the environment are parsed as JSON when they can be.
No secrets live here.
"""
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent

DATA_DIR = str(ROOT_DIR / "data")
"""Folder holding the SQLite database, the search index, the media store and caches."""

DATABASE_URL = None
"""Any SQLAlchemy URL (``postgresql+psycopg://user@host/db``); when unset, SQLite in DATA_DIR."""

SECRET_KEY = None
"""Signs sessions and tokens. When unset, read from ``DATA_DIR/secret_key`` (written by ``./twiza setup``)."""

SHARED_DIR = str(ROOT_DIR.parent / "shared")
"""The shared test schemas and data (``../shared``); tests that need it skip when it is absent."""

ITEMS_PER_PAGE = 24
"""Items on one page of the public item list."""

MAX_MEDIA_BYTES = 2 * 1024**3
"""Largest media file the archive accepts, in bytes."""

MAX_IMAGE_PIXELS = 400_000_000
"""Largest image (width x height) decoded; larger ones are refused as a decompression-bomb guard."""

DEFAULT_LICENSE = "CC-BY-4.0"
"""Licence given to items created without one."""

SITE_NAME = "Twiza"
"""Name of the archive, shown in pages and in attributions."""

INTERFACE_LANGUAGES = ["fr", "ar", "en", "zgh"]
"""Languages of the interface, in the order the switcher shows them (content has its own tags)."""

DEFAULT_INTERFACE_LANGUAGE = "fr"
"""Interface language when neither the visitor's choice nor the browser's preference decides."""

SEARCH_BACKEND = "whoosh"
"""Search engine: 'whoosh' (embedded, index in DATA_DIR/search) or 'postgres' (in the PostgreSQL database,
for several application servers)."""

IMAGE_CACHE_MAX_BYTES = 2 * 1024**3
"""Bound of the disk cache of rendered images (IIIF Image API results, page derivatives) in DATA_DIR/cache/images;
the least recently used are evicted first. Import-time pyramids of large images (DATA_DIR/pyramids) are not
counted: they are kept like the originals."""

IMAGE_MAX_AREA = 25_000_000
"""Most pixels (width x height) one IIIF Image API response may have: its info.json's maxArea."""
