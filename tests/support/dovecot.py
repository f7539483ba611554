"""A private Dovecot IMAP server on 127.0.0.1, for the tests and the demo.

Everything lives in one directory: configuration, Maildirs, logs, runtime sockets. No TLS,
plain-text login allowed (loopback only). As root, Dovecot refuses to store mail as uid 0,
so mail belongs to `nobody` (65534) and the directory is made accessible to it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.oauth_server import OAuthServer

MAIL_UID = 65534
USER = "tuyengiao@ninhthuan.example"
PASSWORD = "mat-khau-thu-nghiem"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
mail_privileged_group =
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
passdb {{
  driver = passwd-file{password_mechanisms}
  args = scheme=PLAIN username_format=%u {root}/users
}}{oauth_passdb}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
namespace inbox {{
  inbox = yes
  separator = .
}}
"""

# With an OAuth2 server (start(oauth=...)): XOAUTH2 and OAUTHBEARER too, each token checked
# by Dovecot's oauth2 passdb asking the server's RFC 7662 introspection endpoint. The
# password passdb keeps PLAIN and LOGIN; the mechanisms lines keep each passdb to its own.
OAUTH_MECHANISMS = " xoauth2 oauthbearer"
OAUTH_PASSDB = """
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
# No auth cache (0 is also the default, said here because it matters): every login asks
# the introspection endpoint again, so a token revoked or expired is refused at the next.
auth_cache_size = 0
# Refused tokens are what these tests are about, so no slowing down after one: neither the
# 2-second delay of the failure's answer nor the "auth penalty", which makes every later
# login from the same address (all of them here: 127.0.0.1) wait 4 s and more, successes
# included. 2.3 skips the penalty neither for login_trusted_networks nor for `nodelay`
# on a token's failure (tried); without anvil's penalty socket there is none.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
# No tokeninfo_url: Dovecot 2.3 then goes straight to introspection. With `post`, 2.3.19
# sends "POST /introspect" with the body "token=<token>" form-encoded and no Authorization
# header; the answer's `active` must be true and its `email` must be the user the client
# logged in as (after username_format, %Lu by default), or the login fails.
OAUTH_CONFIG = """introspection_url = {introspection_url}
introspection_mode = post
username_attribute = email
active_attribute = active
active_value = true
timeout_msecs = 10000
"""


@dataclass
class Dovecot:
    root: Path
    host: str
    port: int
    user: str = USER
    password: str = PASSWORD
    tls_port: int = 0  # implicit TLS (imaps), when started with certificates

    def settings(self, folder: str) -> dict[str, object]:
        """The portal's IMAP settings for `folder` of this server (plain IMAP on 127.0.0.1)."""
        return {
            "IMAP_HOST": self.host,
            "IMAP_PORT": self.port,
            "IMAP_USER": self.user,
            "IMAP_PASSWORD": self.password,
            "IMAP_SECURITY": "none",
            "IMAP_FOLDER": folder,
        }

    def stop(self) -> None:
        """Stop the server and its client processes, as a restart or a crash would (the
        master alone lets open IMAP sessions run on)."""
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            try:
                master = int(pid_file.read_text().strip())
                forked = children(master)
                os.kill(master, signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                return
            for child in forked:
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for _ in range(50):
                if not pid_file.exists():
                    break
                time.sleep(0.1)


def children(pid: int) -> list[int]:
    """The processes whose parent is pid (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Dovecot did not listen on 127.0.0.1:{port}")


def start(
    root: Path | None = None, port: int | None = None, tls=None, oauth: OAuthServer | None = None
) -> Dovecot:
    """Start a Dovecot with one user (USER/PASSWORD) whose mail lives under root. With
    `tls` (tests.support.tls.Certificates) it offers STARTTLS on `port` and implicit TLS
    on `tls_port`; without, plain IMAP only (loopback). With `oauth` (a started
    tests.support.oauth_server.OAuthServer) it also takes XOAUTH2 and OAUTHBEARER logins
    with that server's access tokens, checked at every login."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        raise RuntimeError("Dovecot is not installed: `make test` installs dovecot-imapd.")
    root = Path(root or tempfile.mkdtemp(prefix="portal-imap-"))
    port = port or _free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    is_root = os.geteuid() == 0
    uid, gid = (MAIL_UID, MAIL_UID) if is_root else (os.getuid(), os.getgid())
    if is_root:
        root.chmod(0o755)
        for sub in ("mail", "home"):
            os.chown(root / sub, uid, gid)
    user = os.environ.get("USER") or "root"
    tls_port = _free_port() if tls else 0
    ssl = (
        f"ssl = yes\nssl_cert = <{tls.cert_file}\nssl_key = <{tls.key_file}" if tls else "ssl = no"
    )
    config = CONFIG.format(
        root=root,
        port=port,
        ssl=ssl,
        tls_port=tls_port,
        uid=uid,
        gid=gid,
        login_user="dovenull" if is_root else user,
        internal_user="dovecot" if is_root else user,
        internal_group="dovecot" if is_root else user,
        oauth_mechanisms=OAUTH_MECHANISMS if oauth else "",
        password_mechanisms="\n  mechanisms = plain login" if oauth else "",
        oauth_passdb=OAUTH_PASSDB.format(root=root) if oauth else "",
    )
    (root / "dovecot.conf").write_text(config)
    if oauth:
        oauth_config = OAUTH_CONFIG.format(introspection_url=oauth.introspection_url)
        (root / "oauth2.conf.ext").write_text(oauth_config)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    # Dovecot forks into the background: its output goes to a file, not to a pipe that
    # the daemon would keep open.
    with open(root / "start.log", "wb") as log:
        result = subprocess.run(
            [binary, "-c", str(root / "dovecot.conf")],
            timeout=30,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    if result.returncode != 0:
        raise RuntimeError("Dovecot did not start: " + (root / "start.log").read_text())
    _wait_for(port)
    if tls_port:
        _wait_for(tls_port)
    return Dovecot(root=root, host="127.0.0.1", port=port, tls_port=tls_port)
