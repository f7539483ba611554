"""The OAuth2 test doubles are real: an authorization server on 127.0.0.1 whose access tokens
Dovecot (XOAUTH2 and OAUTHBEARER, through its oauth2 passdb and RFC 7662 introspection) and
aiosmtpd (XOAUTH2) take while they are valid and refuse once revoked or expired, at the very
next login; the password logins keep working beside them. The authorization code with PKCE,
refreshing the Google way and the Microsoft way (rotation), through Authlib as a client
would. No Flask app."""

from __future__ import annotations

import json
import smtplib
import time

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.support import dovecot as dovecot_server
from tests.support.dovecot import PASSWORD, USER
from tests.support.oauth_server import SCOPE, OAuthServer
from tests.support.smtp import Login, SmtpServer

OTHER = "huyendoan.ninhhai@ninhthuan.example"
REDIRECT = "http://127.0.0.1:5000/oauth/callback"


@pytest.fixture(scope="module")
def oauth():
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oauth_dovecot(oauth):
    """A Dovecot taking the module's OAuth2 server's tokens (and the password)."""
    server = dovecot_server.start(oauth=oauth)
    yield server
    server.stop()


@pytest.fixture
def provider():
    """OAuth2 servers of a test's own (rotating, refusing...), stopped after it."""
    started: list[OAuthServer] = []

    def make(**options) -> OAuthServer:
        started.append(OAuthServer(**options).start())
        return started[-1]

    yield make
    for server in started:
        server.stop()


def access_token(oauth: OAuthServer, user: str = USER) -> str:
    """A fresh access token for user, by a refresh_token grant over HTTP (client_secret_basic)."""
    answer = requests.post(
        oauth.token_url,
        data={"grant_type": "refresh_token", "refresh_token": oauth.grant(user)},
        auth=(oauth.client_id, oauth.client_secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def imap(server) -> IMAPClient:
    return IMAPClient(server.host, port=server.port, ssl=False, timeout=10)


def imap_login_works(server, token: str, user: str = USER) -> bool:
    client = imap(server)
    try:
        client.oauth2_login(user, token)
    except LoginError:
        return False
    client.select_folder("INBOX")
    client.logout()
    return True


# -- IMAP: Dovecot's oauth2 passdb ------------------------------------------------------------


def test_dovecot_takes_a_fresh_token_by_xoauth2_and_oauthbearer_asking_each_time(
    oauth, oauth_dovecot
):
    token = access_token(oauth)
    asked = oauth.introspections
    assert imap_login_works(oauth_dovecot, token)
    client = imap(oauth_dovecot)
    client.oauthbearer_login(USER, token)
    client.logout()
    assert oauth.introspections == asked + 2  # nothing cached: asked at every login


def test_dovecot_refuses_a_revoked_token_at_the_next_login_and_takes_a_refreshed_one(
    oauth, oauth_dovecot
):
    token = access_token(oauth)
    assert imap_login_works(oauth_dovecot, token)
    oauth.revoke_access_tokens()
    assert not imap_login_works(oauth_dovecot, token)
    assert imap_login_works(oauth_dovecot, access_token(oauth))


def test_dovecot_refuses_an_expired_token(oauth, oauth_dovecot, monkeypatch):
    monkeypatch.setattr(oauth, "access_lifetime", 1.0)
    token = access_token(oauth)
    assert imap_login_works(oauth_dovecot, token)
    time.sleep(1.5)
    assert oauth.user_of(token) is None
    assert not imap_login_works(oauth_dovecot, token)


def test_dovecot_refuses_a_token_of_another_user(oauth, oauth_dovecot):
    assert not imap_login_works(oauth_dovecot, access_token(oauth, OTHER), user=USER)


def test_the_password_still_works_and_refusals_do_not_slow_later_logins(oauth, oauth_dovecot):
    assert not imap_login_works(oauth_dovecot, "not-a-token")
    with pytest.raises(LoginError):
        imap(oauth_dovecot).login(USER, "wrong password")
    started = time.monotonic()
    client = imap(oauth_dovecot)
    client.login(USER, PASSWORD)
    client.logout()
    assert time.monotonic() - started < 2  # no "auth penalty" of 4 s and more


# -- SMTP: aiosmtpd with AUTH XOAUTH2 --------------------------------------------------------


@pytest.fixture
def smtp(oauth):
    server = SmtpServer(login=Login(USER, "mat-khau-ung-dung", oauth=oauth)).start()
    yield server
    server.stop()


class Xoauth2:
    """smtplib's authobject for XOAUTH2: the initial response, then an empty answer to a
    334 challenge (Google's error), as the protocol wants; keeps the challenges."""

    def __init__(self, user: str, token: str) -> None:
        self.initial = f"user={user}\x01auth=Bearer {token}\x01\x01"
        self.challenges: list[dict] = []

    def __call__(self, challenge: bytes | None = None) -> str:
        if challenge is None:
            return self.initial
        self.challenges.append(json.loads(challenge))
        return ""


def smtp_auth(server: SmtpServer, user: str, token: str) -> Xoauth2:
    """AUTH XOAUTH2 then one message; SMTPAuthenticationError if refused."""
    authobject = Xoauth2(user, token)
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        client.ehlo()
        assert "XOAUTH2" in client.esmtp_features["auth"].split()
        client.auth("XOAUTH2", authobject)
        client.sendmail(user, [OTHER], b"Subject: OAuth2\r\n\r\nNoi dung\r\n")
    return authobject


def test_smtp_takes_a_valid_token_and_refuses_it_once_revoked_or_expired(oauth, smtp, monkeypatch):
    token = access_token(oauth)
    assert smtp_auth(smtp, USER, token).challenges == []
    assert len(smtp.messages) == 1
    oauth.revoke_access_tokens()
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        smtp_auth(smtp, USER, token)
    assert refused.value.smtp_code == 535
    monkeypatch.setattr(oauth, "access_lifetime", 1.0)
    short = access_token(oauth)
    smtp_auth(smtp, USER, short)
    time.sleep(1.5)
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp_auth(smtp, USER, short)
    assert len(smtp.messages) == 2 and smtp.login.attempts == 4


def test_smtp_answers_a_bad_token_as_gmail_does(oauth, smtp):
    authobject = Xoauth2(USER, access_token(oauth, OTHER))  # a valid token, not USER's
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
        client.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.auth("XOAUTH2", authobject)
    assert refused.value.smtp_code == 535 and b"5.7.8" in refused.value.smtp_error
    assert authobject.challenges == [
        {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    ]
    assert smtp.messages == []


def test_smtp_keeps_the_password_and_offers_xoauth2_only_with_an_oauth_login(smtp):
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
        client.login(USER, "mat-khau-ung-dung")  # smtplib picks PLAIN
    plain = SmtpServer(login=Login(USER, "mat-khau-ung-dung")).start()
    try:
        with smtplib.SMTP("127.0.0.1", plain.port, timeout=10) as client:
            client.ehlo()
            assert client.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]
    finally:
        plain.stop()


# -- The authorization server through Authlib ------------------------------------------------


def consent(server: OAuthServer, **session_options) -> tuple[OAuth2Session, dict]:
    """The authorization code flow with PKCE (S256), the 302 of /authorize followed by hand."""
    session = OAuth2Session(
        server.client_id,
        server.client_secret,
        scope=SCOPE,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        **session_options,
    )
    verifier = generate_token(48)
    url, state = session.create_authorization_url(server.authorize_url, code_verifier=verifier)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT)
    token = session.fetch_token(
        server.token_url,
        authorization_response=answer.headers["Location"],
        state=state,
        code_verifier=verifier,
    )
    return session, token


def test_authorization_code_with_pkce_then_refresh_the_google_way(provider):
    server = provider()
    session, token = consent(server)
    assert server.user_of(token["access_token"]) == USER
    assert token["token_type"] == "Bearer" and token["scope"] == SCOPE
    first_refresh = token["refresh_token"]
    for _ in range(2):  # the refresh token is kept and keeps working
        refreshed = session.refresh_token(server.token_url)
        assert refreshed["refresh_token"] == first_refresh
        assert server.user_of(refreshed["access_token"]) == USER
    assert server.refreshes == 2 and server.failed_grants == 0


def test_refresh_rotates_the_microsoft_way_and_the_old_token_is_refused(provider):
    server = provider(rotate=True, access_lifetime=0.5)
    session, token = consent(server, token_endpoint_auth_method="client_secret_post")
    old = token["refresh_token"]
    refreshed = session.refresh_token(server.token_url)
    assert refreshed["refresh_token"] != old and refreshed["expires_in"] == 1
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(server.token_url, refresh_token=old)
    assert refused.value.error == "invalid_grant"
    assert server.refreshes == 1 and server.failed_grants == 1


def test_codes_verifiers_clients_and_a_refusing_server(provider):
    server = provider()
    server.authorize_user = OTHER
    verifier = generate_token(48)
    answer = requests.get(
        server.authorize_url,
        params={
            "response_type": "code",
            "client_id": server.client_id,
            "redirect_uri": REDIRECT,
            "state": "s1",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert "state=s1" in answer.headers["Location"]
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    client = (server.client_id, server.client_secret)

    def token(data: dict, auth=client) -> requests.Response:
        return requests.post(server.token_url, data=data, auth=auth, timeout=10)

    assert token({**form, "code_verifier": verifier[:-1]}).json()["error"] == "invalid_grant"
    assert token({**form, "code_verifier": verifier}).status_code == 400  # a code works once
    assert token(form, auth=(server.client_id, "wrong")).status_code == 401
    unknown = requests.get(
        server.authorize_url,
        params={"response_type": "code", "client_id": "x", "redirect_uri": REDIRECT},
        allow_redirects=False,
        timeout=10,
    )
    assert unknown.status_code == 400
    refresh = server.grant(OTHER)
    server.refusing = True
    refused = token({"grant_type": "refresh_token", "refresh_token": refresh})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    server.refusing = False
    access = token({"grant_type": "refresh_token", "refresh_token": refresh}).json()
    assert server.failed_grants == 4 and server.refreshes == 1
    # Introspection, however asked.
    bearer = {"Authorization": f"Bearer {access['access_token']}"}
    url = server.introspection_url
    for asked in (
        requests.post(url, data={"token": access["access_token"]}, timeout=10),
        requests.get(url, params={"token": access["access_token"]}, timeout=10),
        requests.get(url, headers=bearer, timeout=10),
    ):
        assert asked.json()["active"] is True and asked.json()["email"] == OTHER
    assert requests.post(url, data={"token": "x"}, timeout=10).json() == {"active": False}
