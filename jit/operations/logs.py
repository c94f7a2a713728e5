"""Request ids on every response, and JSON log lines as an option (``JIT_LOG_FORMAT=json``).

Each request gets an id: the proxy's ``X-Request-Id`` when the proxy is trusted and
the id is well formed, a new one otherwise. It goes back in the response's
``X-Request-Id`` and into every log line written while the request runs, so a
person's "it failed at 10:42" can be found in the logs of several processes.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask_login import current_user

LOG_FORMATS = ("text", "json")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_ACCESS = logging.getLogger("jit.access")
_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if "request_id" not in entry and has_request_context():
            entry["request_id"] = g.get("request_id")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def gunicorn_logging(log_format: str) -> dict:
    """Return gunicorn options that make its own log lines follow ``log_format``."""
    if log_format != "json":
        return {"accesslog": "-", "errorlog": "-"}
    return {
        "accesslog": None,  # the app writes one JSON access line per request instead
        "errorlog": "-",
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "jit.operations.logs.JsonFormatter"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stderr",
                }
            },
            "loggers": {"gunicorn.error": {"handlers": ["stderr"], "propagate": False}},
            "root": {"handlers": ["stderr"], "level": "INFO"},
        },
    }


def init_app(app: Flask) -> None:
    """Give each request an id, and log as ``JIT_LOG_FORMAT`` says."""
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:
        raise ValueError(
            f"JIT_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}"
        )
    if log_format == "json" and not app.config.get("TESTING"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        _ACCESS.handlers[:] = [handler]
        _ACCESS.setLevel(logging.INFO)
        _ACCESS.propagate = False

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-Id", "")
        trusted = app.config.get("TRUSTED_PROXIES") and _VALID_ID.fullmatch(incoming)
        g.request_id = incoming if trusted else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def report_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-Id"] = request_id
        if log_format == "json":
            started = g.get("request_started")
            _ACCESS.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                    if started
                    else None,
                    "user_id": current_user.id if current_user.is_authenticated else None,
                },
            )
        return response
