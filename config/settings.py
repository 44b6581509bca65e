"""Paper Commons settings, read from the environment.

With no environment set, the site runs on a SQLite file, runs Celery tasks
eagerly in-process and prints email to the console. PostgreSQL, Redis and SMTP
are used when DATABASE_URL, REDIS_URL / CELERY_BROKER_URL and EMAIL_HOST are set.
"""

import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-never-for-production-use"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SITE_NAME = "Paper Commons"
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "accounts",
    "papers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous pages from the page cache, with the headers the middleware below gave them (papers/caching.py).
    "papers.caching.AnonymousPageMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A member's POST marks their pages out of date, so that their next pages show what they did (papers/caching.py).
    "papers.caching.MemberChangesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "papers.context_processors.site",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements for the few statements that ask for them (papers.rows.prepared_cursor): Django's own
    # queries bind their parameters in the client and are never prepared. None turns them off (behind a pooler
    # in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", None if env_bool("DATABASE_NO_PREPARED_STATEMENTS", False) else 5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when configured, local memory and eager tasks otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis, and this process's memory while Redis cannot be reached (config/cache.py).
    CACHES = {"default": {"BACKEND": "config.cache.RedisCacheWithFallback", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 10_000)},
        }
    }

# Seconds an anonymous visitor's page may be served from the cache (0 turns the page cache off).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# Seconds a member's listing or paper page may be kept as a shared render (papers.shared_pages; 0 turns it off).
# Votes and comments change its key at once; other changes show within this bound, as on the visitors' pages.
MEMBER_PAGE_SECONDS = env_int("MEMBER_PAGE_SECONDS", PAGE_CACHE_SECONDS)
# A member's page may be answered without reading the database for this many seconds after it was last read
# (papers.shared_pages.member_page; 0: never): the member's own changes show at once, other members' within it.
MEMBER_PAGE_LAG_SECONDS = env_int("MEMBER_PAGE_LAG_SECONDS", min(10, MEMBER_PAGE_SECONDS))
# Each web process also keeps the pages it served, and the pages' version, for this many seconds (0: never), so
# that a hit costs no round trip to Redis: after an import, another process shows the new papers this late at most.
PAGE_CACHE_LOCAL_SECONDS = env_int("PAGE_CACHE_LOCAL_SECONDS", 2)
if PAGE_CACHE_LOCAL_SECONDS < 0:
    raise ImproperlyConfigured("PAGE_CACHE_LOCAL_SECONDS must be 0 or more.")
# ... at most this many pages, and this many bytes of them (the least recently used go first).
PAGE_CACHE_LOCAL_ENTRIES = env_int("PAGE_CACHE_LOCAL_ENTRIES", 500)
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_BYTES", 32 * 1024 * 1024)
# Seconds a rendered listing row may be kept (its key changes whenever the paper does; 0 turns it off).
ROW_CACHE_SECONDS = env_int("ROW_CACHE_SECONDS", 3600)
# The personal feed shows papers listed this many days before the latest listing day, at most.
FEED_WINDOW_DAYS = env_int("FEED_WINDOW_DAYS", 30)
if FEED_WINDOW_DAYS < 1:
    raise ImproperlyConfigured("FEED_WINDOW_DAYS must be at least 1.")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has run, not when it starts: a worker that dies mid-task (the whole worker,
# or one pool process) leaves it to be delivered again, after the visibility timeout at most. Tasks are
# idempotent for this reason. The short timeouts let a request that queues a task give up on a dead broker
# quickly; the task then waits in the outbox (papers/outbox.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # Publishing: one quick second try, not kombu's default pause of 2 s (a web request is waiting).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Minutes between two syncs of the Hugging Face Daily Papers listing (Celery beat).
HF_SYNC_INTERVAL_MINUTES = env_int("HF_SYNC_INTERVAL_MINUTES", 30)
if HF_SYNC_INTERVAL_MINUTES < 1:
    raise ImproperlyConfigured("HF_SYNC_INTERVAL_MINUTES must be at least 1.")
# Hour (UTC) from which the daily and weekly digests go out; the hourly task sends what is due.
DIGEST_HOUR_UTC = env_int("DIGEST_HOUR_UTC", 7)
if not 0 <= DIGEST_HOUR_UTC <= 23:
    raise ImproperlyConfigured("DIGEST_HOUR_UTC must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "papers.tasks.relay_outbox",
        "schedule": 60.0,
    },
    # Reply and mention emails whose task the broker lost (a Redis restarted empty): sending is idempotent.
    "send-unsent-emails": {
        "task": "papers.tasks.send_unsent_emails",
        "schedule": 60.0,
    },
    # New-paper notices of the last day whose task the broker lost: one notice per member and paper, so idempotent.
    "notify-recent-papers": {
        "task": "papers.tasks.notify_recent_papers",
        "schedule": crontab(minute=45),
    },
    "sync-hf-daily-papers": {
        "task": "papers.tasks.sync_daily_papers",
        "schedule": HF_SYNC_INTERVAL_MINUTES * 60.0,
    },
    "send-digests": {
        "task": "papers.tasks.send_digests",
        "schedule": crontab(minute=0),
    },
    # Every seed's similar papers, with the papers that syncs and submissions added to the feed's window.
    "refresh-similarities": {
        "task": "papers.tasks.refresh_similarities",
        "schedule": crontab(minute=30),
    },
    # Every paper's related papers, daily too: imports queue it, submissions and topic corrections do not.
    "refresh-related": {
        "task": "papers.tasks.refresh_related",
        "schedule": crontab(minute=15, hour=4),
    },
    # Every stored personal feed ranked anew from its source rows: what no change's fan-out reaches heals in a day.
    "rebuild-feeds": {
        "task": "papers.tasks.rebuild_all_timelines",
        "schedule": crontab(minute=45, hour=4),
    },
}
HF_API_URL = os.environ.get("HF_API_URL", "https://huggingface.co/api/daily_papers")
HF_HTTP_TIMEOUT = env_int("HF_HTTP_TIMEOUT", 20)

# Writes per member (or per address for anonymous requests): "count/seconds".
WRITE_RATE_LIMITS = {
    "vote": os.environ.get("RATE_LIMIT_VOTES", "60/60"),
    "comment": os.environ.get("RATE_LIMIT_COMMENTS", "10/60"),
    "preview": os.environ.get("RATE_LIMIT_PREVIEWS", "120/60"),
    "flag": os.environ.get("RATE_LIMIT_FLAGS", "20/3600"),
    "submit": os.environ.get("RATE_LIMIT_SUBMISSIONS", "10/3600"),
    "settings": os.environ.get("RATE_LIMIT_SETTINGS", "30/600"),
}
for _action, _rate in WRITE_RATE_LIMITS.items():
    if not re.fullmatch(r"[1-9]\d*/[1-9]\d*", _rate):
        raise ImproperlyConfigured(f"The {_action} rate limit must look like 10/60 (count/seconds), not {_rate!r}.")

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in member from the cache (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
# Sessions are read from the cache and written to the cache and the database (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth). Members sign up with a username, an email address and a password,
# and log in with either; GitHub and Hugging Face buttons appear only when their keys are set.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_SIGNUP_REDIRECT_URL = "/welcome/"  # papers:welcome, the onboarding
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.adapter.LoginForm", "signup": "accounts.adapter.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# 3-30 characters of [A-Za-z0-9_.-]; unique whatever the case (allauth compares case-insensitively).
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "accounts.adapter.USERNAME_VALIDATORS"
ACCOUNT_USERNAME_BLACKLIST = [
    *("admin", "administrator", "moderator", "moderators", "mod", "mods", "staff", "team", "official"),
    *("deleted", "anonymous", "anon", "nobody", "null", "none", "undefined", "system", "root"),
    *("settings", "api", "accounts", "account", "login", "logout", "signup", "register", "auth"),
    *("papers", "paper", "search", "submit", "notifications", "feed", "feeds", "topics", "authors"),
    *("orgs", "users", "about", "help", "support", "security", "abuse", "contact", "static", "media"),
    *("healthz", "www", "mail", "postmaster", "webmaster", "hostmaster", "noreply", "no-reply"),
    *("papercommons", "paper-commons", "huggingface", "github", "arxiv"),
]
# Unverified addresses may log in while developing; in production the link must be followed first.
ACCOUNT_EMAIL_VERIFICATION = "optional" if DEBUG else "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False  # a link: printed by the console backend, easy to follow
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
# One address per member, replaced (after verification) rather than collected.
ACCOUNT_CHANGE_EMAIL = True
# Changing the address, setting a password, connecting or removing GitHub/Hugging Face: confirm first
# (password, or a code emailed to a verified address for members who signed up with GitHub/HF).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Tell members by email when their password or address changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Links in emails use https in production even if a proxy forgets X-Forwarded-Proto.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's defaults, written out; only the per-address password reset limit is tighter (5/m to 5/h),
# so the form cannot be used to flood someone's inbox. They live in the default cache: Redis when
# REDIS_URL is set; the local-memory cache counts per process.
# Wrong passwords are limited per address and per account, so anyone can pause password sign-in to an
# account for 5 minutes; its owner then signs in with a code emailed to them (ACCOUNT_LOGIN_BY_CODE_ENABLED),
# which has limits of its own.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Proxies in front of the site that append to X-Forwarded-For: without this, every visitor
# behind the proxy shares one address and one set of rate limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Social sign-in, configured from the environment only (no SocialApp rows, no sites framework).
# The "Continue with" buttons POST to us and we redirect to the provider: the CSP's form-action
# must allow SOCIAL_LOGIN_ORIGINS, or browsers block that redirect.
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}
SOCIAL_LOGIN_ORIGINS: list[str] = []
if os.environ.get("GITHUB_CLIENT_ID") and os.environ.get("GITHUB_CLIENT_SECRET"):
    SOCIAL_LOGIN_ORIGINS.append("https://github.com")
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": os.environ["GITHUB_CLIENT_ID"], "secret": os.environ["GITHUB_CLIENT_SECRET"]}],
        "OAUTH_PKCE_ENABLED": True,
    }
if os.environ.get("HF_CLIENT_ID") and os.environ.get("HF_CLIENT_SECRET"):
    SOCIAL_LOGIN_ORIGINS.append("https://huggingface.co")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "huggingface",
                "name": "Hugging Face",
                "client_id": os.environ["HF_CLIENT_ID"],
                "secret": os.environ["HF_CLIENT_SECRET"],
                "settings": {"server_url": "https://huggingface.co", "scope": ["openid", "profile", "email"]},
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Without DEBUG, `collectstatic` must have run; with it, files are served straight from static/.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Email: printed to the console unless an SMTP host is configured.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Paper Commons <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Security. Behind TLS in production; cookies and HSTS follow DEBUG unless overridden.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers check these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Images come from Hugging Face's CDNs (and Gravatar, for some organisation avatars);
# everything else is served by us.
HF_IMAGE_HOSTS = [
    "https://cdn-thumbnails.huggingface.co",
    "https://cdn-uploads.huggingface.co",
    "https://cdn-avatars.huggingface.co",
    "https://huggingface.co",
    "https://www.gravatar.com",
]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *HF_IMAGE_HOSTS],
    "media-src": [CSP.SELF, "https://cdn-uploads.huggingface.co"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF, *SOCIAL_LOGIN_ORIGINS],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "celery.app.trace": {"level": "WARNING"}},
}
