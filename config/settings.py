"""xinfang settings: one base module, driven by environment variables (see docs/configuration.md).

Nothing here reaches the internet: no CDN, no remote fonts, no call home (closed government intranets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_path, env_str, read_secret

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("XINFANG_DATA_DIR", BASE_DIR / "var")

DEBUG = env_bool("XINFANG_DEBUG", False)

SECRET_KEY = read_secret(env_name="XINFANG_SECRET_KEY", file=DATA_DIR / "secret.key")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "XINFANG_SECRET_KEY is not set and no secret.key exists in the data directory "
        f"({DATA_DIR}). Run `xinfang genkeys` or set the variable."
    )

# Key for personal data at rest (AES-GCM). Older keys stay readable during a rotation.
FIELD_KEY = read_secret(env_name="XINFANG_FIELD_KEY", file=DATA_DIR / "field.key")
FIELD_KEYS_OLD = env_list("XINFANG_FIELD_KEYS_OLD")

ALLOWED_HOSTS = env_list("XINFANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("XINFANG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's assets for /api/v1/docs/ as static files (offline: no CDN).
    "drf_spectacular_sidecar",
    "django_htmx",
    "huey.contrib.djhuey",
    "xinfang.core",
    "xinfang.accounts",
    "xinfang.deadlines",
    "xinfang.cases",
    "xinfang.notifications",
    "xinfang.portal",
    "xinfang.reference",
    "xinfang.imports",
    "xinfang.nlp",
    "xinfang.repeats",
    "xinfang.api",
    "xinfang.open311",
    "xinfang.exports",
    "xinfang.governance",
    "xinfang.grassroots",
    "xinfang.petitioners",
    "xinfang.analytics",
    "xinfang.alerts",
    "xinfang.assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xinfang.core.middleware.SecurityHeadersMiddleware",
    "xinfang.accounts.middleware.SessionIdleTimeoutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xinfang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite (WAL) is the embedded default; PostgreSQL is the production database.
DATABASE_URL: str = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'xinfang.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("XINFANG_DB_CONN_MAX_AGE", 60, minimum=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend plus a cross-process queue for write transactions (xinfang/core/sqlite/base.py).
    _db["ENGINE"] = "xinfang.core.sqlite"
    _db["CONN_MAX_AGE"] = 0 if _db["NAME"] == ":memory:" else _db["CONN_MAX_AGE"]
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update(
        {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
            # busy_timeout instead of failing with "database is locked" on a lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
elif _db["ENGINE"] not in ("django.db.backends.postgresql",):
    raise ImproperlyConfigured(f"DATABASE_URL must be sqlite:// or postgres://, not {_db['ENGINE']}.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits) ----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by every process on the machine (runserver, gunicorn workers, huey).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Background jobs (Huey) -------------------------------------------------------------------
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "xinfang",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("XINFANG_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "xinfang",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": env_int("XINFANG_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("XINFANG_PASSWORD_MIN_LENGTH", 12, minimum=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("XINFANG_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=300)
SESSION_IDLE_SECONDS = env_int("XINFANG_SESSION_IDLE_SECONDS", 30 * 60, minimum=60, maximum=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Messages live in the server-side session, not in a cookie: one of them carries the query code of a new
# registration, shown once and then gone.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_HTTPS = env_bool("XINFANG_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("XINFANG_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("XINFANG_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("XINFANG_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)

# --- i18n: Chinese first, English second ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "xinfang" / "locale"]
TIME_ZONE = env_str("XINFANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Django's two finders, and plotly.js served from the plotly wheel (analytics/vendor/plotly.min.js, offline).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "xinfang.analytics.staticfiles.PlotlyFinder",
]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xinfang.api.authentication.UnitTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Depth- and size-checked JSON: malformed or deeply nested bodies answer 400, never 500.
    "DEFAULT_PARSER_CLASSES": ["xinfang.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "xinfang.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "xinfang API",
    "DESCRIPTION": "信访与人民建议征集系统 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A CharField that refuses "" says so (minLength 1): the schema is what the API is fuzzed against.
    "ENFORCE_NON_BLANK_FIELDS": True,
    # /api/v1/schema/ and /api/v1/docs/ are for signed-in staff and token users (xinfang/api/schema.py).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's static files, never from a CDN (STYLE.md habit 8).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set: several fields share a name ("outcome", "kind", "mode") across sets.
    "ENUM_NAME_OVERRIDES": {
        "CaseOutcomeEnum": "xinfang.cases.models.Case.Outcome",
        "ReviewOutcomeEnum": "xinfang.cases.models.Case.ReviewOutcome",
        "RouteModeEnum": "xinfang.cases.models.Case.RouteMode",
        "DeadlineKindEnum": "xinfang.cases.models.CaseDeadline.Kind",
        "DocumentKindEnum": "xinfang.cases.models.CaseDocument.Kind",
        "UnitKindEnum": "xinfang.accounts.models.Unit.Kind",
        "CalendarDayKindEnum": "xinfang.deadlines.models.CalendarDay.Kind",
        # Mediation and grassroots work (docs/grassroots.md): several of its fields are called status, kind, outcome.
        "DisputeStatusEnum": "xinfang.grassroots.models.Dispute.Status",
        "DisputeRiskEnum": "xinfang.grassroots.models.Dispute.Risk",
        "DisputeSourceEnum": "xinfang.grassroots.models.Dispute.Source",
        "MediationKindEnum": "xinfang.grassroots.models.Mediation.Kind",
        "MediationStatusEnum": "xinfang.grassroots.models.Mediation.Status",
        "MediationOutcomeEnum": "xinfang.grassroots.models.Mediation.Outcome",
        "MediationParticipantKindEnum": "xinfang.grassroots.models.MediationParticipant.Kind",
        "FollowUpMethodEnum": "xinfang.grassroots.models.MediationFollowUp.Method",
        "FollowUpResultEnum": "xinfang.grassroots.models.MediationFollowUp.Result",
        "VisitKindEnum": "xinfang.grassroots.models.Visit.Kind",
        "VisitFindingStatusEnum": "xinfang.grassroots.models.VisitFinding.Status",
        "ReceptionDayStatusEnum": "xinfang.grassroots.models.ReceptionDay.Status",
        "PartyRoleEnum": "xinfang.grassroots.models.Party.Role",
        # Two choice sets answer as "status": the case's and an export job's (xinfang/exports).
        "CaseStatusEnum": "xinfang.cases.models.Case.Status",
        "ExportStatusEnum": "xinfang.exports.models.ExportJob.Status",
        # The backlog register and supervision (docs/governance.md): more fields called status, kind, outcome.
        "BacklogOutcomeEnum": "xinfang.governance.models.BacklogEntry.Outcome",
        "BacklogSourceEnum": "xinfang.governance.models.BacklogEntry.Source",
        "BacklogNoteKindEnum": "xinfang.governance.models.BacklogNote.Kind",
        "AfterCareKindEnum": "xinfang.governance.models.AfterCareTask.Kind",
        "AfterCareStatusEnum": "xinfang.governance.models.AfterCareTask.Status",
        "SupervisionStatusEnum": "xinfang.governance.models.SupervisionOrder.Status",
        "SupervisionGroundsEnum": "xinfang.governance.models.SupervisionOrder.Grounds",
        "SupervisionReviewEnum": "xinfang.governance.models.SupervisionReply.Review",
        # Case links (docs/petitioners.md): another field called kind.
        "CaseLinkKindEnum": "xinfang.petitioners.models.CaseLink.Kind",
    },
}

# --- Domain policy (DOMAIN.md, "Counting days": configurable) ---------------------------------
XINFANG: dict[str, Any] = {
    # 民法典 Art. 203: a deadline whose last day is a rest day moves to the next working day.
    "ROLL_TO_WORKDAY": env_bool("XINFANG_ROLL_TO_WORKDAY", True),
    # Policy: after an objection (退回) the bureau routes again within this many days.
    "REROUTE_DAYS": env_int("XINFANG_REROUTE_DAYS", 15, minimum=1, maximum=60),
    # Days before a deadline at which a case counts as "due soon".
    "DUE_SOON_DAYS": env_int("XINFANG_DUE_SOON_DAYS", 3, minimum=0, maximum=30),
    # Public portal: wrong query codes allowed per client address in the window.
    "PORTAL_FAILURES_PER_WINDOW": env_int("XINFANG_PORTAL_FAILURES", 10, minimum=1),
    "PORTAL_WINDOW_SECONDS": env_int("XINFANG_PORTAL_WINDOW_SECONDS", 600, minimum=10),
    # SECURITY.md 4: a username is locked after this many failed logins in a row, for this long
    # (or until a security admin unlocks it).
    "LOGIN_MAX_FAILURES": env_int("XINFANG_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=10),
    "LOGIN_LOCK_SECONDS": env_int("XINFANG_LOGIN_LOCK_SECONDS", 15 * 60, minimum=60),
    # Open311 GET methods (public): requests per client address per window (a key allowed
    # "open311.read" is not limited; docs/open311.md).
    "OPEN311_READS_PER_WINDOW": env_int("XINFANG_OPEN311_READS_PER_WINDOW", 120, minimum=1),
    "OPEN311_WINDOW_SECONDS": env_int("XINFANG_OPEN311_WINDOW_SECONDS", 60, minimum=1),
    # Public portal: online submissions accepted per client address per hour.
    "PORTAL_SUBMISSIONS_PER_HOUR": env_int("XINFANG_PORTAL_SUBMISSIONS_PER_HOUR", 5, minimum=1),
    # SECURITY.md 14: attachments registered at intake: size of each file and files per petition.
    "UPLOAD_MAX_BYTES": env_int("XINFANG_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
    "UPLOAD_MAX_FILES": env_int("XINFANG_UPLOAD_MAX_FILES", 5, minimum=1, maximum=50),
    # Outbound SMS/email gateway: a dotted path to a class implementing MessageGateway.
    "MESSAGE_GATEWAY": env_str("XINFANG_MESSAGE_GATEWAY", "xinfang.notifications.gateways.LogOnlyGateway"),
    # Exports of case lists (docs/export.md): masked exports up to this many rows download at once, larger
    # ones (and every full export) run in the background; the most rows of one export; hours a file is kept.
    "EXPORT_DIRECT_MAX_ROWS": env_int("XINFANG_EXPORT_DIRECT_MAX_ROWS", 2000, minimum=0, maximum=20000),
    "EXPORT_MAX_ROWS": env_int("XINFANG_EXPORT_MAX_ROWS", 200_000, minimum=1, maximum=1_000_000),
    "EXPORT_KEEP_HOURS": env_int("XINFANG_EXPORT_KEEP_HOURS", 24, minimum=1, maximum=24 * 7),
    # Category suggestions (docs/nlp.md): below this many confirmed cases the trained classifier is not
    # used (nor trained) and each category's keywords suggest instead.
    "NLP_MIN_LABELLED": env_int("XINFANG_NLP_MIN_LABELLED", 200, minimum=2),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("XINFANG_LOG_LEVEL", "INFO")},
    # The Huey consumer adds its own handler; do not print its lines twice.
    "loggers": {"huey": {"level": "INFO", "propagate": False}},
}
