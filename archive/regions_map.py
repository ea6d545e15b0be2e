"""A simplified map of Morocco's twelve regions (2015 division), drawn for Twiza's home page.

This is a schematic drawing made for Twiza from rough (longitude, latitude) vertices, not an
authoritative or surveyed boundary map: coasts and borders are approximated to a few dozen points
and region limits are placed by eye. It is good for "which part of the country" and nothing more.

The borders are stored once, as arcs (polylines) shared by the two regions on either side, so
neighbouring regions meet exactly. Each region is a ring of arcs; the rings are projected with a
plain equirectangular projection (longitude scaled by cos 28°N) into the VIEWBOX.

templates/public/_regions_map.html carries a copy of the projected shapes so that the macro needs
no template globals; after changing anything here, print the new copy with
`python -m archive.regions_map` and paste it into the template (a test checks that they agree).
"""
from __future__ import annotations

import math

VIEWBOX = "0 0 1000 1000"
_WIDTH, _HEIGHT, _MARGIN = 1000.0, 1000.0, 20.0
_REF_LAT = 28.0  # latitude at which the equirectangular projection keeps true proportions

# Border arcs as (longitude, latitude) vertices. Junctions between three regions are shared ends.
_ARCS: dict[str, tuple[tuple[float, float], ...]] = {
    # Outer edge: coasts and land borders, clockwise from the Loukkos mouth.
    "coast_tta": ((-6.27, 34.95), (-6.16, 35.2), (-6.04, 35.47), (-5.93, 35.78), (-5.6, 35.83), (-5.35, 35.9),
                  (-5.27, 35.62), (-5.1, 35.42), (-4.67, 35.21), (-4.3, 35.17), (-3.93, 35.25), (-3.65, 35.22)),
    "edge_or": ((-3.65, 35.22), (-3.3, 35.2), (-2.95, 35.44), (-2.9, 35.2), (-2.6, 35.1), (-2.22, 35.09),
                (-1.95, 34.9), (-1.74, 34.72), (-1.79, 34.4), (-1.73, 33.92), (-1.39, 32.86), (-1.12, 32.65),
                (-1.31, 32.26), (-1.2, 32.1), (-2.62, 32.09), (-2.85, 31.9)),
    "edge_dt": ((-2.85, 31.9), (-3.07, 31.72), (-3.65, 31.64), (-3.69, 30.9), (-4.86, 30.5), (-5.24, 30.0),
                (-6.06, 29.73), (-6.5, 29.66)),
    "edge_sm": ((-6.5, 29.66), (-7.06, 29.58), (-8.67, 28.84)),
    "edge_gon": ((-8.67, 28.84), (-8.67, 27.67)),
    "edge_lsh": ((-8.67, 27.67), (-8.69, 27.3), (-8.69, 25.88), (-11.97, 25.93)),
    "edge_dod": ((-11.97, 25.93), (-11.94, 23.37), (-12.87, 23.28), (-13.12, 22.77), (-12.93, 21.33),
                 (-16.95, 21.33), (-17.05, 20.77), (-17.1, 20.98), (-17.02, 21.42), (-16.97, 21.89),
                 (-16.59, 22.16), (-16.26, 22.68), (-16.33, 23.02), (-16.05, 23.4), (-15.82, 23.6), (-15.74, 23.9),
                 (-15.9, 23.74), (-16.04, 23.62), (-15.8, 24.02), (-15.43, 24.36),
                 (-15.09, 24.52), (-14.82, 25.1), (-14.81, 25.37)),
    "coast_lsh": ((-14.81, 25.37), (-14.8, 25.64), (-14.44, 26.25), (-13.77, 26.62), (-13.14, 27.64),
                  (-12.62, 28.04), (-11.69, 28.15)),
    "coast_gon": ((-11.69, 28.15), (-11.33, 28.49), (-11.1, 28.7), (-10.6, 29.0), (-10.17, 29.38), (-10.0, 29.65)),
    "coast_sm": ((-10.0, 29.65), (-9.82, 29.8), (-9.65, 30.1), (-9.6, 30.42), (-9.89, 30.63), (-9.8, 30.93)),
    "coast_ms": ((-9.8, 30.93), (-9.84, 31.4), (-9.77, 31.51), (-9.5, 31.95), (-9.27, 32.3), (-9.28, 32.55),
                 (-9.12, 32.65)),
    "coast_cs": ((-9.12, 32.65), (-8.64, 33.12), (-8.5, 33.25), (-7.6, 33.61), (-7.1, 33.82)),
    "coast_rsk": ((-7.1, 33.82), (-6.83, 34.03), (-6.67, 34.27), (-6.27, 34.95)),
    # Inner borders, named after the two regions they separate.
    "tta_rsk": ((-6.27, 34.95), (-5.9, 34.85), (-5.6, 34.68), (-5.45, 34.62)),
    "tta_fm": ((-5.45, 34.62), (-5.1, 34.72), (-4.7, 34.85), (-4.3, 34.82), (-3.85, 34.85)),
    "tta_or": ((-3.85, 34.85), (-3.75, 35.0), (-3.65, 35.22)),
    "fm_or": ((-3.85, 34.85), (-3.75, 34.45), (-3.55, 34.1), (-3.2, 33.7), (-3.35, 33.2), (-3.9, 32.75),
              (-4.0, 32.55)),
    "or_dt": ((-4.0, 32.55), (-3.5, 32.2), (-2.85, 31.9)),
    "rsk_fm": ((-5.45, 34.62), (-5.5, 34.3), (-5.85, 33.95), (-5.8, 33.45)),
    "fm_bmk": ((-5.8, 33.45), (-5.5, 33.2), (-5.2, 33.0)),
    "fm_dt": ((-5.2, 33.0), (-4.5, 32.95), (-4.0, 32.55)),
    "rsk_cs": ((-7.1, 33.82), (-7.0, 33.55), (-6.65, 33.3), (-6.45, 33.2)),
    "rsk_bmk": ((-6.45, 33.2), (-6.1, 33.25), (-5.8, 33.45)),
    "cs_bmk": ((-6.45, 33.2), (-6.9, 33.15), (-7.1, 32.95), (-7.2, 32.6), (-7.15, 32.35)),
    "cs_ms": ((-9.12, 32.65), (-8.7, 32.45), (-8.2, 32.45), (-7.7, 32.4), (-7.15, 32.35)),
    "bmk_ms": ((-7.15, 32.35), (-7.3, 32.0), (-7.1, 31.6), (-7.0, 31.4)),
    "bmk_dt": ((-7.0, 31.4), (-6.3, 31.6), (-5.85, 32.0), (-5.5, 32.45), (-5.2, 33.0)),
    "ms_dt": ((-7.0, 31.4), (-7.3, 31.2), (-7.8, 31.0)),
    "ms_sm": ((-9.8, 30.93), (-9.2, 30.98), (-8.5, 30.95), (-7.8, 31.0)),
    "sm_dt": ((-7.8, 31.0), (-7.45, 30.7), (-7.0, 30.35), (-6.5, 29.66)),
    "sm_gon": ((-10.0, 29.65), (-9.6, 29.45), (-9.2, 29.2), (-8.9, 28.95), (-8.67, 28.84)),
    "gon_lsh": ((-11.69, 28.15), (-11.55, 27.9), (-11.3, 27.67), (-10.0, 27.67), (-8.67, 27.67)),
    "lsh_dod": ((-14.81, 25.37), (-13.5, 25.6), (-11.97, 25.93)),
}

# Each region is a closed ring of arcs; a leading "-" walks the arc backwards.
_RINGS: dict[str, tuple[str, ...]] = {
    "tanger-tetouan-al-hoceima": ("coast_tta", "-tta_or", "-tta_fm", "-tta_rsk"),
    "oriental": ("edge_or", "-or_dt", "-fm_or", "tta_or"),
    "fes-meknes": ("tta_fm", "fm_or", "-fm_dt", "-fm_bmk", "-rsk_fm"),
    "rabat-sale-kenitra": ("coast_rsk", "tta_rsk", "rsk_fm", "-rsk_bmk", "-rsk_cs"),
    "beni-mellal-khenifra": ("rsk_bmk", "fm_bmk", "-bmk_dt", "-bmk_ms", "-cs_bmk"),
    "casablanca-settat": ("coast_cs", "rsk_cs", "cs_bmk", "-cs_ms"),
    "marrakech-safi": ("coast_ms", "cs_ms", "bmk_ms", "ms_dt", "-ms_sm"),
    "draa-tafilalet": ("fm_dt", "or_dt", "edge_dt", "-sm_dt", "-ms_dt", "bmk_dt"),
    "souss-massa": ("coast_sm", "ms_sm", "sm_dt", "edge_sm", "-sm_gon"),
    "guelmim-oued-noun": ("coast_gon", "sm_gon", "edge_gon", "-gon_lsh"),
    "laayoune-sakia-el-hamra": ("coast_lsh", "gon_lsh", "edge_lsh", "-lsh_dod"),
    "dakhla-oued-ed-dahab": ("lsh_dod", "edge_dod"),
}

# Where each region's name/count goes, as (longitude, latitude), chosen by eye inside the region.
_LABELS: dict[str, tuple[float, float]] = {
    "tanger-tetouan-al-hoceima": (-5.25, 35.12),
    "oriental": (-2.45, 33.55),
    "fes-meknes": (-4.45, 33.85),
    "rabat-sale-kenitra": (-6.3, 34.15),
    "beni-mellal-khenifra": (-6.25, 32.5),
    "casablanca-settat": (-7.95, 32.95),
    "marrakech-safi": (-8.6, 31.75),
    "draa-tafilalet": (-5.1, 31.2),
    "souss-massa": (-8.3, 30.05),
    "guelmim-oued-noun": (-9.9, 28.4),
    "laayoune-sakia-el-hamra": (-11.2, 26.8),
    "dakhla-oued-ed-dahab": (-14.1, 23.4),
}


def _ring(slug: str) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for ref in _RINGS[slug]:
        arc = _ARCS[ref.lstrip("-")]
        arc = arc[::-1] if ref.startswith("-") else arc
        if points and points[-1] != arc[0]:
            raise ValueError(f"{slug}: arc {ref} does not start where the previous one ends")
        points.extend(arc[1:] if points else arc)
    if points[0] != points[-1]:
        raise ValueError(f"{slug}: ring is not closed")
    return points[:-1]


def _projection():
    """Scale and offsets that fit every arc into the viewBox, centred, keeping proportions."""
    kx = math.cos(math.radians(_REF_LAT))
    lons = [lon for arc in _ARCS.values() for lon, _ in arc]
    lats = [lat for arc in _ARCS.values() for _, lat in arc]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    scale = min((_WIDTH - 2 * _MARGIN) / ((east - west) * kx), (_HEIGHT - 2 * _MARGIN) / (north - south))
    x0 = (_WIDTH - (east - west) * kx * scale) / 2
    y0 = (_HEIGHT - (north - south) * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round(x0 + (lon - west) * kx * scale, 1), round(y0 + (north - lat) * scale, 1)

    return project


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def region_paths() -> dict[str, str]:
    """SVG path data (absolute M/L/Z only) for each region slug, in VIEWBOX coordinates."""
    project = _projection()
    paths = {}
    for slug in _RINGS:
        points = [project(lon, lat) for lon, lat in _ring(slug)]
        paths[slug] = "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in points) + "Z"
    return paths


def region_label_points() -> dict[str, tuple[float, float]]:
    """Where to write each region's label or count, in VIEWBOX coordinates."""
    project = _projection()
    return {slug: project(lon, lat) for slug, (lon, lat) in _LABELS.items()}


def template_shapes() -> str:
    """The `{% set %}` line that templates/public/_regions_map.html carries (see the module docstring)."""
    labels = region_label_points()
    rows = ",\n".join(f'  "{slug}": ("{d}", {_num(labels[slug][0])}, {_num(labels[slug][1])})'
                      for slug, d in region_paths().items())
    return "{%- set shapes = {\n" + rows + "\n} %}"


if __name__ == "__main__":
    print(template_shapes())
