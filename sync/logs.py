"""Logging set-up and secret redaction.

Redaction happens in the formatter, on the final text (message, arguments and any
traceback), so it also covers the libraries' own log lines (urllib3, requests) and
tracebacks printed at `--verbose`. Known secrets are registered when a config is loaded;
URL, JSON and header shapes (`token=`, `"key": "…"`, `Authorization:`) are masked even
when unknown.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

MASK = "***"
_KEY = 4
"""Secrets are found by their last characters (`register_secret` keeps none shorter)."""
_known_secrets: dict[str, tuple[str, ...]] = {}
"""The last `_KEY` characters of each known secret -> the secrets that end so: a line is
redacted in one pass over its text, whatever the number of pairs loaded. Their ends, not
their starts: credentials of one kind share a start (Asana's `2/…`, Slack's `xoxb-`,
Notion's `secret_`), and a line holding those characters made every such secret a
candidate (the report of 3,000 pairs whose Asana tokens began alike cost 20 s of CPU); a
credential's end is its random part. Values are tuples (48 bytes for one secret, a set's
216), replaced, never changed: a line redacted on another thread reads one whole."""
_holders: dict[str, int] = {}
"""Each known secret -> how many loaded configs hold it: a pair of a `--config-dir` run
forgets its secrets once its messages are redacted (`forget_secret`), and a secret is
known until the last pair holding it is done."""
_secrets_lock = threading.Lock()
_NAMES = r"(?:token|key|api_key|access_token|oauth_token|oauth_signature)"
_SHAPES = re.compile(
    rf"(?i)((?<![\w.-]){_NAMES}\s*=\s*\"?|\"{_NAMES}\"\s*:\s*\")"
    r"([^\"&\s,;]+)"
    r"|(authorization\s*[:=]\s*\"?(?:bearer|oauth|basic)?\s*)([^\"\r\n]+)"
)
"""Where a secret nobody registered shows: a query or form parameter (`token=…`), a JSON
member (`"key": "…"`) or an `Authorization` header. A name followed by a bare colon is
prose (a config error's `targets[2] "asana".token: environment variable … is not set`),
and a name inside a longer one (`monkey=`, `sort_key=`) is not a credential."""


def register_secret(value: str) -> None:
    with _secrets_lock:
        for secret in _forms(value):
            _holders[secret] = _holders.get(secret, 0) + 1
            known = _known_secrets.get(secret[-_KEY:], ())
            if secret not in known:
                _known_secrets[secret[-_KEY:]] = (*known, secret)


def forget_secret(value: str) -> None:
    """One holder of `value` is done with it (`register_secret` counted it)."""
    with _secrets_lock:
        for secret in _forms(value):
            if secret not in _holders:
                continue
            _holders[secret] -= 1
            if _holders[secret]:
                continue
            del _holders[secret]
            key = secret[-_KEY:]
            if others := tuple(known for known in _known_secrets.get(key, ()) if known != secret):
                _known_secrets[key] = others
            else:
                _known_secrets.pop(key, None)


def _forms(value: str) -> list[str]:
    """`value` and, for a secret URL (a Teams webhook), the path and query HTTP libraries
    log of it; those long enough to be found."""
    forms = [value]
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and len(parts.path) > 1:
        forms += [parts.path + (f"?{parts.query}" if parts.query else ""), parts.path]
    return [form for form in dict.fromkeys(forms) if len(form) >= _KEY]


def _mask_known(text: str) -> str:
    """`text` with every stretch that any known secret covers masked (overlapping
    secrets are masked as one stretch, so no part of either shows)."""
    found: list[tuple[int, int]] = []
    for end in range(_KEY, len(text) + 1):
        for secret in _known_secrets.get(text[end - _KEY : end], ()):
            start = end - len(secret)
            if start >= 0 and text.startswith(secret, start):
                found.append((start, end))
    if not found:
        return text
    stretches: list[list[int]] = []
    for start, end in sorted(found):
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    for start, end in reversed(stretches):
        text = text[:start] + MASK + text[end:]
    return text


def redact(text: str) -> str:
    if _known_secrets:
        text = _mask_known(text)

    def mask(match: re.Match[str]) -> str:
        prefix = match.group(1) if match.group(1) is not None else match.group(3)
        return prefix + MASK

    return _SHAPES.sub(mask, text)


class RedactingFormatter(logging.Formatter):
    def __init__(self, json_format: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.json_format = json_format

    def format(self, record: logging.LogRecord) -> str:
        if record.name == LINES.name and not self.json_format:
            return redact(f"pairsync: {record.getMessage()}")  # no time or level: for people
        if not self.json_format:
            return redact(super().format(record))
        return redact(json.dumps(self._entry(record)))

    def _entry(self, record: logging.LogRecord) -> dict[str, str]:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return entry


LINES = logging.getLogger("pairsync.lines")
"""The `pairsync: ...` lines on stderr (failures, notices) go through logging, so that
`--log-format json` makes them JSON lines like every other stderr line."""


def configure_logging(verbose: bool = False, json_format: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(json_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    LINES.setLevel(logging.INFO)
    # slack_sdk logs every failed request at ERROR before raising it; pairsync reports
    # the failure itself in one line ("channel dana-slack: ..."), so only -v shows it.
    logging.getLogger("slack_sdk").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    logging.captureWarnings(True)


def logging_options() -> tuple[bool, bool]:
    """(verbose, JSON lines) as `configure_logging` last set them: a worker process
    logs as its parent does."""
    root = logging.getLogger()
    formatters = [handler.formatter for handler in root.handlers]
    as_json = any(isinstance(f, RedactingFormatter) and f.json_format for f in formatters)
    return logging.NOTSET < root.level <= logging.DEBUG, as_json


def say(text: str, level: int = logging.ERROR) -> None:
    """One line on stderr, `pairsync: TEXT` (a JSON object under --log-format json), shown
    also without --verbose, redacted like every log line."""
    LINES.log(level, "%s", text)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int, str | None], None]]:
    """`advance(steps, description)` of a bar on stderr while it is a terminal (`rich`),
    of nothing under cron; stdout keeps only the results (`--json` piped on). rich is
    imported only to draw one (a twentieth of every command's start-up)."""
    if not sys.stderr.isatty():
        yield lambda steps, description: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)
        yield lambda steps, description: bar.update(task, advance=steps, description=description)
