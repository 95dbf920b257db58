from __future__ import annotations

from pwa.cli import main

main()
