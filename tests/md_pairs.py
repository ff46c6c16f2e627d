"""Pairs of Markdown files only, written as a user writes them, and the real `pairsync`
command run on them (the QA pass's "two-file pair")."""

from __future__ import annotations

from pathlib import Path

from tests.cli_run import pairsync


def write_pair(folder: Path, name: str, files: dict[str, str], extra: str = "") -> Path:
    """`<folder>/<name>.toml`: pair `name`, its own state, Five Whys off, one Markdown
    target per `files` entry (target name -> file)."""
    targets = "".join(
        f'[[targets]]\nname = "{target}"\ntype = "markdown"\npath = "{path}"\n\n'
        for target, path in files.items()
    )
    config = folder / f"{name}.toml"
    config.write_text(
        f'[pair]\nname = "{name}"\n\n[state]\npath = "state/{name}.sqlite"\n\n'
        f"[five_whys]\nenabled = false\n\n{targets}{extra}",
        encoding="utf-8",
    )
    return config


def run(folder: Path, *args: str) -> tuple[int, list[str], list[str]]:
    """Exit code, stdout lines and stderr lines of `pairsync ARGS` run in `folder`."""
    done = pairsync(*args, cwd=folder)
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def cards(path: Path) -> list[str]:
    """The card lines of a Markdown board, without their link-back ids."""
    return [
        line.split(" ^ps-")[0]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("- [")
    ]
