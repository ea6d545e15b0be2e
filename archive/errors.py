"""Domain exceptions. Services raise these; ``app.py`` maps them to HTTP in one place."""
from __future__ import annotations


class ArchiveError(Exception):
    """Base class of every error the domain raises on purpose."""

    status_code = 400

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        return "\n  ".join([self.message, *self.details])


class NotFound(ArchiveError):
    status_code = 404


class AccessDenied(ArchiveError):
    status_code = 403


class AuthenticationRequired(ArchiveError):
    """The visitor must sign in first (HTML pages send them to the sign-in form)."""

    status_code = 401


class TermsNotAccepted(AccessDenied):
    """A licence asks for its terms to be accepted before download; ``details`` name each licence."""


class WrongCredentials(ArchiveError):
    status_code = 401


class TooManyAttempts(ArchiveError):
    status_code = 429


class RateLimited(ArchiveError):
    """Too many requests; ``retry_after`` seconds until the next one is accepted."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class InvalidInput(ArchiveError):
    status_code = 422


class InvalidQuery(ArchiveError):
    """A request's parameters make no sense (unknown facet value, page 0 ...)."""

    status_code = 400


class TooLarge(InvalidInput):
    """An upload over the size limit."""

    status_code = 413


class Conflict(ArchiveError):
    status_code = 409


class PackageError(InvalidInput):
    """A Twiza package was refused; ``details`` lists every problem as 'file:line: field: message'."""

