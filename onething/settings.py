"""Django settings for onething.

Every deployment setting comes from the environment; each is documented in
README.md ("Configuration"). Defaults give a working single-machine install:
embedded SQLite under the data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ONETHING_DATA_DIR: where the database, uploads and keys live (default ./var).
DATA_DIR = Path(os.environ.get("ONETHING_DATA_DIR", REPO_DIR / "var")).resolve()
# ONETHING_CATALOG_DIR: the YAML catalogue to load (default ./catalog).
CATALOG_DIR = Path(os.environ.get("ONETHING_CATALOG_DIR", REPO_DIR / "catalog")).resolve()

# ONETHING_DEBUG: development mode; never on in production.
DEBUG = _env_bool("ONETHING_DEBUG", False)
# ONETHING_SECRET_KEY: required in production; a development key is used otherwise.
SECRET_KEY = os.environ.get("ONETHING_SECRET_KEY") or "onething-development-key-not-secret"
# ONETHING_ALLOWED_HOSTS: comma-separated host names served.
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ONETHING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

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
    "onething.core",
    "onething.accounts",
    "onething.catalog",
    "onething.applications",
    "onething.notifications",
    "onething.portal",
    "onething.workbench",
    "onething.api",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

# DATABASE_URL: e.g. postgres://user:pass@host:5432/onething; default SQLite in DATA_DIR.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'onething.sqlite3'}",
        conn_max_age=int(os.environ.get("ONETHING_DB_CONN_MAX_AGE", "0")),
    )
}
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
WHITENOISE_USE_FINDERS = True
try:  # whitenoise scans STATIC_ROOT at start; collectstatic fills it in production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# ONETHING_SMS_BACKEND: dotted path of an SmsBackend; the default writes messages to the log.
ONETHING_SMS_BACKEND = os.environ.get("ONETHING_SMS_BACKEND",
                                      "onething.notifications.backends.LogSmsBackend")
# ONETHING_UPLOAD_MAX_MB: largest accepted upload (default 20 MB).
ONETHING_UPLOAD_MAX_BYTES = int(os.environ.get("ONETHING_UPLOAD_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# ONETHING_EMAIL_*: outgoing mail; the default prints mail to the console.
EMAIL_BACKEND = os.environ.get("ONETHING_EMAIL_BACKEND",
                               "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("ONETHING_EMAIL_FROM", "onething@localhost")

# ONETHING_REGION: the GB/T 2260 code of the region this deployment serves.
ONETHING_REGION = os.environ.get("ONETHING_REGION", "371402")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONETHING_LOG_LEVEL", "INFO")},
}
