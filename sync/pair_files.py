"""Many pair files together (`sync --config-dir`, `run`, `serve`, `check`): which load,
and which name a pair or a target another file names already."""

from __future__ import annotations

from pathlib import Path

from sync.config import PairConfig, load_config
from sync.errors import ConfigError


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


def shared_targets(paths: list[Path], involving: Path | None = None) -> None:
    """`ConfigError` (exit 2) naming each pair file that names a pair or a target an
    earlier one names (`sync --config-dir`, `run`; `check` of one file, `involving`, among
    its neighbours); files that do not load are left to the run, which reports them."""
    configs: dict[Path, PairConfig] = {}
    for path in paths:
        try:
            configs[path] = load_config(path)
        except ConfigError:
            continue
    problems = clashes(configs)[1]
    if involving is not None:
        problems = [line for line in problems if involving.name in line.split(":")[0]]
    if problems:
        raise ConfigError(problems)


def clashes(configs: dict[Path, PairConfig]) -> tuple[dict[Path, PairConfig], list[str]]:
    """The pairs that clash with no earlier one, and one line per clash: two files naming
    one pair, or one target in its tool (`TargetBase.identity`), which would carry each
    pair's items into the other."""
    kept: dict[Path, PairConfig] = {}
    problems: list[str] = []
    pairs: dict[str, Path] = {}
    owners: dict[str, tuple[Path, str]] = {}  # target identity -> (file, target name)
    for path, config in configs.items():
        name = config.pair.name
        found = []
        if name in pairs:
            found.append(f"{path.name}: pair.name '{name}' is also in {pairs[name].name}")
        for target in config.targets:
            identity = target.identity()
            if identity is None or identity[0] not in owners:
                continue
            other, other_target = owners[identity[0]]
            found.append(
                f'{other.name} and {path.name} both name {identity[1]} (targets "{other_target}" '
                f'and "{target.name}"): a target belongs to one pair; give each pair its own'
            )
        problems += found
        if found:
            continue
        kept[path], pairs[name] = config, path
        for target in config.targets:
            if (identity := target.identity()) is not None:
                owners[identity[0]] = (path, target.name)
    return kept, problems
