"""`OneNoteSimulator`: Microsoft Graph's OneNote pages and a Microsoft sign-in, on loopback.

    sim = OneNoteSimulator(speed=20).start()   # https on a free port, its own certificate
    keys = sim.config_keys()                   # the [[documents]] keys, a signed-in file
    sim.person.tick(page_id, data_id)          # act as a person in OneNote

Graph (`/v1.0/me/onenote/...`, validated against the vendored `Notes.yml`, `spec`):
sections (`$filter`, `$expand=parentNotebook`), a section's pages (`$select`, `$filter`
on the title, `$top` and `@odata.nextLink`), a page's metadata, its HTML (`pages`) and the
PATCH of its content. Throttling: 120 requests a minute per user (429 with
`Retry-After`); a section holds `section_limit` pages, then 507. Sign-in (`/{tenant}/...`)
is `login`'s, on the same server. Graph's errors are `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import io
import json
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from adapters.onenote.sim import spec
from adapters.onenote.sim.login import CLIENT_ID, USER_ID, Login, tls_context
from adapters.onenote.sim.pages import PageError, SimPage
from adapters.simkit import SimApp, Simulator, iso, json_response
from adapters.simserver import SimServer

RATE_LIMIT = 120
RATE_WINDOW = 60.0

URL_MAP = Map(
    [
        Rule("/v1.0/me/onenote/sections", endpoint="list_sections", methods=["GET"]),
        Rule(
            "/v1.0/me/onenote/sections/<section>/pages",
            endpoint="section_pages",
            methods=["GET", "POST"],
        ),
        Rule("/v1.0/me/onenote/pages/<page>", endpoint="one_page", methods=["GET", "DELETE"]),
        Rule(
            "/v1.0/me/onenote/pages/<page>/content",
            endpoint="page_content",
            methods=["GET", "PATCH"],
        ),
    ]
)


@dataclass
class Section:
    id: str
    name: str
    notebook: str
    pages: list[str] = field(default_factory=list)


class OneNoteApp(SimApp):
    url_map = URL_MAP
    spec_server = spec.SERVER

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(speed=speed, limit=RATE_LIMIT, window=RATE_WINDOW)
        self.sections: dict[str, Section] = {}
        self.pages: dict[str, SimPage] = {}
        self.tokens: set[str] = set()
        self.section_limit = 1000
        self.login = Login(self.lock, self.tokens)
        self._last = 0.0

    def load_spec(self) -> OpenAPI:
        return spec.load_spec()

    def spec_request(self, request: Request) -> Request:
        """`/me` is Graph's alias of the signed-in user: validated as `/users/{id}`."""
        body = request.get_data()  # kept on `request`: its handler reads it again
        environ = dict(request.environ)
        environ["PATH_INFO"] = request.path.replace("/v1.0/me/", f"/v1.0/users/{USER_ID}/", 1)
        environ["wsgi.input"] = io.BytesIO(body)
        return Request(environ)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith(("/v1.0/", "/_sim/")):
            return self.login(environ, start_response)
        return super().__call__(environ, start_response)

    def authenticate(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        return USER_ID if header.startswith("Bearer ") and token in self.tokens else None

    def error_response(self, status: int, message: str, code: str | None = None) -> Response:
        codes = {400: "BadRequest", 401: "InvalidAuthenticationToken", 404: "20102"}
        error = {"code": code or codes.get(status, str(status)), "message": message}
        return json_response({"error": error}, status)

    def unauthorized_response(self, request: Request) -> Response:
        return self.error_response(401, "Access token is empty or invalid.")

    def rate_limited_response(self, retry_after_real: float) -> Response:
        response = self.error_response(429, "Too many requests.", "20166")
        response.headers["Retry-After"] = f"{retry_after_real:.3f}".rstrip("0").rstrip(".")
        return response

    # -- Graph --------------------------------------------------------------------------
    def list_sections(self, request: Request) -> Response:
        expand = "parentNotebook" in request.args.get("$expand", "")
        return json_response(
            {
                "value": [
                    {"id": s.id, "displayName": s.name}
                    | ({"parentNotebook": {"displayName": s.notebook}} if expand else {})
                    for s in self.sections.values()
                ]
            }
        )

    def section_pages(self, request: Request, section: str) -> Response:
        found = self.sections.get(section)
        if found is None:
            return self.error_response(404, "The specified resource ID does not exist.")
        if request.method == "POST":
            return self._create(request, found)
        listed = [self.pages[p] for p in found.pages]
        title = request.args.get("$filter", "")
        if title:
            wanted = title.removeprefix("title eq '").removesuffix("'").replace("''", "'")
            listed = [p for p in listed if p.title == wanted]
        top = int(request.args.get("$top", "20"))
        skip = int(request.args.get("$skip", "0"))
        chosen = listed[skip : skip + top]
        select = request.args.get("$select")
        body: dict[str, Any] = {"value": [self._json(p, select) for p in chosen]}
        if skip + top < len(listed):
            args = {k: v for k, v in request.args.items() if k != "$skip"}
            query = "&".join(f"{k}={v}" for k, v in args.items())
            body["@odata.nextLink"] = f"{request.base_url}?{query}&$skip={skip + top}"
        return json_response(body)

    def _create(self, request: Request, section: Section) -> Response:
        if len(section.pages) >= self.section_limit:
            return self.error_response(507, "The section is full.", "19999")
        page_id = f"1-{secrets.token_hex(16)}!{len(self.pages) + 1}-{section.id.split('!')[0]}"
        try:
            page = SimPage.from_html(
                page_id, section.id, request.get_data(as_text=True), self._stamp()
            )
        except PageError as exc:
            return self.error_response(exc.status, exc.message, exc.code)
        self.pages[page_id] = page
        section.pages.append(page_id)
        return json_response(self._json(page, None), 201)

    def one_page(self, request: Request, page: str) -> Response:
        found = self.pages.get(page)
        if found is None:
            return self.error_response(404, "The specified resource ID does not exist.")
        if request.method == "DELETE":
            self.delete(page)
            return Response(status=204)
        return json_response(self._json(found, request.args.get("$select")))

    def page_content(self, request: Request, page: str) -> Response:
        found = self.pages.get(page)
        if found is None:
            return self.error_response(404, "The specified resource ID does not exist.")
        if request.method == "GET":
            return Response(found.html(), mimetype="text/html")
        try:
            commands = json.loads(request.get_data() or b"[]")
            found.patch(commands)
        except PageError as exc:
            return self.error_response(exc.status, exc.message, exc.code)
        except ValueError:
            return self.error_response(400, "The body is not JSON.")
        found.modified = self._stamp()
        return Response(status=204)

    def _json(self, page: SimPage, select: str | None) -> dict[str, Any]:
        whole = {
            "id": page.id,
            "self": f"{spec.SERVER}/users/{USER_ID}/onenote/pages/{page.id}",
            "title": page.title,
            "createdDateTime": page.created,
            "lastModifiedDateTime": page.modified,
            "createdByAppId": f"WLID-{CLIENT_ID}",
            "contentUrl": f"{spec.SERVER}/users/{USER_ID}/onenote/pages/{page.id}/content",
            "links": {
                "oneNoteClientUrl": {"href": f"onenote:https://onedrive.example/{page.id}"},
                "oneNoteWebUrl": {"href": f"https://onedrive.example/{page.id}"},
            },
        }
        if not select:
            return whole
        return {k: v for k, v in whole.items() if k in select.split(",")}

    def _stamp(self) -> str:
        """Now, by the simulated clock; strictly later than the last stamp given."""
        now = max(self.clock.now(), self._last + 0.001)
        self._last = now
        return iso(now)

    # -- a person in OneNote ----------------------------------------------------------------
    def touched(self, page: SimPage) -> None:
        page.modified = self._stamp()

    def delete(self, page_id: str) -> None:
        page = self.pages.pop(page_id)
        self.sections[page.section].pages.remove(page_id)


class Person:
    """A person in OneNote: ticks a to-do, types into a paragraph, writes their own."""

    def __init__(self, app: OneNoteApp) -> None:
        self.app = app

    def tick(self, page_id: str, data_id: str, done: bool = True) -> None:
        with self.app.lock:
            page = self.app.pages[page_id]
            page.element(data_id).set("data-tag", "to-do:completed" if done else "to-do")
            self.app.touched(page)

    def type(self, page_id: str, data_id: str, text: str) -> None:
        with self.app.lock:
            page = self.app.pages[page_id]
            element = page.element(data_id)
            for child in list(element):
                element.remove(child)
            element.text = text
            self.app.touched(page)

    def write_own(self, page_id: str, text: str) -> None:
        with self.app.lock:
            page = self.app.pages[page_id]
            page.add_paragraph(text)
            self.app.touched(page)

    def delete(self, page_id: str) -> None:
        with self.app.lock:
            self.app.delete(page_id)

    def shown(self, page_id: str) -> str:
        with self.app.lock:
            return self.app.pages[page_id].text()


class OneNoteSimulator(Simulator):
    api_prefix = "/v1.0"
    app: OneNoteApp

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="pairsync-onenote-sim-")
        self.ca_bundle = Path(self._folder.name) / "simulator-cert.pem"
        self.app = OneNoteApp(speed=speed)
        self.server = SimServer(self.app, host, port, ssl_context=tls_context(self.ca_bundle, host))
        self.person = Person(self.app)

    @property
    def login_url(self) -> str:
        return self.server.root_url

    def add_section(self, name: str = "Pair record", notebook: str = "Dana & Lee") -> str:
        with self.app.lock:
            section_id = f"0-{secrets.token_hex(8).upper()}!{len(self.app.sections) + 1}"
            self.app.sections[section_id] = Section(section_id, name, notebook)
            return section_id

    def config_keys(self, credentials: Path) -> dict[str, str]:
        """The `[[documents]]` keys of a new section here, signed in through MSAL's
        device-code flow as `pairsync auth microsoft` does (`pairsync simulate`, tests)."""
        from adapters.onenote.auth import sign_in
        from adapters.onenote.config import OneNoteDocuments

        keys = {
            "credentials": str(credentials),
            "section_id": self.add_section(),
            "base_url": self.base_url,
            "login_url": self.login_url,
            "ca_bundle": str(self.ca_bundle),
            "client_id": CLIENT_ID,
        }
        sign_in(OneNoteDocuments(name="onenote", type="onenote", **keys), Path("."), lambda _: None)
        return {"type": "onenote", **keys}

    def stop(self) -> None:
        super().stop()
        self._folder.cleanup()
