"""Slack through the official `slack_sdk` WebClient: Block Kit with a plain-text fallback,
buttons that `pairsync serve` handles (action ids stale_keep / stale_park / stale_kill /
decision_decided / decision_discuss, value "<pair>:<item id>"), 429 answered by waiting
the `Retry-After` Slack asks for (slack_sdk's RateLimitErrorRetryHandler). Nothing else
is retried: a post whose connection broke may have gone out, and the next run finds it
in the conversation's history.

Requests: to an e-mail, the direct-message channel costs users.lookupByEmail and
conversations.open once per run; a first post adds conversations.history (is it there
already?) and chat.postMessage; an update is one chat.update. A message with a chart (the
monthly pulse) uploads it as a file with `files_upload_v2`: three requests more.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from sync.channels.base import Channel, ChannelError, Entry, Message
from sync.channels.config import SlackChannelConfig
from sync.contract import CheckLine

log = logging.getLogger("pairsync")
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
HISTORY_LOOKBACK = 200
"""Messages of the conversation searched for an earlier post (two pages of 100)."""

_HINTS = {
    "invalid_auth": "Slack refused the bot token (invalid_auth); check token",
    "not_authed": "Slack got no bot token (not_authed); check token",
    "token_revoked": "the bot token was revoked (token_revoked); install the app again",
    "account_inactive": "the bot's account is inactive (account_inactive)",
    "channel_not_found": "Slack has no channel {to} the bot can see (channel_not_found); check to",
    "not_in_channel": "the bot is not in channel {to} (not_in_channel); /invite the bot there",
    "users_not_found": "no Slack user has the e-mail {to} (users_not_found); check to",
    "user_not_found": "no Slack user has the e-mail {to} (user_not_found); check to",
    "ratelimited": "Slack kept rate-limiting the bot (ratelimited); the next run sends it",
    "msg_too_long": "the message is longer than Slack accepts (msg_too_long)",
    "invalid_blocks": "Slack rejected the message's blocks (invalid_blocks)",
}


class _Gone(Exception):
    """An answer the caller handles: the message to update is gone, a scope is missing."""


class _CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Waits Retry-After on 429, and counts each retry as the request it is."""

    def __init__(self, channel: SlackChannel) -> None:
        super().__init__(max_retry_count=3)
        self.channel = channel

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.channel.requests += 1
        super().prepare_for_next_attempt(
            state=state, request=request, response=response, error=error
        )


class SlackChannel(Channel):
    type_name = "slack"
    updates_in_place = True
    looks_back = True
    config: SlackChannelConfig

    def __init__(self, config: SlackChannelConfig, pair: str) -> None:
        super().__init__(config, pair)
        base_url = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
        self.client = WebClient(
            token=config.token.get_secret_value(),
            base_url=base_url,
            timeout=30,
            retry_handlers=[_CountingRateLimitHandler(self)],
        )
        self._conversation: str | None = None
        self._posted: dict[str, str] | None = None

    def post(self, message: Message) -> str:
        channel = self._channel()
        answer = self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=fallback_text(message),
            blocks=render_blocks(message, message.marker(self.pair), self.config.clickable),
            unfurl_links=False,
        )
        if message.chart is not None:
            self._upload(channel, message)
        return self._remote_id(answer)

    def _upload(self, channel: str, message: Message) -> None:
        """The message's chart as a PNG file in the conversation, right under it, through
        slack_sdk's `files_upload_v2` (files.getUploadURLExternal, the upload itself,
        files.completeUploadExternal: three requests)."""
        assert message.chart is not None
        self.requests += 2  # _call counts one of the three
        self._call(
            self.client.files_upload_v2,
            channel=channel,
            content=None,
            file=message.chart.png,
            filename=f"{message.key.replace(' ', '-')}.png",
            title=message.title,
            alt_txt=message.chart.alt,
        )

    def update(self, remote_id: str, message: Message) -> str:
        """Replace the message in place; one a person deleted (or left behind in a
        conversation `to` no longer names) is posted anew."""
        channel, ts, to = [*remote_id.split("/", 2), "", ""][:3]
        if to != self.config.to:
            return self.post(message)  # `to` changed: the agenda goes where it now says
        try:
            answer = self._call(
                self.client.chat_update,
                channel=channel,
                ts=ts,
                text=fallback_text(message),
                blocks=render_blocks(message, message.marker(self.pair), self.config.clickable),
                gone=("message_not_found", "cant_update_message"),
            )
        except _Gone:
            return self.post(message)
        return self._remote_id(answer)

    def find(self, message: Message) -> str | None:
        if self._posted is None:
            self._posted = self._read_history()
        return self._posted.get(message.marker(self.pair))

    def check(self) -> list[CheckLine]:
        """The token (auth.test), then the conversation `to` names and its history."""
        lines = []
        try:
            who = self._call(self.client.auth_test)
            lines.append(CheckLine("token", True, f"bot {who['user']} in {who['team']}"))
            self.find(Message("agenda", "check", "check"))
            lines.append(CheckLine("to", True, f"{self.config.to}: conversation {self._channel()}"))
        except ChannelError as exc:
            lines.append(CheckLine("token" if not lines else "to", False, str(exc)))
        return lines

    def close(self) -> None:
        self._conversation = self._posted = None

    def _read_history(self) -> dict[str, str]:
        """Marker -> remote id of the bot's recent messages (once a run: one request
        unless the conversation is busy)."""
        channel = self._channel()
        posted: dict[str, str] = {}
        cursor: str | None = None
        for _ in range(HISTORY_LOOKBACK // 100):
            try:
                page = self._call(
                    self.client.conversations_history,
                    channel=channel,
                    limit=100,
                    cursor=cursor,
                    gone=("missing_scope",),
                )
            except _Gone:
                log.warning(
                    "channel %s: the bot token may not read the conversation's history "
                    "(missing_scope: add im:history or channels:history), so a post made "
                    "before a crash or a lost state cannot be found again",
                    self.name,
                )
                return posted
            for message in page.get("messages") or []:
                for block in message.get("blocks") or []:
                    if str(block.get("block_id", "")).startswith("pairsync-"):
                        posted.setdefault(block["block_id"], self._remote_id(message, channel))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
        return posted

    def _remote_id(self, answer: Any, channel: str | None = None) -> str:
        """ "channel/ts/to": the message, and the `to` it was sent for."""
        return f"{channel or answer['channel']}/{answer['ts']}/{self.config.to}"

    def _channel(self) -> str:
        """The conversation id: `to` itself, or the direct-message channel of that e-mail."""
        if self._conversation is None:
            to = self.config.to
            if "@" in to:
                user = self._call(self.client.users_lookupByEmail, email=to)["user"]["id"]
                to = self._call(self.client.conversations_open, users=user)["channel"]["id"]
            self._conversation = to
        return self._conversation

    def _call(self, method: Any, gone: tuple[str, ...] = (), **arguments: Any) -> Any:
        self.requests += 1
        try:
            return method(**{k: v for k, v in arguments.items() if v is not None})
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error in gone:
                raise _Gone() from None
            hint = _HINTS.get(error, f"Slack answered {error}")
            if error == "missing_scope":
                needed = exc.response.get("needed", "?")
                hint = f"the bot token lacks the scope {needed} (missing_scope); add it to the app"
            raise ChannelError(self.name, hint.format(to=self.config.to)) from None
        except (SlackClientError, OSError) as exc:
            # Covers timeouts and broken connections: the request may have arrived.
            reason = type(exc).__name__
            raise ChannelError(
                self.name, f"cannot reach Slack at {self.config.base_url} ({reason})", True
            ) from None


def fallback_text(message: Message) -> str:
    """The notification and screen-reader text; Slack shows it where blocks can't be."""
    text = message.text()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def render_blocks(message: Message, marker: str, buttons: bool = True) -> list[dict[str, Any]]:
    """Block Kit within Slack's limits (50 blocks, 3,000 characters a text): entries with
    buttons get a section and an actions block while room lasts (and `buttons`: serve can
    check a click), then become text lines."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "block_id": marker,
            "text": {"type": "plain_text", "text": _cut(message.title, MAX_HEADER)},
        }
    ]
    if message.note:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(message.note)}]}
        )
    for index, section in enumerate(message.sections):
        later = len(message.sections) - index - 1
        lines = [f"*{_escape(section.title)}*"]
        entries = list(section.entries)
        while buttons and entries and entries[0].buttons and MAX_BLOCKS - len(blocks) - later >= 4:
            if len(lines) == 1:
                blocks.append(_mrkdwn(lines[0]))
                lines = []
            entry = entries.pop(0)
            blocks.append(_mrkdwn(_bullet(entry)))
            blocks.append({"type": "actions", "elements": [_button(b) for b in entry.buttons]})
        lines += [_bullet(e) for e in entries]
        if not section.entries:
            lines.append("_nothing_")
        blocks += _text_blocks(lines, MAX_BLOCKS - len(blocks) - later)
    return blocks


def _text_blocks(lines: list[str], room: int) -> list[dict[str, Any]]:
    """Lines packed into at most `room` mrkdwn sections; what does not fit is counted."""
    chunks: list[list[str]] = [[]]
    for line in (_cut(line) for line in lines):
        if sum(len(x) + 1 for x in chunks[-1]) + len(line) > MAX_TEXT:
            chunks.append([])
        chunks[-1].append(line)
    chunks = [c for c in chunks if c]
    if len(chunks) > room:
        kept = chunks[: max(room, 1)]
        hidden = sum(len(c) for c in chunks[len(kept) :])
        more = f"… and {hidden} more (see `pairsync agenda`)"
        while sum(len(x) + 1 for x in kept[-1]) + len(more) > MAX_TEXT:
            kept[-1].pop()
            hidden += 1
            more = f"… and {hidden} more (see `pairsync agenda`)"
        kept[-1].append(more)
        chunks = kept
    return [_mrkdwn("\n".join(chunk)) for chunk in chunks]


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(button: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": button.action_id,
        "text": {"type": "plain_text", "text": button.label},
        "value": button.value,
    }


def _bullet(entry: Entry) -> str:
    detail = f" — _{_escape(entry.detail)}_" if entry.detail else ""
    return f"• {_escape(entry.text)}{detail}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
