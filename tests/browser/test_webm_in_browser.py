"""Chromium, the machine's own WebM player, checks the archive's WebM durations (archive/matroska.py): it
plays the files built byte by byte after the specification (tests/conftest.py ``tiny_webm``) and reports
the same duration, and a recording made by its own MediaRecorder (VP8, no Duration in its header) is
measured by the archive as Chromium measures it."""
from __future__ import annotations

import base64
import io
from typing import Any

import pytest

from archive.matroska import matroska_duration
from tests.conftest import tiny_webm

pytestmark = pytest.mark.browser

FRAME = 0.02  # one Opus packet of the built files

# The duration Chromium gives a WebM file, after asking for its end (a live recording's header has no
# duration: Chromium then finds it by seeking).
CHROMIUM_DURATION = """async ([data, type]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const player = document.createElement(type.startsWith('audio') ? 'audio' : 'video');
    player.src = URL.createObjectURL(new Blob([bytes], {type}));
    await new Promise((ok, fail) => { player.onloadedmetadata = ok; player.onerror = () => fail(player.error.message); });
    const announced = player.duration;
    if (Number.isFinite(announced)) return [announced, announced];
    player.currentTime = 1e9;
    await new Promise((ok) => { player.onseeked = ok; });
    return [announced, player.duration];
}"""

RECORD = """async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    document.body.append(canvas);
    const context = canvas.getContext('2d');
    let n = 0;
    const draw = () => { context.fillStyle = `hsl(${n++ * 7}, 60%, 50%)`; context.fillRect(0, 0, 64, 48); };
    draw();
    const timer = setInterval(draw, 20);
    const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm;codecs=vp8'});
    const chunks = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    const stopped = new Promise((ok) => { recorder.onstop = ok; });
    recorder.start();
    // Record until a few frames were encoded (whatever the machine's speed), then stop.
    await new Promise((ok) => setTimeout(ok, 600));
    recorder.stop();
    await stopped;
    clearInterval(timer);
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
}"""


def _chromium_duration(page: Any, data: bytes, mime: str) -> tuple[float, float]:
    return tuple(page.evaluate(CHROMIUM_DURATION, [base64.b64encode(data).decode(), mime]))


def test_chromium_plays_the_built_webm_files_for_as_long_as_the_archive_measures(page: Any) -> None:
    page.goto("/")
    with_duration = tiny_webm()
    announced, _ = _chromium_duration(page, with_duration, "audio/webm")
    assert announced == matroska_duration(io.BytesIO(with_duration)) == 2.0
    live = tiny_webm(with_duration=False)
    announced, found = _chromium_duration(page, live, "audio/webm")
    assert announced == float("inf")  # as for a live recording: the header does not say
    # Chromium ends the file where its last packet starts; the archive adds that packet's 20 ms.
    assert abs(found - matroska_duration(io.BytesIO(live))) <= FRAME + 1e-6


def test_a_recording_made_by_chromium_is_measured_as_chromium_measures_it(page: Any) -> None:
    page.goto("/")
    if not page.evaluate("MediaRecorder.isTypeSupported('video/webm;codecs=vp8')"):
        pytest.skip("this Chromium does not record VP8 WebM")
    recording = base64.b64decode(page.evaluate(RECORD))
    measured = matroska_duration(io.BytesIO(recording))
    _, found = _chromium_duration(page, recording, "video/webm")
    assert measured is not None and measured > 0
    assert abs(measured - found) <= 0.05  # within about a frame of a 25 fps recording
