"""Django settings for onething.

Every deployment setting comes from the environment; each is documented in
README.md ("Configuration"). Defaults give a working single-machine install:
embedded SQLite under the data directory.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ONETHING_DATA_DIR: where the database, uploads and keys live (default ./var).
DATA_DIR = Path(os.environ.get("ONETHING_DATA_DIR", REPO_DIR / "var")).resolve()
# ONETHING_KEYS_DIR: the signing keys' private halves, one 0600 file per key (default
# $ONETHING_DATA_DIR/keys). Every node of a deployment must hold the same keys: a directory
# provisioned on each node (a read-only mount, or filled with `onething keys import`).
ONETHING_KEYS_DIR = (str(Path(os.environ["ONETHING_KEYS_DIR"].strip()).resolve())
                     if os.environ.get("ONETHING_KEYS_DIR", "").strip() else "")
# ONETHING_CATALOG_DIR: the YAML catalogue to load (default ./catalog).
CATALOG_DIR = Path(os.environ.get("ONETHING_CATALOG_DIR", REPO_DIR / "catalog")).resolve()

# ONETHING_PRODUCTION: production mode. Requires ONETHING_SECRET_KEY and
# ONETHING_ALLOWED_HOSTS, refuses ONETHING_DEBUG, and turns on HTTPS-only cookies,
# HSTS and the redirect to HTTPS (see "Production" below and docs/operations.md).
PRODUCTION = _env_bool("ONETHING_PRODUCTION", False)
# ONETHING_DEBUG: development mode; never on in production.
DEBUG = _env_bool("ONETHING_DEBUG", False)
DEVELOPMENT_SECRET_KEY = "onething-development-key-not-secret"
# ONETHING_SECRET_KEY: required in production; a development key is used otherwise.
SECRET_KEY = os.environ.get("ONETHING_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# ONETHING_ALLOWED_HOSTS: comma-separated host names served.
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ONETHING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
# ONETHING_CSRF_TRUSTED_ORIGINS: comma-separated origins (https://zwfw.example.gov.cn) that
# may post forms when they differ from the host Django sees, e.g. behind a proxy.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ONETHING_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

if PRODUCTION:
    # Fail at start-up rather than serve with a guessable key or an open host list.
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured("ONETHING_PRODUCTION=1 requires ONETHING_SECRET_KEY "
                                   "(50+ random characters)")
    if not os.environ.get("ONETHING_ALLOWED_HOSTS", "").strip():
        raise ImproperlyConfigured("ONETHING_PRODUCTION=1 requires ONETHING_ALLOWED_HOSTS")
    if DEBUG:
        raise ImproperlyConfigured("ONETHING_DEBUG must be off when ONETHING_PRODUCTION=1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "onething.core",
    # Before the apps only to keep the order of the deploy checks it registers.
    "onething.ops",
    "onething.accounts",
    "onething.catalog",
    "onething.applications",
    "onething.certificates",
    "onething.notifications",
    "onething.portal",
    "onething.workbench",
    "onething.api",
    "onething.search",
    "onething.accessibility",
    "onething.registers",
    "onething.payments",
    "onething.kiosk",
    "onething.hall",
    "onething.audit",
    "csp",
]

AUTH_USER_MODEL = "accounts.User"
# Rules for passwords people choose (staff replacing a temporary password, the admin's
# forms, `onething changepassword`); temporary passwords are random (accounts/staff.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
# django-axes first: it refuses a password sign-in while the username is locked out.
# Applicants sign in by SMS code and are logged in with ModelBackend directly.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    # First: request ids for the log, then the latency histogram (onething/core/metrics.py).
    "onething.core.requestlog.RequestIdMiddleware",
    "onething.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Content-Security-Policy (below), Cache-Control: no-store on personal answers and
    # Permissions-Policy (onething/core/headers.py).
    "csp.middleware.CSPMiddleware",
    "onething.core.headers.PrivacyHeadersMiddleware",
    # Chinese unless chosen otherwise (cookie or the user's saved choice); see core/preferences.py
    "onething.core.preferences.LanguageMiddleware",
    # Control characters, lone surrogates and malformed bodies end here with a 4xx.
    "onething.core.hostile.HostileInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: second factor, idle timeout, absolute lifetime (workbench/security.py)
    "onething.workbench.security.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onething.urls"
WSGI_APPLICATION = "onething.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onething.core.preferences.context",
                "onething.notifications.context.unread",
            ],
        },
    },
]

# DATABASE_URL: e.g. postgres://user:pass@host:5432/onething; default SQLite in DATA_DIR.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'onething.sqlite3'}",
        conn_max_age=int(os.environ.get("ONETHING_DB_CONN_MAX_AGE", "0")),
        # A persistent connection is tested before each request reuses it, so one the
        # database dropped (a restart, a failover) is replaced instead of failing.
        conn_health_checks=True,
    )
}
# ONETHING_DB_REPLICA_URL: a streaming replica of DATABASE_URL (postgres://…) for reads that
# tolerate a moment's lag (queues, search index, statistics; onething/core/routers.py).
# Unset: every read goes to DATABASE_URL.
if os.environ.get("ONETHING_DB_REPLICA_URL", "").strip():
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["ONETHING_DB_REPLICA_URL"].strip(),
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    # Tests see one database through both aliases.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["onething.core.routers.PrimaryReplicaRouter"]
# ONETHING_DB_PGBOUNCER: the connection goes through PgBouncer in transaction mode, where a
# server-side cursor (QuerySet.iterator) would outlive its transaction: Django then reads
# results client-side. Keep ONETHING_DB_CONN_MAX_AGE at 0 there (docs/operations.md).
if _env_bool("ONETHING_DB_PGBOUNCER", False):
    for _alias in DATABASES:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The data directory holds personal data and keys: created owner-only (0700); an existing
# one keeps its mode, and `onething check --deploy` fails while others can read it.
try:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
except OSError:
    pass
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production collectstatic (run by ``onething setup``) also writes the .gz copies
    # whitenoise serves; that costs a second on every run, so development skips it.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Whitenoise serves STATIC_ROOT, filled by collectstatic; only development reads app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
try:  # whitenoise scans STATIC_ROOT at start; collectstatic fills it in production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# -- Observability (docs/operations.md, "Observability") ------------------------------------
# ONETHING_WORKER_HEARTBEAT_SECONDS: how often a task worker records that it is alive
# (default 15).
ONETHING_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("ONETHING_WORKER_HEARTBEAT_SECONDS",
                                                         "15"))
# ONETHING_READY_WORKER_STALE_SECONDS: /readyz answers 503 when no task worker has beaten
# for this long (default 120; 0 turns the check off).
ONETHING_READY_WORKER_STALE_SECONDS = int(os.environ.get("ONETHING_READY_WORKER_STALE_SECONDS",
                                                         "120"))
# ONETHING_READY_QUEUE_AGE_SECONDS: /readyz answers 503 when a due task has waited this long
# (default 600; 0 turns the check off).
ONETHING_READY_QUEUE_AGE_SECONDS = int(os.environ.get("ONETHING_READY_QUEUE_AGE_SECONDS",
                                                      "600"))
# ONETHING_METRICS_TOKEN: the bearer token a Prometheus scraper sends to GET /metrics.
ONETHING_METRICS_TOKEN = os.environ.get("ONETHING_METRICS_TOKEN", "")
# ONETHING_METRICS_ALLOWED_ADDRESSES: comma-separated client addresses or networks
# (10.0.5.7, 10.0.5.0/24) that may read /metrics without the token. With neither set,
# /metrics answers 404.
ONETHING_METRICS_ALLOWED_ADDRESSES = [
    a.strip() for a in os.environ.get("ONETHING_METRICS_ALLOWED_ADDRESSES", "").split(",")
    if a.strip()]

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and images only from this
# site, no inline script or style (segno's QR codes are inline SVG elements, which CSP
# does not restrict), no plug-ins, no framing. ONETHING_CSP_FORM_ACTION: extra origins,
# separated by spaces, that forms may post or redirect to (a payment provider's page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *os.environ.get("ONETHING_CSP_FORM_ACTION", "").split()],
    },
}
# ONETHING_PERMISSIONS_POLICY: the Permissions-Policy header. The kiosk's ID-card reader is
# a server-side plug-in (ONETHING_ID_CARD_READER), so no page needs a device API; a kiosk
# whose reader talks to the browser (WebUSB/WebHID) allows usb=(self) or hid=(self) here.
ONETHING_PERMISSIONS_POLICY = os.environ.get(
    "ONETHING_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
    "midi=(), accelerometer=(), gyroscope=(), magnetometer=(), "
    "display-capture=(), browsing-topics=(), fullscreen=(self)")

# ONETHING_SMS_BACKEND: dotted path of an SmsBackend; the default writes messages to the log.
ONETHING_SMS_BACKEND = os.environ.get("ONETHING_SMS_BACKEND",
                                      "onething.notifications.backends.LogSmsBackend")
# ONETHING_PUBLIC_URL: the portal's public address (https://zwfw.example.gov.cn), used
# for links sent out (SMS) and printed (QR codes on receipts and certificates). Unset: a
# development default (localhost in SMS, the request's host on paper); production's
# deploy check flags it (onething.W005).
ONETHING_PUBLIC_URL = os.environ.get("ONETHING_PUBLIC_URL", "").strip().rstrip("/")
if ONETHING_PUBLIC_URL and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", ONETHING_PUBLIC_URL):
    raise ImproperlyConfigured("ONETHING_PUBLIC_URL must be an http(s) address such as "
                               "https://zwfw.example.gov.cn")
# ONETHING_SMS_SIGNATURE: the centre's name in the 【】 signature of every SMS (default: the
# main hall's name, see the hall app).
ONETHING_SMS_SIGNATURE = os.environ.get("ONETHING_SMS_SIGNATURE", "")
# ONETHING_SMS_TIMEOUT_SECONDS: the longest one call to the SMS provider may take; a slower
# call counts as failed and is retried (default 15).
ONETHING_SMS_TIMEOUT_SECONDS = float(os.environ.get("ONETHING_SMS_TIMEOUT_SECONDS", "15"))
# ONETHING_DELIVERY_LEASE_SECONDS: how long a worker holds a delivery it is sending; a
# delivery whose worker died is sent again once this has passed (default 60). Must exceed
# the SMS timeout, so a lease never lapses while its provider call may still run.
ONETHING_DELIVERY_LEASE_SECONDS = float(os.environ.get("ONETHING_DELIVERY_LEASE_SECONDS", "60"))
if ONETHING_DELIVERY_LEASE_SECONDS <= ONETHING_SMS_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("ONETHING_DELIVERY_LEASE_SECONDS must be longer than "
                               "ONETHING_SMS_TIMEOUT_SECONDS")
# ONETHING_CLOCK_SKEW_SECONDS: /readyz reports this node unready when its clock differs
# from the database server's by more than this (default 5; run NTP on every machine).
ONETHING_CLOCK_SKEW_SECONDS = float(os.environ.get("ONETHING_CLOCK_SKEW_SECONDS", "5"))
# ONETHING_RETRY_AFTER_SECONDS: the Retry-After of a 503 answered while the database is
# unavailable (default 30).
ONETHING_RETRY_AFTER_SECONDS = int(os.environ.get("ONETHING_RETRY_AFTER_SECONDS", "30"))
# What each web process builds before it serves (onething/core/warmup.py, called from
# onething/wsgi.py): the URL resolver with every view module, the search index with its
# jieba dictionary, the planner's catalogue.
ONETHING_WARM_UP = [
    "onething.core.warmup.load_urls",
    "onething.catalog.selectors.catalog_for_bundles",
    "onething.search.selectors.search_index",
]
# ONETHING_UPLOAD_MAX_MB: largest accepted upload (default 20 MB).
ONETHING_UPLOAD_MAX_BYTES = int(os.environ.get("ONETHING_UPLOAD_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 50
# The first handler stops an upload as soon as a file passes ONETHING_UPLOAD_MAX_BYTES,
# before the rest of the body reaches memory or a temporary file.
FILE_UPLOAD_HANDLERS = [
    "onething.core.hostile.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# ONETHING_EMAIL_*: outgoing mail; the default prints mail to the console.
EMAIL_BACKEND = os.environ.get("ONETHING_EMAIL_BACKEND",
                               "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("ONETHING_EMAIL_FROM", "onething@localhost")

# ONETHING_REGION: the GB/T 2260 code of the region this deployment serves.
ONETHING_REGION = os.environ.get("ONETHING_REGION", "371402")
# ONETHING_CERTIFICATE_FONT: the TrueType font (.ttf/.ttc) embedded in certificate PDFs;
# default: the first of Debian's fonts-wqy-microhei / -zenhei found (core/fonts.py).
ONETHING_CERTIFICATE_FONT = os.environ.get("ONETHING_CERTIFICATE_FONT", "")

# ONETHING_REGISTER_OWNERS: which department's reviewers load each shared register,
# as register=department-code pairs separated by commas.
ONETHING_REGISTER_OWNERS = {
    "criminal-records": "dc-police",
    "contributions": "dc-hrss",
    "contribution-dues": "dc-tax",  # 城乡居民社保费由税务部门征收
    "residents": "dc-police",  # 户籍人口库
    "enterprises": "dc-samr",  # 企业登记信息 (市场监管)
    **dict(pair.strip().split("=", 1)
           for pair in os.environ.get("ONETHING_REGISTER_OWNERS", "").split(",") if "=" in pair),
}
# ONETHING_IDENTITY_VERIFIER: dotted path of an IdentityVerifier (onething/accounts/verifiers.py),
# the real-name source that raises an account to L2. The default matches name and ID number
# against the resident register (户籍人口库) and companies against the enterprise register,
# both loaded as CSV by their departments; production plugs the provincial 统一身份认证 /
# 公安 identity service here (docs/security.md).
ONETHING_IDENTITY_VERIFIER = os.environ.get("ONETHING_IDENTITY_VERIFIER",
                                            "onething.registers.verifier.RegisterIdentityVerifier")
# ONETHING_PAYMENT_BACKEND: dotted path of a PaymentBackend; the default is the sandbox,
# which records payments without moving money.
ONETHING_PAYMENT_BACKEND = os.environ.get("ONETHING_PAYMENT_BACKEND",
                                          "onething.payments.backends.SandboxPaymentBackend")
# ONETHING_ID_CARD_READER: dotted path of an IdCardReader for the kiosk; the default reads
# nothing (the resident types the number on the on-screen keypad).
ONETHING_ID_CARD_READER = os.environ.get("ONETHING_ID_CARD_READER",
                                         "onething.kiosk.readers.KeypadOnlyReader")
# ONETHING_REAL_ESTATE_DEPARTMENT: the department whose cases the kiosk's 不动产登记进度 lists.
ONETHING_REAL_ESTATE_DEPARTMENT = os.environ.get("ONETHING_REAL_ESTATE_DEPARTMENT",
                                                 "dc-natural-resources")
# ONETHING_KIOSK_IDLE_SECONDS: the kiosk signs out after this many seconds without a touch.
ONETHING_KIOSK_IDLE_SECONDS = int(os.environ.get("ONETHING_KIOSK_IDLE_SECONDS", "60"))

# -- Sign-in and sessions (docs/security.md) --------------------------------------------
# Applicants sign in with an SMS code (5 minutes valid, 5 tries per code, right or wrong).
# ONETHING_LOGIN_CODE_RESEND_SECONDS: a new code for the same number or ID number only
# after this many seconds while the last one is unused (default 60).
ONETHING_LOGIN_CODE_RESEND_SECONDS = int(os.environ.get("ONETHING_LOGIN_CODE_RESEND_SECONDS",
                                                        "60"))
# ONETHING_LOGIN_CODES_PER_NUMBER_HOUR / _DAY: codes one mobile number (portal) or ID number
# (kiosk) may get per hour / per 24 hours (default 5 / 10).
ONETHING_LOGIN_CODES_PER_NUMBER_HOUR = int(
    os.environ.get("ONETHING_LOGIN_CODES_PER_NUMBER_HOUR", "5"))
ONETHING_LOGIN_CODES_PER_NUMBER_DAY = int(
    os.environ.get("ONETHING_LOGIN_CODES_PER_NUMBER_DAY", "10"))
# ONETHING_LOGIN_CODES_PER_CLIENT_HOUR: codes one client address (REMOTE_ADDR) may ask for
# per hour, whatever the numbers (default 30; a kiosk is one client).
ONETHING_LOGIN_CODES_PER_CLIENT_HOUR = int(
    os.environ.get("ONETHING_LOGIN_CODES_PER_CLIENT_HOUR", "30"))
# ONETHING_LOGIN_VERIFY_PER_CLIENT_HOUR: code tries one client address may make per hour
# (default 60). 0 turns a limit off.
ONETHING_LOGIN_VERIFY_PER_CLIENT_HOUR = int(
    os.environ.get("ONETHING_LOGIN_VERIFY_PER_CLIENT_HOUR", "60"))

# Staff sign in with username and password (django-axes counts failures in the database).
# ONETHING_STAFF_LOCKOUT_FAILURES: failed passwords for one username from one address
# before that pair is locked out (default 5).
AXES_FAILURE_LIMIT = int(os.environ.get("ONETHING_STAFF_LOCKOUT_FAILURES", "5"))
# ONETHING_STAFF_LOCKOUT_MINUTES: how long the lockout lasts (default 15).
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("ONETHING_STAFF_LOCKOUT_MINUTES",
                                                          "15")))
# Username and address together: a guesser is stopped without letting anyone lock a
# colleague out from elsewhere, or lock out a whole office behind one address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same client address as the SMS sign-in limits (REMOTE_ADDR).
AXES_CLIENT_IP_CALLABLE = "onething.accounts.ratelimit.client_address"
# The lockout page, in the visitor's language (workbench/lockout.html), status 429.
AXES_LOCKOUT_CALLABLE = "onething.workbench.security.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# ONETHING_STAFF_TOTP_REQUIRED: staff confirm each sign-in with a TOTP code from an
# authenticator app (enrolled at the first sign-in); always on in production.
ONETHING_STAFF_TOTP_REQUIRED = _env_bool("ONETHING_STAFF_TOTP_REQUIRED", PRODUCTION)
if PRODUCTION and not ONETHING_STAFF_TOTP_REQUIRED:
    raise ImproperlyConfigured("ONETHING_STAFF_TOTP_REQUIRED cannot be off when "
                               "ONETHING_PRODUCTION=1")
OTP_TOTP_ISSUER = "onething"
# ONETHING_STAFF_IDLE_MINUTES: a staff session ends after this many minutes without a
# request (default 30).
ONETHING_STAFF_IDLE_MINUTES = int(os.environ.get("ONETHING_STAFF_IDLE_MINUTES", "30"))
# ONETHING_STAFF_SESSION_HOURS: and at the latest this many hours after signing in
# (default 12). Staff session cookies also end when the browser closes.
ONETHING_STAFF_SESSION_HOURS = int(os.environ.get("ONETHING_STAFF_SESSION_HOURS", "12"))
# ONETHING_API_TOKEN_DAYS: default lifetime of an API token (default 90 days).
ONETHING_API_TOKEN_DAYS = int(os.environ.get("ONETHING_API_TOKEN_DAYS", "90"))
# ONETHING_LOG_SMS_CODES: write SMS texts (with their sign-in codes) and unmasked personal
# numbers to the log. That is how the demo signs in (`make run` prints the codes), so it is
# on by default outside production; production refuses it. Off, every log handler masks
# resident ID numbers and mobile numbers (onething/core/logfilters.py) and SMS codes are
# hidden.
ONETHING_LOG_SMS_CODES = _env_bool("ONETHING_LOG_SMS_CODES", not PRODUCTION)
if PRODUCTION and ONETHING_LOG_SMS_CODES:
    raise ImproperlyConfigured("ONETHING_LOG_SMS_CODES must be off when ONETHING_PRODUCTION=1")

# ONETHING_LOG_FORMAT: "plain" (default) or "json" (one JSON object per line); either way
# times are UTC ISO 8601 and each line carries the request id (onething/core/logformat.py).
ONETHING_LOG_FORMAT = os.environ.get("ONETHING_LOG_FORMAT", "plain").strip().lower()
if ONETHING_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("ONETHING_LOG_FORMAT must be plain or json")
# ONETHING_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies;
# only for requests from them is the client address taken from X-Forwarded-For (logs and
# gunicorn's access log). Empty: the address the web server sees.
try:
    from onething.core.logformat import django_formatter, parse_networks

    ONETHING_TRUSTED_PROXIES = parse_networks(os.environ.get("ONETHING_TRUSTED_PROXIES", ""))
    parse_networks(",".join(ONETHING_METRICS_ALLOWED_ADDRESSES))
except ValueError as error:
    raise ImproperlyConfigured(f"ONETHING_TRUSTED_PROXIES / ONETHING_METRICS_ALLOWED_ADDRESSES:"
                               f" {error}") from error
# -- Housekeeping (`onething housekeeping`, daily timer; docs/operations.md) ---------------
# ONETHING_TASK_RESULT_RETENTION_DAYS: finished background-task results are deleted after
# this many days (default 14).
ONETHING_TASK_RESULT_RETENTION_DAYS = int(
    os.environ.get("ONETHING_TASK_RESULT_RETENTION_DAYS", "14"))
# ONETHING_LOG_RETENTION_DAYS: records that hold personal data only to show what happened
# (sent and failed SMS / e-mail deliveries, SMS sign-in codes, staff sign-in records) are
# deleted after this many days (default 90).
ONETHING_LOG_RETENTION_DAYS = int(os.environ.get("ONETHING_LOG_RETENTION_DAYS", "90"))
# ONETHING_DRAFT_RETENTION_DAYS: an application draft (草稿) and its place in 我的申请 are
# kept this many days after its last change, then deleted by housekeeping (default 30).
ONETHING_DRAFT_RETENTION_DAYS = int(os.environ.get("ONETHING_DRAFT_RETENTION_DAYS", "30"))
# ONETHING_AUDIT_RETENTION_DAYS: the audit trail is kept at least this long (default and
# minimum 180 days). The trail is append-only: housekeeping never deletes it, it reports
# how many entries have passed the retention so an operator can archive them.
ONETHING_AUDIT_RETENTION_DAYS = int(os.environ.get("ONETHING_AUDIT_RETENTION_DAYS", "180"))
if ONETHING_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("ONETHING_AUDIT_RETENTION_DAYS must be at least 180")
for _name in ("ONETHING_TASK_RESULT_RETENTION_DAYS", "ONETHING_LOG_RETENTION_DAYS",
              "ONETHING_DRAFT_RETENTION_DAYS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": django_formatter()},
    # The personal-data filter first: every formatter sees masked records.
    "filters": {"personal_data": {"()": "onething.core.logfilters.PersonalDataFilter"},
                "request": {"()": "onething.core.logformat.RequestContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line",
                             "filters": ["personal_data", "request"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONETHING_LOG_LEVEL", "INFO")},
}

# Production: HTTPS only. Each switch below is an environment variable so that a deployment
# whose TLS ends at a reverse proxy can say so; `onething check --deploy` is clean by default.
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    # ONETHING_SSL_REDIRECT: redirect http to https here (default on); turn off when the
    # proxy already redirects.
    SECURE_SSL_REDIRECT = _env_bool("ONETHING_SSL_REDIRECT", True)
    # Load balancers and the Prometheus scraper reach nodes over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    # ONETHING_BEHIND_PROXY: trust the proxy's X-Forwarded-Proto header (only when every
    # request passes through a proxy that sets it).
    if _env_bool("ONETHING_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # ONETHING_HSTS_SECONDS: how long browsers insist on https (default one year).
    SECURE_HSTS_SECONDS = int(os.environ.get("ONETHING_HSTS_SECONDS", "31536000"))
    # ONETHING_HSTS_INCLUDE_SUBDOMAINS / ONETHING_HSTS_PRELOAD: off by default, because they
    # bind every other site under the same domain; the matching deploy warnings are
    # silenced only while the operator leaves them off on purpose.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("ONETHING_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = _env_bool("ONETHING_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, chosen in [
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
            ("security.W008", SECURE_SSL_REDIRECT),
        ]
        if not chosen
    ]
