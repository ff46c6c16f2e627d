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
from urllib.parse import urlsplit

MASK = "***"
_KEY = 4
"""Secrets are found by their last characters (`register_secret` keeps none shorter)."""
_known_secrets: dict[str, set[str]] = {}
"""The last `_KEY` characters of each known secret -> the secrets that end so: a line is
redacted in one pass over its text, whatever the number of pairs loaded (a `--config-dir`
run of 20,000 pairs knows 60,000 secrets). Their ends, not their starts: credentials of
one kind share a start (Asana's `2/…`, Slack's `xoxb-`, Notion's `secret_`), and a line
holding those characters made every such secret a candidate (the report of 3,000 pairs
whose Asana tokens began alike cost 20 s of CPU); a credential's end is its random part."""
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
    known = [value]
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and len(parts.path) > 1:
        # A secret URL (a Teams webhook): HTTP libraries log only its path and query.
        known += [parts.path + (f"?{parts.query}" if parts.query else ""), parts.path]
    for secret in known:
        if len(secret) >= _KEY:
            _known_secrets.setdefault(secret[-_KEY:], set()).add(secret)


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
