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

SECURE_COOKIES = True
"""Send the session and remember-me cookies over HTTPS only. `./twiza serve` turns it off, since it serves plain
HTTP on 127.0.0.1; a production server behind HTTPS keeps it on."""

REMEMBER_DAYS = 14
"""How long "keep me signed in" lasts on a device."""

REGISTRATION_OPEN = True
"""Whether researchers may create an account themselves (data workers are always invited by a curator)."""

INVITATION_DAYS = 7
"""How long an invitation link works."""

PASSWORD_RESET_HOURS = 2
"""How long a password reset link works."""

LOGIN_MAX_FAILURES = 5
"""Failed sign-ins allowed for one account within LOGIN_THROTTLE_SECONDS before it must wait."""

LOGIN_THROTTLE_SECONDS = 900
"""The window of LOGIN_MAX_FAILURES, and how long an account waits once throttled."""

MAIL_SERVER = None
"""SMTP server for invitations and password resets; when unset, messages go to the log (development)."""

MAIL_PORT = 587
"""Port of MAIL_SERVER."""

MAIL_USE_TLS = True
"""Upgrade the SMTP connection with STARTTLS."""

MAIL_USE_SSL = False
"""Connect to the SMTP server over TLS from the start (port 465) instead of STARTTLS."""

MAIL_USERNAME = None
"""SMTP user name, when the server needs one."""

MAIL_PASSWORD = None
"""SMTP password (set it in the environment or instance/config.py, never in the repository)."""

MAIL_SENDER = "Twiza <no-reply@localhost>"
"""The From address of the archive's mail."""

IIIF_COLLECTION_PAGE_SIZE = 100
"""Manifests listed by one IIIF Collection; a larger one becomes a Collection of page Collections."""

IIIF_SEARCH_PAGE_SIZE = 50
"""Matching annotations on one page of a IIIF Content Search answer."""

IIIF_DISCOVERY_PAGE_SIZE = 100
"""Activities on one page of the IIIF Change Discovery stream."""

TWO_PERSON_RULE = True
"""Nobody approves their own work: the reviewer who publishes an item is neither its creator nor its last editor."""

TOKEN_RATE_LIMIT = 120
"""Requests one API token may make within TOKEN_RATE_WINDOW_SECONDS; beyond, 429 with Retry-After."""

TOKEN_RATE_WINDOW_SECONDS = 60
"""The window of TOKEN_RATE_LIMIT."""

IMAGE_CACHE_MAX_BYTES = 2 * 1024**3
"""Bound of the disk cache of rendered images (IIIF Image API results, page derivatives) in DATA_DIR/cache/images;
the least recently used are evicted first. Import-time pyramids of large images (DATA_DIR/pyramids) are not
counted: they are kept like the originals."""

IMAGE_MAX_AREA = 25_000_000
"""Most pixels (width x height) one IIIF Image API response may have: its info.json's maxArea."""

SITE_URL = None
"""The archive's public address (``https://archive.example.org``), written into dataset releases; when unset,
the address a curator's request came to (the CLI then asks for ``--site-url``)."""
