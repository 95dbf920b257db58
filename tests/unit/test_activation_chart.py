"""The activation chart's arithmetic (pwa.views.shared.chart, pwa.services.activation):
which days become points, where the y axis stops, where each count is drawn."""

from __future__ import annotations

import datetime as dt

import pytest

from pwa.services.activation import Point, cell, sample_days
from pwa.views.shared.chart import HEIGHT, chart, nice_top

D = dt.date(2027, 1, 15)


def test_every_day_while_they_fit_then_even_steps_ending_today():
    assert sample_days(D, D) == [D]
    assert sample_days(D, D + dt.timedelta(days=3)) == [D + dt.timedelta(days=n) for n in range(4)]
    days = sample_days(D, D + dt.timedelta(days=100))
    assert len(days) <= 15 and days[-1] == D + dt.timedelta(days=100)
    assert {(b - a).days for a, b in zip(days, days[1:], strict=False)} == {8}
    assert days[0] - D < dt.timedelta(days=8), "the first import's week is in the chart"


@pytest.mark.parametrize(
    ("highest", "top", "step"), [(0, 1, 1), (3, 3, 1), (8, 8, 2), (9, 10, 2), (37, 40, 10), (1234, 1500, 500)]
)
def test_the_axis_stops_at_a_round_value_with_at_most_five_steps(highest, top, step):
    assert nice_top(highest) == (top, step)


def test_counts_are_drawn_at_their_height_and_days_left_to_right():
    points = [Point(D, 4, 0, 0), Point(D + dt.timedelta(days=1), 4, 2, 1), Point(D + dt.timedelta(days=3), 5, 4, 1)]
    drawn = chart(points)
    assert drawn is not None
    ticks = dict((value, y) for y, value in drawn.y_ticks)
    assert sorted(ticks) == [0, 1, 2, 3, 4, 5]
    activated = next(c for c in drawn.curves if c.key == "activated")
    assert [y for _, y in activated.points] == [ticks[0], ticks[2], ticks[4]]
    xs = [x for x, _ in activated.points]
    assert xs[0] == drawn.left and xs[-1] == drawn.right
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[1]) / 2), "x follows the dates, not the rank"
    assert all(drawn.top <= y <= drawn.bottom < HEIGHT for c in drawn.curves for _, y in c.points)
    assert [label for _, label in drawn.x_ticks] == ["15/01", "16/01", "18/01"]
    assert chart([]) is None


def test_a_spreadsheet_formula_is_kept_as_text():
    assert [cell(v) for v in ("=SOMME(A1)", "+33", "-x", "@a", "Dupont", "")] == [
        "'=SOMME(A1)",
        "'+33",
        "'-x",
        "'@a",
        "Dupont",
        "",
    ]
