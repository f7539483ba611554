"""`flask --app wsgi mail-oauth`: get the mailbox account's OAuth2 refresh token.

The authorization-code flow of an installed app (RFC 8252), as Google and Microsoft allow
it: the administrator opens the provider's consent page in a browser, signs in as the
mailbox account, and the provider sends the browser back to this machine's loopback
address, where the command waits for it. The server the portal runs on rarely has a
browser: forward the port over SSH, or use --paste and paste the address the browser was
sent to (it shows "cannot be reached", but the address holds the code).
"""

from __future__ import annotations

import html
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.services import oauth

PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>Cổng báo cáo — cấp quyền hộp thư</title>
<main style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>{title}</h1><p>{text}</p></main></html>"""


@click.command("mail-oauth")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    help="Loopback port the provider sends the browser back to (0: any free port).",
)
@click.option(
    "--paste", is_flag=True, help="Paste the address the browser was sent to instead of waiting."
)
@click.option("--wait", default=600, show_default=True, help="Seconds to wait for the browser.")
@with_appcontext
def mail_oauth(port: int, paste: bool, wait: int) -> None:
    """Get the OAuth2 refresh token of the mailbox account (Google, Microsoft, custom).

    Needs OAUTH2_PROVIDER, OAUTH2_CLIENT_ID (and OAUTH2_CLIENT_SECRET where the provider
    gave one) in the settings; prints the lines to add. See docs/mail-oauth.md."""
    try:
        client = oauth.client_from(current_app.config, need_refresh_token=False)
        with _listener(port) as listener:
            authorization = oauth.start_authorization(client, listener.server_port)
            click.echo(_("Open this address in a browser and sign in as the mailbox account:"))
            click.echo(f"\n  {authorization.url}\n")
            if paste:
                callback = click.prompt(_("Paste the whole address the browser was sent to"))
            else:
                click.echo(
                    _(
                        "Waiting for the browser at %(uri)s … (a browser on another computer: "
                        "ssh -L %(port)d:127.0.0.1:%(port)d to this server first, or run "
                        "again with --paste)",
                        uri=authorization.redirect_uri,
                        port=listener.server_port,
                    )
                )
                callback = _wait_for_redirect(listener, wait)
        token = oauth.finish_authorization(client, authorization, callback)
    except oauth.OAuthError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # the port is taken
        raise click.ClickException(f"127.0.0.1:{port}: {exc}") from exc
    click.echo(_("Done. Put these lines in the settings, then restart the poller:"))
    click.echo(f"\n{_settings_lines(client, token['refresh_token'])}\n")


def _settings_lines(client: oauth.Client, refresh_token: str) -> str:
    config = current_app.config
    lines = [
        "IMAP_AUTH=oauth2",
        "MAIL_AUTH=oauth2",
        f"OAUTH2_PROVIDER={client.provider}",
        f"OAUTH2_CLIENT_ID={client.client_id}",
    ]
    if client.provider == "microsoft":
        lines.append(f"OAUTH2_TENANT={config['OAUTH2_TENANT']}")
    if client.provider == "custom":
        lines += [f"OAUTH2_TOKEN_URL={client.token_url}", f"OAUTH2_SCOPE={client.scope}"]
    lines.append(f"OAUTH2_REFRESH_TOKEN={refresh_token}")
    return "\n".join(lines)


class _Listener(HTTPServer):
    callback: str = ""


class _RedirectHandler(BaseHTTPRequestHandler):
    """Takes the provider's redirect; any other request (a favicon) is answered 404."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if "code=" not in self.path and "error=" not in self.path:
            self.send_error(404)
            return
        self.server.callback = f"http://127.0.0.1:{self.server.server_port}{self.path}"
        refused = "error=" in self.path
        title = "Nhà cung cấp đã từ chối cấp quyền" if refused else "Đã nhận mã cấp quyền"
        text = (
            "Quay lại cửa sổ dòng lệnh để xem lý do."
            if refused
            else "Bạn có thể đóng trang này và quay lại cửa sổ dòng lệnh."
        )
        body = PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # the code is in the path: not on the terminal
        pass


def _listener(port: int) -> _Listener:
    """Listen on loopback only: the code must not be handed to anything beyond this machine."""
    return _Listener(("127.0.0.1", port), _RedirectHandler)


def _wait_for_redirect(listener: _Listener, seconds: int) -> str:
    deadline = time.monotonic() + seconds
    while not listener.callback:
        left = deadline - time.monotonic()
        if left <= 0:
            raise oauth.OAuthError(_("No answer from the browser in time: run the command again."))
        listener.timeout = min(left, 1.0)
        listener.handle_request()
    return listener.callback
