"""The registries' lazy import: a class named by a "module:name" path is imported only when
a pair uses it, so a pair without Trello or Slack never imports their client libraries,
and an install without an optional extra (`pip install 'pairsync[sim]'`) runs every
command that does not need it. One that does says in one line which extra to install."""

from __future__ import annotations

import importlib
from typing import Any

from sync.errors import MissingExtra

EXTRAS: dict[str, str] = {
    "werkzeug": "sim",
    "openapi_core": "sim",
    "starlette": "serve",
    "uvicorn": "serve",
    "jinja2": "serve",
    "prometheus_client": "serve",
    "notion_client": "notion",
    "googleapiclient": "google",
    "google": "google",
    "google_auth_oauthlib": "google",
    "msal": "onenote",
    "evernote": "evernote",
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "procrastinate": "postgres",
    "matplotlib": "pulse",
}
"""The top-level module an optional extra installs -> that extra (pyproject.toml)."""


def load_object(path: str, what: str | None = None) -> Any:
    """The object a "module:name" path names, importing its module now.

    :raises MissingExtra: the module needs a library of an extra that is not installed;
        the message names `what` needs it (default: the path)."""
    module_name, name = path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").partition(".")[0])
        if extra is None:
            raise
        raise MissingExtra(what or path, extra) from None
    return getattr(module, name)
