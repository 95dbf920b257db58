"""What `sesame serve` does around uvicorn: check the operations settings before
anything starts, share counters between workers, open the metrics listener, and
give uvicorn's own lines the chosen log format."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pwa.ops.config import OpsSettingError, check, metrics_address, prepare_metrics_dir
from pwa.ops.logs import uvicorn_log_config
from pwa.settings import Settings

__all__ = ["OpsSettingError", "before_start", "start"]


@dataclass(frozen=True)
class Prepared:
    metrics_dir: str | None


def before_start(workers: int) -> Prepared:
    """Raises OpsSettingError. Must run before prometheus_client is imported."""
    settings = Settings.from_env()
    check(settings)
    return Prepared(prepare_metrics_dir(settings, workers))


def start() -> dict:
    """Opens the metrics listener (SESAME_METRICS_ADDRESS) in this process; returns
    extra uvicorn.run() options. Raises OpsSettingError when the address is taken."""
    settings = Settings.from_env()
    address = metrics_address(settings.metrics_address)
    if address:
        from pwa.ops.metrics import start_listener
        from pwa.store import open_store

        try:
            start_listener(*address, open_store(settings))
        except OSError as exc:
            raise OpsSettingError(
                f"SESAME_METRICS_ADDRESS « {settings.metrics_address} » : impossible d'écouter ({exc.strerror})."
            ) from exc
    if settings.log_format == "json":
        return {"log_config": uvicorn_log_config(os.environ.get("SESAME_LOG_LEVEL", "info"), "json")}
    return {}
