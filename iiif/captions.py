"""WebVTT captions of a recording, from its approved time-coded transcriptions and translations: one file
per language, as the IIIF Cookbook's captions recipe has them (a ``supplementing`` annotation whose body is
the ``text/vtt`` file). Viewers put them on the player as tracks; the file also serves anyone who needs
subtitles or aligned speech. Pure: no HTTP, no database."""
from __future__ import annotations

from typing import Any

from archive.presenters import timed_segments

VTT_CONTENT_TYPE = "text/vtt; charset=utf-8"


def caption_languages(item: Any, media: Any) -> list[str]:
    """The languages the recording has captions in, the transcription's first."""
    languages: list[str] = []
    for segment in timed_segments(media, item):
        for value in segment.values:
            if value.lang and value.lang not in languages:
                languages.append(value.lang)
    return languages


def build_webvtt(item: Any, media: Any, language: str) -> str | None:
    """The WebVTT file of the recording's captions in ``language``, or None when it has none in it."""
    cues = []
    for segment in timed_segments(media, item):
        for value in segment.values:
            if value.lang == language:
                cues.append(f"{_timestamp(segment.start)} --> {_timestamp(segment.end)}\n{_cue_text(value.value)}")
    if not cues:
        return None
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def _timestamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _cue_text(text: str) -> str:
    # A blank line would end the cue, "-->" would read as timing, and & < > are markup in WebVTT.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(line.strip() for line in escaped.splitlines() if line.strip()) or "&nbsp;"
