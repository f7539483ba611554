"""OAuth2 access tokens for the mailbox account: XOAUTH2 on IMAP and SMTP.

An access token lives about an hour. The portal keeps one in the database, shared by the
poller, the outbox and the web app; refreshes it a little before it expires, and once more
when a server refuses it (revoked early); and stores at once a refresh token the provider
rotates (Microsoft answers a new one at each refresh and soon stops taking the old), so the
next start carries on from it. Authlib speaks the protocol; this module decides when, and
keeps what it answers. The refresh token itself comes from `flask mail-oauth`
(portal/oauth_cli.py), which walks an administrator through the provider's consent.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.database import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.locks import shared_lock
from portal.models import OAuthToken
from portal.services.health import fingerprint

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 30
DEFAULT_LIFETIME = 3600  # a token answer without expires_in: an hour, as both providers give
REFRESH_MARGIN = dt.timedelta(seconds=60)  # refresh this long before it expires


@dataclass(frozen=True)
class Provider:
    authorize_url: str
    token_url: str
    scope: str
    # The loopback host the provider accepts in a redirect URI of an installed app (any port).
    redirect_host: str = "127.0.0.1"
    authorize_params: dict = field(default_factory=dict)


PROVIDERS = {
    # Google answers a refresh token only with offline access, and again only on consent.
    "google": Provider(
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        "https://mail.google.com/",
        authorize_params={"access_type": "offline", "prompt": "consent"},
    ),
    # Entra ID registers "http://localhost" for desktop apps (any port matches it).
    "microsoft": Provider(
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/SMTP.Send",
        redirect_host="localhost",
        authorize_params={"prompt": "select_account"},
    ),
    "custom": Provider("", "", ""),
}


class OAuthError(PortalError):
    """No access token: the settings are incomplete, the provider refused the refresh token
    (reason "oauth": consent revoked, token expired, a password changed), or the token
    endpoint could not be reached (reason "connection")."""

    def __init__(self, message: str, reason: str = "oauth") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Client:
    """The OAuth2 client of the mailbox account, from the OAUTH2_* settings."""

    provider: str
    client_id: str
    client_secret: str
    refresh_token: str
    token_url: str
    authorize_url: str
    scope: str
    redirect_host: str
    authorize_params: dict

    @property
    def account(self) -> str:
        """Which stored row holds this client's tokens (a digest: no secret in it)."""
        return fingerprint(self.token_url, self.client_id, self.refresh_token)


def client_from(config, need_refresh_token: bool = True) -> Client:
    """The client the settings describe, or OAuthError saying what is missing."""
    name = str(config["OAUTH2_PROVIDER"] or "").strip().lower()
    if name not in PROVIDERS:
        raise OAuthError(
            f"OAUTH2_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r} "
            "(see docs/mail-oauth.md)"
        )
    preset, tenant = PROVIDERS[name], str(config["OAUTH2_TENANT"] or "").strip()
    client = Client(
        provider=name,
        client_id=str(config["OAUTH2_CLIENT_ID"]).strip(),
        client_secret=str(config["OAUTH2_CLIENT_SECRET"]).strip(),
        refresh_token=str(config["OAUTH2_REFRESH_TOKEN"]).strip(),
        token_url=config["OAUTH2_TOKEN_URL"] or preset.token_url.format(tenant=tenant),
        authorize_url=config["OAUTH2_AUTHORIZE_URL"] or preset.authorize_url.format(tenant=tenant),
        scope=config["OAUTH2_SCOPE"] or preset.scope,
        redirect_host=preset.redirect_host,
        authorize_params=preset.authorize_params,
    )
    missing = [
        setting
        for setting, value in (
            ("OAUTH2_CLIENT_ID", client.client_id),
            ("OAUTH2_TENANT", tenant or name != "microsoft"),
            ("OAUTH2_TOKEN_URL", client.token_url),
            ("OAUTH2_AUTHORIZE_URL", client.authorize_url or not need_refresh_token),
            ("OAUTH2_REFRESH_TOKEN", client.refresh_token or not need_refresh_token),
        )
        if not value
    ]
    if missing:
        hint = " (run `flask mail-oauth`)" if "OAUTH2_REFRESH_TOKEN" in missing else ""
        raise OAuthError(f"OAuth2 is not set up: {', '.join(missing)} missing{hint}")
    return client


def xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def access_token(config, refused: str = "", now: dt.datetime | None = None) -> str:
    """A valid access token for the account: the stored one while it has more than a
    minute to live and is not `refused` (the token a server just turned down), else a
    refreshed one. Processes refresh one at a time (on every machine sharing a PostgreSQL
    database, which matters: a provider that rotates refresh tokens takes back the old one);
    whoever waited uses
    what the first stored. Its own database session: the caller's is left alone."""
    client = client_from(config)
    with Session(db.engine) as session:
        row = _row(session, client)
        if _usable(row, refused, now or utcnow()):
            return row.access_token
        with shared_lock(f"oauth-{client.account[:16]}", wait=True):
            session.commit()  # end the read: see what another process stored meanwhile
            session.refresh(row)
            if _usable(row, refused, now or utcnow()):
                return row.access_token
            _refresh(session, client, row, now or utcnow())
            return row.access_token


def _row(session: Session, client: Client) -> OAuthToken:
    query = select(OAuthToken).where(OAuthToken.account == client.account)
    row = session.scalar(query)
    if row is None:
        session.add(OAuthToken(account=client.account, refresh_token=client.refresh_token))
        try:
            session.commit()
        except IntegrityError:  # another process made it first: theirs will do
            session.rollback()
        row = session.scalar(query)
    return row


def _usable(row: OAuthToken, refused: str, now: dt.datetime) -> bool:
    if not row.access_token or row.access_token == refused or row.expires_at is None:
        return False
    margin = min(REFRESH_MARGIN, dt.timedelta(seconds=row.lifetime_seconds / 4))
    return now < row.expires_at - margin


def _refresh(session: Session, client: Client, row: OAuthToken, now: dt.datetime) -> None:
    """Ask the token endpoint for a new access token; store it, and the refresh token when
    the provider rotated it, in one commit."""
    try:
        token = _oauth_session(client).refresh_token(
            client.token_url, refresh_token=row.refresh_token, timeout=HTTP_TIMEOUT
        )
    except AuthlibBaseError as exc:  # the endpoint's refusal, an http:// endpoint
        raise OAuthError(
            f"{client.token_url} refused the refresh token ({_words(exc)}): "
            "run `flask mail-oauth` again"
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise OAuthError(f"{client.token_url}: {type(exc).__name__}: {exc}", "connection") from exc
    if not token.get("access_token"):
        raise OAuthError(f"{client.token_url} answered no access token")
    lifetime = int(token.get("expires_in") or DEFAULT_LIFETIME)
    rotated = token.get("refresh_token") not in (None, "", row.refresh_token)
    row.access_token, row.lifetime_seconds = token["access_token"], lifetime
    row.expires_at, row.refreshed_at = now + dt.timedelta(seconds=lifetime), now
    row.refresh_token = token.get("refresh_token") or row.refresh_token
    session.commit()
    log.info(
        "OAuth2 access token refreshed (valid %d s%s)",
        lifetime,
        "; the provider rotated the refresh token: stored" if rotated else "",
    )


def _words(exc: Exception) -> str:
    error = getattr(exc, "error", "") or type(exc).__name__
    description = getattr(exc, "description", "") or ""
    return f"{error}: {description}" if description else str(error)


def _oauth_session(client: Client, redirect_uri: str | None = None) -> OAuth2Session:
    """Authlib's client. Without a secret (a Microsoft public client), the client id goes
    in the body; with one, in the body too (both providers take client_secret_post)."""
    return OAuth2Session(
        client.client_id,
        client.client_secret or None,
        token_endpoint_auth_method="client_secret_post" if client.client_secret else "none",
        scope=client.scope or None,
        redirect_uri=redirect_uri,
    )


@dataclass(frozen=True)
class Authorization:
    """One consent asked of the provider (authorization code with PKCE)."""

    url: str  # where the administrator's browser goes
    state: str
    code_verifier: str
    redirect_uri: str


def start_authorization(client: Client, port: int) -> Authorization:
    """The provider's consent address, redirecting to this machine's loopback `port`."""
    redirect_uri = f"http://{client.redirect_host}:{port}/"
    verifier = generate_token(64)
    session = _oauth_session(client, redirect_uri)
    session.code_challenge_method = "S256"
    url, state = session.create_authorization_url(
        client.authorize_url, code_verifier=verifier, **client.authorize_params
    )
    return Authorization(url, state, verifier, redirect_uri)


def finish_authorization(client: Client, authorization: Authorization, callback: str) -> dict:
    """Exchange the code the provider sent back (`callback`: the address the browser was
    sent to) for tokens; OAuthError when it refused, or the answer is not ours."""
    query = parse_qs(urlsplit(callback.strip()).query)
    if "error" in query:
        words = query.get("error_description", query["error"])[0]
        raise OAuthError(f"the provider refused: {query['error'][0]}: {words}")
    if query.get("state") != [authorization.state]:
        raise OAuthError("this answer is not for this request (state differs): start again")
    if not query.get("code"):
        raise OAuthError("the address holds no authorization code")
    session = _oauth_session(client, authorization.redirect_uri)
    try:
        token = session.fetch_token(
            client.token_url,
            code=query["code"][0],
            code_verifier=authorization.code_verifier,
            timeout=HTTP_TIMEOUT,
        )
    except AuthlibBaseError as exc:  # the endpoint's refusal, an http:// endpoint
        raise OAuthError(f"{client.token_url} refused the code ({_words(exc)})") from exc
    except (requests.RequestException, ValueError) as exc:
        raise OAuthError(f"{client.token_url}: {type(exc).__name__}: {exc}", "connection") from exc
    if not token.get("refresh_token"):
        raise OAuthError(
            "the provider answered no refresh token (Google: consent again; Microsoft: "
            "the offline_access permission)"
        )
    return token
