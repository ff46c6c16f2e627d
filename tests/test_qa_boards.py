"""The QA pass of 2026-12-07 (issue 21) on Markdown boards, through the command line:
a restored backup (D2), an archive heading that differs only in case (D3), two pairs on
one target (S3), what `undo` counts (C3) and a one-item hold's grammar (C5)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tests.cli_run import start_pairsync
from tests.md_pairs import cards, run, write_pair


def test_a_file_restored_from_a_backup_does_not_undo_what_the_board_moved_on_to(tmp_path):
    """D2: Lee's rename and done mark, made while the backup sat on the shelf, stay."""
    config = write_pair(tmp_path, "restore", {"exec-md": "exec.md", "asst-md": "asst.md"})
    exec_md, asst_md = tmp_path / "exec.md", tmp_path / "asst.md"
    exec_md.write_text("## Actions\n\n- [ ] Alpha\n- [ ] Bravo\n- [ ] Charlie\n- [ ] Delta\n")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    backup = exec_md.read_text()
    asst = asst_md.read_text()
    asst = asst.replace("- [ ] Alpha", "- [ ] Alpha v2 (edited by Lee)")
    asst_md.write_text(asst.replace("- [ ] Bravo", "- [x] Bravo"))
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    exec_md.write_text("")
    code, out, err = run(tmp_path, "sync", "-c", str(config))
    assert code == 1 and any("4 items vanished at once" in line for line in out + err)

    exec_md.write_text(backup)
    code, out, err = run(tmp_path, "sync", "-c", str(config))

    assert code == 0, out + err
    expected = ["- [ ] Alpha v2 (edited by Lee)", "- [x] Bravo", "- [ ] Charlie", "- [ ] Delta"]
    assert cards(asst_md) == expected
    assert cards(exec_md) == expected
    assert any("older than the board" in line and "exec-md" in line for line in out + err)


def test_a_value_typed_into_the_restored_file_is_a_persons_edit(tmp_path):
    """D2's other side: a value the item never held on the board, typed into the restored
    file, is a person's edit and reaches every tool; the old values beside it do not."""
    config = write_pair(tmp_path, "restore", {"exec-md": "exec.md", "asst-md": "asst.md"})
    exec_md, asst_md = tmp_path / "exec.md", tmp_path / "asst.md"
    exec_md.write_text("## Actions\n\n- [ ] Alpha\n- [ ] Bravo\n- [ ] Charlie\n")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    backup = exec_md.read_text()
    asst_md.write_text(asst_md.read_text().replace("- [ ] Alpha", "- [ ] Alpha v2"))
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    exec_md.write_text("")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 1
    exec_md.write_text(backup.replace("- [ ] Charlie", "- [ ] Charlie, typed after restoring"))
    code, out, err = run(tmp_path, "sync", "-c", str(config))
    assert code == 0, out + err
    expected = ["- [ ] Alpha v2", "- [ ] Bravo", "- [ ] Charlie, typed after restoring"]
    assert cards(asst_md) == expected
    assert cards(exec_md) == expected
    assert (
        "exec-md: 1 item came back from the hold with values older than the board, "
        "which keeps its own: 'Alpha' (title)"
    ) in out + err


def test_an_archive_heading_that_differs_only_in_case_is_a_config_error(tmp_path):
    """D3: `archive_heading = "goals"` beside `## Goals` would archive every goal."""
    config = write_pair(
        tmp_path,
        "case",
        {"a": "a.md"},
        '[[targets]]\nname = "b"\ntype = "markdown"\npath = "b.md"\narchive_heading = "goals"\n',
    )
    (tmp_path / "a.md").write_text("## Goals\n\n- [ ] Goal one\n- [ ] Goal two\n")
    for command in ("check", "sync"):
        code, out, err = run(tmp_path, command, "-c", str(config))
        assert code == 2, out + err
        assert err == [
            'pairsync: case.toml: targets[2] "b": archive_heading "goals" and lists.goal "Goals" '
            "name one place (a markdown target reads them alike)"
        ]
    assert cards(tmp_path / "a.md") == ["- [ ] Goal one", "- [ ] Goal two"]


def test_an_archive_heading_with_closing_hashes_is_the_same_heading(tmp_path):
    config = write_pair(
        tmp_path,
        "case",
        {"a": "a.md"},
        '[[targets]]\nname = "b"\ntype = "markdown"\n'
        'path = "b.md"\narchive_heading = "ACTIONS ##"\n',
    )
    code, _, err = run(tmp_path, "check", "-c", str(config))
    assert code == 2 and len(err) == 1
    assert 'archive_heading "ACTIONS ##" and lists.action "Actions" name one place' in err[0]


def two_pairs_on_one_file(folder: Path) -> None:
    for name in ("alpha", "beta"):
        write_pair(folder, name, {"shared-md": "shared.md", "own-md": f"{name}-own.md"})
    (folder / "alpha-own.md").write_text("## Goals\n\n- [ ] Alpha confidential goal\n")
    (folder / "beta-own.md").write_text("## Goals\n\n- [ ] Beta goal\n")


SHARED_LINE = (
    'pairsync: alpha.toml and beta.toml both name the board file shared.md (targets "shared-md" '
    'and "shared-md"): a target belongs to one pair; give each pair its own'
)


def test_two_pairs_naming_one_board_file_are_refused_everywhere(tmp_path):
    """S3: `sync --config-dir`, `check` and `run` refuse them with one line; nothing leaks."""
    two_pairs_on_one_file(tmp_path)
    code, out, err = run(tmp_path, "sync", "--config-dir", str(tmp_path))
    assert (code, err) == (2, [SHARED_LINE]), out
    code, out, err = run(tmp_path, "check", "-c", str(tmp_path / "beta.toml"))
    assert (code, err) == (2, [SHARED_LINE]), out
    code, out, err = run(tmp_path, "run", "--config-dir", str(tmp_path), "--every", "1h")
    assert (code, err) == (2, [SHARED_LINE]), out
    assert cards(tmp_path / "beta-own.md") == ["- [ ] Beta goal"]
    assert not (tmp_path / "shared.md").exists()


def test_two_pairs_naming_one_trello_board_or_asana_project_are_refused(tmp_path):
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.toml").write_text(
            f'[pair]\nname = "{name}"\n[state]\npath = "{name}.sqlite"\n'
            '[[targets]]\nname = "board"\ntype = "trello"\nbase_url = "http://127.0.0.1:9/1"\n'
            'board_id = "5f0c0ffee0c0ffee0c0ffee0"\napi_key = "k"\ntoken = "t"\n'
            f'[[targets]]\nname = "{name}-asana"\ntype = "asana"\n'
            'base_url = "http://127.0.0.1:9/api/1.0"\n'
            f'project_gid = "{"1209" if name == "alpha" else "1210"}"\ntoken = "t"\n'
        )
    code, _, err = run(tmp_path, "sync", "--config-dir", str(tmp_path))
    assert code == 2 and err == [
        "pairsync: alpha.toml and beta.toml both name the Trello board 5f0c0ffee0c0ffee0c0ffee0 "
        '(targets "board" and "board"): a target belongs to one pair; give each pair its own'
    ]
    beta = (tmp_path / "beta.toml").read_text()
    (tmp_path / "beta.toml").write_text(
        beta.replace("5f0c0ffee0c0ffee0c0ffee0", "5f0c0ffee0c0ffee0c0ffee1").replace(
            '"1210"', '"1209"'
        )
    )
    code, _, err = run(tmp_path, "sync", "--config-dir", str(tmp_path))
    assert code == 2 and err == [
        "pairsync: alpha.toml and beta.toml both name the Asana project 1209 "
        '(targets "alpha-asana" and "beta-asana"): a target belongs to one pair; give each '
        "pair its own"
    ]


def test_a_pair_file_edited_mid_run_to_name_another_pairs_board_is_not_synced(tmp_path):
    """A run checks every file for clashes before its first pair; beta's file, edited
    while alpha syncs to name alpha's board file, is skipped with a line saying why, and
    alpha's board gets nothing of beta's (before: beta's goal leaked into it)."""
    write_pair(tmp_path, "alpha", {"board-md": "alpha-board.md", "own-md": "alpha-own.md"})
    write_pair(tmp_path, "beta", {"board-md": "beta-board.md", "own-md": "beta-own.md"})
    (tmp_path / "alpha-own.md").write_text("## Goals\n\n- [ ] Alpha goal\n")
    (tmp_path / "beta-own.md").write_text("## Goals\n\n- [ ] Beta goal\n")
    (tmp_path / "state").mkdir(mode=0o700)
    lock = os.open(tmp_path / "state" / "alpha.sqlite.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # another run of alpha: this one waits behind it
    running = start_pairsync(
        "-v",
        "sync",
        "--config-dir",
        str(tmp_path),
        "--workers",
        "1",
        "--processes",
        "1",
        cwd=tmp_path,
        env={"PAIRSYNC_LOCK_WAIT": "60"},
    )
    assert running.stderr is not None
    for line in running.stderr:  # the check is behind it: alpha is the first pair synced
        if "another run of this pair holds the lock; waiting" in line:
            break
    beta = tmp_path / "beta.toml"
    beta.write_text(beta.read_text().replace('"beta-board.md"', '"alpha-board.md"'))
    os.close(lock)
    out, err = running.communicate(timeout=120)

    assert running.returncode == 1, out + err
    assert (
        "pairsync: beta.toml: changed after this run checked it against the other pair files "
        "(its pair name, a target or a credential); not synced in this run, the next run "
        "checks it again"
    ) in err
    assert cards(tmp_path / "alpha-board.md") == ["- [ ] Alpha goal"]
    assert run(tmp_path, "sync", "--config-dir", str(tmp_path))[0] == 2  # the clash, now


def test_undo_counts_only_what_it_put_back(tmp_path):
    """C3: the person's newer edit wins over the undo, so nothing was put back."""
    config = write_pair(tmp_path, "solo", {"exec-md": "exec.md", "asst-md": "asst.md"})
    exec_md, asst_md = tmp_path / "exec.md", tmp_path / "asst.md"
    exec_md.write_text("## Actions\n\n- [ ] Alpha\n- [ ] Bravo\n")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    exec_md.write_text(exec_md.read_text().replace("- [ ] Alpha", "- [ ] Alpha2"))
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    asst_md.write_text(asst_md.read_text().replace("- [ ] Alpha2", "- [ ] Alpha3 typed by Lee"))
    code, out, err = run(tmp_path, "undo", "-c", str(config))
    assert code == 0, out + err
    assert "undo of run 2: put back 0 items (1 kept a person's newer edit)" in out
    assert cards(exec_md)[0] == "- [ ] Alpha3 typed by Lee"


def test_a_one_item_hold_speaks_of_it(tmp_path):
    """C5: "1 item vanished ... holding it", not "holding them"."""
    config = write_pair(tmp_path, "one", {"exec-md": "exec.md", "asst-md": "asst.md"})
    exec_md = tmp_path / "exec.md"
    exec_md.write_text("## Goals\n\n- [ ] Goal\n\n## Actions\n\n- [ ] Act one\n- [ ] Act two\n")
    assert run(tmp_path, "sync", "-c", str(config))[0] == 0
    exec_md.write_text(exec_md.read_text().replace("## Goals", "## Aims"))
    code, out, err = run(tmp_path, "sync", "-c", str(config))
    line = next(line for line in out + err if "vanished at once" in line)
    assert code == 1
    assert 'exec-md: 1 item vanished at once (was "Goals" renamed, closed or deleted?); ' in line
    assert "holding it, nothing archived. If it was deleted on purpose: " in line


def test_init_takes_none_for_no_markdown_file_and_needs_one_target(tmp_path):
    """C2: "none" means no Markdown target; with no other target it is asked again."""
    answers = ["ceo-ea", "Dana", "Lee", "n", "n", "n", "none", "  ", "notes.md", "n"]
    code, out, err = run_init(tmp_path, answers)
    assert (code, err) == (0, []), out
    assert "\n".join(out).count("a pair needs at least one target: name a Markdown file") == 2
    written = (tmp_path / "ceo-ea.toml").read_text()
    assert 'path = "notes.md"' in written and 'path = " "' not in written


def run_init(folder: Path, answers: list[str]) -> tuple[int, list[str], list[str]]:
    from tests.cli_run import pairsync

    done = pairsync("init", "--output", "ceo-ea.toml", cwd=folder, input="\n".join(answers) + "\n")
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def test_the_readme_has_no_merge_conflict_markers():
    """C4: the Benchmarks section had `<<<<<<< HEAD` ... `>>>>>>>`."""
    from tests.cli_run import ROOT

    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    markers = [n for n, line in enumerate(lines, 1) if line.startswith(("<<<<<<<", ">>>>>>>"))]
    assert markers == []
