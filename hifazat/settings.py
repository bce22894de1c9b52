"""Hifazat settings: one module, driven by environment variables.

The defaults make a fresh checkout run on SQLite (``make demo``); a deployment sets the
variables documented in README.md (table "Configuration") and docs/deploy.md.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from hifazat.lib.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("HIFAZAT_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# pytest (8.2+) sets PYTEST_VERSION: tests run tasks immediately and need no collectstatic.
UNDER_PYTEST = "PYTEST_VERSION" in os.environ
# Demo mode creates accounts with a published password; it must never be on in production.
DEMO_MODE = env_bool("HIFAZAT_DEMO", False)

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SECURE = _site.scheme == "https"


def _secret_key() -> str:
    configured = env_secret("SECRET_KEY")
    if configured:
        return configured
    # No key configured: make one per installation rather than ship a known default.
    # A multi-node deployment must set SECRET_KEY (system check hifazat.W001 says so).
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
SECRET_KEY_CONFIGURED = bool(env_secret("SECRET_KEY"))

# Over https only the site's own host; a local http run also answers to localhost.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or (
    [_site.hostname] if SECURE else [_site.hostname or "127.0.0.1", "localhost", "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "hifazat.core",
    "hifazat.audit",
    "hifazat.orgs",
    "hifazat.learning",
    "hifazat.events",
    "hifazat.advisories",
    "hifazat.phishing",
    "hifazat.labs",
    "hifazat.reports",
    "hifazat.assessments",
]

ADMIN_ENABLED = env_bool("ADMIN_ENABLED", True)
if ADMIN_ENABLED:
    INSTALLED_APPS.insert(0, "hifazat.admin_site.HifazatAdminConfig")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hifazat.core.middleware.RequestContextMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hifazat.core.middleware.SessionLifetimeMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hifazat.orgs.middleware.AccessPolicyMiddleware",
]

ROOT_URLCONF = "hifazat.urls"
WSGI_APPLICATION = "hifazat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hifazat.core.context_processors.hifazat",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hifazat.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a transaction takes the write lock when it begins, so two writers queue
        # behind the busy timeout instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that the gunicorn and worker processes of the browser and
    # reliability tests can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every web worker (rate limits and single-use codes depend on it) ---
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hifazat_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Tasks ---------------------------------------------------------------------------------
TASKS_IMMEDIATE = env_bool("HIFAZAT_TASKS_IMMEDIATE", UNDER_PYTEST)
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TASKS_IMMEDIATE
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
AUDIT_HEAD_SECONDS = env_int("AUDIT_HEAD_SECONDS", 600)
PERIODIC_SECONDS = env_int("PERIODIC_SECONDS", 900)
# How often the worker refreshes the readiness dashboards' snapshot (pages refresh it themselves
# if it is ever older than 15 minutes).
REPORTS_REFRESH_SECONDS = env_int("REPORTS_REFRESH_SECONDS", 300)
AUDIT_HEAD_FILE = Path(env_str("AUDIT_HEAD_FILE", str(VAR_DIR / "audit-heads.log")))

# --- Identity and sign-in ------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.Person"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name", "employee_number")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hifazat.orgs.passwords.ContextWordsValidator"},
    {"NAME": "hifazat.orgs.passwords.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"

ACCOUNT_ADAPTER = "hifazat.orgs.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Hifazat] "
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # per IP and per account (key = the e-mail typed), counted in the shared cache
    "login_failed": f"{env_int('LOGIN_FAILED_PER_IP', 10)}/m/ip,{env_int('LOGIN_FAILED_PER_ACCOUNT', 5)}/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# The client IP comes only from a configured trusted proxy; otherwise REMOTE_ADDR
# (hifazat.lib.clientip; allauth asks the adapter, which asks it).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
ALLAUTH_TRUSTED_PROXY_COUNT = 0
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Hifazat"
MFA_ADAPTER = "hifazat.orgs.adapters.MFAAdapter"
USERSESSIONS_TRACK_ACTIVITY = True

# --- Sessions and cookies --------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # makes SESSION_COOKIE_AGE an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
if SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo for a government domain: the operator opts in.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# security.W021 asks for HSTS preload, an opt-in decision (SECURE_HSTS_PRELOAD).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Encrypts the issuers' OpenPGP signing keys in the database (hifazat.advisories.exchange.signing).
ADVISORY_SIGNING_SECRET = env_secret("ADVISORY_SIGNING_SECRET", "") or ""
# The CSAF publisher namespace: the issuing site's public address.
CSAF_NAMESPACE = env_str("CSAF_NAMESPACE", "")
# Encrypts stored SMTP credentials (phishing sending profiles): one or more Fernet keys, comma
# separated; the first encrypts, all decrypt (rotate with `hifazat phishing rotate-credentials`).
CREDENTIALS_KEYS = env_list("CREDENTIALS_KEYS", env_secret("CREDENTIALS_KEYS", "") or "")
# Phishing simulation: the address in simulated e-mails' links (a separate host name is usual).
PHISHING_SITE_URL = env_str("PHISHING_SITE_URL", SITE_URL).rstrip("/")
# A claimed send row is released, or a row mid-transaction declared "in doubt", after this long.
PHISHING_LEASE_SECONDS = env_int("PHISHING_LEASE_SECONDS", 120)
PHISHING_RETRY_SECONDS = env_int("PHISHING_RETRY_SECONDS", 60)  # first 4xx back-off, doubling
PHISHING_MAX_ATTEMPTS = env_int("PHISHING_MAX_ATTEMPTS", 6)
# Identifiable results (who clicked, reported …) are reduced to aggregates this many days after
# a campaign finishes; 0 keeps them for ever.
PHISHING_RETENTION_DAYS = env_int("PHISHING_RETENTION_DAYS", 540)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Mail ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
else:
    # Without a relay, mail is written to files so that nothing is lost and nothing leaves.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hifazat <no-reply@hifazat.gov.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ur", _("Urdu"))]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_allauth"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Karachi")

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        # Hashed, pre-compressed files (gzip) served by whitenoise; needs `collectstatic`.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not (DEBUG or UNDER_PYTEST))
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 31_536_000

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

CURRICULUM_DIR = Path(env_str("CURRICULUM_DIR", str(PROJECT_DIR / "curriculum")))

# --- People import -----------------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 20) * 1024 * 1024
