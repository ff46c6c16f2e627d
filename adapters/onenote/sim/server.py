"""`OneNoteSimulator`: Microsoft Graph's OneNote pages and a Microsoft sign-in, on loopback.

    sim = OneNoteSimulator(speed=20).start()   # https on a free port, its own certificate
    keys = sim.config_keys()                   # the [[documents]] keys, a signed-in file
    sim.person.tick(page_id, data_id)          # act as a person in OneNote

Graph (`/v1.0/me/onenote/...`, validated against the vendored `Notes.yml`, `spec`):
sections (`$filter`, `$expand=parentNotebook`), a section's pages (`$select`, `$filter`
on the title, `$top` and `@odata.nextLink`), a page's metadata, its HTML (`pages`) and the
PATCH of its content. Throttling: 120 requests a minute per user (429 with
`Retry-After`); a section holds `section_limit` pages, then 507. Sign-in (`/{tenant}/...`,
OpenID discovery, the device-code flow, refresh tokens that rotate and can be revoked):
enough for MSAL to run unchanged. Graph's errors are `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import ipaddress
import json
import secrets
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from openapi_core import OpenAPI
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from adapters.onenote.sim import spec
from adapters.onenote.sim.pages import PageError, SimPage
from adapters.simkit import SimApp, Simulator, iso, json_response
from adapters.simserver import SimServer

RATE_LIMIT = 120
RATE_WINDOW = 60.0
USER_ID = "48d31887-5fad-4d73-a9f5-3c356e68a038"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "4b0db8c2-9f26-4417-8bde-3f0e3656f8e0"

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
        self.login = Login(self)
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


class Login:
    """The Microsoft identity platform, as far as MSAL's device-code and refresh flows go."""

    def __init__(self, app: OneNoteApp) -> None:
        self.app = app
        self.pending: dict[str, bool] = {}
        """device code -> approved by the person."""
        self.refresh_tokens: set[str] = set()
        self.approve_at_once = True
        self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.app.lock:
            self.requests += 1
            response = self.answer(request)
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        root = request.host_url.rstrip("/")
        tenant = request.path.strip("/").split("/")[0]
        base = f"{root}/{tenant}"
        if request.path.endswith("/.well-known/openid-configuration"):
            return json_response(
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                }
            )
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        if request.path.endswith("/oauth2/v2.0/devicecode"):
            code = secrets.token_urlsafe(24)
            self.pending[code] = self.approve_at_once
            return json_response(
                {
                    "device_code": code,
                    "user_code": "SIMCODE1",
                    "verification_uri": f"{root}/devicelogin",
                    "expires_in": 900,
                    "interval": 1,
                    "message": f"To sign in, use a web browser to open the page {root}/devicelogin "
                    "and enter the code SIMCODE1 to authenticate.",
                }
            )
        if request.path.endswith("/oauth2/v2.0/token"):
            return self._token(form)
        return json_response({"error": "not_found"}, 404)

    def _token(self, form: dict[str, str]) -> Response:
        grant = form.get("grant_type", "")
        if grant.endswith("device_code"):
            approved = self.pending.get(form.get("device_code", ""))
            if approved is None:
                return _oauth_error("expired_token", "AADSTS70019: the code expired.")
            if not approved:
                return _oauth_error("authorization_pending", "AADSTS70016: pending.")
            del self.pending[form["device_code"]]
        elif grant == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return _oauth_error(
                    "invalid_grant",
                    "AADSTS70008: The provided authorization code or refresh token has expired.",
                )
            self.refresh_tokens.discard(old)
        else:
            return _oauth_error("unsupported_grant_type", "AADSTS70003.")
        return json_response(self.issue())

    def issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        self.app.tokens.add(access)
        self.refresh_tokens.add(refresh)
        claims = {
            "aud": CLIENT_ID,
            "iss": "sim",
            "oid": USER_ID,
            "tid": TENANT_ID,
            "sub": USER_ID,
            "preferred_username": "dana@example.com",
            "name": "Dana Smith",
        }
        client_info = {"uid": USER_ID, "utid": TENANT_ID}
        return {
            "token_type": "Bearer",
            "scope": "Notes.ReadWrite openid profile offline_access",
            "expires_in": 3600,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": f"{_b64({'alg': 'none'})}.{_b64(claims)}.",
            "client_info": _b64(client_info),
        }

    def revoke(self) -> None:
        """The person revoked pairsync's consent (or it expired): every token stops."""
        self.refresh_tokens.clear()
        self.app.tokens.clear()


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


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
        self.server = SimServer(
            self.app, host, port, ssl_context=_tls_context(self.ca_bundle, host)
        )
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


def _tls_context(cert_path: Path, host: str) -> ssl.SSLContext:
    """A self-signed certificate for `host` (and localhost), written to `cert_path` for the
    client to trust; the key stays in memory's temp folder beside it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pairsync OneNote simulator")])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = cert_path.with_name("simulator-key.pem")
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
