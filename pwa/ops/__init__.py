"""Operations: structured logs, health and readiness, Prometheus metrics, backups.

Nothing here reads a form or renders a page: the app wires these modules in
(pwa/app.py) and the `sesame` command calls them (pwa/cli.py)."""
