"""Pictures for the demo archive, drawn by code with Pillow.

Nothing here is a photograph: zellige star patterns (8-fold and 12-fold), cross-stitch embroidery in the
manner of Fes and Rabat, knotted carpet lozenges of the Middle Atlas and glazed plates in the manner of
Safi and Tamegroute are rebuilt from simple geometry. Every function is deterministic: randomness comes
from ``random.Random`` with a fixed seed and files are written without metadata, so the same call always
produces the same bytes.

Large pictures are made by tiling a small drawn period (zellige) or by enlarging a grid of knots
(carpets), which keeps a 6400 x 6400 picture to well under a second of drawing.
"""
from __future__ import annotations

import math
import pathlib
import random
from typing import Callable, Iterable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageEnhance

RGB = tuple[int, int, int]
Point = tuple[float, float]

# Palettes -------------------------------------------------------------------------------------------

ZELLIGE = {
    "grout": (226, 221, 206),
    "white": (240, 236, 224),
    "green": (22, 104, 72),
    "blue": (26, 70, 132),
    "turquoise": (38, 138, 150),
    "ochre": (210, 150, 52),
    "black": (34, 32, 36),
    "honey": (186, 112, 40),
}
LINEN = (233, 223, 199)
CARPET = {
    "red": (158, 34, 36),
    "red2": (146, 30, 38),
    "madder": (176, 58, 44),
    "ivory": (236, 226, 200),
    "black": (40, 30, 28),
    "orange": (214, 120, 40),
    "saffron": (226, 176, 60),
    "indigo": (42, 52, 100),
    "green": (70, 110, 70),
}


# Geometry helpers --------------------------------------------------------------------------------------


def star_points(cx: float, cy: float, r_out: float, r_in: float, n: int, rotation: float = 0.0) -> list[Point]:
    """Vertices of an ``n``-pointed star: alternating outer and inner radii, ``2n`` points."""
    points = []
    for k in range(2 * n):
        angle = rotation + math.pi * k / n - math.pi / 2
        r = r_out if k % 2 == 0 else r_in
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def polygon_points(cx: float, cy: float, r: float, n: int, rotation: float = 0.0) -> list[Point]:
    return [
        (cx + r * math.cos(rotation + 2 * math.pi * k / n), cy + r * math.sin(rotation + 2 * math.pi * k / n))
        for k in range(n)
    ]


def polar(cx: float, cy: float, r: float, angle: float) -> Point:
    return (cx + r * math.cos(angle), cy + r * math.sin(angle))


def _segment_intersection(p1: Point, p2: Point, p3: Point, p4: Point) -> Point | None:
    den = (p1[0] - p2[0]) * (p3[1] - p4[1]) - (p1[1] - p2[1]) * (p3[0] - p4[0])
    if abs(den) < 1e-9:
        return None
    t = ((p1[0] - p3[0]) * (p3[1] - p4[1]) - (p1[1] - p3[1]) * (p3[0] - p4[0])) / den
    u = -((p1[0] - p2[0]) * (p1[1] - p3[1]) - (p1[1] - p2[1]) * (p1[0] - p3[0])) / den
    if 0 < t < 1 and 0 < u < 1:
        return (p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1]))
    return None


def annular_sector(cx: float, cy: float, r0: float, r1: float, a0: float, a1: float, steps: int = 8) -> list[Point]:
    outer = [polar(cx, cy, r1, a0 + (a1 - a0) * i / steps) for i in range(steps + 1)]
    inner = [polar(cx, cy, r0, a1 - (a1 - a0) * i / steps) for i in range(steps + 1)]
    return outer + inner


def _supersampled(size: tuple[int, int], factor: int, background: RGB, draw: Callable[[ImageDraw.ImageDraw, int], None]) -> Image.Image:
    """Draw at ``factor`` times the size, then reduce: cheap anti-aliasing for polygon art."""
    big = Image.new("RGB", (size[0] * factor, size[1] * factor), background)
    draw(ImageDraw.Draw(big), factor)
    if factor == 1:
        return big
    return big.resize(size, Image.Resampling.LANCZOS)


def _tile(period: Image.Image, size: tuple[int, int], *, seed: int, glaze: float = 0.0) -> Image.Image:
    """Repeat ``period`` to fill ``size``; ``glaze`` > 0 varies each copy's brightness a little, as the
    hand-made glazes of zellige vary from one batch to the next."""
    out = Image.new("RGB", size)
    rng = random.Random(seed)
    pw, ph = period.size
    variants: dict[int, Image.Image] = {}
    for y in range(0, size[1], ph):
        for x in range(0, size[0], pw):
            if glaze:
                level = rng.randrange(5)
                if level not in variants:
                    variants[level] = ImageEnhance.Brightness(period).enhance(1.0 + glaze * (level - 2) / 2)
                out.paste(variants[level], (x, y))
            else:
                out.paste(period, (x, y))
    return out


# Zellige -----------------------------------------------------------------------------------------------


def _draw_khatem_period(d: ImageDraw.ImageDraw, p: float, grout: float) -> None:
    """One square period of the 8-fold star pattern: stars on the corners, a cross-star in the middle."""
    c = ZELLIGE
    octagram_in = math.cos(math.pi / 4) / math.cos(math.pi / 8)  # inner radius ratio of {8/2}
    for cx, cy in ((0, 0), (p, 0), (0, p), (p, p)):
        r = 0.5 * p
        d.polygon(star_points(cx, cy, r, r * octagram_in, 8, math.pi / 8), fill=c["green"], outline=c["grout"], width=int(grout))
        d.polygon(polygon_points(cx, cy, r * 0.62, 8, math.pi / 8), fill=c["white"], outline=c["grout"], width=int(grout))
        d.polygon(star_points(cx, cy, r * 0.55, r * 0.55 * octagram_in, 8, 0), fill=c["blue"], outline=c["grout"], width=int(grout))
        d.polygon(polygon_points(cx, cy, r * 0.2, 8, math.pi / 8), fill=c["ochre"], outline=c["grout"], width=int(grout))
    # the "cross" between four stars, and its own small star
    m = p / 2
    cross = star_points(m, m, 0.32 * p, 0.14 * p, 4, math.pi / 4)
    d.polygon(cross, fill=c["black"], outline=c["grout"], width=int(grout))
    d.polygon(star_points(m, m, 0.13 * p, 0.13 * p * octagram_in, 8, math.pi / 8), fill=c["turquoise"], outline=c["grout"], width=int(grout))
    # little diamonds where the star points meet on the period's edges
    for ex, ey in ((m, 0), (m, p), (0, m), (p, m)):
        d.polygon(polygon_points(ex, ey, 0.085 * p, 4, math.pi / 4), fill=c["honey"], outline=c["grout"], width=int(grout))


def zellige_khatem(size: int, *, seed: int = 8) -> Image.Image:
    """The 8-fold star (khatem) pattern of Fes zellige, square picture of ``size`` pixels."""
    repeats = max(4, round(size / 800))
    period = math.ceil(size / repeats)
    factor = 2 if period <= 1200 else 1

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        _draw_khatem_period(d, period * f, max(2, period * f / 110))

    tile = _supersampled((period, period), factor, ZELLIGE["grout"], draw)
    return _tile(tile, (size, size), seed=seed, glaze=0.06)


def zellige_rosette12(size: int) -> Image.Image:
    """A 12-fold rosette (a 'twelve' of the zellige masters) framed by quarter 8-fold stars."""
    c = ZELLIGE

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        s = size * f
        g = max(2, int(s / 260))
        cx = cy = s / 2
        R = 0.47 * s
        # corner quarter-stars
        oct_in = math.cos(math.pi / 4) / math.cos(math.pi / 8)
        for x, y in ((0, 0), (s, 0), (0, s), (s, s)):
            d.polygon(star_points(x, y, 0.30 * s, 0.30 * s * oct_in, 8, math.pi / 8), fill=c["green"], outline=c["grout"], width=g)
            d.polygon(polygon_points(x, y, 0.14 * s, 8, math.pi / 8), fill=c["ochre"], outline=c["grout"], width=g)
        # outer ring of 24 alternating sectors
        for k in range(24):
            a0 = 2 * math.pi * k / 24
            d.polygon(annular_sector(cx, cy, 0.84 * R, R, a0, a0 + 2 * math.pi / 24),
                      fill=c["blue"] if k % 2 else c["white"], outline=c["grout"], width=g)
        d.ellipse((cx - 0.84 * R, cy - 0.84 * R, cx + 0.84 * R, cy + 0.84 * R), fill=c["black"], outline=c["grout"], width=g)
        # twelve petals (kites) and the diamonds between them
        for k in range(12):
            a = 2 * math.pi * k / 12 - math.pi / 2
            half = math.pi / 12
            kite = [polar(cx, cy, 0.36 * R, a), polar(cx, cy, 0.58 * R, a - half),
                    polar(cx, cy, 0.80 * R, a), polar(cx, cy, 0.58 * R, a + half)]
            d.polygon(kite, fill=c["ochre"] if k % 2 else c["white"], outline=c["grout"], width=g)
            inner = [polar(cx, cy, 0.45 * R, a), polar(cx, cy, 0.58 * R, a - half * 0.45),
                     polar(cx, cy, 0.70 * R, a), polar(cx, cy, 0.58 * R, a + half * 0.45)]
            d.polygon(inner, fill=c["green"], outline=c["grout"], width=g)
            b = a + half
            diamond = [polar(cx, cy, 0.62 * R, b), polar(cx, cy, 0.70 * R, b - half * 0.5),
                       polar(cx, cy, 0.80 * R, b), polar(cx, cy, 0.70 * R, b + half * 0.5)]
            d.polygon(diamond, fill=c["turquoise"], outline=c["grout"], width=g)
        # central 12-pointed star
        d.polygon(star_points(cx, cy, 0.36 * R, 0.24 * R, 12), fill=c["white"], outline=c["grout"], width=g)
        d.polygon(polygon_points(cx, cy, 0.17 * R, 12, math.pi / 12), fill=c["green"], outline=c["grout"], width=g)
        d.polygon(star_points(cx, cy, 0.12 * R, 0.07 * R, 6), fill=c["ochre"], outline=c["grout"], width=g)

    return _supersampled((size, size), 2, c["grout"], draw)


def khatem_sliman(size: int) -> Image.Image:
    """Solomon's seal: two interlaced squares forming an 8-pointed star, on a tiled ground."""
    c = ZELLIGE

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        s = size * f
        cx = cy = s / 2
        step = s / 12
        for i in range(12):  # chequered ground of small tiles
            for j in range(12):
                colour = c["white"] if (i + j) % 2 else (222, 214, 192)
                d.rectangle((i * step, j * step, (i + 1) * step, (j + 1) * step), fill=colour)
        R = 0.44 * s
        band = 0.06 * s
        squares = [polygon_points(cx, cy, R, 4, math.pi / 4), polygon_points(cx, cy, R, 4, 0)]
        colours = (c["ochre"], c["green"])
        oct_in = math.cos(math.pi / 4) / math.cos(math.pi / 8)
        d.polygon(star_points(cx, cy, R, R * oct_in, 8, 0), fill=c["blue"])
        half = band / 2
        for sq, colour in zip(squares, colours):
            rot = math.atan2(sq[0][1] - cy, sq[0][0] - cx)
            outer = polygon_points(cx, cy, R + half * math.sqrt(2), 4, rot)
            inner = polygon_points(cx, cy, R - half * math.sqrt(2), 4, rot)
            for k in range(4):
                d.polygon([outer[k], outer[(k + 1) % 4], inner[(k + 1) % 4], inner[k]], fill=colour)
        # interlace: at every other crossing of the two bands, the first band passes over the second
        crossings = []
        for k in range(4):
            a0, a1 = squares[0][k], squares[0][(k + 1) % 4]
            for j in range(4):
                hit = _segment_intersection(a0, a1, squares[1][j], squares[1][(j + 1) % 4])
                if hit:
                    crossings.append((math.atan2(hit[1] - cy, hit[0] - cx), hit, a0, a1))
        for idx, (_, hit, a0, a1) in enumerate(sorted(crossings)):
            if idx % 2:
                continue
            length = math.dist(a0, a1)
            ux, uy = (a1[0] - a0[0]) / length, (a1[1] - a0[1]) / length
            nx, ny = -uy * half, ux * half
            reach = band * 1.2
            x0, y0 = hit[0] - ux * reach, hit[1] - uy * reach
            x1, y1 = hit[0] + ux * reach, hit[1] + uy * reach
            d.polygon([(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)], fill=colours[0])
        d.polygon(polygon_points(cx, cy, 0.24 * s, 8, math.pi / 8), fill=c["white"], outline=c["black"], width=max(2, int(s / 300)))
        d.polygon(star_points(cx, cy, 0.2 * s, 0.2 * s * math.cos(math.pi / 4) / math.cos(math.pi / 8), 8, math.pi / 8), fill=c["turquoise"])
        d.ellipse((cx - 0.06 * s, cy - 0.06 * s, cx + 0.06 * s, cy + 0.06 * s), fill=c["black"])

    return _supersampled((size, size), 2, c["white"], draw)


# Embroidery -------------------------------------------------------------------------------------------


def _fassi_cells(n: int) -> dict[tuple[int, int], int]:
    """Stitches of a geometric motif in the spirit of terz fassi: a stepped lozenge with branching arms,
    four-fold symmetric around the centre of an ``n`` x ``n`` grid (n odd). Values are thread indexes."""
    h = n // 2
    cells: dict[tuple[int, int], int] = {}

    def put(x: int, y: int, v: int) -> None:
        for sx in (1, -1):
            for sy in (1, -1):
                cells[(h + sx * x, h + sy * y)] = v
                cells[(h + sx * y, h + sy * x)] = v

    for x in range(h + 1):
        for y in range(x, h + 1):
            dist = x + y
            if dist in (h, h - 6) or dist <= 3:
                put(x, y, 0)
            elif x == 0 and 4 <= y <= h - 7:
                put(x, y, 0)  # the arms
            elif y - x == 4 and 6 <= dist <= h - 8 and dist % 2 == 0:
                put(x, y, 1)  # the branches ("feathers")
            elif x == y and h - 4 <= dist <= h - 2:
                put(x, y, 1)
    return cells


def _rbati_cells(n: int) -> dict[tuple[int, int], int]:
    """Stitches of a flower rosette in the spirit of Rabat embroidery: filled petals in several silks."""
    h = n / 2 - 0.5
    cells: dict[tuple[int, int], int] = {}
    for x in range(n):
        for y in range(n):
            dx, dy = x - h, y - h
            r = math.hypot(dx, dy) / (n / 2)
            a = math.atan2(dy, dx)
            petal = 0.62 + 0.3 * math.cos(8 * a)
            if r < 0.16:
                cells[(x, y)] = 2
            elif r < 0.24:
                cells[(x, y)] = 3
            elif r < petal * 0.7:
                cells[(x, y)] = 0
            elif r < petal:
                cells[(x, y)] = 1
            elif 0.9 < r < 0.97 and int((a + math.pi) * 16 / math.pi) % 2 == 0:
                cells[(x, y)] = 4
    return cells


def _draw_stitches(d: ImageDraw.ImageDraw, cells: dict[tuple[int, int], int], ox: float, oy: float, cell: float,
                   threads: Sequence[RGB], shadow: float = 0.7) -> None:
    w = max(1, int(cell * 0.22))
    pad = cell * 0.12
    for (x, y), v in sorted(cells.items()):
        x0, y0 = ox + x * cell + pad, oy + y * cell + pad
        x1, y1 = ox + (x + 1) * cell - pad, oy + (y + 1) * cell - pad
        colour = threads[v % len(threads)]
        dark = tuple(int(ch * shadow) for ch in colour)
        d.line([(x0, y0 + w * 0.4), (x1, y1 + w * 0.4)], fill=dark, width=w)
        d.line([(x0, y0), (x1, y1)], fill=colour, width=w)
        d.line([(x1, y0), (x0, y1)], fill=colour, width=w)


def _linen(d: ImageDraw.ImageDraw, size: tuple[int, int], cell: float) -> None:
    weave = tuple(ch - 14 for ch in LINEN)
    x = 0.0
    while x < size[0]:
        d.line([(x, 0), (x, size[1])], fill=weave, width=max(1, int(cell / 10)))
        x += cell / 2
    y = 0.0
    while y < size[1]:
        d.line([(0, y), (size[0], y)], fill=weave, width=max(1, int(cell / 10)))
        y += cell / 2


def embroidery_fassi(size: int) -> Image.Image:
    """Cross-stitch motif in the manner of terz fassi: one dark blue thread and a touch of red, a band of
    motifs between two borders of small triangles."""
    n = 41
    threads = [(28, 46, 110), (150, 30, 40)]

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        s = size * f
        cell = s / (2 * n + 10)
        _linen(d, (s, s), cell)
        motif = _fassi_cells(n)
        for mx in (0, 1):
            for my in (0, 1):
                _draw_stitches(d, motif, 5 * cell + mx * n * cell, 5 * cell + my * n * cell, cell, threads)
        border = {}
        for x in range(2 * n + 10):
            for y in range(3):
                if abs((x % 6) - 3) >= y + 1:
                    border[(x, y)] = 1
        _draw_stitches(d, border, 0, cell, cell, threads)
        _draw_stitches(d, {(x, 2 - y): v for (x, y), v in border.items()}, 0, s - 4 * cell, cell, threads)

    return _supersampled((size, size), 2, LINEN, draw)


def embroidery_rbati(width: int, height: int) -> Image.Image:
    """Polychrome silk rosettes in the manner of Rabat embroidery, three across, on linen."""
    n = 37
    threads = [(176, 36, 48), (214, 160, 40), (30, 90, 60), (40, 60, 130), (120, 40, 90)]

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        w, h = width * f, height * f
        cell = w / (3 * n + 12)
        _linen(d, (w, h), cell)
        motif = _rbati_cells(n)
        top = (h - n * cell) / 2
        for k in range(3):
            _draw_stitches(d, motif, (3 + k * (n + 3)) * cell, top, cell, threads)
        stem = {(x, 0): 2 for x in range(3 * n + 6) if x % 4 != 3}
        _draw_stitches(d, stem, 3 * cell, top - 4 * cell, cell, threads)
        _draw_stitches(d, stem, 3 * cell, top + (n + 3) * cell, cell, threads)

    return _supersampled((width, height), 2, LINEN, draw)


# Carpets ---------------------------------------------------------------------------------------------


def _carpet_knots(knots: int, *, single: bool, seed: int) -> Image.Image:
    """A ``knots`` x ``knots`` grid of knot colours: field of nested lozenges with hooks, zigzag border,
    and 'abrash' (bands of slightly different red where a new dye bath began)."""
    rng = random.Random(seed)
    c = CARPET
    img = Image.new("RGB", (knots, knots), c["red"])
    px = img.load()
    border = max(7, knots // 14)
    band_colours = [c["ivory"], c["black"], c["orange"], c["ivory"], c["indigo"], c["saffron"]]
    abrash_rows = sorted(rng.sample(range(border, knots - border), 3))
    for y in range(knots):
        abrash = sum(1 for r in abrash_rows if y >= r) % 2
        for x in range(knots):
            edge = min(x, y, knots - 1 - x, knots - 1 - y)
            if edge < border:
                along = x if (y < border or y >= knots - border) else y
                zig = abs((along % 10) - 5) / 5  # 0..1, a saw-tooth along the side
                depth = (edge - 1) / max(1, border - 3)  # 0 (outside) .. 1 (inside)
                if edge in (0, border - 1):
                    colour = c["black"]
                elif depth < zig * 0.85:
                    colour = c["black"] if (along // 10) % 2 else c["indigo"]
                else:
                    colour = c["ivory"] if depth > zig + 0.2 else c["orange"]
                px[x, y] = colour
                continue
            fx, fy = x - border, y - border
            inner = knots - 2 * border
            if single:
                cw, ch = inner, inner
                lx, ly = fx - inner / 2, fy - inner / 2
            else:
                cw, ch = inner / 4, inner / 3
                lx = (fx % cw) - cw / 2
                ly = (fy % ch) - ch / 2
            dist = abs(lx) / (cw / 2) + abs(ly) / (ch / 2)
            colour = c["red2"] if abrash else c["red"]
            if dist < 0.96:
                ring = int(dist * 7)
                colour = band_colours[ring % len(band_colours)] if ring % 2 == 0 or ring > 4 else colour
                if dist < 0.09:
                    colour = c["black"]
            else:
                # hooks at the lozenge corners and little crosses in between
                if abs(lx) < 1.0 and abs(abs(ly) - ch / 2) < 1.0 or abs(ly) < 1.0 and abs(abs(lx) - cw / 2) < 1.0:
                    colour = c["saffron"]
            px[x, y] = colour
    # a few knots of slightly different colour: hand-spun, hand-dyed wool
    for _ in range(knots * knots // 40):
        x, y = rng.randrange(knots), rng.randrange(knots)
        r, g, b = px[x, y]
        delta = rng.randint(-12, 12)
        px[x, y] = (max(0, min(255, r + delta)), max(0, min(255, g + delta)), max(0, min(255, b + delta)))
    return img


def _knot_shading(k: int) -> Image.Image:
    """One knot's light: bright in the middle, darker at the edges (multiplied over the colours)."""
    tile = Image.new("L", (k, k))
    px = tile.load()
    for y in range(k):
        for x in range(k):
            dx = (x + 0.5) / k - 0.5
            dy = (y + 0.5) / k - 0.5
            px[x, y] = int(255 - 150 * (dx * dx + dy * dy) - 30 * abs(dx))
    return tile


def carpet(size: int, *, single: bool = False, seed: int = 1912) -> Image.Image:
    """A Middle Atlas knotted carpet seen from close by, ``size`` pixels square."""
    knots = 200 if not single else 100
    k = max(1, size // knots)
    grid = _carpet_knots(knots, single=single, seed=seed)
    colours = grid.resize((knots * k, knots * k), Image.Resampling.NEAREST)
    shade = _tile(_knot_shading(k).convert("RGB"), colours.size, seed=0)
    out = ImageChops.multiply(colours, shade)
    if out.size != (size, size):
        out = out.resize((size, size), Image.Resampling.NEAREST)
    return out


# Pottery -----------------------------------------------------------------------------------------------


def pottery_safi(size: int) -> Image.Image:
    """A glazed plate in the manner of Safi: cobalt on white, concentric bands, petals and a rosette."""
    blue, white, green, ochre, brown = (30, 56, 140), (240, 236, 222), (40, 110, 80), (206, 146, 50), (100, 60, 40)

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        s = size * f
        cx = cy = s / 2
        R = 0.46 * s
        d.ellipse((cx - R + 0.02 * s, cy - R + 0.03 * s, cx + R + 0.02 * s, cy + R + 0.03 * s), fill=(150, 140, 128))
        d.ellipse((cx - R, cy - R, cx + R, cy + R), fill=white, outline=brown, width=int(s / 200))
        for k in range(36):  # scalloped rim
            a = 2 * math.pi * k / 36
            px, py = polar(cx, cy, 0.93 * R, a)
            r = 0.05 * R
            d.pieslice((px - r, py - r, px + r, py + r), math.degrees(a) + 90, math.degrees(a) + 270, fill=blue)
        d.ellipse((cx - 0.86 * R, cy - 0.86 * R, cx + 0.86 * R, cy + 0.86 * R), outline=blue, width=int(s / 120))
        for k in range(16):  # petals
            a = 2 * math.pi * k / 16
            pts = [polar(cx, cy, 0.48 * R, a), polar(cx, cy, 0.66 * R, a - 0.17),
                   polar(cx, cy, 0.82 * R, a), polar(cx, cy, 0.66 * R, a + 0.17)]
            d.polygon(pts, fill=blue if k % 2 == 0 else green)
            dot = polar(cx, cy, 0.70 * R, a + math.pi / 16)
            r = 0.025 * R
            d.ellipse((dot[0] - r, dot[1] - r, dot[0] + r, dot[1] + r), fill=ochre)
        d.ellipse((cx - 0.45 * R, cy - 0.45 * R, cx + 0.45 * R, cy + 0.45 * R), outline=blue, width=int(s / 150))
        for k in range(48):  # zigzag band
            a0 = 2 * math.pi * k / 48
            a1 = 2 * math.pi * (k + 0.5) / 48
            a2 = 2 * math.pi * (k + 1) / 48
            d.line([polar(cx, cy, 0.36 * R, a0), polar(cx, cy, 0.42 * R, a1), polar(cx, cy, 0.36 * R, a2)],
                   fill=brown, width=max(1, int(s / 400)))
        d.polygon(star_points(cx, cy, 0.30 * R, 0.14 * R, 8), fill=blue)
        d.polygon(polygon_points(cx, cy, 0.1 * R, 8, math.pi / 8), fill=ochre)

    return _supersampled((size, size), 2, (196, 186, 170), draw)


def pottery_tamegroute(size: int, *, seed: int = 30) -> Image.Image:
    """A bowl in the manner of Tamegroute, seen from above: a deep green, mottled, running glaze."""
    rng = random.Random(seed)
    green, dark, light = (46, 102, 58), (24, 62, 36), (96, 150, 78)

    def draw(d: ImageDraw.ImageDraw, f: int) -> None:
        s = size * f
        cx = cy = s / 2
        R = 0.45 * s
        d.ellipse((cx - R, cy - R, cx + R, cy + R), fill=(170, 120, 80))  # unglazed foot ring showing
        d.ellipse((cx - 0.97 * R, cy - 0.97 * R, cx + 0.97 * R, cy + 0.97 * R), fill=green)
        for _ in range(260):  # mottling where the glaze pooled or thinned
            a = rng.uniform(0, 2 * math.pi)
            r = R * math.sqrt(rng.uniform(0, 0.9))
            x, y = polar(cx, cy, r, a)
            blob = rng.uniform(0.01, 0.05) * R
            d.ellipse((x - blob, y - blob, x + blob, y + blob), fill=dark if rng.random() < 0.6 else light)
        for k in range(5):  # incised rings
            rr = R * (0.22 + 0.15 * k)
            d.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), outline=dark, width=max(1, int(s / 350)))
        for k in range(14):  # runs of glaze from the rim
            a = 2 * math.pi * k / 14 + rng.uniform(-0.1, 0.1)
            d.line([polar(cx, cy, 0.97 * R, a), polar(cx, cy, rng.uniform(0.7, 0.85) * R, a)], fill=dark,
                   width=max(2, int(s / 120)))

    return _supersampled((size, size), 2, (214, 196, 168), draw)


# Output --------------------------------------------------------------------------------------------


def save(image: Image.Image, path: pathlib.Path) -> None:
    """Write ``image`` by its extension, without metadata (same pixels -> same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        image.save(path, format="JPEG", quality=88, optimize=False, progressive=False, subsampling="4:2:0")
    elif suffix == ".png":
        image.save(path, format="PNG", optimize=False, compress_level=6)
    else:
        raise ValueError(f"unsupported picture format {suffix!r}")


DRAWINGS: dict[str, Callable[..., Image.Image]] = {
    "zellige_khatem": zellige_khatem,
    "zellige_rosette12": zellige_rosette12,
    "khatem_sliman": khatem_sliman,
    "embroidery_fassi": embroidery_fassi,
    "embroidery_rbati": embroidery_rbati,
    "carpet": carpet,
    "pottery_safi": pottery_safi,
    "pottery_tamegroute": pottery_tamegroute,
}


def draw(name: str, size: Iterable[int], **options) -> Image.Image:
    """Draw the picture ``name`` at ``size`` = (width, height)."""
    width, height = size
    func = DRAWINGS[name]
    if name == "embroidery_rbati":
        return func(width, height)
    if width != height:
        raise ValueError(f"{name} draws square pictures only")
    return func(width, **options)
