"""The activation chart's geometry (issue 15 item 4): pure arithmetic turning the counts
over time into coordinates the template draws as an inline SVG, so the chart needs no
JavaScript. Each curve has its own line pattern and marker shape besides its colour,
and the legend names them (no information by colour alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pwa.services.activation import Point

WIDTH, HEIGHT = 400, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 30  # room for the axes' labels
MAX_DATE_LABELS = 4

# (attribute of Point, French label, marker shape); CSS gives each curve its dash pattern.
CURVES = (
    ("imported", "Importés", "circle"),
    ("activated", "Activés", "square"),
    ("with_factor", "Avec deuxième protection", "triangle"),
)


@dataclass(frozen=True)
class Curve:
    key: str
    label: str
    shape: str
    points: list[tuple[float, float]]

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    curves: list[Curve]


def nice_top(highest: int) -> tuple[int, int]:
    """(top of the axis, step between ticks): a 1, 2 or 5 step, at most 5 ticks."""
    highest = max(highest, 1)
    scale = 1
    while True:
        for unit in (1, 2, 5):
            step = unit * scale
            if -(-highest // step) <= 5:
                return step * -(-highest // step), step
        scale *= 10


def chart(points: Sequence[Point]) -> Chart | None:
    """The chart of `points` (None when there is nothing to draw)."""
    if not points:
        return None
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    top_value, step = nice_top(max(p.imported for p in points))
    first, span = points[0].day, (points[-1].day - points[0].day).days

    def x(point: Point) -> float:
        if not span:
            return (LEFT + right) / 2
        return LEFT + (right - LEFT) * (point.day - first).days / span

    def y(value: int) -> float:
        return bottom - (bottom - TOP) * value / top_value

    shown = sorted({round(i * (len(points) - 1) / (MAX_DATE_LABELS - 1)) for i in range(MAX_DATE_LABELS)})
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        y_ticks=[(y(v), v) for v in range(0, top_value + 1, step)],
        x_ticks=[(x(points[i]), points[i].day.strftime("%d/%m")) for i in shown],
        curves=[Curve(key, label, shape, [(x(p), y(getattr(p, key))) for p in points]) for key, label, shape in CURVES],
    )
