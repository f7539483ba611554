"""A small OAuth2 authorization server on 127.0.0.1, for the tests of XOAUTH2 mail accounts.

It plays the three endpoints a mail account's OAuth2 needs: the token endpoint (refresh
tokens, authorization codes with PKCE), the authorization endpoint (no login page: a request
is the user's consent) and an RFC 7662 introspection endpoint, which the test Dovecot asks
about every XOAUTH2 login (tests.support.dovecot.start(oauth=...)) and the test SMTP server
consults directly (tests.support.smtp.Login(oauth=...)). Tokens are random and live in
memory; access tokens expire on the server's clock, so "expired" needs no clock tricks.

Two providers' ways of refreshing: Google answers a refresh without a new refresh token
(rotate=False); Microsoft answers a new one and the old one stops working (rotate=True).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from tests.support.dovecot import USER

SCOPE = "https://mail.google.com/"


@dataclass
class _Code:
    user: str
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str
    method: str


@dataclass
class _Access:
    user: str
    scope: str
    expires: float  # time.time(): introspection reports it as `exp`


class _Refused(Exception):
    """A token request answered with an OAuth2 error."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class OAuthServer:
    """The authorization server; start() it, then hand its URLs to the code under test."""

    client_id = "portal-test"
    client_secret = "bi-mat-thu-nghiem"

    def __init__(self, access_lifetime: float = 3600.0, rotate: bool = False) -> None:
        self.access_lifetime = access_lifetime
        self.rotate = rotate
        self.refusing = False  # every refresh / code grant answered invalid_grant
        self.authorize_user = USER
        self.refreshes = 0  # successful refresh_token grants
        self.failed_grants = 0  # token requests answered with an error
        self.introspections = 0  # introspection requests (Dovecot asks at every login)
        self.port = 0  # chosen at the first start, kept for a restart (an outage)
        self._lock = threading.Lock()
        self._refresh: dict[str, tuple[str, str]] = {}  # refresh token: (user, scope)
        self._access: dict[str, _Access] = {}
        self._codes: dict[str, _Code] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running ------------------------------------------------------------------------

    def start(self) -> OAuthServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        httpd.oauth = self  # type: ignore[attr-defined]  (the handler finds us there)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def authorize_url(self) -> str:
        return self.url + "/authorize"

    @property
    def introspection_url(self) -> str:
        return self.url + "/introspect"

    # -- what a test does directly --------------------------------------------------------

    def grant(self, user: str, scope: str = SCOPE) -> str:
        """A new refresh token for user, as the consent screen leaves it."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[token] = (user, scope)
        return token

    def revoke_access_tokens(self) -> None:
        """Every access token issued so far stops working (as if expired early); refresh
        tokens keep working, so a refresh brings a working one."""
        with self._lock:
            self._access.clear()

    def user_of(self, access_token: str) -> str | None:
        """The user of access_token if it is valid and unexpired, else None."""
        with self._lock:
            access = self._access.get(access_token)
            if access is None or access.expires <= time.time():
                return None
            return access.user

    # -- the endpoints ------------------------------------------------------------------

    def _issue(self, user: str, scope: str, refresh: bool) -> dict:
        """An access token (and a refresh token if asked); the caller holds the lock."""
        token = secrets.token_urlsafe(32)
        self._access[token] = _Access(user, scope, time.time() + self.access_lifetime)
        answer = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": max(1, int(self.access_lifetime)),
            "scope": scope,
        }
        if refresh:
            new = secrets.token_urlsafe(32)
            self._refresh[new] = (user, scope)
            answer["refresh_token"] = new
        return answer

    def token(self, form: dict[str, str], authorization: str | None) -> dict:
        """The token endpoint's answer to form; _Refused for an OAuth2 error."""
        try:
            self._check_client(form, authorization)
            with self._lock:
                if self.refusing:
                    raise _Refused(400, "invalid_grant", "Token has been expired or revoked.")
                grant_type = form.get("grant_type")
                if grant_type == "refresh_token":
                    return self._refresh_grant(form)
                if grant_type == "authorization_code":
                    return self._code_grant(form)
                raise _Refused(400, "unsupported_grant_type", f"Not a grant: {grant_type}")
        except _Refused:
            with self._lock:
                self.failed_grants += 1
            raise

    def _check_client(self, form: dict[str, str], authorization: str | None) -> None:
        """client_secret_basic or client_secret_post, as RFC 6749 2.3.1 allows."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode()
                basic_id, _, basic_secret = decoded.partition(":")
            except ValueError:
                raise _Refused(401, "invalid_client", "Malformed Basic credentials.") from None
            # (The RFC form-encodes both before Basic; they must agree with a body client_id.)
            if client_id not in (None, unquote(basic_id)):
                raise _Refused(401, "invalid_client", "Two different clients.")
            client_id, secret = unquote(basic_id), unquote(basic_secret)
        if client_id != self.client_id or not hmac.compare_digest(
            (secret or "").encode(), self.client_secret.encode()
        ):
            raise _Refused(401, "invalid_client", "The OAuth client was not found.")

    def _refresh_grant(self, form: dict[str, str]) -> dict:
        presented = form.get("refresh_token", "")
        if presented not in self._refresh:
            raise _Refused(400, "invalid_grant", "Token has been expired or revoked.")
        user, scope = self._refresh[presented]
        if self.rotate:
            del self._refresh[presented]  # Microsoft's way: the old one is spent
        self.refreshes += 1
        return self._issue(user, scope, refresh=self.rotate)

    def _code_grant(self, form: dict[str, str]) -> dict:
        code = self._codes.pop(form.get("code", ""), None)  # a code works once, even refused
        if code is None:
            raise _Refused(400, "invalid_grant", "Malformed auth code.")
        if form.get("redirect_uri") != code.redirect_uri:
            raise _Refused(400, "invalid_grant", "Bad Request: redirect_uri_mismatch.")
        if code.challenge and not _pkce_matches(code, form.get("code_verifier", "")):
            raise _Refused(400, "invalid_grant", "Invalid code verifier.")
        return self._issue(code.user, code.scope, refresh=True)

    def authorize(self, query: dict[str, str]) -> str:
        """The URL /authorize redirects to (the user consented); _Refused if the request
        itself is bad."""
        if query.get("client_id") != self.client_id:
            raise _Refused(400, "invalid_client", "The OAuth client was not found.")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            raise _Refused(400, "invalid_request", "Missing required parameter: redirect_uri")
        if query.get("response_type") != "code":
            raise _Refused(400, "unsupported_response_type", "Only response_type=code.")
        challenge = query.get("code_challenge", "")
        method = query.get("code_challenge_method", "plain" if challenge else "")
        if method not in ("", "plain", "S256"):
            raise _Refused(400, "invalid_request", f"Unknown code_challenge_method {method}")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                self.authorize_user,
                self.client_id,
                redirect_uri,
                query.get("scope") or SCOPE,
                challenge,
                method,
            )
        added = {"code": code}
        if "state" in query:
            added["state"] = query["state"]
        parts = urlsplit(redirect_uri)
        joined = "&".join(part for part in (parts.query, urlencode(added)) if part)
        return urlunsplit(parts._replace(query=joined))

    def introspect(self, token: str) -> dict:
        with self._lock:
            self.introspections += 1
            access = self._access.get(token)
            if access is None or access.expires <= time.time():
                return {"active": False}
            return {
                "active": True,
                "email": access.user,
                "username": access.user,
                "scope": access.scope,
                "client_id": self.client_id,
                "token_type": "Bearer",
                "exp": int(access.expires),
            }


def _pkce_matches(code: _Code, verifier: str) -> bool:
    if code.method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return bool(verifier) and hmac.compare_digest(expected, code.challenge)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.0, one request per connection: Dovecot's HTTP client reconnects each time."""

    server_version = "PortalTestOAuth/1"

    @property
    def oauth(self) -> OAuthServer:
        return self.server.oauth  # type: ignore[attr-defined]

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet: pytest's output is not the place for an access log

    def _query(self) -> dict[str, str]:
        return _single(parse_qs(urlsplit(self.path).query))

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        return _single(parse_qs(body))

    def _json(self, status: int, answer: dict) -> None:
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Pragma", "no-cache")
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="token"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        route = urlsplit(self.path).path
        if route == "/authorize":
            try:
                location = self.oauth.authorize(self._query())
            except _Refused as refused:
                self._json(refused.status, _error(refused))
                return
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/introspect":
            self._introspect(self._query())
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        route = urlsplit(self.path).path
        form = self._form()
        if route == "/token":
            try:
                self._json(200, self.oauth.token(form, self.headers.get("Authorization")))
            except _Refused as refused:
                self._json(refused.status, _error(refused))
        elif route == "/introspect":
            self._introspect(form)
        else:
            self._json(404, {"error": "not_found"})

    def _introspect(self, params: dict[str, str]) -> None:
        """The token from the form or query (`token=`), else from a Bearer header (Dovecot's
        introspection_mode=auth sends it that way)."""
        token = params.get("token", "")
        authorization = self.headers.get("Authorization") or ""
        if not token and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        self._json(200, self.oauth.introspect(token))


def _single(parsed: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in parsed.items()}


def _error(refused: _Refused) -> dict:
    return {"error": refused.error, "error_description": refused.description}
