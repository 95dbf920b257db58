"""Every activation path walked as a newcomer does it, on a phone narrowed to 320 px
(tests/journey_walk.py): no screen scrolls sideways, and the NUMEN path stays the
shortest, within 4 screens. bench/journeys.py prints the same walks' counts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from support.browser import MOBILE, new_context
from support.journey_walk import NARROW, PASSWORD, newcomers_server, walk_every_path


class Walked(dict):
    """The walks by path name, and the newcomers who walked them."""

    def __init__(self, walks, people):
        super().__init__(walks)
        self.people = people


@pytest.fixture(scope="module")
def walked(chromium):
    folder = Path(tempfile.mkdtemp(prefix="sesame-walk-", dir="/tmp"))
    with newcomers_server(folder) as (server, people, letters):
        narrow = {**MOBILE, "viewport": NARROW}
        with new_context(chromium, server, without_service_worker=True, **narrow) as context:
            walks = walk_every_path(context.new_page, people, letters)
            yield Walked(walks, people)


def test_no_screen_of_any_activation_path_scrolls_sideways_at_320_px(walked):
    for name, walk in walked.items():
        assert walk.titles, name
        assert not walk.overflow, f"{name}: {walk.overflow}"


def test_the_numen_path_is_the_shortest_and_within_four_screens(walked):
    numen = walked["NUMEN + date de naissance"]
    assert numen.screens <= 4, numen.titles
    for name in ("identifiant, puis NUMEN + date de naissance", "adresse académique, puis NUMEN + date de naissance"):
        assert numen.screens < walked[name].screens, (name, walked[name].titles)
        assert numen.taps < walked[name].taps, name
    # Typed once each: the birth date, the NUMEN, the password twice; nothing else.
    person = walked.people["numen"]
    date = len(person.day + person.month + person.year)
    assert numen.typed == date + len(person.numen) + 2 * len(PASSWORD)
