"""A Django site as `django-admin startproject` makes it, plus django-oauth-toolkit.

Everything the fixture decides comes from the JSON file named by the DOT_CONFIG
environment variable (serve.py): the sqlite file, the OIDC signing key. The rest is
Django's and DOT's defaults, as a deployer following DOT's tutorial would leave them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CONFIG = json.loads(Path(os.environ["DOT_CONFIG"]).read_text(encoding="utf-8"))

SECRET_KEY = CONFIG["secret_key"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]

# startproject's middleware, in its order
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dot_site.urls"
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

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["database"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"

LOGIN_URL = "/accounts/login/"
# Django's testing docs advise a fast hasher in tests; the login page is the same,
# and the checklist's twelve wrong passwords then take milliseconds, not seconds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": CONFIG["oidc_rsa_private_key"],
    "SCOPES": {
        "openid": "OpenID Connect",
        "read": "Reading scope",
        "write": "Writing scope",
    },
    # DOT's defaults, written out because the tests and notebook 05 rely on them:
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "REQUEST_APPROVAL_PROMPT": "force",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
