#!/usr/bin/env bash
# Install the unit-returns portal on a Debian/Ubuntu server, from this checkout.
#
#   sudo deploy/install.sh --admin-email ADDRESS --server-name portal.tinhdoan.example
#
# What it does, in order (README, "Install on a server"): the service user; the app code in
# PREFIX/app; a virtualenv PREFIX/venv with the runtime requirements only; the environment
# file (created once, never overwritten); the instance folder; the database migrated; the
# first administrator; the systemd units (web, poller, daily reminders) and the nginx site,
# always written to PREFIX/deploy-output and installed where systemd and nginx are present.
# Running it again changes nothing that is already right. `deploy/install.sh --help`.
set -euo pipefail
umask 022

SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

PREFIX=/opt/portal
ENV_FILE=/etc/portal/portal.env
SERVICE_USER=portal
DATABASE_URL=""
ADMIN_EMAIL=""
ADMIN_PASSWORD_FILE=""
SERVER_NAME=""
TLS_CERT=""
TLS_KEY=""
WORKERS=3
PYTHON=""
INSTALL_UNITS=1
SKIP_USER=0

# gunicorn listens here only; nginx is the one door from outside.
BIND=127.0.0.1:8000
# SQLite makes a writer wait up to 30 s for the lock (sqlite3's `timeout`, set in
# portal/config.py `_derive`: connect_args timeout=30). A request waiting that long must
# not be killed by gunicorn's worker timeout first: it is twice that.
WEB_TIMEOUT=60
WEB_GRACEFUL_TIMEOUT=30
# The morning reminders (`flask remind`), in Vietnam time whatever the server's zone.
REMIND_AT="*-*-* 07:30:00 Asia/Ho_Chi_Minh"
# Checkout paths that are not the app: never installed.
# (instance/: the app's instance folder is PREFIX/instance, PORTAL_INSTANCE_PATH.)
NOT_INSTALLED=(tests bench deploy instance .ci .github)

usage() {
    cat <<'EOF'
Usage: deploy/install.sh [options]

Installs the portal from this checkout; run as root (sudo). Running it again changes
nothing that is already in place.

  --prefix DIR              where the app, its virtualenv and its data go (/opt/portal)
  --env-file FILE           the settings file, created once, never overwritten
                            (/etc/portal/portal.env)
  --user NAME               the service user, created when missing (portal)
  --database-url URL        DATABASE_URL written to a new env file
                            (default: SQLite in PREFIX/instance/portal.sqlite3)
  --admin-email ADDRESS     create this administrator when there is none yet
  --admin-password-file F   its password: the first line of F (default: asked)
  --server-name NAME        the portal's host name: installs the nginx site when nginx
                            is installed
  --tls-cert FILE, --tls-key FILE
                            the certificate (full chain) and key for nginx (default:
                            Let's Encrypt's /etc/letsencrypt/live/NAME/)
  --workers N               gunicorn worker processes (3)
  --python PATH             the Python for the virtualenv (default: 3.13 when present,
                            else python3 >= 3.11)
  --no-systemd              write the units to PREFIX/deploy-output, do not install them
  --skip-user               run everything as the current user, create no user (tests)
  -h, --help                this text
EOF
}

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

# --- options ----------------------------------------------------------------------------

while (($#)); do
    option=$1
    value=""
    case $option in
    --*=*)
        value=${option#*=}
        option=${option%%=*}
        ;;
    --prefix | --env-file | --user | --database-url | --admin-email | --admin-password-file | \
        --server-name | --tls-cert | --tls-key | --workers | --python)
        (($# >= 2)) || die "$option needs a value"
        value=$2
        shift
        ;;
    esac
    case $option in
    --prefix) PREFIX=${value%/} ;;
    --env-file) ENV_FILE=$value ;;
    --user) SERVICE_USER=$value ;;
    --database-url) DATABASE_URL=$value ;;
    --admin-email) ADMIN_EMAIL=$value ;;
    --admin-password-file) ADMIN_PASSWORD_FILE=$value ;;
    --server-name) SERVER_NAME=$value ;;
    --tls-cert) TLS_CERT=$value ;;
    --tls-key) TLS_KEY=$value ;;
    --workers) WORKERS=$value ;;
    --python) PYTHON=$value ;;
    --no-systemd) INSTALL_UNITS=0 ;;
    --skip-user) SKIP_USER=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown option $option (see --help)" ;;
    esac
    shift
done

# Everything below is written into unit files and nginx's configuration: plain paths and
# names only, so nothing needs quoting there.
PATH_RE='^/[A-Za-z0-9._/+-]+$'
[[ $PREFIX =~ $PATH_RE ]] || die "--prefix must be an absolute path of letters, digits and ._-/+"
[[ $ENV_FILE =~ $PATH_RE ]] || die "--env-file must be an absolute path of letters, digits and ._-/+"
[[ $SERVICE_USER =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "--user: not a valid user name"
[[ $WORKERS =~ ^[1-9][0-9]?$ ]] || die "--workers must be a number from 1 to 99"
[[ -z $SERVER_NAME || $SERVER_NAME =~ ^[A-Za-z0-9.-]+$ ]] || die "--server-name: not a host name"
if [[ -n $TLS_CERT && -z $TLS_KEY ]] || [[ -z $TLS_CERT && -n $TLS_KEY ]]; then
    die "--tls-cert and --tls-key go together"
fi
for file in "$TLS_CERT" "$TLS_KEY"; do
    [[ -z $file ]] && continue
    [[ $file =~ $PATH_RE ]] || die "$file: give the certificate and key as absolute paths"
    [[ -r $file ]] || die "$file: cannot read it"
done
[[ $DATABASE_URL != *[[:space:]\'\"\\]* ]] || die "--database-url: no spaces, quotes or backslashes"
if [[ -n $ADMIN_PASSWORD_FILE ]]; then
    [[ -n $ADMIN_EMAIL ]] || die "--admin-password-file goes with --admin-email"
    [[ -r $ADMIN_PASSWORD_FILE ]] || die "$ADMIN_PASSWORD_FILE: cannot read it"
fi
if ((!SKIP_USER)) && ((EUID != 0)); then
    die "run it as root (sudo), or with --skip-user to install for the current user"
fi
case $PREFIX/ in
/root/* | /home/* | /run/user/*)
    ((SKIP_USER)) || die "--prefix: the services cannot reach a home folder (ProtectHome)"
    ;;
esac

APP=$PREFIX/app
VENV=$PREFIX/venv
INSTANCE=$PREFIX/instance
OUT=$PREFIX/deploy-output
HAVE_SYSTEMD=0
[[ -d /run/systemd/system ]] && HAVE_SYSTEMD=1

# --- 1. the service user ----------------------------------------------------------------

if ((SKIP_USER)); then
    SERVICE_USER=$(id -un)
    say "Service user: $SERVICE_USER (--skip-user: the current user, none created)"
elif id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "Service user: $SERVICE_USER (exists)"
else
    nologin=$(command -v nologin || echo /usr/sbin/nologin)
    useradd --system --user-group --home-dir "$PREFIX" --no-create-home \
        --shell "$nologin" --comment "Unit-returns portal" "$SERVICE_USER"
    say "Service user: $SERVICE_USER (created, system user, no login shell)"
fi
SERVICE_GROUP=$(id -gn "$SERVICE_USER")

# --- 2. the app code --------------------------------------------------------------------

# The checkout's files that git would commit (tracked or new, .gitignore respected; so no
# .venv, instance/, __pycache__ or compiled catalogs), without the paths that are not the
# app. Outside a git checkout (a tarball), the same by name.
app_files() {
    local listed=""
    if command -v git >/dev/null &&
        listed=$(git -c safe.directory="$SOURCE" -C "$SOURCE" ls-files -co --exclude-standard -z 2>/dev/null | tr '\0' '\n') &&
        [[ -n $listed ]]; then
        :
    else
        listed=$(cd "$SOURCE" && find . \( -name .git -o -name .venv -o -name venv -o -name instance \
            -o -name __pycache__ -o -name .pytest_cache -o -name .ruff_cache -o -name .pgtest \
            -o -name node_modules \) -prune -o -type f ! -name '*.pyc' ! -name '*.mo' -print |
            sed 's|^\./||')
    fi
    local path top
    while IFS= read -r path; do
        [[ -n $path && -f $SOURCE/$path && ! -L $SOURCE/$path ]] || continue
        top=${path%%/*}
        [[ " ${NOT_INSTALLED[*]} " == *" $top "* ]] && continue
        printf '%s\n' "$path"
    done <<<"$listed" | LC_ALL=C sort
}

mapfile -t FILES < <(app_files)
((${#FILES[@]})) || die "found no files to install in $SOURCE"
[[ " ${FILES[*]} " == *" wsgi.py "* ]] || die "$SOURCE is not the portal's checkout (no wsgi.py)"

install -d -m 0755 "$PREFIX" "$APP"
declare -A WANTED=()
copied=0
for path in "${FILES[@]}"; do
    WANTED[$path]=1
    if [[ ! -f $APP/$path ]] || ! cmp -s "$SOURCE/$path" "$APP/$path"; then
        install -D -p -m 0644 "$SOURCE/$path" "$APP/$path"
        # A catalog changed: its compiled .mo is made again below.
        [[ $path == *.po ]] && rm -f "$APP/${path%.po}.mo"
        copied=$((copied + 1))
    fi
done
removed=0
while IFS= read -r -d '' found; do
    path=${found#"$APP"/}
    case $path in
    */__pycache__/* | __pycache__/*) continue ;;
    *.mo) [[ -n ${WANTED[${path%.mo}.po]:-} ]] && continue ;;
    esac
    if [[ -z ${WANTED[$path]:-} ]]; then
        rm -f "$found"
        removed=$((removed + 1))
    fi
done < <(find "$APP" -type f -print0)
find "$APP" -mindepth 1 -type d -empty -delete
say "App: $APP (${#FILES[@]} files from $SOURCE; $copied copied, $removed removed)"

# --- 3. the virtualenv ------------------------------------------------------------------

in_a_home() { # in_a_home PYTHON: its installation is under a home folder
    local base
    base=$("$1" -c 'import sys; print(sys.base_prefix)') || return 1
    case $base/ in
    /root/* | /home/* | /run/user/*) return 0 ;;
    esac
    return 1
}

# python_ok PYTHON: runs, is 3.11 or newer, and the services can reach it: a home folder
# (pyenv's, under /root) is closed to the service user, and hidden by ProtectHome.
python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || return 1
    if ((!SKIP_USER)) && in_a_home "$1"; then
        note "not $1: it lives in a home folder, which the service cannot read" >&2
        return 1
    fi
}

choose_python() {
    local candidates=() candidate
    if [[ -n $PYTHON ]]; then
        candidates=("$PYTHON")
    else
        if command -v pyenv >/dev/null; then
            candidate=$(printf '%s\n' "$(pyenv root)"/versions/3.13.*/bin/python3.13 | sort -V | tail -n 1)
            [[ -x $candidate ]] && candidates+=("$candidate")
        fi
        candidate=$(command -v python3.13 || true)
        [[ -n $candidate ]] && candidates+=("$candidate")
        candidates+=(/usr/bin/python3.13)
        candidate=$(command -v python3 || true)
        [[ -n $candidate ]] && candidates+=("$candidate")
        candidates+=(/usr/bin/python3)
    fi
    for candidate in "${candidates[@]}"; do
        if [[ -x $candidate ]] && python_ok "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ -x $VENV/bin/python ]]; then
    "$VENV/bin/python" -c '' 2>/dev/null || die "$VENV is broken (its Python is gone): remove it and run again"
    python_ok "$VENV/bin/python" || die "$VENV: its Python cannot serve (see above): remove it and run again"
    venv_state="kept"
else
    PY=$(choose_python) || die "no Python 3.11 or newer the service can run (apt-get install python3)"
    if ! "$PY" -c 'import ensurepip' 2>/dev/null; then
        version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if ((EUID == 0)) && command -v apt-get >/dev/null; then
            say "Installing python$version-venv (the virtualenv needs ensurepip)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "python$version-venv"
        else
            die "$PY cannot make a virtualenv: apt-get install python$version-venv"
        fi
    fi
    "$PY" -m venv "$VENV"
    venv_state="created with $PY"
fi
PY_VERSION=$("$VENV/bin/python" -c 'import platform; print(platform.python_version())')
# With --skip-user the services run as the current user, who may read a Python kept in a
# home folder (pyenv's): the units then show home folders read-only instead of hiding them.
PROTECT_HOME=yes
in_a_home "$VENV/bin/python" && PROTECT_HOME=read-only

# Runtime requirements only (requirements.txt): no test tools, browsers or mail servers.
# Installed again only when requirements.txt changed since the last install.
requirements_sum=$(sha256sum "$APP/requirements.txt" | cut -d' ' -f1)
stamp=$VENV/.requirements.sha256
if [[ -f $stamp && $(<"$stamp") == "$requirements_sum" ]]; then
    packages="up to date"
else
    say "Installing the runtime requirements (pip install -r requirements.txt)"
    "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
        -r "$APP/requirements.txt"
    printf '%s\n' "$requirements_sum" >"$stamp"
    packages="installed"
fi
say "Virtualenv: $VENV (Python $PY_VERSION, $venv_state; packages $packages)"

# The services cannot write into the app (ProtectSystem=strict): compile the translation
# catalogs now, with the app's own function (it skips catalogs already compiled).
(cd "$APP" && PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -c \
    'from portal.i18n import CATALOG_DIR, compile_catalogs; compile_catalogs(CATALOG_DIR)')

# --- 4. the environment file and the instance folder ------------------------------------

install -d -o "$SERVICE_USER" -g "$SERVICE_GROUP" -m 0750 "$INSTANCE"

DEFAULT_DATABASE_URL="sqlite:///$INSTANCE/portal.sqlite3"
if [[ -e $ENV_FILE ]]; then
    env_state="kept (never overwritten)"
    if [[ -n $DATABASE_URL ]] && ! grep -qxF -e "DATABASE_URL=$DATABASE_URL" -e "DATABASE_URL='$DATABASE_URL'" "$ENV_FILE"; then
        note "warning: --database-url differs from DATABASE_URL in $ENV_FILE, which is kept: edit it there"
    fi
else
    install -d -m 0755 "$(dirname "$ENV_FILE")"
    secret=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
    draft=$(mktemp "$ENV_FILE.XXXXXX") # mode 0600
    cat >"$draft" <<EOF
# The portal's settings (README, "Configuration"), read by systemd for portal-web,
# portal-poller and portal-remind (EnvironmentFile=). Written once by deploy/install.sh,
# which never overwrites it. One NAME=value a line; quote a value holding spaces or a \$
# with single quotes. After a change: systemctl restart portal-web portal-poller
SECRET_KEY=$secret
DATABASE_URL='${DATABASE_URL:-$DEFAULT_DATABASE_URL}'
PORTAL_INSTANCE_PATH=$INSTANCE
PROXY_FIX=true

# The Propaganda mailbox the poller reads (then: systemctl enable --now portal-poller).
#IMAP_HOST=imap.gmail.com
#IMAP_PORT=993
#IMAP_SECURITY=ssl
#IMAP_USER=tuyengiao@tinhdoan.example
#IMAP_PASSWORD='app password'
#IMAP_FOLDER=INBOX
#IMAP_PROCESSED_FOLDER='Đã xử lý'
#MAILIN_AUTHSERV_ID=mx.google.com

# Outgoing mail: acknowledgements, reminders, the consolidated reply.
#MAIL_SERVER=smtp.gmail.com
#MAIL_PORT=587
#MAIL_USE_TLS=true
#MAIL_USERNAME=tuyengiao@tinhdoan.example
#MAIL_PASSWORD='app password'
#MAIL_DEFAULT_SENDER='Ban Tuyên giáo <tuyengiao@tinhdoan.example>'
#MAIL_MESSAGE_ID_DOMAIN=tinhdoan.example
EOF
    ((EUID == 0)) && chown root:root "$draft"
    chmod 0600 "$draft"
    mv -n "$draft" "$ENV_FILE"
    rm -f "$draft"
    env_state="created"
fi
[[ $(stat -c %a "$ENV_FILE") == 600 ]] || note "warning: $ENV_FILE is not mode 0600 (it holds secrets)"
say "Environment file: $ENV_FILE ($env_state)"
say "Instance folder: $INSTANCE ($SERVICE_USER, 0750)"

# Run a command of the app as the service, with the settings systemd would give it. The env
# file is read here, as root: the service user cannot read it.
as_service() {
    (
        set -a
        # shellcheck disable=SC1090
        . "$ENV_FILE"
        set +a
        export PYTHONDONTWRITEBYTECODE=1
        umask 077 # as the units' UMask: the database and its journal for the service alone
        cd "$APP"
        if ((SKIP_USER)) || [[ $SERVICE_USER == "$(id -un)" ]]; then
            exec "$@"
        fi
        exec runuser -u "$SERVICE_USER" -- "$@"
    )
}

# --- 5. the database and the first administrator ----------------------------------------

say "Database: flask db upgrade"
as_service "$VENV/bin/flask" --app wsgi db upgrade

FACTS_PY='
from sqlalchemy import func, select, text
from portal.extensions import db
from portal.models import Role, User
from wsgi import app

with app.app_context():
    admins = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    print(admins, revision, app.config.get("MAX_CONTENT_LENGTH") or 0,
          app.config.get("MAX_FORM_MEMORY_SIZE") or 0)
'
facts=$(as_service "$VENV/bin/python" -c "$FACTS_PY")
read -r ADMINS REVISION MAX_CONTENT MAX_FORM <<<"${facts##*$'\n'}"

admin_state="none requested (--admin-email)"
if [[ -n $ADMIN_EMAIL ]]; then
    if ((ADMINS > 0)); then
        admin_state="$ADMINS administrator(s) already: none created"
    else
        if [[ -n $ADMIN_PASSWORD_FILE ]]; then
            IFS= read -r password <"$ADMIN_PASSWORD_FILE" || true
            password=${password%$'\r'}
        elif [[ -r /dev/tty ]] && { : </dev/tty; } 2>/dev/null; then
            IFS= read -rsp "Password for $ADMIN_EMAIL (10 characters or more): " password </dev/tty
            echo
            IFS= read -rsp "Again: " again </dev/tty
            echo
            [[ $password == "$again" ]] || die "the two passwords differ"
        else
            die "no terminal to ask the administrator's password: give --admin-password-file"
        fi
        printf '%s\n' "$password" |
            as_service "$VENV/bin/flask" --app wsgi create-user "$ADMIN_EMAIL" --role admin --password-stdin
        unset password again
        admin_state="$ADMIN_EMAIL created"
    fi
fi
say "Administrator: $admin_state"

# --- 6. systemd units -------------------------------------------------------------------

# write_file DEST MODE < content: replaces DEST only when the content differs; CHANGED=1 then.
CHANGED=0
write_file() {
    local dest=$1 mode=$2 draft
    draft=$(mktemp "$dest.XXXXXX")
    cat >"$draft"
    if [[ -f $dest ]] && cmp -s "$draft" "$dest"; then
        rm -f "$draft"
        chmod "$mode" "$dest"
        return 0
    fi
    chmod "$mode" "$draft"
    mv -f "$draft" "$dest"
    CHANGED=1
}

WEB_COMMAND="$VENV/bin/gunicorn --workers $WORKERS --bind $BIND --timeout $WEB_TIMEOUT --graceful-timeout $WEB_GRACEFUL_TIMEOUT --access-logfile - --no-control-socket wsgi:app"
POLLER_COMMAND="$VENV/bin/flask --app wsgi mailin poll"
REMIND_COMMAND="$VENV/bin/flask --app wsgi remind"
RETENTION_COMMAND="$VENV/bin/flask --app wsgi retention"

service_common() {
    cat <<EOF
User=$SERVICE_USER
Group=$SERVICE_GROUP
EnvironmentFile=$ENV_FILE
Environment=PYTHONUNBUFFERED=1
WorkingDirectory=$APP
# Hardening: the app and the system read-only, only the instance folder writable, no
# privileges to gain. (No RemoveIPC=: the daily reminder's stop would remove the
# poller's semaphores, both running as $SERVICE_USER.)
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$INSTANCE
PrivateTmp=yes
ProtectHome=$PROTECT_HOME
PrivateDevices=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
CapabilityBoundingSet=
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
UMask=0077
EOF
}

install -d -m 0755 "$OUT"

write_file "$OUT/portal-web.service" 0644 <<EOF
# Written by deploy/install.sh: the portal's web pages (gunicorn, behind nginx).
[Unit]
Description=Unit-returns portal: web (gunicorn on $BIND)
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=notify
$(service_common)
# --timeout $WEB_TIMEOUT: longer than SQLite's 30 s busy timeout (portal/config.py), so a
# request waiting for the write lock is not killed first. Access log to stdout: the journal.
# No control socket: gunicorn 25+ would make one in \$HOME, which is read-only here.
ExecStart=$WEB_COMMAND
ExecReload=/bin/kill -s HUP \$MAINPID
KillMode=mixed
TimeoutStopSec=$((WEB_GRACEFUL_TIMEOUT + 15))
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF

write_file "$OUT/portal-poller.service" 0644 <<EOF
# Written by deploy/install.sh: the mail poller (reads the mailbox, sends the outbox).
[Unit]
Description=Unit-returns portal: mail poller
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=exec
$(service_common)
ExecStart=$POLLER_COMMAND
# SIGTERM to the poller alone: it finishes the message in hand and stops its form
# readers; whatever is left after TimeoutStopSec is killed.
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=60
Restart=always
RestartSec=10
# The staff's pages come first on a machine shared with the web server (README).
Nice=5

[Install]
WantedBy=multi-user.target
EOF

write_file "$OUT/portal-remind.service" 0644 <<EOF
# Written by deploy/install.sh: queue and send today's reminders, then drop the bytes of old
# machine mail (RETENTION_DAYS; README "Retention and growth"). Started by its timer.
[Unit]
Description=Unit-returns portal: today's reminders, then retention
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=oneshot
$(service_common)
ExecStart=$REMIND_COMMAND
ExecStart=$RETENTION_COMMAND
EOF
write_file "$OUT/portal-remind.timer" 0644 <<EOF
# Written by deploy/install.sh: the reminders every morning, Vietnam time.
[Unit]
Description=Unit-returns portal: reminders every morning

[Timer]
OnCalendar=$REMIND_AT
# A morning missed (the server was off) is caught up at boot.
Persistent=true

[Install]
WantedBy=timers.target
EOF

UNITS=(portal-web.service portal-poller.service portal-remind.service portal-remind.timer)
mailbox_set=0
grep -qE '^IMAP_HOST=.' "$ENV_FILE" && mailbox_set=1

if ((HAVE_SYSTEMD && INSTALL_UNITS)); then
    ((EUID == 0)) || die "installing systemd units needs root (or --no-systemd)"
    reload=0
    restart=() # units that were installed before and changed: running ones restart
    for unit in "${UNITS[@]}"; do
        existed=0
        [[ -f /etc/systemd/system/$unit ]] && existed=1
        CHANGED=0
        write_file "/etc/systemd/system/$unit" 0644 <"$OUT/$unit"
        if ((CHANGED)); then
            reload=1
            ((existed)) && restart+=("$unit")
        fi
    done
    if ((reload)); then
        systemctl daemon-reload
    fi
    systemctl enable --quiet --now portal-web.service portal-remind.timer
    systemctl enable --quiet portal-poller.service
    if ((${#restart[@]})); then
        systemctl try-restart "${restart[@]}"
    fi
    if ((mailbox_set)); then
        systemctl start portal-poller.service
        poller_note="running"
    else
        poller_note="enabled, not started: set IMAP_* in $ENV_FILE, then systemctl start portal-poller"
    fi
    say "systemd: ${UNITS[*]} installed in /etc/systemd/system; web and timer running; poller $poller_note"
else
    load="set -a; . $ENV_FILE; set +a; cd $APP && exec"
    as_user=""
    runner=root
    if ((SKIP_USER)); then runner=$SERVICE_USER; else as_user="runuser -u $SERVICE_USER -- "; fi
    if ((HAVE_SYSTEMD)); then
        say "systemd units written to $OUT, not installed (--no-systemd). To install them:"
        note "cp $OUT/portal-*.service $OUT/portal-*.timer /etc/systemd/system/ && systemctl daemon-reload"
        note "systemctl enable --now portal-web portal-poller portal-remind.timer"
        say "Or run the three yourself, as $runner:"
    else
        say "No systemd here: the units are in $OUT. Run these three instead, as $runner:"
    fi
    note "bash -c '$load ${as_user}$WEB_COMMAND'"
    note "bash -c '$load ${as_user}$POLLER_COMMAND'"
    note "and daily, in /etc/cron.d/portal (07:30 server time; on a UTC server: 30 0 * * *):"
    note "30 7 * * * $runner bash -c '$load ${as_user}$REMIND_COMMAND'"
    note "45 7 * * * $runner bash -c '$load ${as_user}$RETENTION_COMMAND'"
fi

# --- 7. nginx ---------------------------------------------------------------------------

NAME=${SERVER_NAME:-portal.example.org}
if [[ -n $TLS_CERT ]]; then
    CERT=$TLS_CERT
    KEY=$TLS_KEY
else
    CERT=/etc/letsencrypt/live/$NAME/fullchain.pem
    KEY=/etc/letsencrypt/live/$NAME/privkey.pem
fi
# The largest request the app takes: MAX_CONTENT_LENGTH when the app sets one. It sets none
# today (no file is uploaded through the pages: returns come by email), and Flask caps a
# form's fields at MAX_FORM_MEMORY_SIZE (500 kB): nginx's own 1m then covers every form.
if ((MAX_CONTENT > 0)); then
    BODY_LIMIT=$(((MAX_CONTENT + 1048575) / 1048576))m
    body_why="the app's MAX_CONTENT_LENGTH ($MAX_CONTENT bytes)"
else
    BODY_LIMIT=$(((MAX_FORM > 1048576 ? MAX_FORM + 1048575 : 1048576) / 1048576))m
    body_why="the app sets no MAX_CONTENT_LENGTH (no uploads); its forms stop at MAX_FORM_MEMORY_SIZE ($MAX_FORM bytes)"
fi

header="# Written by deploy/install.sh: nginx in front of the portal's gunicorn ($BIND)."
[[ -n $SERVER_NAME ]] || header+=$'\n'"# portal.example.org is a placeholder: run install.sh with --server-name."
write_file "$OUT/nginx-portal.conf" 0644 <<EOF
$header
server {
    listen 80;
    listen [::]:80;
    server_name $NAME;
    # Let's Encrypt's HTTP check; everything else goes to HTTPS.
    location /.well-known/acme-challenge/ {
        root /var/www/html;
    }
    location / {
        return 301 https://\$host\$request_uri;
    }
}

server {
    listen 443 ssl;
    listen [::]:443 ssl;
    server_name $NAME;

    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:portal_tls:10m;
    ssl_session_timeout 1d;
    server_tokens off;

    # $body_why.
    client_max_body_size $BODY_LIMIT;

    location / {
        proxy_pass http://$BIND;
        proxy_set_header Host \$host;
        # One value, the client nginx saw: the app trusts one proxy (PROXY_FIX, ProxyFix
        # x_for=1), and the login limit counts failures per client address.
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-Host \$host;
        proxy_redirect off;
        # Longer than gunicorn's --timeout $WEB_TIMEOUT: gunicorn gives up first.
        proxy_read_timeout $((WEB_TIMEOUT + 15))s;
    }
}
EOF

nginx_state="written to $OUT/nginx-portal.conf only"
certbot_line=""
if [[ -n $SERVER_NAME ]] && command -v nginx >/dev/null && [[ -d /etc/nginx/sites-available ]]; then
    ((EUID == 0)) || die "installing the nginx site needs root"
    if [[ -z $TLS_CERT && ! -e $CERT ]]; then
        # nginx refuses a site whose certificate is missing: nothing goes into nginx until
        # certbot has made it (certbot's nginx plugin needs no site of ours to do that).
        certbot_line="certbot certonly --nginx -d $NAME --deploy-hook 'systemctl reload nginx'"
        nginx_state="NOT installed yet: no certificate in /etc/letsencrypt/live/$NAME/"
    else
        site=/etc/nginx/sites-available/portal
        enabled=/etc/nginx/sites-enabled/portal
        previous=""
        if [[ -f $site ]] && ! cmp -s "$OUT/nginx-portal.conf" "$site"; then
            previous=$(mktemp)
            cp -p "$site" "$previous"
        fi
        was_enabled=0
        [[ $(readlink "$enabled" 2>/dev/null) == "$site" ]] && was_enabled=1
        CHANGED=0
        write_file "$site" 0644 <"$OUT/nginx-portal.conf"
        if ((!was_enabled)); then
            ln -sfn "$site" "$enabled"
            CHANGED=1
        fi
        if ((CHANGED)); then
            if ! nginx -t -q; then
                # Back to how nginx was: the previous site, enabled only if it was.
                if [[ -n $previous ]]; then mv -f "$previous" "$site"; fi
                ((was_enabled)) || rm -f "$enabled"
                die "nginx refused the site (nginx -t above): nginx's configuration is as it was"
            fi
            if [[ -n $previous ]]; then rm -f "$previous"; fi
            if ((HAVE_SYSTEMD)); then
                systemctl reload-or-restart nginx
            else
                nginx -s reload || note "nginx is not running: start it"
            fi
            nginx_state="installed and enabled (/etc/nginx/sites-enabled/portal), nginx reloaded"
        else
            nginx_state="installed and enabled, unchanged"
        fi
    fi
elif [[ -n $SERVER_NAME && -z $TLS_CERT ]]; then
    certbot_line="certbot certonly --nginx -d $NAME --deploy-hook 'systemctl reload nginx'"
fi

# --- summary ----------------------------------------------------------------------------

database=$(grep -m1 '^DATABASE_URL=' "$ENV_FILE" | cut -d= -f2- | tr -d "'\"" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#')
echo
say "Done. The portal in $PREFIX:"
note "app        $APP (from $SOURCE)"
note "python     $VENV (Python $PY_VERSION)"
note "settings   $ENV_FILE"
note "database   $database (schema at $REVISION)"
note "admin      $admin_state"
note "units      $OUT (web: $WORKERS workers on $BIND; reminders $REMIND_AT)"
note "nginx      $nginx_state"
if [[ -n $certbot_line ]]; then
    note "TLS        Let's Encrypt: $certbot_line"
    note "           (then run install.sh again: it enables the site)"
fi
if ((!mailbox_set)); then
    note "next       set IMAP_* and MAIL_* in $ENV_FILE (README, Configuration), then start the poller"
fi
note "check      systemctl status portal-web portal-poller; curl -s http://$BIND/healthz"
