# Copy to instance/config.py (never committed) and fill in. Environment variables of the
# same names override these; see README.md "Configuration".

# A long random string; keep it secret. Without it, one is generated in instance/secret_key.
SECRET_KEY = ""

# Default: SQLite in instance/portal.sqlite3. For PostgreSQL:
# DATABASE_URL = "postgresql://portal:password@127.0.0.1:5432/portal"

# The Propaganda Department's mailbox (Gmail: imap.gmail.com, an app password).
IMAP_HOST = "imap.gmail.com"
IMAP_PORT = 993
IMAP_SECURITY = "ssl"  # ssl | starttls | none
IMAP_USER = "tuyengiao@example.org"
IMAP_PASSWORD = ""
IMAP_FOLDER = "INBOX"

# Outgoing mail (acknowledgements, reminders, the consolidated reply).
MAIL_SERVER = "smtp.gmail.com"
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USE_SSL = False
MAIL_USERNAME = "tuyengiao@example.org"
MAIL_PASSWORD = ""
MAIL_DEFAULT_SENDER = "Ban Tuyên giáo Tỉnh Đoàn <tuyengiao@example.org>"

# Microsoft 365 or Google Workspace with OAuth2 instead of passwords (docs/mail-oauth.md):
# register the app, fill these in, run `flask --app wsgi mail-oauth`, add what it prints.
# IMAP_AUTH = "oauth2"
# MAIL_AUTH = "oauth2"
# OAUTH2_PROVIDER = "microsoft"  # google | microsoft | custom
# OAUTH2_TENANT = "tinhdoan.onmicrosoft.com"
# OAUTH2_CLIENT_ID = ""
# OAUTH2_CLIENT_SECRET = ""  # Microsoft public client: none
# OAUTH2_REFRESH_TOKEN = ""

# Behind nginx (or another reverse proxy) that sets X-Forwarded-For/-Proto/-Host:
# PROXY_FIX = True
