"""Settings of the desk, read only from DESK_* environment variables.

Defaults are the embedded ones (SQLite in WAL mode, local files, the worker
started beside the web server) and are safe for production: DEBUG is off,
cookies are secure when DESK_HTTPS is on, the CSP allows no inline script.
See README.md, section "Cấu hình", for the full table.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from digitaldesk.core.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_positive_int,
    env_secret,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent

DATA_DIR = Path(env_str("DESK_DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DESK_DEBUG", False)
TESTING = env_bool("DESK_TESTING", False)


def _secret_key() -> str:
    key = env_secret("DESK_SECRET_KEY")
    if key:
        return key
    if env_bool("DESK_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "DESK_SECRET_KEY (or DESK_SECRET_KEY_FILE) must be set in production."
        )
    # Embedded default: a random key kept in the data directory, created once.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DESK_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("DESK_SITE_URL", f"http://127.0.0.1:{env_int('DESK_PORT', 8000)}")

# No django.contrib.admin: its login counted no failures and asked no second factor, and its
# pages wrote third-party rows (OAuth clients, tokens, TOTP devices, job schedules naming any
# function) past the audited services. Administration is the desk's own pages and commands.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "oauth2_provider",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "csp",
    "digitaldesk.core",
    "digitaldesk.accounts",
    "digitaldesk.audit",
    "digitaldesk.jobs",
    "digitaldesk.live",
    "digitaldesk.notifications",
    "digitaldesk.desk",
    "digitaldesk.api",
    "digitaldesk.ocr",
    "digitaldesk.search",
    "digitaldesk.documents",
    "digitaldesk.signing",
    "digitaldesk.mail",
    "digitaldesk.cases",
    "digitaldesk.casefiles",
    "digitaldesk.assistant",
    "digitaldesk.schedule",
    "digitaldesk.exchange",
    "digitaldesk.agenda",
    "digitaldesk.meetings",
    "digitaldesk.party",
    "digitaldesk.holidays",
    "digitaldesk.lawadmin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static assets answered here, before no-store
    "digitaldesk.core.middleware.NoStoreMiddleware",  # outermost after it: sees every refusal too
    "digitaldesk.core.memo.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "digitaldesk.core.middleware.QueryLengthMiddleware",  # user known: the 414 page keeps the shell
    "django.contrib.messages.middleware.MessageMiddleware",
    "digitaldesk.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "digitaldesk.config.urls"
WSGI_APPLICATION = "digitaldesk.config.wsgi.application"
ASGI_APPLICATION = "digitaldesk.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digitaldesk.accounts.context_processors.desk",
            ],
        },
    },
    {
        # Only the few hot fragments (core/jinja2.py): templates under <app>/jinja2/.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "digitaldesk.core.jinja2.environment"},
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DESK_DATABASE_URL", f"sqlite:///{DATA_DIR / 'desk.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DESK_DB_CONN_MAX_AGE", 60))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the
    # write lock at BEGIN, so two writers queue instead of failing with "locked".
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    _db["CONN_HEALTH_CHECKS"] = True
_db["TEST"] = {"NAME": env_str("DESK_TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")

# --- Cache --------------------------------------------------------------------
REDIS_URL = env_str("DESK_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "digitaldesk.accounts.sso.ClientSecretHasher",  # OIDC client secrets only (docs/sso.md)
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["digitaldesk.accounts.backends.DeskBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "accounts:login"
DESK_LOCKOUT_ATTEMPTS = env_int("DESK_LOCKOUT_ATTEMPTS", 5)
DESK_LOCKOUT_MINUTES = env_int("DESK_LOCKOUT_MINUTES", 15)
DESK_IDLE_TIMEOUT_MINUTES = env_int("DESK_IDLE_TIMEOUT_MINUTES", 30)
DESK_TOTP_ISSUER = env_str("DESK_TOTP_ISSUER", "Ban lam viec so VKSND")
OTP_TOTP_ISSUER = DESK_TOTP_ISSUER

# Optional login through an external OpenID Connect identity provider (e.g. Keycloak).
DESK_EXTERNAL_OIDC = {
    "issuer": env_str("DESK_EXTERNAL_OIDC_ISSUER"),
    "client_id": env_str("DESK_EXTERNAL_OIDC_CLIENT_ID"),
    "client_secret": env_secret("DESK_EXTERNAL_OIDC_CLIENT_SECRET"),
    "label": env_str("DESK_EXTERNAL_OIDC_LABEL", "Đăng nhập qua hệ thống xác thực ngoài"),
    "username_claim": env_str("DESK_EXTERNAL_OIDC_USERNAME_CLAIM", "preferred_username"),
    # Off: the desk still asks for its own TOTP where 2FA applies (see docs/sso.md).
    "trust_mfa": env_bool("DESK_EXTERNAL_OIDC_TRUST_MFA", False),
}

# --- Sessions and cookies -----------------------------------------------------
HTTPS = env_bool("DESK_HTTPS", False)
SESSION_COOKIE_AGE = 12 * 3600  # absolute cap; idle timeout is enforced by middleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
CSRF_FAILURE_VIEW = "digitaldesk.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DESK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DESK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}

# --- Live updates (docs/live.md) -----------------------------------------------
# The event process's port on the same host (`desk serve` sets it); empty when a balancer routes
# /su-kien/ to the event machines on the pages' own origin (production, docs/deployment.md).
DESK_LIVE_PORT = env_int("DESK_LIVE_PORT", 0)
DESK_LIVE_URL = env_str("DESK_LIVE_URL", "")  # explicit stream address, overrides the two above
DESK_LIVE_ALLOWED_ORIGINS = env_list("DESK_LIVE_ALLOWED_ORIGINS", [])
# How often the event process reads the events table without being woken: NOTIFY wakes it on
# PostgreSQL (the poll is only a safety net there); SQLite has no NOTIFY.
DESK_LIVE_POLL_SECONDS = env_float(
    "DESK_LIVE_POLL_SECONDS",
    2.0 if DATABASES["default"]["ENGINE"].endswith("postgresql") else 0.25,
)
DESK_LIVE_RETENTION_HOURS = env_positive_int("DESK_LIVE_RETENTION_HOURS", 24)
# A fresh page's stream replays the events of its channels from the last seconds (docs/live.md).
DESK_LIVE_FRESH_REPLAY_SECONDS = env_positive_int("DESK_LIVE_FRESH_REPLAY_SECONDS", 10)
DESK_LIVE_MAX_CONNECTIONS = env_positive_int("DESK_LIVE_MAX_CONNECTIONS", 10000)
# Online meetings on a self-hosted Jitsi Meet (docs/meetings.md): empty URL = no video link.
DESK_JITSI_URL = env_str("DESK_JITSI_URL", "")
DESK_JITSI_APP_ID = env_str("DESK_JITSI_APP_ID", "")
DESK_JITSI_SECRET = env_secret("DESK_JITSI_SECRET")  # or DESK_JITSI_SECRET_FILE
DESK_JITSI_TTL = env_positive_int("DESK_JITSI_TTL", 7200)
if DESK_LIVE_PORT:
    # The page on :8000 opens its stream on the event process's port of the same host.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(f"*:{DESK_LIVE_PORT}")

# --- Request size limits ------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DESK_MAX_FORM_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DESK_MAX_UPLOAD_BYTES = env_int("DESK_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# Longest query string the desk accepts (bytes, as sent); longer gets the desk's Vietnamese 414.
# gunicorn's own request-line limit (config/gunicorn_conf.py, 8190) must stay above it.
DESK_MAX_QUERY_BYTES = env_int("DESK_MAX_QUERY_BYTES", 4096)
if not 256 <= DESK_MAX_QUERY_BYTES <= 8000:
    raise ImproperlyConfigured(
        f"DESK_MAX_QUERY_BYTES={DESK_MAX_QUERY_BYTES}: use 256 to 8000 "
        "bytes (the web server refuses request lines over 8190 bytes)."
    )

# --- Hostile files (docs/security-sections/files.md) -----------------------------
# Pages: checked before a bút lục number or an arrival number is given and before any OCR is queued.
DESK_MAX_PAGES_PER_UPLOAD = env_positive_int("DESK_MAX_PAGES_PER_UPLOAD", 1000)
DESK_MAX_PAGES_PER_CASEFILE_PER_DAY = env_positive_int("DESK_MAX_PAGES_PER_CASEFILE_PER_DAY", 10000)
# Images: width × height read from the header, before any pixel is decoded.
DESK_MAX_IMAGE_PIXELS = env_positive_int("DESK_MAX_IMAGE_PIXELS", 200_000_000)
# ZIP containers (DOCX, XLSX, ODT): declared and real uncompressed sizes, compression ratio.
DESK_ARCHIVE_MAX_BYTES = env_positive_int("DESK_ARCHIVE_MAX_BYTES", 100 * 1024 * 1024)
DESK_ARCHIVE_MAX_MEMBER_BYTES = env_positive_int("DESK_ARCHIVE_MAX_MEMBER_BYTES", 50 * 1024 * 1024)
DESK_ARCHIVE_MAX_RATIO = env_positive_int("DESK_ARCHIVE_MAX_RATIO", 100)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "vi"
# Vietnamese only: the desk's own texts are written in Vietnamese, so offering English to a browser
# set to English would only turn Django's and DRF's texts (dates, weekdays, form and API errors)
# English in the middle of a Vietnamese page. Every official gets the same Vietnamese desk.
LANGUAGES = [("vi", "Tiếng Việt")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the shell's own assets (desk/desk.css, desk/desk.js)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("DESK_MEDIA_DIR", str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are streamed through permission-checked views

STORAGE_BACKEND = env_str("DESK_STORAGE", "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("DESK_S3_BUCKET", "desk"),
            "endpoint_url": env_str("DESK_S3_ENDPOINT_URL") or None,
            "access_key": env_secret("DESK_S3_ACCESS_KEY"),
            "secret_key": env_secret("DESK_S3_SECRET_KEY"),
            "region_name": env_str("DESK_S3_REGION", "us-east-1"),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"DESK_STORAGE={STORAGE_BACKEND!r}: use 'local' or 's3'.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Background jobs (django-q2; ORM broker on the desk's own database) --------
# The job lease (retry) must be longer than the job timeout, so that a slow job is
# never handed to a second worker while the first still runs; a worker killed with
# SIGKILL leaves its job un-acknowledged and the lease hands it out again.
# Attempts and heartbeats are counted by the desk itself (docs/jobs.md); the system
# check desk.E005 refuses a lease that is not longer than the timeout.
JOB_TIMEOUT_SECONDS = env_int("DESK_JOB_TIMEOUT_SECONDS", 900)
JOB_RETRY_SECONDS = env_int("DESK_JOB_RETRY_SECONDS", JOB_TIMEOUT_SECONDS + 60)
JOB_MAX_ATTEMPTS = env_int("DESK_JOB_MAX_ATTEMPTS", 5)
JOB_HEARTBEAT_SECONDS = env_int("DESK_JOB_HEARTBEAT_SECONDS", 15)
# How often an idle worker looks for a new job (django-q2's own default). At 0.5 s a case file
# waited 0.25 s on average before its first page (benchmarks/casefiles_ocr.py); a look costs
# 5 ms of CPU on SQLite, which opens a new connection each time (the query itself 0.4 ms).
JOB_POLL_SECONDS = env_float("DESK_JOB_POLL_SECONDS", 0.2)
Q_CLUSTER: dict[str, Any] = {
    "name": env_str("DESK_JOB_QUEUE", "desk"),
    "orm": "default",
    # The ORM broker whose idle wait a job queued on this machine ends (jobs/wake.py).
    "broker_class": "digitaldesk.jobs.wake.WakeableOrm",
    "workers": env_int("DESK_WORKERS", 2),
    "recycle": 200,
    "timeout": JOB_TIMEOUT_SECONDS,
    "retry": JOB_RETRY_SECONDS,
    "max_attempts": 0,  # attempts are counted per job by the desk (Job.max_attempts)
    "ack_failures": False,  # a task leaves the queue only when its job is done or finally failed
    "queue_limit": 1,  # prefetch little, so a busy machine does not hold leases others could serve
    "bulk": 1,
    "save_limit": -1,  # results live in Job rows; django-q keeps only failures (its Task table)
    "poll": JOB_POLL_SECONDS,
    "catch_up": False,
    "label": "Hàng đợi công việc nền",
    "sync": env_bool("DESK_JOBS_SYNC", False),
}

# --- E-mail -------------------------------------------------------------------
EMAIL_HOST = env_str("DESK_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("DESK_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("DESK_SMTP_USER")
EMAIL_HOST_PASSWORD = env_secret("DESK_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("DESK_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 20
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_bool("DESK_EMAIL_ENABLED", False)
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = env_str("DESK_EMAIL_FROM", "ban-lam-viec-so@vksnd.local")

# --- Official e-mail (docs/mail.md): the agency's IMAP/SMTP servers, OAuth2 tokens ----------
DESK_MAIL_IMAP_HOST = env_str("DESK_MAIL_IMAP_HOST")  # empty: the desk has no webmail
DESK_MAIL_IMAP_PORT = env_int("DESK_MAIL_IMAP_PORT", 143)
DESK_MAIL_IMAP_TLS = env_bool("DESK_MAIL_IMAP_TLS", False)  # implicit TLS (IMAPS)
DESK_MAIL_SMTP_HOST = env_str("DESK_MAIL_SMTP_HOST")
DESK_MAIL_SMTP_PORT = env_int("DESK_MAIL_SMTP_PORT", 587)
DESK_MAIL_SMTP_STARTTLS = env_bool("DESK_MAIL_SMTP_STARTTLS", False)
DESK_MAIL_DOMAINS = [d.lower() for d in env_list("DESK_MAIL_DOMAINS", [])]
DESK_MAIL_MAX_ATTACHMENT_MB = env_positive_int("DESK_MAIL_MAX_ATTACHMENT_MB", 25)
DESK_MAIL_TOKEN_SECONDS = env_positive_int("DESK_MAIL_TOKEN_SECONDS", 300)
DESK_MAIL_TIMEOUT = env_positive_int("DESK_MAIL_TIMEOUT", 15)
# "oauth2" (the desk's tokens, default) or "app-password" (servers that cannot check them)
DESK_MAIL_AUTH = env_str("DESK_MAIL_AUTH", "oauth2")
# "" (no scan), "clamd:/run/clamav/clamd.ctl", "clamd:host:port" or "command:<argv>"
DESK_MAIL_VIRUS_SCANNER = env_str("DESK_MAIL_VIRUS_SCANNER")


# --- OpenID Connect provider (django-oauth-toolkit) ------------------------------
def _oidc_key() -> str:
    key = env_secret("DESK_OIDC_PRIVATE_KEY")
    if key:
        return key
    path = DATA_DIR / "oidc_rsa.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_text(encoding="utf-8")


# Public issuer URL behind a reverse proxy; empty = derived from each request (see docs/sso.md).
OIDC_ISSUER = env_str("DESK_OIDC_ISSUER").rstrip("/")
OAUTH2_PROVIDER: dict[str, Any] = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_key(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    # Client secrets are random 128-character strings: no slow hash is needed.
    "CLIENT_SECRET_HASHER": "desk_client_secret_sha256",
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only, "plain" refused (RFC 9700 §2.1.1)
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # Bearer header only, never in the URL
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # RFC 9207 `iss` in the authz response
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # tokens stored as SHA-256 checksums only
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OIDC_ISS_ENDPOINT": OIDC_ISSUER,
    "SCOPES": {
        "openid": "Định danh của bạn",
        "profile": "Họ tên, đơn vị, chức vụ",
        "email": "Địa chỉ thư điện tử",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "digitaldesk.accounts.oidc.DeskOIDCValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]
    if env_bool("DESK_OIDC_ALLOW_HTTP", True)
    else ["https"],
}

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a missing or bad token answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "digitaldesk.api.views.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bàn làm việc số — API v1",
    "DESCRIPTION": "REST API of the digital desk (same services as the pages).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django-q": {"level": env_str("DESK_JOB_LOG_LEVEL", "WARNING")},  # django-q2's logger name
        # pikepdf says "C++ to Python logger bridge initialized" at INFO in every process
        "pikepdf": {"level": "WARNING"},
    },
}


# --- Audit log (docs/audit.md) -----------------------------------------------------
def _audit_key() -> str:
    """The HMAC key of the audit chain: kept outside the database, so that whoever can write the
    database cannot recompute the chain after changing it."""
    key = env_secret("DESK_AUDIT_KEY")
    if key:
        return key
    if TESTING:
        # fixed, so that a test database can be reused by the next run
        return "khoa-kiem-toan-co-dinh-cho-kiem-thu-0123456789"
    # Embedded default: a random key kept in the data directory, created once.
    path = DATA_DIR / "audit_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


AUDIT_KEY = _audit_key()
AUDIT_CHECKPOINT_DIR = Path(
    env_str("DESK_AUDIT_CHECKPOINT_DIR", str(DATA_DIR / "audit-checkpoints"))
)
AUDIT_CHECKPOINT_MINUTES = env_int("DESK_AUDIT_CHECKPOINT_MINUTES", 60)
# The organisation's certificate and key (PKCS#12) that sign the checkpoints; empty in the embedded
# default: a key generated once into the data directory signs them (system check audit.W002).
AUDIT_SIGNING_P12_FILE = env_str("DESK_AUDIT_SIGNING_P12_FILE")
AUDIT_SIGNING_P12_PASSPHRASE = env_secret("DESK_AUDIT_SIGNING_P12_PASSPHRASE")
# Earlier signing certificates (PEM) whose checkpoints stay genuine after a key change.
AUDIT_CHECKPOINT_CERTS_FILE = env_str("DESK_AUDIT_CHECKPOINT_CERTS_FILE")
AUDIT_TSA_URL = env_str("DESK_TSA_URL")  # the same timestamp service as PAdES signatures
AUDIT_TSA_TIMEOUT = env_int("DESK_TSA_TIMEOUT", 10)

# --- Tools used by later apps ----------------------------------------------------
TESSERACT_CMD = env_str("DESK_TESSERACT", "tesseract")
LIBREOFFICE_CMD = env_str("DESK_LIBREOFFICE", "soffice")
# LibreOffice runs in its own process group, killed past this wall time or address space.
LIBREOFFICE_TIMEOUT_SECONDS = env_positive_int("DESK_LIBREOFFICE_TIMEOUT_SECONDS", 120)
LIBREOFFICE_MEMORY_MB = env_positive_int("DESK_LIBREOFFICE_MEMORY_MB", 2048)

# --- Full-text search and OCR (docs/search.md, docs/ocr.md) ---------------------
# The tantivy index is per machine (local disk); every machine catches up from the
# change log in the database.
SEARCH_INDEX_DIR = Path(env_str("DESK_SEARCH_INDEX_DIR", str(DATA_DIR / "search-index")))
SEARCH_WRITER_HEAP_MB = env_int("DESK_SEARCH_WRITER_HEAP_MB", 64)
SEARCH_WRITER_THREADS = env_int("DESK_SEARCH_WRITER_THREADS", 1)
OCR_LANGUAGES = env_str("DESK_OCR_LANGUAGES", "vie")
OCR_DPI = env_int("DESK_OCR_DPI", 300)
OCR_MAX_PAGE_PIXELS = env_int("DESK_OCR_MAX_PAGE_PIXELS", DESK_MAX_IMAGE_PIXELS)
OCR_PARALLEL = env_int("DESK_OCR_PARALLEL", 0)  # 0 = one Tesseract per CPU core
OCR_DESKEW_DEGREES = env_float(
    "DESK_OCR_DESKEW_DEGREES", 1.5
)  # docs/ocr.md "Skewed scans"; 0 = off
CASEFILES_MAX_UPLOAD_BYTES = env_int("DESK_CASEFILES_MAX_UPLOAD_BYTES", 4 * 1024**3)
CASEFILES_PAGE_LEASE_SECONDS = env_int("DESK_CASEFILES_PAGE_LEASE_SECONDS", 600)
CASEFILES_OCR_JOBS = env_int("DESK_CASEFILES_OCR_JOBS", 0)  # 0 = DESK_WORKERS

# --- Case register (docs/cases.md) -----------------------------------------------
DESK_CASES_ALERT_DAYS = env_str("DESK_CASES_ALERT_DAYS", "10,5,2,1")  # days before expiry to alert
DESK_CASES_RECOMPUTE_WORKERS = env_int("DESK_CASES_RECOMPUTE_WORKERS", 0)  # 0: automatic
DESK_CASES_MAX_PACKAGE_BYTES = env_int("DESK_CASES_MAX_PACKAGE_BYTES", 500 * 1024 * 1024)

# Virtual assistant (docs/assistant.md): an optional OpenAI-compatible endpoint (a local
# llama.cpp or vLLM server, e.g. "http://127.0.0.1:8080/v1") that phrases a short answer from the
# retrieved passages only. Empty: retrieval-only answers.
DESK_ASSISTANT_LLM_URL = env_str("DESK_ASSISTANT_LLM_URL")
DESK_ASSISTANT_LLM_MODEL = env_str("DESK_ASSISTANT_LLM_MODEL", "local")
DESK_ASSISTANT_LLM_TIMEOUT_MS = env_int("DESK_ASSISTANT_LLM_TIMEOUT_MS", 8000)
if not 100 <= DESK_ASSISTANT_LLM_TIMEOUT_MS <= 120000:
    raise ImproperlyConfigured(
        f"DESK_ASSISTANT_LLM_TIMEOUT_MS={DESK_ASSISTANT_LLM_TIMEOUT_MS}: use 100 to 120000 ms."
    )
