"""The operations settings, checked before anything starts (fail closed): a wrong
value stops `sesame serve` (and the app factory) with one French line naming it."""

from __future__ import annotations

import os
from ipaddress import ip_address
from pathlib import Path

from pwa.ops.logs import FORMATS
from pwa.settings import Settings

MIN_TOKEN = 32


class OpsSettingError(ValueError):
    """One line, naming the variable."""


def metrics_address(value: str) -> tuple[str, int] | None:
    """`host:port` or `[v6]:port` → (host, port); empty → None."""
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    problem = ""
    if not sep or not host:
        problem = "attendu hôte:port, par exemple 127.0.0.1:9108"
    elif not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        problem = "le port doit être un nombre de 1 à 65535"
    elif host != "localhost":
        try:
            ip_address(host)
        except ValueError:
            problem = "l'hôte doit être une adresse IP (127.0.0.1, 10.0.0.5, [::1]) ou localhost"
    if problem:
        raise OpsSettingError(f"SESAME_METRICS_ADDRESS « {value} » : {problem}.")
    return host, int(port)


def check(settings: Settings) -> None:
    if settings.log_format not in FORMATS:
        raise OpsSettingError(
            f"SESAME_LOG_FORMAT « {settings.log_format} » : valeurs possibles {' ou '.join(FORMATS)}."
        )
    token = settings.metrics_token
    if token and (len(token) < MIN_TOKEN or not token.isascii() or not token.isprintable() or " " in token):
        raise OpsSettingError(
            f"SESAME_METRICS_TOKEN : au moins {MIN_TOKEN} caractères ASCII sans espace "
            f"(reçu {len(token)}) ; par exemple la sortie de « openssl rand -hex 32 »."
        )
    metrics_address(settings.metrics_address)
    folder = settings.metrics_dir
    if folder and not (Path(folder).is_dir() and os.access(folder, os.W_OK | os.X_OK)):
        raise OpsSettingError(
            f"SESAME_METRICS_DIR « {folder} » : ce dossier n'existe pas ou Sésame ne peut pas y écrire."
        )


def prepare_metrics_dir(settings: Settings, workers: int) -> str | None:
    """Several workers share their counters through a folder, emptied at start (a
    previous run's files would be counted again). Called by `sesame serve` before
    prometheus_client is imported anywhere in the process."""
    if not (settings.metrics_token or settings.metrics_address):
        return None
    if workers <= 1 and not settings.metrics_dir:
        return None
    if settings.metrics_dir:
        folder = Path(settings.metrics_dir)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="sesame-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)
