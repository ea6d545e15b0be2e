"""Public identifiers: short, URL-safe, unambiguous when read aloud or copied by hand."""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

# Crockford's base 32 in lower case: no i, l, o, u.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PUBLIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 32)
        chars.append(_ALPHABET[rest])
    return "".join(chars)


def mint(prefix: str, length: int = 8) -> str:
    """A new random identifier such as ``tw-7k3m9q2x``."""
    return f"{prefix}-{_encode(secrets.randbits(5 * length), length)}"


def derive(prefix: str, *parts: str, length: int = 10) -> str:
    """An identifier derived from ``parts``: the same parts always give the same identifier."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return f"{prefix}-{_encode(int.from_bytes(digest[:8], 'big'), length)}"


def slugify(text: str, max_length: int = 64) -> str:
    """A lowercase ASCII slug of ``text``; non-Latin names fall back to a derived identifier."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    if len(slug) < 3:
        return derive("agent", text, length=8)
    return slug
