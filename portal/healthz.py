"""`GET /healthz`: the portal's health for a monitoring tool (no login, no secret in it).

200 with `"ok": true` when the database answers, every mailbox's last pass succeeded
within HEALTH_MAX_SILENCE_MINUTES and the outbox is not paused; 503 otherwise, with why.
"""

from __future__ import annotations

from flask import Flask, jsonify

from portal.services.health import health_report


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)


def healthz():
    healthy, report = health_report()
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
