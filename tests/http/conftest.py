"""Fixtures shared by the test modules of this folder."""

from __future__ import annotations

import pytest
from support.helpdesk import make_staff, sign_in


@pytest.fixture
def agent(client, sesame, people, clock):
    """An assistance agent on 0130999A, signed in with password + OTP code."""
    acc = make_staff(sesame)
    sign_in(client, clock)
    return acc
