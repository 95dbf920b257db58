"""Log lines for operators: `text` (one readable line) or `json` (one object a
line, for a log collector), chosen with SESAME_LOG_FORMAT.

Structured fields travel in `extra={"fields": {...}}` (see `fields()`); the
formatters add them to the line. Callers pass only what is safe to keep: route
templates, statuses, reasons, numeric account ids, addresses. Never a form
value, a query string, a code, a password, a NUMEN or a birth date."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

FORMATS = ("text", "json")
_MARK = "_sesame_handler"


def fields(**values: Any) -> dict[str, Any]:
    """`logger.info("...", extra=fields(route=..., status=...))`."""
    return {"fields": {k: v for k, v in values.items() if v is not None}}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in (getattr(record, "fields", None) or {}).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`LEVEL logger: message key=value …` (the format the app always had, plus fields)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = getattr(record, "fields", None) or {}
        if extra:
            text += " " + " ".join(f"{k}={_text_value(v)}" for k, v in extra.items())
        return text


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: str, stream=None) -> None:
    """One handler on the root logger, in the chosen format. When something else
    already handles the root logger (an embedding server, pytest's capture), it is
    left alone, as logging.basicConfig would."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _MARK, False)]
    if root.handlers and not ours:
        return
    for handler in ours:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _MARK, True)
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level.upper())


def uvicorn_log_config(level: str, log_format: str) -> dict:
    """uvicorn's own lines ("Started server process", errors) in the same format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"sesame": {"()": f"{__name__}.{'JsonFormatter' if log_format == 'json' else 'TextFormatter'}"}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "sesame", "stream": "ext://sys.stderr"}
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
