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


class InvalidInput(ArchiveError):
    status_code = 422


class InvalidQuery(ArchiveError):
    """A request's parameters make no sense (unknown facet value, page 0 ...)."""

    status_code = 400


class Conflict(ArchiveError):
    status_code = 409


class PackageError(InvalidInput):
    """A Twiza package was refused; ``details`` lists every problem as 'file:line: field: message'."""


class SignInRequired(AccessDenied):
    """Restricted material asked for by a visitor who has not signed in."""

    status_code = 401
