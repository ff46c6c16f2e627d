"""`AsanaSimulator`: the Asana simulator as a loopback HTTP server (moto's ThreadedMotoServer).

    sim = AsanaSimulator(speed=60).start()          # port 0: a free port
    world = sim.seed()                               # a workspace, a project, a token
    sim.base_url                                     # http://127.0.0.1:PORT/api/1.0
    sim.person.complete(task_gid)                    # act as a person in Asana's UI

`serve_forever()` runs it in the foreground for `pairsync simulate asana --port N`.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.asana.sim.entities import User
from adapters.asana.sim.models import AsanaBackend, SubtaskEvents
from adapters.asana.sim.person import Person
from adapters.asana.sim.responses import FREE_PLAN_LIMIT, AsanaApp
from adapters.asana.sim.urls import API
from adapters.simkit import Simulator


@dataclass(frozen=True)
class World:
    """What `seed` made: enough to configure an `AsanaTarget`."""

    token: str
    user_gid: str
    workspace_gid: str
    project_gid: str


class AsanaSimulator(Simulator):
    api_prefix = API
    app: AsanaApp

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        limit: int = FREE_PLAN_LIMIT,
        subtask_events: SubtaskEvents = "added",
    ) -> None:
        """`subtask_events`: the shape of a subtask's creation in `/events`
        (`AsanaBackend`)."""
        super().__init__(AsanaApp(speed=speed, limit=limit), host, port)
        self.backend.subtask_events = subtask_events
        self._person: Person | None = None

    @property
    def backend(self) -> AsanaBackend:
        return self.app.backend

    def config_keys(self) -> dict[str, str]:
        """The `[[targets]]` keys of a new project on this simulator (`pairsync simulate`)."""
        world = self.seed()
        return {"base_url": self.base_url, "project_gid": world.project_gid, "token": world.token}

    def seed(self, token: str = "sim-token", project_name: str = "Exec board") -> World:
        """One user with `token`, a workspace and an empty project (no sections yet)."""
        with self.app.lock:
            user = self.backend.create_user("Sim User", token)
            workspace = next(iter(self.backend.workspaces.values()), None)
            workspace = workspace or self.backend.create_workspace("Sim Workspace")
            project = self.backend.create_project(workspace, project_name)
        return World(token, user.gid, workspace.gid, project.gid)

    def pacing(self) -> dict[str, float]:
        """The target keys that pace a client to this simulator's limit on its clock."""
        return {
            "rate_limit_per_minute": self.app.limiter.limit,
            "clock_speed": self.app.clock.speed,
        }

    def person_of(self, token: str) -> Person:
        """The token's own user at work in Asana's UI: pairsync's writes and this person's
        edits name the same user, as when the assistant's token syncs their own edits."""
        return Person(self.backend, self.backend.tokens[token], self.app.lock)

    @property
    def person(self) -> Person:
        """A second user who edits in Asana's UI: events name them, not the token's user."""
        if self._person is None:
            with self.app.lock:
                user: User = self.backend.create_user("Dana Smith")
            self._person = Person(self.backend, user, self.app.lock)
        return self._person
