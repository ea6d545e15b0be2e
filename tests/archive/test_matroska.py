"""WebM and Matroska durations read from the EBML structure: the Segment's Info (Duration in TimecodeScale
units) or, for files recorded live without one, the clusters' blocks. The files are built byte by byte
after the Matroska specification (tests/conftest.py ``tiny_webm``); Chromium plays the same files in
tests/browser/test_webm_in_browser.py and agrees."""
from __future__ import annotations

import io
import struct

import pytest

from archive.matroska import MatroskaError, matroska_duration
from archive.sniff import UnreadableMedia, probe
from tests.conftest import ebml, ebml_uint, tiny_webm

MAX_PIXELS = 10_000_000


def _measure(data: bytes) -> float | None:
    return matroska_duration(io.BytesIO(data))


@pytest.mark.parametrize("options", [{}, {"timecode_scale": 100_000}, {"timecode_scale": 1_000_000, "frames": 3}])
def test_the_duration_is_read_from_the_segment_info_in_timecode_scale_units(options):
    frames = options.get("frames", 100)
    assert _measure(tiny_webm(**options)) == pytest.approx(frames * 0.02)


@pytest.mark.parametrize("scale", [1_000_000, 100_000])
def test_a_live_recording_without_duration_is_measured_from_its_blocks(scale):
    # No Duration, Segment and Cluster of unknown size, as a browser's MediaRecorder writes: the last
    # block starts at 1.98 s and lasts as long as the step before it, 20 ms.
    assert _measure(tiny_webm(with_duration=False, timecode_scale=scale)) == 2.0


def test_a_block_group_s_own_duration_ends_the_file():
    header = tiny_webm(frames=0, with_duration=False)  # header, Info, Tracks and an empty unknown-size cluster
    block = ebml(0xA0, ebml(0xA1, b"\x81" + (1000).to_bytes(2, "big", signed=True) + b"\x80\xf8\xff\xfe")
                  + ebml_uint(0x9B, 500))
    cluster = ebml(0x1F43B675, ebml_uint(0xE7, 40) + block)
    assert _measure(header + cluster) == 1.54  # cluster 40 ms + block 1000 ms + its 500 ms


def test_a_zero_duration_falls_back_on_the_blocks():
    data = tiny_webm().replace(ebml(0x4489, struct.pack(">d", 2000.0)), ebml(0x4489, struct.pack(">d", 0.0)))
    assert _measure(data) == 2.0


def test_a_file_without_blocks_has_no_duration():
    assert _measure(tiny_webm(frames=0, with_duration=False)) is None


@pytest.mark.parametrize("data, reason", [
    (ebml(0x1A45DFA3, ebml(0x4282, b"mp4x")), "document type is 'mp4x'"),
    (ebml(0x1A45DFA3, ebml(0x4282, b"webm")), "no Segment"),
    (b"\x1a\x45\xdf\xa3\x00\x00", "invalid byte"),
    (tiny_webm(frames=0, with_duration=False) + b"\xa3\x84\x81", "truncated"),  # a block cut after its track
])
def test_bytes_that_are_not_webm_are_refused_with_the_reason(data, reason):
    with pytest.raises(MatroskaError, match=reason):
        _measure(data)


def test_probe_measures_webm_and_refuses_a_broken_one(tmp_path):
    good = tmp_path / "chant.webm"
    good.write_bytes(tiny_webm(with_duration=False))
    found = probe(good, max_pixels=MAX_PIXELS)
    assert (found.mime_type, found.kind, found.duration_seconds) == ("video/webm", "video", 2.0)
    broken = tmp_path / "broken.webm"
    broken.write_bytes(ebml(0x1A45DFA3, ebml(0x4282, b"webm")))
    with pytest.raises(UnreadableMedia, match="the video cannot be read .*no Segment"):
        probe(broken, max_pixels=MAX_PIXELS)


def test_an_uploaded_webm_is_measured_and_its_time_spans_are_checked_against_it(app):
    from archive.errors import InvalidInput
    from archive.services import annotations, editing, uploads
    from archive.storage import media_store
    from tests.conftest import Auth

    worker = Auth.user("worker@example.org", roles=("data_worker",), name="Amina Aït Ali")
    item = editing.create_item(worker, {"kind": "song", "title": [{"value": "Ahidous", "lang": "fr"}],
                                        "license": "CC-BY-4.0", "access": "public"})
    media = uploads.add_media(worker, item.public_id, io.BytesIO(tiny_webm()), "ahidous.webm", store=media_store(),
                              max_bytes=app.config["MAX_MEDIA_BYTES"], max_pixels=MAX_PIXELS)
    assert (media.kind, media.mime_type, media.duration_seconds) == ("video", "video/webm", 2.0)
    fields = {"media": media.public_id, "body": {"value": "Ahidous", "lang": "fr"}}
    assert annotations.create_layer(worker, item.public_id, {**fields, "selector": "t=0.5,1.9"}).selector == "t=0.5,1.9"
    with pytest.raises(InvalidInput) as refused:
        annotations.create_layer(worker, item.public_id, {**fields, "selector": "t=1,5"})
    assert any("ends after the recording (2.0 s)" in detail for detail in refused.value.details)
