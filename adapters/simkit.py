"""What the Trello and Asana simulators share: fault switches, request statistics and
OpenAPI validation of every request and response, around a clock that can run faster than
real time and a sliding-window rate limiter (`adapters.simclock`), served by a threaded
loopback server (`adapters.simserver`); moto's server mode does the same with werkzeug.

A simulator is a werkzeug WSGI app built on `SimApp`: it routes with a werkzeug `Map`
and answers JSON; `SimApp` wraps every call with the cross-cutting behaviour in this
order: control plane (`/_sim/...`) → dropped connection / slow answer faults → rate
limit → injected 5xx → the handler → response validation.

Limitations (deliberate): validation failures of a *request* are answered with 400 and
recorded in `violations` (tests assert the list is empty); a *response* that breaks the
spec is a simulator bug and is recorded the same way. On a compressed clock the
`Retry-After` header carries real seconds, possibly fractional, so that clients honour
it without sleeping for simulated time.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from adapters.simclock import RateLimiter, SimClock
from adapters.simhooks import Deliverer, DeliveryLog
from adapters.simserver import Served, SimServer, hang_up


def iso(ts: float) -> str:
    """A timestamp as both services write them: UTC, milliseconds, `Z`."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ServiceError(Exception):
    """An answer a service gives instead of the resource: its status and message; each
    simulator's error class renders it in the service's own JSON."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Faults:
    """Switches a test flips to make the next requests misbehave."""

    fail_next: int = 0
    fail_status: int = 503
    fail_writes_next: int = 0
    """Answer `fail_status` to the next N writes (POST/PUT/DELETE) only: reads work."""
    drop_next: int = 0
    """Close the connection without an answer, before the handler runs."""
    drop_after_write_next: int = 0
    """Run the handler of a write (POST/PUT/DELETE), then close without an answer."""
    delay_seconds: float = 0.0
    rate_limit_next: int = 0
    """Answer 429 to the next N requests regardless of the limiter."""
    stall_write_next: int = 0
    """Run the handler of the Nth write (POST/PUT/DELETE) from now, then hold its answer
    until `SimApp.release()`: a test kills the client, or lets its request time out, at
    a known point between a write and its answer. `SimApp.stalled` is set meanwhile."""


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    """Requests per "METHOD /path/pattern"."""
    throttled: int = 0
    """Of those, answered 429 by the rate limiter (the bench subtracts them)."""

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


class _SpecRequest(WerkzeugOpenAPIRequest):
    """A simulator request seen as if it had been sent to the real service's host."""

    def __init__(self, request: Request, spec_host_url: str) -> None:
        super().__init__(request)
        self._spec_host_url = spec_host_url

    @property
    def host_url(self) -> str:
        return self._spec_host_url


@functools.cache
def load_openapi(path: str, errata: Callable[[dict[str, Any]], None] | None = None) -> OpenAPI:
    """Parse a spec file once per process (the Asana one is 3 MB). `errata` fixes known
    mistakes of the official file in place, so that the simulator answers as the real
    service does and the validator agrees, instead of bending the answers."""
    from openapi_core import Config

    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    if errata is not None:
        errata(spec)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


class SimApp:
    """Base of a simulator's WSGI app. Subclasses set `url_map` (endpoints are method names),
    and implement `authenticate`, `rate_key` and `error_response` in the service's dialect."""

    url_map: Map
    spec_path: str
    """A JSON OpenAPI file; requests and responses are validated against it."""
    spec_server: str
    """The real service's base URL from the spec, e.g. https://api.trello.com/1."""

    def __init__(self, *, speed: float = 1.0, limit: int, window: float) -> None:
        self.clock = SimClock(speed)
        self.limiter = RateLimiter(limit, window, self.clock)
        self.faults = Faults()
        self.stats = Stats()
        self.calls: list[tuple[str, str, str, float]] = []
        """Every authorised request: (the credential it came with, method, path, when it
        arrived by `time.monotonic()`), for tests that ask who called when."""
        self.violations: list[str] = []
        self.validate = True
        """Check every request and answer against the spec (some 10 ms a request); a long
        randomised test that repeats shapes other tests check may switch it off."""
        self.stalled = threading.Event()
        self.deliverer: Deliverer | None = None
        """A simulator that delivers webhooks sets its `simhooks.Deliverer` here."""
        self._released = threading.Event()
        self._openapi = self.load_spec()
        parts = urlsplit(self.spec_server)
        self._spec_host_url = f"{parts.scheme}://{parts.netloc}/"
        self.lock = threading.RLock()
        """Serialises handlers: the in-memory backend is not thread-safe by itself. A test
        acting as a person in the service between requests holds it too."""

    # -- hooks in the service's dialect -------------------------------------------------
    def load_spec(self) -> OpenAPI | None:
        """The spec to validate against; a simulator may patch known errata of the file
        (None: the simulator validates by other means, `request_errors`)."""
        return load_openapi(self.spec_path)

    @property
    def openapi(self) -> OpenAPI:
        assert self._openapi is not None, "no OpenAPI spec: override request_errors"
        return self._openapi

    def spec_request(self, request: Request) -> Request:
        """The request as the spec describes it; a service that also takes parameters from
        the body or credentials from a header may present them as the spec's query ones."""
        return request

    def unauthorized_response(self, request: Request) -> Response:
        """The 401 answer; a service that says why (bad key, bad token) overrides it."""
        return self.error_response(401, "unauthorized")

    def authenticate(self, request: Request) -> str | None:
        """The rate-limit key (token) of an authorised request, or None for 401."""
        raise NotImplementedError

    def error_response(self, status: int, message: str) -> Response:
        raise NotImplementedError

    def rate_limited_response(self, retry_after_real: float) -> Response:
        raise NotImplementedError

    def admit(self, request: Request, key: str) -> float:
        """Count an authorised request against its limits: 0 if admitted, else the
        simulated seconds until it would be; a service with several limits overrides it."""
        return self.limiter.admit(key)

    # -- the WSGI app ---------------------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_sim/"):
            return self.control(request)(environ, start_response)
        response = self.dispatch(request)
        if response is None:  # a dropped connection: nothing to send
            hang_up(environ)
            return []
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response | None:
        arrived = time.monotonic()
        faults = self.faults
        if faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        with self.lock:
            if faults.drop_next:
                faults.drop_next -= 1
                return None
        if _cut_short(request):
            return None
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            return self.error_response(exc.code or 404, "not found")
        with self.lock:
            self.stats.requests[f"{request.method} {adapter.match(return_rule=True)[0].rule}"] += 1
        if self.validate and not self._request_is_valid(request):
            return self.error_response(400, "invalid request")
        key = self.authenticate(request)
        if key is None:
            return self.unauthorized_response(request)
        wait = self.admit(request, key)
        with self.lock:
            self.calls.append((key, request.method, request.path, arrived))
            if faults.rate_limit_next:
                faults.rate_limit_next -= 1
                wait = max(wait, 1.0)
            if wait:
                self.stats.throttled += 1
                return self.rate_limited_response(self.clock.to_real(wait))
            write = request.method in ("POST", "PUT", "DELETE")
            if faults.fail_next or (write and faults.fail_writes_next):
                if faults.fail_next:
                    faults.fail_next -= 1
                else:
                    faults.fail_writes_next -= 1
                return self.error_response(faults.fail_status, "injected server error")
            response = getattr(self, endpoint)(request, **args)
            drop = faults.drop_after_write_next and write
            if drop:
                faults.drop_after_write_next -= 1
            stall = write and faults.stall_write_next > 0
            if stall:
                faults.stall_write_next -= 1
                stall = faults.stall_write_next == 0
        if self.validate:
            self._check_response(request, response)
        if stall:
            self.stalled.set()
            self._released.wait()
            self._released.clear()
            self.stalled.clear()
        return None if drop else response

    def release(self) -> None:
        """Send the answer a `stall_write_next` fault holds (to a client that may be gone)."""
        self._released.set()

    def _request_is_valid(self, request: Request) -> bool:
        errors = self.request_errors(request)
        for detail in errors:
            self.violations.append(f"request {request.method} {request.path}: {detail}")
        return not errors

    def _check_response(self, request: Request, response: Response) -> None:
        if response.status_code in (401, 429) or response.status_code >= 500:
            return  # faults and auth answers: many specs don't describe them
        for detail in self.response_errors(request, response):
            self.violations.append(f"response {request.method} {request.path}: {detail}")

    def request_errors(self, request: Request) -> list[str]:
        """What breaks the spec in `request`; a service described otherwise than by an
        OpenAPI file (Google's discovery documents) overrides this and `response_errors`."""
        spec_request = _SpecRequest(self.spec_request(request), self._spec_host_url)
        return [
            str(getattr(error, "__cause__", None) or error)
            for error in self.openapi.iter_request_errors(spec_request)
        ]

    def response_errors(self, request: Request, response: Response) -> list[str]:
        spec_request = _SpecRequest(self.spec_request(request), self._spec_host_url)
        spec_response = WerkzeugOpenAPIResponse(response)
        return [
            str(getattr(error, "__cause__", None) or error)
            for error in self.openapi.iter_response_errors(spec_request, spec_response)
            # an error status the operation does not describe: nothing to check
            if not (isinstance(error, ResponseNotFound) and response.status_code >= 400)
        ]

    # -- control plane --------------------------------------------------------------------
    def control(self, request: Request) -> Response:
        """`/_sim/stats` (GET), `/_sim/faults` (POST JSON of `Faults` fields), `/_sim/clock`
        (POST {"advance": seconds}), `/_sim/violations` (GET), `/_sim/hook_faults` (POST
        JSON of `simhooks.HookFaults` fields, on a simulator that delivers webhooks)."""
        name = request.path.removeprefix("/_sim/")
        with self.lock:
            if name == "stats":
                return json_response(
                    {
                        "total": self.stats.total,
                        "throttled": self.stats.throttled,
                        "requests": dict(self.stats.requests),
                    }
                )
            if name == "violations":
                return json_response(self.violations)
            if name == "faults" and request.method == "POST":
                for key, value in (request.get_json() or {}).items():
                    setattr(self.faults, key, value)
                return json_response(vars(self.faults))
            if name == "hook_faults" and request.method == "POST" and self.deliverer:
                for key, value in (request.get_json() or {}).items():
                    setattr(self.deliverer.faults, key, value)
                return json_response(vars(self.deliverer.faults))
            if name == "clock" and request.method == "POST":
                self.clock.offset += float((request.get_json() or {}).get("advance", 0))
                return json_response({"now": self.clock.now()})
        return json_response({"error": "unknown control"}, status=404)


def _cut_short(request: Request) -> bool:
    """Whether the body ended before its Content-Length: the client went away mid-request
    (a process killed between a request's headers and its body, which urllib3 sends
    apart, on a kept connection). The service never gets a request to answer, so it is
    neither served, counted nor judged against the description."""
    expected = request.content_length
    if not expected:
        return False
    try:
        return len(request.get_data(cache=True)) < expected
    except ClientDisconnected:
        return True


class Simulator(Served):
    """What a test, the bench or `pairsync simulate` holds of a simulated service: the
    app (its `faults`, `stats`, `violations` and clock) served on loopback. Each service's
    simulator subclasses it with its own way to seed data and to act as a person."""

    api_prefix: str
    """The path of the API below the server's root, as the real service has it."""

    def __init__(self, app: SimApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.server = SimServer(app, host, port)

    @property
    def base_url(self) -> str:
        return self.server.root_url + self.api_prefix

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.app.faults = faults

    @property
    def stats(self) -> Stats:
        return self.app.stats

    @property
    def violations(self) -> list[str]:
        return self.app.violations

    @property
    def deliveries(self) -> DeliveryLog:
        """What the webhook deliveries did so far (a simulator that delivers them)."""
        assert self.app.deliverer is not None
        return self.app.deliverer.log

    def start(self) -> Self:
        super().start()
        if self.app.deliverer is not None:
            self.app.deliverer.start()
        return self

    def stop(self) -> None:
        if self.app.deliverer is not None:
            self.app.deliverer.stop()
        super().stop()

    def serve_forever(self) -> None:
        if self.app.deliverer is not None:
            self.app.deliverer.start()
        super().serve_forever()
