"""The duration of a WebM or Matroska file, read from its EBML structure (no decoder, no dependency).

A Matroska file is a tree of EBML elements: an ID (1-4 bytes, marker bits kept), a size (1-8 bytes; all
value bits set means "unknown": the element runs until a sibling or a parent's element starts), then the
data. The duration is in the Segment's Info: ``Duration`` (a float) counted in ``TimecodeScale``
nanoseconds (default 1,000,000: milliseconds). Files recorded live (a browser's MediaRecorder, for one)
have no Duration; their end is then found from the Clusters: each cluster's ``Timecode`` plus its blocks'
relative timecodes, the last block lasting its ``BlockDuration``, its track's ``DefaultDuration``, or the
step between that track's last two blocks.

Specification: IETF RFC 8794 (EBML) and RFC 9559 (Matroska); WebM is a subset of Matroska.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

EBML = 0x1A45DFA3
DOC_TYPE = 0x4282
SEGMENT = 0x18538067
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
DURATION = 0x4489
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
DEFAULT_DURATION = 0x23E383
CLUSTER = 0x1F43B675
TIMECODE = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
BLOCK_DURATION = 0x9B
# The Segment's children: one of these ends a Cluster of unknown size.
LEVEL_1 = {0x114D9B74, INFO, TRACKS, 0x1C53BB6B, CLUSTER, 0x1254C367, 0x1043A770, 0x1941A469}
DOC_TYPES = ("webm", "matroska")
MAX_ELEMENT_READ = 1 << 16  # the small elements read whole (numbers, strings); big ones are skipped over


class MatroskaError(ValueError):
    """The bytes are not a readable WebM or Matroska file."""


@dataclass
class _Element:
    id: int
    start: int  # where the data begins
    size: int | None  # None: unknown size

    def end(self, limit: int) -> int:
        return limit if self.size is None else min(self.start + self.size, limit)


@dataclass
class _Track:
    default_ns: int | None = None
    last: int | None = None  # the last two block times, in timecode-scale units
    previous: int | None = None
    last_duration: int | None = None


@dataclass
class _Scan:
    scale: int = 1_000_000
    tracks: dict[int, _Track] = field(default_factory=dict)

    def block(self, track: int, time: int, duration: int | None) -> None:
        state = self.tracks.setdefault(track, _Track())
        if state.last is None or time >= state.last:
            state.previous, state.last, state.last_duration = state.last, time, duration

    def end_ns(self) -> int | None:
        ends = []
        for state in self.tracks.values():
            if state.last is None:
                continue
            if state.last_duration is not None:
                length = state.last_duration * self.scale
            elif state.default_ns is not None:
                length = state.default_ns
            elif state.previous is not None:
                length = (state.last - state.previous) * self.scale
            else:
                length = 0
            ends.append(state.last * self.scale + length)
        return max(ends) if ends else None


def _vint(stream: BinaryIO, *, keep_marker: bool, max_length: int) -> tuple[int, int, bool] | None:
    """A variable-size integer: (value, bytes read, all value bits set), or None at the end of the file."""
    first = stream.read(1)
    if not first:
        return None
    byte = first[0]
    length = 1
    while length <= max_length and not byte & (0x80 >> (length - 1)):
        length += 1
    if length > max_length:
        raise MatroskaError(f"an element header starts with the invalid byte {byte:#04x}")
    rest = stream.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = byte if keep_marker else byte & (0xFF >> length)
    all_ones = byte & (0xFF >> length) == 0xFF >> length
    for extra in rest:
        value = (value << 8) | extra
        all_ones = all_ones and extra == 0xFF
    return value, length, all_ones


def _next(stream: BinaryIO, position: int, limit: int) -> _Element | None:
    """The element whose header starts at ``position``, or None at ``limit`` or the end of the file."""
    if position >= limit:
        return None
    stream.seek(position)
    element_id = _vint(stream, keep_marker=True, max_length=4)
    if element_id is None:
        return None
    size = _vint(stream, keep_marker=False, max_length=8)
    if size is None:
        return None
    value, length, unknown = size
    return _Element(element_id[0], position + element_id[1] + length, None if unknown else value)


def _children(stream: BinaryIO, parent: _Element, limit: int):
    """The children of an element of known size, in order."""
    position, end = parent.start, parent.end(limit)
    while (child := _next(stream, position, end)) is not None:
        if child.size is None:
            raise MatroskaError(f"element {child.id:#x} of unknown size inside element {parent.id:#x}")
        yield child
        position = child.start + child.size


def _data(stream: BinaryIO, element: _Element) -> bytes:
    if element.size is None or element.size > MAX_ELEMENT_READ:
        raise MatroskaError(f"element {element.id:#x} is too large for its kind")
    stream.seek(element.start)
    data = stream.read(element.size)
    if len(data) < element.size:
        raise MatroskaError("the file is truncated")
    return data


def _uint(stream: BinaryIO, element: _Element) -> int:
    return int.from_bytes(_data(stream, element), "big")


def _float(stream: BinaryIO, element: _Element) -> float:
    import struct

    data = _data(stream, element)
    if len(data) == 4:
        return struct.unpack(">f", data)[0]
    if len(data) == 8:
        return struct.unpack(">d", data)[0]
    if not data:
        return 0.0
    raise MatroskaError("Duration is neither a 4- nor an 8-byte float")


def _block_head(stream: BinaryIO, element: _Element) -> tuple[int, int]:
    """A block's track number and its time relative to its cluster (a signed 16-bit number)."""
    stream.seek(element.start)
    track = _vint(stream, keep_marker=False, max_length=8)
    relative = stream.read(2)
    if track is None or len(relative) < 2:
        raise MatroskaError("the file is truncated")
    return track[0], int.from_bytes(relative, "big", signed=True)


def _cluster(stream: BinaryIO, cluster: _Element, limit: int, scan: _Scan) -> int:
    """Note the cluster's blocks; return where the next element of the Segment starts."""
    end = cluster.end(limit)
    position, base = cluster.start, 0
    while (child := _next(stream, position, end)) is not None:
        if cluster.size is None and child.id in LEVEL_1:
            return position  # an unknown-size cluster ends where the Segment's next child begins
        if child.size is None:
            raise MatroskaError(f"element {child.id:#x} of unknown size inside a cluster")
        if child.id == TIMECODE:
            base = _uint(stream, child)
        elif child.id == SIMPLE_BLOCK:
            track, relative = _block_head(stream, child)
            scan.block(track, base + relative, None)
        elif child.id == BLOCK_GROUP:
            block, duration = None, None
            for part in _children(stream, child, end):
                if part.id == BLOCK:
                    block = _block_head(stream, part)
                elif part.id == BLOCK_DURATION:
                    duration = _uint(stream, part)
            if block is not None:
                scan.block(block[0], base + block[1], duration)
        position = child.start + child.size
    return end


def matroska_duration(stream: BinaryIO) -> float | None:
    """The duration in seconds (to the millisecond) of the WebM or Matroska file open in ``stream``, or None
    when it holds no timed content. Raises MatroskaError when the bytes are not such a file."""
    stream.seek(0, 2)
    file_end = stream.tell()
    header = _next(stream, 0, file_end)
    if header is None or header.id != EBML or header.size is None:
        raise MatroskaError("it does not start with an EBML header")
    doc_type = next((_data(stream, c).rstrip(b"\0").decode("ascii", "replace")
                     for c in _children(stream, header, file_end) if c.id == DOC_TYPE), "matroska")
    if doc_type not in DOC_TYPES:
        raise MatroskaError(f"its EBML document type is {doc_type!r}, not WebM or Matroska")
    position = header.start + header.size
    while (segment := _next(stream, position, file_end)) is not None and segment.id != SEGMENT:
        if segment.size is None:
            break
        position = segment.start + segment.size
    if segment is None or segment.id != SEGMENT:
        raise MatroskaError("it has no Segment")
    scan, duration = _Scan(), None
    end = segment.end(file_end)
    position = segment.start
    while (element := _next(stream, position, end)) is not None:
        if element.id == INFO:
            for child in _children(stream, element, end):
                if child.id == TIMECODE_SCALE:
                    scan.scale = _uint(stream, child) or scan.scale
                elif child.id == DURATION:
                    duration = _float(stream, child)
            if duration is not None and duration > 0:
                return round(duration * scan.scale / 1e9, 3)
        elif element.id == TRACKS:
            for entry in _children(stream, element, end):
                if entry.id == TRACK_ENTRY:
                    values = {c.id: _uint(stream, c) for c in _children(stream, entry, end)
                              if c.id in (TRACK_NUMBER, DEFAULT_DURATION)}
                    if TRACK_NUMBER in values:
                        scan.tracks.setdefault(values[TRACK_NUMBER], _Track()).default_ns = values.get(DEFAULT_DURATION)
        elif element.id == CLUSTER:
            position = _cluster(stream, element, end, scan)
            continue
        elif element.size is None:
            break  # an unknown-size element that is not a cluster: nothing after it can be found
        position = element.start + element.size
    end_ns = scan.end_ns()
    return round(end_ns / 1e9, 3) if end_ns is not None else None
