"""The simulated Slack Web API on loopback, for tests, the demo and `pairsync simulate
slack`, answering the methods pairsync uses as Slack does:

    sim = SlackSimulator().start()        # sim.base_url == "http://127.0.0.1:PORT/api/"
    dana = sim.add_user("dana", "dana@example.com")
    WebClient(token=sim.token, base_url=sim.base_url).chat_postMessage(...)

Bearer tokens (`Authorization: Bearer xoxb-...`), `{"ok": false, "error": ...}` answers
with HTTP 200, Slack's rate-limit tiers per method and token (429 with `Retry-After` in
whole seconds, `{"error": "ratelimited"}`), every request and answer checked against
the official description (see `spec.py`), Block Kit limits (see `models.py`).
"""

from __future__ import annotations

import json
import math
import secrets
from typing import Any

from openapi_core import OpenAPI
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from adapters.simclock import RateLimiter, SimClock
from adapters.simkit import SimApp, Simulator, json_response
from adapters.slack.sim import spec
from adapters.slack.sim.models import Bot, Message, SlackBackend, SlackError, User
from adapters.slack.sim.models import File as SimFile

TIERS = {
    # requests per minute (Slack's tiers 3 and 4; chat.postMessage: about one a second)
    "auth.test": 100,
    "users.lookupByEmail": 100,
    "conversations.open": 50,
    "conversations.history": 50,
    "chat.postMessage": 60,
    "chat.update": 50,
    "files.getUploadURLExternal": 100,
    "files.completeUploadExternal": 100,
    "upload": 600,  # the upload URLs (files.slack.com): no published tier; generous
}


class TieredLimiter(RateLimiter):
    """One sliding window per method and token, with that method's tier limit. Keys are
    "method token" (what `SlackApp.authenticate` returns)."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__(limit=0, window=60.0, clock=clock)
        self._tiers = {m: RateLimiter(n, 60.0, clock) for m, n in TIERS.items()}

    def admit(self, key: str) -> float:
        method, _, token = key.partition(" ")
        return self._tiers[method].admit(token)

    def remaining(self, key: str) -> int:
        method, _, token = key.partition(" ")
        return self._tiers[method].remaining(token)


class SlackApp(SimApp):
    url_map = Map(
        [Rule(f"/api/{m}", endpoint="call", methods=["GET", "POST"]) for m in spec.METHODS]
        + [Rule(f"{spec.UPLOAD_PATH}<file_id>", endpoint="upload", methods=["POST"])]
    )
    spec_path = str(spec.SPEC_FILE)
    spec_server = spec.SERVER

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(speed=speed, limit=1, window=60.0)
        self.limiter = TieredLimiter(self.clock)
        self.backend = SlackBackend(self.clock.now)

    def load_spec(self) -> OpenAPI:
        return spec.load_spec()

    def spec_request(self, request: Request) -> Request:
        return spec.as_spec_request(request)

    def _bot(self, request: Request) -> Bot | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        token = token or str(spec.arguments(request).get("token") or request.form.get("token", ""))
        return self.backend.tokens.get(token)

    def request_errors(self, request: Request) -> list[str]:
        if request.path.startswith(spec.UPLOAD_PATH):
            return []  # no Web API method: `upload` checks the announced length
        return super().request_errors(request)

    def response_errors(self, request: Request, response: Response) -> list[str]:
        if request.path.startswith(spec.UPLOAD_PATH):
            return []
        return super().response_errors(request, response)

    def authenticate(self, request: Request) -> str | None:
        if request.path.startswith(spec.UPLOAD_PATH):  # the URL is the credential
            file_id = request.path.removeprefix(spec.UPLOAD_PATH)
            return f"upload {file_id}" if file_id in self.backend.files else None
        bot = self._bot(request)
        if bot is None:
            return None
        token = next(t for t, b in self.backend.tokens.items() if b is bot)
        return f"{request.path.rsplit('/', 1)[-1]} {token}"

    def unauthorized_response(self, request: Request) -> Response:
        has_token = "Authorization" in request.headers or "token" in request.values
        return slack_error("invalid_auth" if has_token else "not_authed")

    def error_response(self, status: int, message: str) -> Response:
        code = "invalid_arg_name" if status == 400 else message.replace(" ", "_")
        return json_response({"ok": False, "error": code}, status=status)

    def rate_limited_response(self, retry_after_real: float) -> Response:
        return json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(max(1, math.ceil(retry_after_real)))},
        )

    def call(self, request: Request) -> Response:
        bot = self._bot(request)
        assert bot is not None  # authenticate let it through
        method = request.path.rsplit("/", 1)[-1]
        args = spec.arguments(request)
        try:
            return json_response({"ok": True, **self._answer(method, bot, args, request.host_url)})
        except SlackError as exc:
            return slack_error(exc.code, **exc.extra)

    def upload(self, request: Request, file_id: str) -> Response:
        """The bytes of an announced file, raw or as a multipart form's one file, as
        Slack's upload URL takes them; answered "OK - <length>" with HTTP 200."""
        data = request.get_data(cache=True)
        if request.mimetype == "multipart/form-data":
            parts = list(request.files.values())
            data = parts[0].read() if parts else b""
        try:
            self.backend.upload(file_id, data)
        except SlackError as exc:
            return Response(exc.code, status=400, mimetype="text/plain")
        return Response(f"OK - {len(data)}", status=200, mimetype="text/plain")

    def _answer(self, method: str, bot: Bot, args: dict[str, Any], host_url: str) -> dict[str, Any]:
        backend = self.backend
        if method == "auth.test":
            return {
                "url": "https://pairsync-sim.slack.com/",
                "team": "pairsync simulator",
                "user": bot.user.name,
                "team_id": backend.team_id,
                "user_id": bot.user.id,
                "bot_id": bot.bot_id,
            }
        if method == "users.lookupByEmail":
            return {"user": user_json(backend.lookup_by_email(bot, str(args["email"])), backend)}
        if method == "conversations.open":
            conversation, already = backend.open_dm(bot, str(args.get("users") or ""))
            return {"channel": {"id": conversation.id}, "already_open": already, "no_op": already}
        if method == "chat.postMessage":
            channel = str(args.get("channel") or "")
            posted = backend.post_message(
                bot, channel, str(args.get("text") or ""), args.get("blocks")
            )
            return {"channel": channel, "ts": posted.ts, "message": message_json(posted, backend)}
        if method == "chat.update":
            channel = str(args.get("channel") or "")
            updated = backend.update_message(
                bot,
                channel,
                str(args.get("ts") or ""),
                str(args.get("text") or ""),
                args.get("blocks"),
            )
            shown = {"text": updated.text, "blocks": updated.blocks}
            return {"channel": channel, "ts": updated.ts, "text": updated.text, "message": shown}
        if method == "conversations.history":
            page, cursor = backend.history(
                bot,
                str(args.get("channel") or ""),
                int(args.get("limit") or 100),
                args.get("cursor") or None,
            )
            answer: dict[str, Any] = {
                "messages": [message_json(m, backend) for m in page],
                "has_more": cursor is not None,
                "pin_count": 0,
                "channel_actions_ts": None,
                "channel_actions_count": 0,
            }
            if cursor:
                answer["response_metadata"] = {"next_cursor": cursor}
            return answer
        if method == "files.getUploadURLExternal":
            file = backend.upload_url(
                bot,
                str(args.get("filename") or ""),
                _integer(args.get("length")),
                str(args.get("alt_txt") or ""),
            )
            upload_url = f"{host_url.rstrip('/')}{spec.UPLOAD_PATH}{file.id}"
            return {"upload_url": upload_url, "file_id": file.id}
        if method == "files.completeUploadExternal":
            files = backend.complete_upload(
                bot,
                _json_list(args.get("files")),
                str(args.get("channel_id") or "") or None,
                str(args.get("initial_comment") or ""),
            )
            return {"files": [file_json(f) for f in files]}
        raise SlackError("unknown_method")


def file_json(file: SimFile) -> dict[str, Any]:
    return {
        "id": file.id,
        "title": file.title,
        "name": file.filename,
        "size": len(file.data or b""),
        "created": file.created,
        "mimetype": "image/png" if file.filename.endswith(".png") else "application/octet-stream",
        "channels": [file.channel] if file.channel else [],
    }


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None


def _json_list(value: Any) -> Any:
    """`files` arrives as a JSON string (a form field) or, in a JSON body, as a list."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    return value


def slack_error(code: str, **extra: Any) -> Response:
    return json_response({"ok": False, "error": code, **extra})


def user_json(user: User, backend: SlackBackend) -> dict[str, Any]:
    return {
        "id": user.id,
        "team_id": backend.team_id,
        "name": user.name,
        "real_name": user.real_name,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "deleted": False,
        "updated": 1_700_000_000,
        "profile": {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "avatar_hash": "",
            "title": "",
            "phone": "",
            "skype": "",
            "status_text": "",
            "status_emoji": "",
            "fields": None,
            "email": user.email,
            "team": backend.team_id,
        },
    }


def message_json(message: Message, backend: SlackBackend) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "type": "message",
        "ts": message.ts,
        "user": message.user,
        "bot_id": message.bot_id,
        "text": message.text,
        "team": backend.team_id,
    }
    if message.blocks:
        shown["blocks"] = message.blocks
    return shown


class SlackSimulator(Simulator):
    """One simulated workspace with a bot (`token`) ready to use."""

    api_prefix = "/api/"
    app: SlackApp

    def __init__(
        self,
        *,
        speed: float = 1.0,
        port: int = 0,
        token: str | None = None,
        scopes: frozenset[str] | None = None,
    ) -> None:
        super().__init__(SlackApp(speed=speed), port=port)
        self.backend = self.app.backend
        self.token = token or "xoxb-" + secrets.token_hex(16)
        self.bot = self.backend.add_bot(self.token, scopes=scopes)

    def config_keys(self) -> dict[str, str]:
        """The `[[channels]]` keys of a person in this workspace (`pairsync simulate`)."""
        person = self.add_user("dana", "dana@example.com")
        return {"base_url": self.base_url, "token": self.token, "to": person.email}

    def add_user(self, name: str, email: str) -> User:
        with self.app.lock:
            return self.backend.add_user(name, email)

    def add_channel(self, with_bot: bool = True) -> str:
        with self.app.lock:
            return self.backend.add_channel({self.bot.user.id} if with_bot else set()).id

    def files(self, channel: str) -> list[SimFile]:
        """The files shared in a conversation, oldest first."""
        with self.app.lock:
            return [f for f in self.backend.files.values() if f.channel == channel]

    def messages(self, channel: str) -> list[Message]:
        """Every message in a conversation, oldest first."""
        with self.app.lock:
            return list(self.backend.conversations[channel].messages)

    def dm_with(self, user: User) -> str | None:
        with self.app.lock:
            members = {self.bot.user.id, user.id}
            return next(
                (c.id for c in self.backend.conversations.values() if c.members == members), None
            )

    def requests(self) -> dict[str, int]:
        """Requests per method so far (429 answers included)."""
        return {k.rsplit("/", 1)[-1]: v for k, v in self.app.stats.requests.items()}
