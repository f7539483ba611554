"""Security headers on every answer, and a warning when a reverse proxy is not trusted.

The Content-Security-Policy allows scripts only from the portal itself or carrying this
answer's nonce (Flask-Admin writes the nonce on its own inline scripts through
`csp_nonce_generator`); Flask-Admin's inline event handlers are replaced by
static/portal.js (templates/admin/actions.html, templates/admin/model/row_actions.html),
except one constant `return false;`, allowed by its hash. Styles may be inline: the
admin's templates use style attributes, and a style cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
import secrets

from flask import Flask, current_app, g, request

log = logging.getLogger(__name__)

# Flask-Admin's filter menu: <a ... onclick="return false;">, the one handler left.
ALLOWED_HANDLERS = ("return false;",)
HSTS = "max-age=31536000"


def csp_nonce() -> str:
    """This answer's nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _handler_hashes() -> str:
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()}'"
        for h in ALLOWED_HANDLERS
    )


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {_handler_hashes()}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:  # behind HTTPS (with PROXY_FIX, as the proxy says)
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def warn_of_an_untrusted_proxy() -> None:
    """A request forwarded by a proxy on this machine while PROXY_FIX is off: every client
    then looks like 127.0.0.1, and the per-address login limit would lock all staff out
    at once. Logged once per process; the overview says it to administrators."""
    if current_app.config["PROXY_FIX"] or "X-Forwarded-For" not in request.headers:
        return
    try:
        from_loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return
    if from_loopback and not current_app.extensions.get("proxy_unfixed"):
        current_app.extensions["proxy_unfixed"] = True
        log.warning(
            "a request came through a reverse proxy (X-Forwarded-For) but PROXY_FIX is off: "
            "every client looks like %s; set PROXY_FIX=true",
            request.remote_addr,
        )


def proxy_unfixed() -> bool:
    return bool(current_app.extensions.get("proxy_unfixed"))


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.before_request(warn_of_an_untrusted_proxy)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
