"""Settings of the conformance server: a Django REST Framework app shaped like api.openport.io.

Configured by the environment, so the tests can start it in either order and on any file:
OPENPORT_DB (the SQLite file), OPENPORT_CLICK_ORDER (newest or oldest: how clicks are listed),
OPENPORT_MAX_LIMIT (LimitOffsetPagination.max_limit, 1000 unless set).
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "conformance-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "api",
]

# startproject's security and common middleware (APPEND_SLASH is CommonMiddleware's);
# no sessions, CSRF or messages: the API authenticates by token only.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "openport.urls"
WSGI_APPLICATION = "openport.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OPENPORT_DB", str(BASE_DIR / "openport.sqlite3")),
        "OPTIONS": {"timeout": 30},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The account's zone: datetimes are rendered with their offset there, DST included.
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
LANGUAGE_CODE = "en-us"
USE_I18N = True

# For DRF's browsable API (its second default renderer: answers vary by Accept).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "static/"

CLICK_ORDER = os.environ.get("OPENPORT_CLICK_ORDER", "newest")
MAX_LIMIT = int(os.environ.get("OPENPORT_MAX_LIMIT", "1000"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.QueryTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsPayingAccount"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.OpenportPagination",
    "PAGE_SIZE": 100,
    # JSON and forms, as the emulator reads them (DRF's default adds multipart).
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
