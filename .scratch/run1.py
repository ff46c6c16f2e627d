import subprocess, pathlib, time, sys
sys.path.insert(0, "/work/wt/google")
from adapters.google.sim.server import GoogleSimulator
sim = GoogleSimulator().start(); w = sim.seed()
d = pathlib.Path("pairA"); d.mkdir(exist_ok=True)
cred = w.credentials(d)
(d/"board.md").write_text("## Goals\n\n- [ ] Grow EMEA revenue 20%\n\n## Problems\n\n- [ ] Board reports are late\n\n## Actions\n\n- [ ] Book flights to Lisbon\n")
(d/"pair.toml").write_text(f'''
[pair]
name = "ceo-ea"
executive = "Dana Smith"
assistant = "Lee Park"
timezone = "UTC"
[state]
path = "state.sqlite"
[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
[[targets]]
name = "lee-sheet"
type = "google_sheets"
spreadsheet_id = "{w.spreadsheet_id}"
credentials = "{cred.name}"
base_url = "{sim.base_url}"
drive_base_url = "{sim.base_url}"
''')
def run(*a):
    r = subprocess.run(["pairsync", *a], capture_output=True, text=True)
    print("$ pairsync", " ".join(a), "-> exit", r.returncode); print(r.stdout + r.stderr)
run("sync", "--config", "pairA/pair.toml")
run("sync", "--config", "pairA/pair.toml")
p = sim.person(w)
for r in p.rows("Board"): print(r)
p.sort("Board", 1)
p.set("Five Whys", 2, 3, "finance closes late")
run("sync", "--config", "pairA/pair.toml")
print((d/"board.md").read_text())
run("sync", "--config", "pairA/pair.toml")
p.delete_row("Board", 1)
run("sync", "--config", "pairA/pair.toml")
run("check", "--config", "pairA/pair.toml")
sim.revoke(w)
run("sync", "--config", "pairA/pair.toml")
print(sim.violations)
