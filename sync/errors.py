"""Exceptions that the CLI turns into one-line messages and exit codes.

    PairsyncError
    ├── ConfigError        exit 2: the config file, a key in it, or a usage problem
    │   └── MissingExtra       a command needs an extra that is not installed
    ├── LockHeld           exit 1: another run of the same pair holds the lock
    ├── StateError         exit 2: the state database is damaged or another pair's
    │   └── StateUnavailable   exit 1: disk full, I/O or permission error (kept as is)
    │       └── StateReadOnly  sync must write a state file it may only read
    └── TargetError        exit 1 for the pair; the other targets still sync
        ├── TargetUnavailable   retriable (429, 5xx, network) and retries ran out
        └── TargetRejected      fatal (401, 403, 404, a file that cannot be written)

Every message names what it is about (file, key, target) and never contains a secret.
"""

from __future__ import annotations


class PairsyncError(Exception):
    exit_code = 1


class ConfigError(PairsyncError):
    """One or more problems in a config file; `problems` holds one line each."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class MissingExtra(ConfigError):
    """A command needs an optional extra that is not installed: one line naming it."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__([f"{what} needs the {extra!r} extra: pip install 'pairsync[{extra}]'"])


class StateError(PairsyncError):
    exit_code = 2


class StateUnavailable(StateError):
    """The database is fine but cannot be read or written now; it is never moved aside."""

    exit_code = 1


class StateReadOnly(StateUnavailable):
    """Not a config problem: the file is fine, and read-only commands still use it."""

    exit_code = 1


class LockHeld(PairsyncError):
    exit_code = 1


class TargetError(PairsyncError):
    """A target could not be read or written; the message starts with the target's name."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.reason = message
        """The message without the target's name (for lines that name it already)."""


class TargetUnavailable(TargetError):
    pass


class TargetRejected(TargetError):
    pass
