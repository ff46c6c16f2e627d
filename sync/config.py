"""One pair's TOML config file, validated with pydantic.

We read the TOML ourselves (tomli: the stdlib's tomllib as a compiled wheel, a third of
its CPU, for a file read twice a pair in a `--config-dir` run) instead of
pydantic-settings' TOML source for two reasons: syntax errors must become one line with
the file and line number, and `${VAR}` must be expanded with the key path in hand so
that an unset variable names its key.
Environment variables never override file values (the model is a plain `BaseModel`,
with no settings sources): in a directory of many pairs, one pair's environment must
not leak into another pair's file. The process's own `PAIRSYNC_*` variables are read
with pydantic-settings in `sync.settings`.

Every problem becomes one line, `FILE: KEY: PROBLEM`, collected into one `ConfigError`
(exit 2), as bugwarrior does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli
import tzlocal
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from adapters import DOCUMENT_TYPES, TARGET_TYPES, config_models, document_config_models
from sync.channels import CHANNEL_TYPES, channel_config_models
from sync.channels.config import CHANNEL_SECRET_KEYS, ChannelConfig
from sync.collisions import mapping_collisions
from sync.contract import OPTIONAL_LISTS, TargetBase
from sync.delivery.meeting import parse_meeting
from sync.documents.config import DocumentBase
from sync.errors import ConfigError
from sync.logs import register_secret
from sync.model import BASE_KINDS, Kind
from sync.settings import process_settings, valid_database_url

if TYPE_CHECKING:  # what the core reads of a target or channel: its base model
    Target = TargetBase
    ChannelEntry = ChannelConfig
    DocumentEntry = DocumentBase
else:  # a union of every registered type's model, told apart by `type`
    Target = Annotated[Union[tuple(config_models())], Field(discriminator="type")]  # noqa: UP007
    ChannelEntry = Annotated[Union[tuple(channel_config_models())], Field(discriminator="type")]  # noqa: UP007
    DocumentEntry = Annotated[Union[tuple(document_config_models())], Field(discriminator="type")]  # noqa: UP007
SECRET_KEYS = frozenset({"token", "api_key", "api_secret"}) | CHANNEL_SECRET_KEYS

DEFAULT_FIVE_WHYS = (
    "Problem statement agreed",
    "Why 1?",
    "Why 2?",
    "Why 3?",
    "Why 4?",
    "Why 5?",
    "Root cause agreed by both",
    "Countermeasure: owner and date",
)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PairSection(Section):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    executive: str = "Executive"
    assistant: str = "Assistant"
    conflict_policy: Literal["latest", "executive", "assistant"] = "latest"
    timezone: str | None = None
    """IANA name; every date shown (due dates, the agenda, its meeting time) is in it.
    None: the machine's zone."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("unknown time zone (an IANA name such as Europe/Paris)") from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone) if self.timezone else tzlocal.get_localzone()


class StateSection(Section):
    path: Path
    url: str | None = None
    """PostgreSQL (many machines): the state lives there, keyed by the pair's name; `path`
    then only names the pair's lock and dry-run checks. Default: PAIRSYNC_DATABASE_URL
    (this key wins over it: a pair that names its database keeps it)."""

    @field_validator("url")
    @classmethod
    def _a_database(cls, url: str | None) -> str | None:
        return None if url is None else valid_database_url(url)


MAX_DAYS = 3650
"""Ten years: larger day counts only overflow date arithmetic."""


class StaleSection(Section):
    after_days: int = Field(14, ge=1, le=MAX_DAYS)
    archive_after_days: int = Field(0, ge=0, le=MAX_DAYS)
    label: str = "Stale"
    exempt_kinds: list[Kind] = Field(default_factory=lambda: [Kind.GOAL])
    exempt_labels: list[str] = Field(default_factory=list)
    max_writes_per_run: int = Field(50, ge=1)


class FiveWhysSection(Section):
    enabled: bool = True
    steps: list[str] = Field(default_factory=lambda: list(DEFAULT_FIVE_WHYS), min_length=1)


class AgendaSection(Section):
    publish: bool = False
    list: str = "1:1"
    meeting: str | None = None
    """The recurring 1:1, "thursday 10:00" in the pair's timezone: channels get the agenda."""
    lead_hours: int = Field(default=24, ge=1, le=144)

    @field_validator("meeting")
    @classmethod
    def _weekday_and_time(cls, meeting: str | None) -> str | None:
        if meeting is not None:
            parse_meeting(meeting)
        return meeting


class SafetySection(Section):
    hold_vanished_share: float = Field(default=0.5, ge=0, lt=1)
    """Hold when more than this share of a target's items vanish in one read..."""
    hold_vanished_min: int = Field(default=3, ge=1)
    """... or every item of a kind, and at least this many (see sync/plan/safety.py)."""


class BoardSection(Section):
    kinds: list[Kind] = Field(default_factory=lambda: list(BASE_KINDS))
    """The board's kinds: the four every board has, plus `win` and `feedback` if wanted."""

    @field_validator("kinds")
    @classmethod
    def _base_kinds_kept(cls, kinds: list[Kind]) -> list[Kind]:
        missing = [kind.value for kind in BASE_KINDS if kind not in kinds]
        if missing:
            raise ValueError(f"every board has {', '.join(missing)}: keep them in the list")
        return kinds


class DecisionsSection(Section):
    acknowledge: bool = False
    """A decision the executive closes carries `Ack needed` until the assistant acks it."""


class PairConfig(BaseModel):
    """The whole file. `config_dir` is where relative paths start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pair: PairSection
    state: StateSection
    stale: StaleSection = Field(default_factory=StaleSection)
    five_whys: FiveWhysSection = Field(default_factory=FiveWhysSection)
    agenda: AgendaSection = Field(default_factory=AgendaSection)
    safety: SafetySection = Field(default_factory=SafetySection)
    board: BoardSection = Field(default_factory=BoardSection)
    decisions: DecisionsSection = Field(default_factory=DecisionsSection)
    targets: list[Target] = Field(min_length=1)
    channels: list[ChannelEntry] = Field(default_factory=list)
    documents: list[DocumentEntry] = Field(default_factory=list)
    config_dir: Path = Path(".")
    config_file: Path | None = None
    """The file this was read from (named in messages that suggest a command)."""

    @model_validator(mode="after")
    def _targets_consistent(self) -> PairConfig:
        names = [t.name for t in self.targets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"target names must be unique: {', '.join(duplicates)}")
        policy = self.pair.conflict_policy
        if policy != "latest" and not any(t.role == policy for t in self.targets):
            raise ValueError(f"conflict_policy '{policy}' needs a target with role '{policy}'")
        for channel in self.channels:
            asked = "agenda" in channel.send and "send" in channel.model_fields_set
            if asked and self.agenda.meeting is None:
                raise ValueError(f"channel {channel.name} gets the agenda: set [agenda] meeting")
        channel_names = [c.name for c in self.channels]
        duplicates = sorted({n for n in channel_names if channel_names.count(n) > 1})
        if duplicates:
            raise ValueError(f"channel names must be unique: {', '.join(duplicates)}")
        document_names = [d.name for d in self.documents]
        taken = sorted({n for n in document_names if document_names.count(n) > 1 or n in names})
        if taken:  # a document's name stands for it where a target's would (a touch)
            raise ValueError(
                f"document names must be unique and differ from target names: {', '.join(taken)}"
            )
        for document in self.documents:
            asked = "agenda" in document.publish and "publish" in document.model_fields_set
            if asked and self.agenda.meeting is None:
                raise ValueError(f"document {document.name} gets the agenda: set [agenda] meeting")
        self._map_optional_kinds()
        return self

    def _map_optional_kinds(self) -> None:
        """Give every target the lists of the optional kinds the pair turned on (a target's
        own `lists.win` name wins); a target naming a kind that is off is an error."""
        targets = []
        for target in self.targets:
            off = [k.value for k in target.lists if k not in self.board.kinds]
            if off:
                raise ValueError(
                    f"target {target.name}: lists.{off[0]}: the kind {off[0]} is off; "
                    f'add "{off[0]}" to [board] kinds'
                )
            added = {
                kind: name
                for kind, name in OPTIONAL_LISTS.items()
                if kind in self.board.kinds and kind not in target.lists
            }
            targets.append(target.model_copy(update={"lists": {**target.lists, **added}}))
        object.__setattr__(self, "targets", targets)  # frozen: set once, while validating

    @cached_property
    def state_path(self) -> Path:
        """Absolute and normalised, so that messages and the lock name one spelling (once
        per loaded config: a run asks several times, and each asked the file system)."""
        return (self.config_dir / self.state.path.expanduser()).resolve()

    @property
    def pair_file(self) -> Path | None:
        """The pair's file, absolute (a command shown to a person works from any folder);
        None for a config built in code."""
        return self.config_dir / self.config_file.name if self.config_file else None

    @cached_property
    def state_url(self) -> str | None:
        """The PostgreSQL database holding this pair's state (`[state] url`, else
        PAIRSYNC_DATABASE_URL as the config was first asked), or None: SQLite at
        `state_path`."""
        return self.state.url or process_settings().database_url

    @property
    def state_url_key(self) -> str:
        """Where `state_url` came from, for messages (never the URL: it may hold a
        password)."""
        if not self.state.url:
            return "PAIRSYNC_DATABASE_URL"
        return f"{self.config_file.name}: state.url" if self.config_file else "state.url"


def load_config(path: Path) -> PairConfig:
    """Read, expand and validate one pair's file; raise `ConfigError` listing every problem."""
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomli.loads(text)
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read config file: {exc}"]) from None
    except tomli.TOMLDecodeError as exc:
        raise ConfigError([f"{label}: invalid TOML: {exc}"]) from None
    unset: list[tuple[tuple[str | int, ...], str]] = []
    may_name = any(sign in text for sign in ("$", "\\u", "\\U"))  # `$` or its escapes
    data = _expand(raw, (), unset) if may_name else raw  # most files name no variable
    problems = [
        f"{label}: {_key(where, raw)}: environment variable {name} is not set"
        for where, name in unset
    ]
    if "target" in data:
        problems.append(f"{label}: target: unrecognized section (did you mean [[targets]]?)")
        data.pop("target")
    for internal in ("config_dir", "config_file"):
        if internal in data:
            problems.append(f"{label}: {internal}: unrecognized key")
    if problems:
        raise ConfigError(problems)
    data["config_dir"] = path.parent.resolve()
    data["config_file"] = path
    try:
        config = PairConfig.model_validate(data, context={"config_dir": data["config_dir"]})
    except ValidationError as exc:
        raise ConfigError([_describe(label, data, error) for error in exc.errors()]) from None
    collisions = [
        f"{label}: {problem}"
        for problem in mapping_collisions(
            config.targets, config.agenda.list if config.agenda.publish else None
        )
    ]
    if collisions:
        raise ConfigError(collisions)
    for secret in secrets_of(config):
        register_secret(secret)
    return config


def secrets_of(config: PairConfig) -> list[str]:
    """The secrets of a pair's file, masked in every message once it is loaded."""
    secrets = []
    if config.state.url and (password := urlsplit(config.state.url).password):
        secrets.append(password)
    for entry in [*config.targets, *config.channels, *config.documents]:
        for key in SECRET_KEYS & type(entry).model_fields.keys():  # no failed getattr
            secret = getattr(entry, key)
            if isinstance(secret, SecretStr):
                secrets.append(secret.get_secret_value())
    return secrets


def refuse_unverifiable_buttons(config: PairConfig) -> None:
    """`ConfigError` (exit 2) naming each Slack channel that would post buttons serve
    cannot check (`check`, `webhooks register`: serve is expected), as a Trello target
    without `api_secret` is refused there."""
    label = config.config_file.name if config.config_file else config.pair.name
    problems = [
        f"{label}: channel {channel.name}: {problem}"
        for channel in config.channels
        if (problem := channel.unverifiable_buttons()) is not None
    ]
    if problems:
        raise ConfigError(problems)


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(
    value: Any, where: tuple[str | int, ...], unset: list[tuple[tuple[str | int, ...], str]]
) -> Any:
    """Replace `${VAR}` in every string; an unset variable is collected, never left as is."""
    if isinstance(value, dict):
        return {k: _expand(v, (*where, k), unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, (*where, i), unset) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            unset.append((where, name))
            return ""
        return os.environ[name]

    return _VAR.sub(substitute, value)


def _key(loc: tuple[str | int, ...], data: dict[str, Any] | None) -> str:
    """`targets[2] "notes": path` from a location; target tables are named when possible."""
    parts: list[str] = []
    index = 0
    while index < len(loc):
        part = loc[index]
        if part in _LISTS and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = int(loc[index + 1])
            name = _target_name(data, position, str(part))
            parts.append(f"{part}[{position + 1}]" + (f' "{name}"' if name else ""))
            index += 2
            if index < len(loc) and loc[index] in _LISTS[str(part)]:
                index += 1  # the discriminator tag pydantic puts in the location
            continue
        parts.append(str(part))
        index += 1
    return ".".join(parts) or "(top level)"


_LISTS: dict[str, Mapping[str, object]] = {
    "targets": TARGET_TYPES,
    "channels": CHANNEL_TYPES,
    "documents": DOCUMENT_TYPES,
}
_WHAT = {"targets": "target", "channels": "channel", "documents": "document"}
"""The config's arrays of tables, by their type names."""


def _target_name(data: dict[str, Any] | None, position: int, table: str) -> str | None:
    targets = (data or {}).get(table)
    if (
        isinstance(targets, list)
        and position < len(targets)
        and isinstance(targets[position], dict)
    ):
        name = targets[position].get("name")
        return name if isinstance(name, str) else None
    return None


def _describe(label: str, data: dict[str, Any], error: Any) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    key = _key(loc, data)
    if kind == "missing":
        problem = "required key is missing"
    elif kind == "extra_forbidden":
        problem = "unrecognized key"
    elif kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        what, types = _WHAT.get(str(loc[0]), "target"), _LISTS.get(str(loc[0]), TARGET_TYPES)
        problem = f"unknown {what} type '{tag}' (expected one of: {', '.join(types)})"
    elif kind == "union_tag_not_found":
        types = _LISTS.get(str(loc[0]), TARGET_TYPES)
        problem = f"'type' is missing (one of: {', '.join(types)})"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        secret = (bool(loc) and loc[-1] in SECRET_KEYS) or loc == ("state", "url")  # a password
        value = error.get("input")
        scalar = isinstance(value, str | int | float | bool)
        shown = f" (got {value!r})" if scalar and not secret else ""
        problem = f"{message}{shown}"
    return f"{label}: {key}: {problem}"
