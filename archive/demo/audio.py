"""Sound recordings for the demo archive, synthesised in pure Python (stdlib ``wave``, ``math``, ``array``).

These are not field recordings: they are short instrumental sketches that stand in for them, so that the
archive's player, time-coded transcriptions and translations have something to work on. Each piece is
built section by section, and every section's start and end (in seconds) is returned with the sound, so
the demo's annotations can be time-coded exactly.

Output: 16-bit mono PCM WAV at 22050 Hz. Synthesis is deterministic (fixed seeds, no clock), so the
same piece always gives the same bytes.

Voices use wavetable synthesis (one cycle computed once, then read with a phase accumulator) to keep
a 30-second piece to a fraction of a second of Python.
"""
from __future__ import annotations

import array
import math
import pathlib
import random
import sys
import wave
from dataclasses import dataclass, field
from typing import Sequence

RATE = 22050
_TABLE_SIZE = 4096
_TABLE_MASK = _TABLE_SIZE - 1


def _wavetable(harmonics: Sequence[tuple[int, float]]) -> list[float]:
    table = [0.0] * _TABLE_SIZE
    for n, amp in harmonics:
        for i in range(_TABLE_SIZE):
            table[i] += amp * math.sin(2 * math.pi * n * i / _TABLE_SIZE)
    peak = max(abs(v) for v in table) or 1.0
    return [v / peak for v in table]


# Timbres: a reedy voice (nasal, rich in odd harmonics), a rounder voice, a flute, a bowed string (rribab).
TIMBRES = {
    "voice": _wavetable([(1, 1.0), (2, 0.55), (3, 0.42), (4, 0.18), (5, 0.22), (6, 0.06), (7, 0.08)]),
    "chorus": _wavetable([(1, 1.0), (2, 0.35), (3, 0.18), (4, 0.08), (5, 0.05)]),
    "flute": _wavetable([(1, 1.0), (2, 0.12), (3, 0.05)]),
    "rribab": _wavetable([(1, 1.0), (2, 0.7), (3, 0.5), (4, 0.38), (5, 0.3), (6, 0.22), (7, 0.16), (8, 0.1)]),
}
_LFO = [math.sin(2 * math.pi * i / _TABLE_SIZE) for i in range(_TABLE_SIZE)]


def note_frequency(semitones_from_a4: float) -> float:
    return 440.0 * 2 ** (semitones_from_a4 / 12)


@dataclass
class Track:
    """A mono mix buffer, in seconds and floats; rendered to 16-bit PCM at the end."""

    seconds: float
    samples: array.array = field(init=False)
    sections: list[tuple[str, float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.samples = array.array("d", bytes(8 * int(self.seconds * RATE)))

    def add(self, start: float, sound: Sequence[float], gain: float = 1.0) -> None:
        buf = self.samples
        offset = int(round(start * RATE))
        end = min(len(buf), offset + len(sound))
        for i in range(offset, end):
            buf[i] += gain * sound[i - offset]

    def mark(self, label: str, start: float, end: float) -> None:
        self.sections.append((label, round(start, 2), round(end, 2)))

    def pcm(self, peak: float = 0.86) -> bytes:
        """16-bit little-endian PCM, normalised to ``peak``, with 30 ms fades at both ends."""
        buf = self.samples
        top = max(max(buf), -min(buf)) or 1.0
        scale = peak * 32767 / top
        fade = int(0.03 * RATE)
        n = len(buf)
        out = array.array("h", bytes(2 * n))
        for i in range(n):
            v = buf[i] * scale
            if i < fade:
                v *= i / fade
            elif i >= n - fade:
                v *= (n - 1 - i) / fade
            out[i] = max(-32768, min(32767, int(round(v))))
        if sys.byteorder == "big":
            out.byteswap()
        return out.tobytes()


def tone(freq: float, seconds: float, *, timbre: str = "voice", attack: float = 0.04, release: float = 0.12,
         vibrato_rate: float = 5.2, vibrato_depth: float = 0.008, slide_from: float | None = None,
         slide_time: float = 0.08) -> list[float]:
    """One sung or played note: wavetable voice with envelope, vibrato and an optional slide into the pitch
    (the ornament that opens many phrases of Amazigh song)."""
    table = TIMBRES[timbre]
    n = int(seconds * RATE)
    out = [0.0] * n
    phase = 0.0
    lfo_phase = 0.0
    lfo_step = vibrato_rate * _TABLE_SIZE / RATE
    a = max(1, int(attack * RATE))
    r = max(1, int(release * RATE))
    slide_n = int(slide_time * RATE) if slide_from else 0
    vib_delay = int(0.15 * RATE)  # vibrato blooms after the attack, as in a held sung note
    for i in range(n):
        f = freq
        if i < slide_n:
            f = slide_from + (freq - slide_from) * (i / slide_n)
        if i > vib_delay:
            f *= 1.0 + vibrato_depth * _LFO[int(lfo_phase) & _TABLE_MASK]
            lfo_phase += lfo_step
        phase += f * _TABLE_SIZE / RATE
        env = 1.0
        if i < a:
            env = i / a
        elif i > n - r:
            env = (n - i) / r
        out[i] = env * table[int(phase) & _TABLE_MASK]
    return out


def drum(kind: str, rng: random.Random) -> list[float]:
    """A frame-drum stroke: 'dum' (low, centre of the skin), 'tak' (rim), 'clap' (hands), 'naqus' (metal)."""
    if kind == "dum":
        seconds, f0, f1, noise, decay = 0.45, 120.0, 58.0, 0.15, 9.0
    elif kind == "tak":
        seconds, f0, f1, noise, decay = 0.16, 420.0, 300.0, 0.55, 28.0
    elif kind == "clap":
        seconds, f0, f1, noise, decay = 0.12, 0.0, 0.0, 1.0, 40.0
    elif kind == "naqus":
        seconds, f0, f1, noise, decay = 0.35, 1870.0, 1860.0, 0.08, 12.0
    else:
        raise ValueError(kind)
    n = int(seconds * RATE)
    out = [0.0] * n
    phase = 0.0
    prev = 0.0
    for i in range(n):
        t = i / RATE
        env = math.exp(-decay * t)
        f = f1 + (f0 - f1) * math.exp(-30 * t)
        phase += 2 * math.pi * f / RATE
        body = math.sin(phase) + (0.4 * math.sin(2.76 * phase) if kind == "naqus" else 0.0)
        hiss = rng.uniform(-1, 1)
        hiss, prev = hiss - 0.6 * prev, hiss  # crude high-pass on the noise
        out[i] = env * ((1 - noise) * body + noise * hiss)
    return out


def _pattern(track: Track, start: float, end: float, beat: float, pattern: Sequence[str | None],
             sounds: dict[str, list[float]], gains: dict[str, float]) -> None:
    """Lay the drum ``pattern`` (one stroke or None per beat) from ``start`` to ``end``."""
    t = start
    i = 0
    while t < end - 1e-6:
        stroke = pattern[i % len(pattern)]
        if stroke:
            for part in stroke.split("+"):
                track.add(t, sounds[part], gains.get(part, 1.0))
        t += beat
        i += 1


def _melody(track: Track, start: float, notes: Sequence[tuple[float | None, float]], *, beat: float,
            root: float, timbre: str, gain: float, voices: Sequence[tuple[float, float]] = ((1.0, 1.0),),
            slide: bool = True, vibrato_depth: float = 0.008) -> float:
    """Sing ``notes`` = (semitones above ``root`` or None for a rest, beats) from ``start``; ``voices`` =
    (frequency ratio, gain) lets a chorus sing in slightly different tunings. Returns the end time."""
    t = start
    previous = None
    cache: dict[tuple[float, float, float | None, float], list[float]] = {}
    for step, beats in notes:
        seconds = beats * beat
        if step is not None:
            freq = root * 2 ** (step / 12)
            slide_from = previous * 1.0 if (slide and previous and previous != freq) else None
            for ratio, vgain in voices:
                key = (freq * ratio, seconds, slide_from * ratio if slide_from else None, vibrato_depth)
                if key not in cache:
                    cache[key] = tone(freq * ratio, seconds * 1.02, timbre=timbre, slide_from=key[2],
                                      vibrato_depth=vibrato_depth)
                track.add(t, cache[key], gain * vgain)
            previous = freq
        t += seconds
    return t


# The pieces ----------------------------------------------------------------------------------------------

# Anhemitonic pentatonic scale (no semitones), the scale of much Amazigh music of the Souss and the Atlas:
# degrees in semitones above the root.
PENTA = (0, 2, 4, 7, 9, 12, 14, 16)


def _p(*degrees_and_beats: float) -> list[tuple[float | None, float]]:
    """Pairs (pentatonic degree or -1 for a rest, beats) -> (semitones or None, beats)."""
    it = iter(degrees_and_beats)
    return [(None if d < 0 else PENTA[int(d)], b) for d, b in zip(it, it)]


def ahwash(seed: int = 1) -> Track:
    """An ahwash-like piece: a pentatonic sung melody in four verses over frame drums and hand claps,
    quickening at the end as the dancers' lines close in (about 32 s)."""
    rng = random.Random(seed)
    beat = 0.45
    track = Track(32.0)
    root = note_frequency(-14)  # G3
    sounds = {k: drum(k, rng) for k in ("dum", "tak", "clap", "naqus")}
    gains = {"dum": 0.9, "tak": 0.45, "clap": 0.35, "naqus": 0.18}
    _pattern(track, 0.0, 2.7, beat, ["dum", "tak", "tak", "dum+naqus", "tak", None], sounds, gains)
    verses = [
        _p(4, 1, 3, 1, 2, 1, 3, 2, 2, 1, 1, 1, 0, 3, -1, 1, 2, 1, 3, 1, 4, 2),
        _p(4, 1, 5, 1, 4, 1, 3, 2, 2, 1, 3, 1, 2, 3, -1, 1, 1, 1, 2, 1, 0, 2),
        _p(5, 1, 6, 1, 5, 1, 4, 2, 3, 1, 4, 1, 3, 3, -1, 1, 2, 1, 3, 1, 2, 2),
        _p(4, 1, 3, 1, 2, 1, 1, 2, 2, 1, 1, 1, 0, 3, -1, 1, 0, 1, 1, 1, 0, 2),
    ]
    t = 2.7
    for n, verse in enumerate(verses, start=1):
        length = sum(b for _, b in verse) * beat
        _pattern(track, t, t + length, beat, ["dum", "tak", "tak+clap", "dum", "tak+clap", "tak"], sounds, gains)
        _melody(track, t, verse, beat=beat, root=root, timbre="voice", gain=0.55)
        # the men's chorus doubles the last phrase an octave below
        tail = sum(b for _, b in verse[:8]) * beat
        _melody(track, t + tail, verse[8:], beat=beat, root=root / 2, timbre="chorus", gain=0.35,
                voices=((1.0, 0.6), (1.004, 0.5), (0.997, 0.5)))
        track.mark(f"verse {n}", t, t + length)
        t += length
    fast = beat * 0.7
    _pattern(track, t, 31.6, fast, ["dum+clap", "tak", "dum+clap", "tak+naqus"], sounds, gains)
    return track


def ahidous(seed: int = 2) -> Track:
    """An ahidous-like call and response: a soloist's call answered by a chorus in unison, over the bendir
    played by the whole line (about 30 s)."""
    rng = random.Random(seed)
    beat = 0.4
    track = Track(30.0)
    root = note_frequency(-12)  # A3
    sounds = {k: drum(k, rng) for k in ("dum", "tak", "clap")}
    gains = {"dum": 1.0, "tak": 0.4, "clap": 0.3}
    _pattern(track, 0.0, 1.6, beat, ["dum", "tak", "dum", "tak"], sounds, gains)
    call = [
        _p(3, 1, 4, 1, 3, 2, 2, 1, 1, 1, 0, 2),
        _p(4, 1, 5, 1, 4, 2, 3, 1, 2, 1, 1, 2),
        _p(5, 1, 5, 1, 4, 2, 3, 1, 4, 1, 3, 2),
        _p(3, 1, 4, 1, 3, 2, 2, 1, 1, 1, 0, 2),
    ]
    response = _p(0, 1, 1, 1, 2, 2, 1, 1, 0, 1, 0, 2)
    t = 1.6
    for n, phrase in enumerate(call, start=1):
        length = sum(b for _, b in phrase) * beat
        _pattern(track, t, t + 2 * length, beat, ["dum", "tak", "dum+clap", "tak"], sounds, gains)
        _melody(track, t, phrase, beat=beat, root=root, timbre="voice", gain=0.6, vibrato_depth=0.012)
        track.mark(f"call {n}", t, t + length)
        t += length
        r_len = sum(b for _, b in response) * beat
        _melody(track, t, response, beat=beat, root=root / 2, timbre="chorus", gain=0.45, slide=False,
                voices=((1.0, 0.5), (1.005, 0.4), (0.994, 0.4), (2.0, 0.25), (2.006, 0.2)))
        track.mark(f"response {n}", t, t + r_len)
        t += r_len
    _pattern(track, t, 29.6, beat, ["dum", "dum", "tak", "dum+clap"], sounds, gains)
    return track


def lullaby(seed: int = 3) -> Track:
    """A rocking lullaby on a flute-like voice, in a lilting 6/8 over a soft drone (about 20 s)."""
    beat = 0.36
    track = Track(21.0)
    root = note_frequency(-9)  # C4
    drone = tone(root / 2, 20.2, timbre="flute", attack=1.5, release=1.5, vibrato_depth=0.0)
    track.add(0.3, drone, 0.18)
    line_1 = [(7, 2), (9, 1), (7, 2), (4, 1), (5, 2), (4, 1), (2, 3), (None, 1), (4, 2), (5, 1), (4, 2),
              (2, 1), (0, 3)]
    line_2 = [(4, 2), (5, 1), (7, 2), (9, 1), (7, 2), (5, 1), (4, 3), (None, 1), (2, 2), (4, 1), (2, 2),
              (-1, 1), (0, 3)]
    t = 0.8
    for n, line in enumerate((line_1, line_2), start=1):
        length = sum(b for _, b in line) * beat
        _melody(track, t, line, beat=beat, root=root, timbre="flute", gain=0.7, vibrato_depth=0.004)
        track.mark(f"line {n}", t, t + length)
        t += length + 0.4
    return track


def izran(seed: int = 4) -> Track:
    """Two sung lines of izran, the short poems of the Rif: a free, ornamented melody over a drone and a
    sparse frame drum (about 19 s)."""
    rng = random.Random(seed)
    track = Track(19.5)
    root = note_frequency(-10)  # B3
    beat = 0.5
    drone = tone(root / 2, 18.5, timbre="rribab", attack=0.8, release=1.2, vibrato_depth=0.0)
    track.add(0.4, drone, 0.15)
    dum = drum("dum", rng)
    for k in range(18):
        track.add(0.6 + k * 1.0, dum, 0.5 if k % 2 == 0 else 0.25)
    scale = (0, 1, 4, 5, 7, 8, 10, 12)  # a mode with the augmented second, often heard in the Rif
    line_1 = [(scale[d] if d >= 0 else None, b) for d, b in
              ((4, 1.5), (5, 0.5), (4, 0.5), (3, 0.5), (2, 2), (-1, 0.5), (3, 1), (2, 0.5), (1, 0.5), (0, 3))]
    line_2 = [(scale[d] if d >= 0 else None, b) for d, b in
              ((2, 1), (3, 1), (4, 1), (5, 1.5), (4, 0.5), (3, 2), (-1, 0.5), (2, 0.5), (1, 0.5), (0, 3))]
    t = 1.4
    for n, line in enumerate((line_1, line_2), start=1):
        length = sum(b for _, b in line) * beat
        _melody(track, t, line, beat=beat, root=root, timbre="voice", gain=0.6, vibrato_depth=0.014)
        track.mark(f"line {n}", t, t + length)
        t += length + 0.8
    return track


PIECES = {"ahwash": ahwash, "ahidous": ahidous, "lullaby": lullaby, "izran": izran}


def write_wav(track: Track, path: pathlib.Path) -> None:
    """Write ``track`` as 16-bit mono PCM WAV (the ``wave`` module writes no timestamps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(track.pcm())


def render(name: str, path: pathlib.Path) -> list[tuple[str, float, float]]:
    """Synthesise the piece ``name`` into ``path``; return its sections (label, start s, end s)."""
    track = PIECES[name]()
    write_wav(track, path)
    return track.sections
