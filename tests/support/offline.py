"""Helpers of the offline tests, shared with other test modules."""

from __future__ import annotations

import json
import re

from starlette.testclient import TestClient


def precache(client: TestClient) -> dict:
    script = client.get("/sw.js").text
    found = dict(re.findall(r"^const (VERSION|ASSETS|PAGES|OFFLINE) = (.+);$", script, re.M))
    return {name: json.loads(value) for name, value in found.items()}
