"""Google's HTTP dialect over the simulator's accounts, Drive, Sheets and Docs, on one
loopback server: `/v4/spreadsheets...` (Sheets), `/drive/v3/files...` (Drive),
`/v1/documents...` (Docs), `/token` and `/o/oauth2/auth` (OAuth 2.0).

Every API request and answer is checked against the discovery documents shipped inside
`google-api-python-client` (`adapters.google.sim.discovery`). Quotas are per user and
per minute, as Google publishes them: Sheets 60 reads and 60 writes, Docs 300 reads and
60 writes, Drive 12,000 queries; beyond them the answer is 429 `RESOURCE_EXHAUSTED`
(without `Retry-After`: Google sends none; clients back off). Errors are Google's JSON
`{"error": {"code", "message", "status"}}`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from adapters.google.sim import discovery
from adapters.google.sim.accounts import Accounts, GrantError
from adapters.google.sim.docs import Doc, Documents
from adapters.google.sim.drive import DOCUMENT, SHEET, Drive, select
from adapters.google.sim.sheets import Spreadsheet
from adapters.simclock import RateLimiter
from adapters.simkit import ServiceError, SimApp, json_response

STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

QUOTAS: dict[str, int] = {
    "sheets-read": 60,
    "sheets-write": 60,
    "docs-read": 300,
    "docs-write": 60,
    "drive": 12_000,
}
"""Requests per minute per user."""

ROUTES: list[tuple[str, str, str]] = [
    # (HTTP method, path, discovery method id); the endpoint is the id's last two parts
    ("GET", "/v4/spreadsheets/<spreadsheetId>", "sheets.spreadsheets.get"),
    ("POST", "/v4/spreadsheets", "sheets.spreadsheets.create"),
    ("POST", "/v4/spreadsheets/<spreadsheetId>:batchUpdate", "sheets.spreadsheets.batchUpdate"),
    (
        "GET",
        "/v4/spreadsheets/<spreadsheetId>/values:batchGet",
        "sheets.spreadsheets.values.batchGet",
    ),
    (
        "POST",
        "/v4/spreadsheets/<spreadsheetId>/values:batchUpdate",
        "sheets.spreadsheets.values.batchUpdate",
    ),
    (
        "POST",
        "/v4/spreadsheets/<spreadsheetId>/values/<path:range>:append",
        "sheets.spreadsheets.values.append",
    ),
    ("GET", "/drive/v3/files/<fileId>", "drive.files.get"),
    ("PATCH", "/drive/v3/files/<fileId>", "drive.files.update"),
    ("GET", "/drive/v3/files", "drive.files.list"),
    ("POST", "/v1/documents", "docs.documents.create"),
    ("GET", "/v1/documents/<documentId>", "docs.documents.get"),
    ("POST", "/v1/documents/<documentId>:batchUpdate", "docs.documents.batchUpdate"),
]
METHODS = {(verb, rule): method_id for verb, rule, method_id in ROUTES}


def _endpoint(method_id: str) -> str:
    return "_".join(method_id.split(".")[1:]).replace("spreadsheets_", "sheet_")


URL_MAP = Map(
    [Rule(path, methods=[verb], endpoint=_endpoint(mid)) for verb, path, mid in ROUTES]
    + [
        Rule("/token", methods=["POST"], endpoint="token"),
        Rule("/o/oauth2/auth", methods=["GET"], endpoint="consent"),
    ]
)
API_OF = {"sheets": "sheets.v4", "drive": "drive.v3", "docs": "docs.v1"}


def google_error(status: int, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}}
    return json_response(body, status)


Handler = Callable[..., Response]


def api(handler: Handler) -> Handler:
    """The backend's `ServiceError`s as Google's error answers."""

    @functools.wraps(handler)
    def wrapper(self: GoogleApp, request: Request, **args: str) -> Response:
        try:
            return handler(self, request, **args)
        except GrantError as exc:
            return json_response({"error": exc.error, "error_description": exc.message}, 400)
        except ServiceError as exc:
            return google_error(exc.status, exc.message)

    return wrapper


class GoogleApp(SimApp):
    url_map = URL_MAP
    spec_server = "https://sheets.googleapis.com"

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(speed=speed, limit=QUOTAS["sheets-read"], window=60.0)
        self.accounts = Accounts(self.clock.now)
        self.drive = Drive(self.clock.now)
        self.sheets: dict[str, Spreadsheet] = {}
        self.documents = Documents(self.clock.now)
        self.quotas = {name: RateLimiter(n, 60.0, self.clock) for name, n in QUOTAS.items()}
        self.root_url = ""
        """Set by the server: the token endpoint's own address (the audience of a JWT)."""

    # -- simkit hooks ---------------------------------------------------------------------
    def load_spec(self) -> None:
        return None

    def _method(self, request: Request) -> discovery.Method | None:
        rule, _ = self.url_map.bind_to_environ(request.environ).match(return_rule=True)
        method_id = METHODS.get((request.method, rule.rule))
        if method_id is None:
            return None
        return discovery.method(API_OF[method_id.split(".")[0]], method_id)

    def request_errors(self, request: Request) -> list[str]:
        target = self._method(request)
        if target is None:
            return []
        errors = discovery.query_errors(target, request.args.to_dict(flat=False))
        body = request.get_json(silent=True) if request.data else None
        return errors + discovery.body_errors(target, body, "request")

    def response_errors(self, request: Request, response: Response) -> list[str]:
        target = self._method(request)
        if target is None or response.status_code >= 400:
            return []
        body = json.loads(response.get_data() or b"{}")
        return discovery.body_errors(target, body, "response")

    def authenticate(self, request: Request) -> str | None:
        if request.path in ("/token", "/o/oauth2/auth"):
            return "oauth"
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self.accounts.user_of(token) if scheme.lower() == "bearer" else None

    def unauthorized_response(self, request: Request) -> Response:
        return google_error(401, "Request had invalid authentication credentials.")

    def error_response(self, status: int, message: str) -> Response:
        return google_error(status, message)

    def rate_limited_response(self, retry_after_real: float) -> Response:
        return google_error(
            429,
            "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user'.",
        )

    def admit(self, request: Request, key: str) -> float:
        if key == "oauth":
            return 0.0
        service = request.path.split("/")[1]
        quota = {"v4": "sheets", "drive": "drive", "v1": "docs"}.get(service, "drive")
        if quota != "drive":
            quota += "-read" if request.method == "GET" else "-write"
        return self.quotas[quota].admit(key)

    # -- OAuth ----------------------------------------------------------------------------
    @api
    def token(self, request: Request) -> Response:
        answer = self.accounts.grant(request.form.to_dict(), f"{self.root_url}/token")
        return json_response(answer)

    @api
    def consent(self, request: Request) -> Response:
        code = self.accounts.authorize(request.args.get("client_id", ""))
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        location = f"{request.args.get('redirect_uri', '')}?{query}"
        return Response(status=302, headers={"Location": location})

    # -- Drive ----------------------------------------------------------------------------
    def user(self, request: Request) -> str:
        user = self.authenticate(request)
        assert user is not None  # dispatch answered 401 otherwise
        return user

    @api
    def files_get(self, request: Request, fileId: str) -> Response:
        found = self.drive.get(fileId, self.user(request))
        return json_response(select(found.json(), request.args.get("fields")))

    @api
    def files_update(self, request: Request, fileId: str) -> Response:
        found = self.drive.get(fileId, self.user(request))
        body = request.get_json() or {}
        self.drive.update(
            found, body, request.args.get("addParents", ""), request.args.get("removeParents", "")
        )
        return json_response(select(found.json(), request.args.get("fields")))

    @api
    def files_list(self, request: Request) -> Response:
        files = self.drive.list(request.args.get("q", ""), self.user(request))
        size = int(request.args.get("pageSize", 100))
        start = int(request.args.get("pageToken", 0) or 0)
        page: dict[str, Any] = {
            "kind": "drive#fileList",
            "files": [f.json() for f in files[start : start + size]],
        }
        if start + size < len(files):
            page["nextPageToken"] = str(start + size)
        return json_response(select(page, request.args.get("fields")))

    # -- Sheets ---------------------------------------------------------------------------
    def spreadsheet(self, request: Request, spreadsheet_id: str) -> Spreadsheet:
        self.drive.get(spreadsheet_id, self.user(request))
        return self.sheets[spreadsheet_id]

    def new_spreadsheet(self, title: str, owner: str) -> Spreadsheet:
        made = self.drive.create(title, SHEET, owner)
        sheet = Spreadsheet(made.id, title)
        sheet.add_tab("Sheet1")
        self.sheets[made.id] = sheet
        return sheet

    @api
    def sheet_get(self, request: Request, spreadsheetId: str) -> Response:
        sheet = self.spreadsheet(request, spreadsheetId)
        return json_response(select(sheet.json(self.root_url), request.args.get("fields")))

    @api
    def sheet_create(self, request: Request) -> Response:
        title = (
            (request.get_json() or {}).get("properties", {}).get("title", "Untitled spreadsheet")
        )
        return json_response(self.new_spreadsheet(title, self.user(request)).json(self.root_url))

    @api
    def sheet_batchUpdate(self, request: Request, spreadsheetId: str) -> Response:
        sheet = self.spreadsheet(request, spreadsheetId)
        replies = sheet.batch_update((request.get_json() or {}).get("requests", []))
        self.drive.touched(spreadsheetId)
        return json_response({"spreadsheetId": sheet.id, "replies": replies})

    @api
    def sheet_values_batchGet(self, request: Request, spreadsheetId: str) -> Response:
        sheet = self.spreadsheet(request, spreadsheetId)
        render = request.args.get("valueRenderOption", "FORMATTED_VALUE")
        dates = request.args.get("dateTimeRenderOption", "SERIAL_NUMBER")
        ranges = [sheet.get_values(a1, render, dates) for a1 in request.args.getlist("ranges")]
        return json_response({"spreadsheetId": sheet.id, "valueRanges": ranges})

    @api
    def sheet_values_batchUpdate(self, request: Request, spreadsheetId: str) -> Response:
        sheet = self.spreadsheet(request, spreadsheetId)
        body = request.get_json() or {}
        option = body.get("valueInputOption", "")
        if option not in ("RAW", "USER_ENTERED"):
            raise ServiceError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        for each in body.get("data", []):
            sheet.span(each["range"])  # every range parses and names a tab, or nothing is written
            sheet.tab(sheet.span(each["range"]).tab)
        answers = [
            sheet.put_values(d["range"], d.get("values", []), option) for d in body.get("data", [])
        ]
        self.drive.touched(spreadsheetId)
        return json_response(
            {
                "spreadsheetId": sheet.id,
                "totalUpdatedRows": sum(a["updatedRows"] for a in answers),
                "totalUpdatedColumns": max((a["updatedColumns"] for a in answers), default=0),
                "totalUpdatedCells": sum(a["updatedCells"] for a in answers),
                "totalUpdatedSheets": len(
                    {sheet.span(d["range"]).tab for d in body.get("data", [])}
                ),
                "responses": answers,
            }
        )

    @api
    def sheet_values_append(self, request: Request, spreadsheetId: str, range: str) -> Response:
        sheet = self.spreadsheet(request, spreadsheetId)
        option = request.args.get("valueInputOption", "")
        if option not in ("RAW", "USER_ENTERED"):
            raise ServiceError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        values = (request.get_json() or {}).get("values", [])
        insert = request.args.get("insertDataOption") == "INSERT_ROWS"
        answer = sheet.append(range, values, option, insert)
        self.drive.touched(spreadsheetId)
        return json_response(answer)

    # -- Docs -----------------------------------------------------------------------------
    def document(self, request: Request, document_id: str) -> Doc:
        self.drive.get(document_id, self.user(request))
        return self.documents.get(document_id)

    @api
    def documents_create(self, request: Request) -> Response:
        title = (request.get_json() or {}).get("title", "Untitled document")
        made = self.drive.create(title, DOCUMENT, self.user(request))
        return json_response(self.documents.create(made.id, title).json())

    @api
    def documents_get(self, request: Request, documentId: str) -> Response:
        return json_response(self.document(request, documentId).json())

    @api
    def documents_batchUpdate(self, request: Request, documentId: str) -> Response:
        doc = self.document(request, documentId)
        body = request.get_json() or {}
        replies = self.documents.batch_update(
            doc, body.get("requests", []), body.get("writeControl")
        )
        self.drive.touched(documentId)
        return json_response(
            {
                "documentId": doc.id,
                "replies": replies,
                "writeControl": {"requiredRevisionId": doc.revision},
            }
        )
