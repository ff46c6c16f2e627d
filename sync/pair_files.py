"""Many pair files together (`sync --config-dir`, `run`, `serve`, `check`): which load,
and which name a pair or a target another file names already."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

from sync.config import PairConfig, load_config, secrets_of
from sync.errors import ConfigError
from sync.logs import forget_secret
from sync.store.budgets import credential_key


def load_pairs(paths: list[Path]) -> tuple[dict[Path, PairConfig], list[str]]:
    """Many pair files at once (`serve`): those that load and clash with no earlier one
    (`clashes`), and one line per problem."""
    configs: dict[Path, PairConfig] = {}
    problems: list[str] = []
    for path in paths:
        try:
            configs[path] = load_config(path)
        except ConfigError as exc:
            problems += exc.problems
    kept, clashing = clashes(configs)
    return kept, problems + clashing


class Checked(NamedTuple):
    """What `shared_targets` found: the credentials more than one pair names
    (`credential_key`: only their hashes), the ones whose rate limits the processes of a
    run count together; and each file's `FileFacts` digest, for the files that loaded."""

    shared_credentials: frozenset[int]
    facts: dict[Path, int]


def shared_targets(paths: list[Path], involving: Path | None = None) -> Checked:
    """`ConfigError` (exit 2) naming each pair file that names a pair or a target an
    earlier one names (`sync --config-dir`, `run`; `check` of one file, `involving`, among
    its neighbours); files that do not load are left to the run, which reports them. One
    config at a time, its secrets forgotten once read (each pair's sync knows its own, and
    redacts its messages with them): only names, identities and digests are kept, where
    20,000 pairs' configs took hundreds of MiB and their secrets about 14 MiB."""
    seen = _Seen()
    problems: list[str] = []
    credentials: set[int] = set()
    shared: set[int] = set()
    facts: dict[Path, int] = {}
    for path in paths:
        try:
            config = load_config(path)
        except ConfigError:
            continue
        read = FileFacts.of(config)
        problems += seen.clashes(path, read)
        facts[path] = read.digest()
        for key in set(read.credentials):
            (shared if key in credentials else credentials).add(key)
        for secret in set(secrets_of(config)):
            forget_secret(secret)
    if involving is not None:
        problems = [line for line in problems if involving.name in line.split(":")[0]]
    if problems:
        raise ConfigError(problems)
    return Checked(frozenset(shared), facts)


class FileFacts(NamedTuple):
    """What the check of many pair files reads of one: its pair name, its targets'
    identities (`TargetBase.identity`, by target name), its credentials' hashes
    (`credential_key`). Read once a file: a Markdown board's identity asks the file
    system, which the clash check and the digest both need."""

    pair: str
    identities: list[tuple[str, tuple[str, str] | None]]
    credentials: list[int]

    @classmethod
    def of(cls, config: PairConfig) -> FileFacts:
        return cls(
            config.pair.name,
            [(target.name, target.identity()) for target in config.targets],
            [credential_key(secret) for secret in secrets_of(config)],
        )

    def digest(self) -> int:
        """Eight bytes of a digest of these facts: a run syncs a pair only if its file
        still says the same when the pair's turn comes, minutes later in a run of
        thousands (an edit meanwhile could name another pair's board, or share a
        credential the processes of the run do not pace together)."""
        facts = [
            self.pair,
            *(identity[0] if identity else "" for _, identity in self.identities),
            *sorted(str(key) for key in self.credentials),
        ]
        digest = hashlib.blake2b("\n".join(facts).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")


def clashes(configs: dict[Path, PairConfig]) -> tuple[dict[Path, PairConfig], list[str]]:
    """The pairs that clash with no earlier one, and one line per clash: two files naming
    one pair, or one target in its tool (`TargetBase.identity`), which would carry each
    pair's items into the other."""
    seen = _Seen()
    kept: dict[Path, PairConfig] = {}
    problems: list[str] = []
    for path, config in configs.items():
        found = seen.clashes(path, FileFacts.of(config))
        problems += found
        if not found:
            kept[path] = config
    return kept, problems


class _Seen:
    """The pair names and target identities of the files that clashed with none so far."""

    def __init__(self) -> None:
        self.pairs: dict[str, Path] = {}
        self.owners: dict[str, tuple[Path, str]] = {}  # target identity -> (file, target)

    def clashes(self, path: Path, read: FileFacts) -> list[str]:
        """One line per clash of the file at `path` with an earlier file; none: it is seen."""
        name = read.pair
        found = []
        if name in self.pairs:
            found.append(f"{path.name}: pair.name '{name}' is also in {self.pairs[name].name}")
        for target, identity in read.identities:
            if identity is None or identity[0] not in self.owners:
                continue
            other, other_target = self.owners[identity[0]]
            found.append(
                f'{other.name} and {path.name} both name {identity[1]} (targets "{other_target}" '
                f'and "{target}"): a target belongs to one pair; give each pair its own'
            )
        if not found:
            self.pairs[name] = path
            for target, identity in read.identities:
                if identity is not None:
                    self.owners[identity[0]] = (path, target)
        return found
