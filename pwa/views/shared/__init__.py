"""Helpers shared by the page modules, and only those: field parsing and the
anti-robot check (`forms`), access decorators (`access`), the French message of
each kind of answer (`messages`). A page module imports these and `pwa.views`
(rendering and request plumbing), never another page module
(tests/unit/test_architecture.py)."""
