"""What a licence, with the community's cultural labels, lets people do without asking."""
from __future__ import annotations

from typing import Iterable

from archive.models import Licence

REUSES = ("education", "commercial", "remix")
NON_COMMERCIAL_LABELS = {"TK-NC", "BC-NC"}


def reuses(licence: Licence, labels: Iterable[str] = ()) -> set[str]:
    """A subset of REUSES: 'education' (show and share it in class), 'commercial', 'remix' (adapt it).

    A Non-Commercial label of the community takes commercial use away whatever the licence says.
    """
    allowed = set()
    if licence.kind in ("cc", "public-domain") or licence.id == "InC-EDU":
        allowed.add("education")
    if licence.commercial_use and not NON_COMMERCIAL_LABELS & set(labels):
        allowed.add("commercial")
    if licence.derivatives:
        allowed.add("remix")
    return allowed
