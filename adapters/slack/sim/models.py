"""The simulated Slack workspace's state, with no HTTP (moto's models.py): one team, its
users, bot tokens, conversations (channels and direct messages) and their messages.

Errors are raised as `SlackError(code)` with Slack's own codes; the app answers them as
`{"ok": false, "error": code}` with HTTP 200, as Slack does.

Files are uploaded as Slack's external upload does (files.getUploadURLExternal, the bytes
POSTed to the upload URL, files.completeUploadExternal shares them in a conversation); a
shared file is kept with its bytes, not shown in `conversations.history`.

Limitations (deliberate): one team; no threads, reactions, attachments or metadata; a
bot sees every user; `conversations.history` has no `oldest`/`latest`.
Block Kit is checked for the limits Slack documents, not for every element's schema.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MESSAGE_TEXT = 40_000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000


DEFAULT_SCOPES = frozenset(
    {"chat:write", "users:read.email", "im:write", "im:history", "channels:history", "files:write"}
)
MAX_FILE_BYTES = 1024**3
"""Slack takes files up to 1 GB."""


class SlackError(Exception):
    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))


@dataclass
class User:
    id: str
    name: str
    email: str
    real_name: str
    is_bot: bool = False


@dataclass
class Message:
    ts: str
    user: str
    bot_id: str
    text: str
    blocks: list[dict[str, Any]]
    edited: bool = False


@dataclass
class Conversation:
    id: str
    members: set[str]
    is_im: bool = False
    messages: list[Message] = field(default_factory=list)


@dataclass
class File:
    """An external upload: announced (`length`), uploaded (`data`), then shared."""

    id: str
    filename: str
    length: int
    alt_txt: str = ""
    title: str = ""
    data: bytes | None = None
    channel: str | None = None
    initial_comment: str = ""
    created: int = 0


@dataclass
class Bot:
    user: User
    bot_id: str
    scopes: frozenset[str]


class SlackBackend:
    """All of one simulated workspace. Not thread-safe: the HTTP app serialises calls."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.team_id = new_id("T")
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Bot] = {}
        self.conversations: dict[str, Conversation] = {}
        self.files: dict[str, File] = {}
        self._seq = itertools.count(1)

    # -- set-up (tests and the demo act as the workspace admin) ---------------------------
    def add_user(self, name: str, email: str, real_name: str = "") -> User:
        user = User(new_id("U"), name, email, real_name or name)
        self.users[user.id] = user
        return user

    def add_bot(
        self, token: str, name: str = "pairsync", scopes: frozenset[str] | None = None
    ) -> Bot:
        user = User(new_id("U"), name, f"{name}@bots.invalid", name, is_bot=True)
        self.users[user.id] = user
        bot = Bot(user, new_id("B"), DEFAULT_SCOPES if scopes is None else scopes)
        self.tokens[token] = bot
        return bot

    def add_channel(self, members: set[str]) -> Conversation:
        channel = Conversation(new_id("C"), set(members))
        self.conversations[channel.id] = channel
        return channel

    # -- Web API methods ------------------------------------------------------------------
    def lookup_by_email(self, bot: Bot, email: str) -> User:
        self._need(bot, "users:read.email")
        for user in self.users.values():
            if user.email.lower() == email.lower():
                return user
        raise SlackError("users_not_found")

    def open_dm(self, bot: Bot, users: str) -> tuple[Conversation, bool]:
        self._need(bot, "im:write")
        ids = [u for u in users.split(",") if u]
        if not ids:
            raise SlackError("users_list_not_supplied")
        if len(ids) > 1:
            raise SlackError("not_enough_users")  # group DMs are not simulated
        if ids[0] not in self.users:
            raise SlackError("user_not_found")
        members = {bot.user.id, ids[0]}
        for conversation in self.conversations.values():
            if conversation.is_im and conversation.members == members:
                return conversation, True
        conversation = Conversation(new_id("D"), members, is_im=True)
        self.conversations[conversation.id] = conversation
        return conversation, False

    def post_message(self, bot: Bot, channel: str, text: str, blocks: Any) -> Message:
        self._need(bot, "chat:write")
        conversation = self._member_of(bot, channel)
        parsed = check_blocks(blocks)
        if not text and not parsed:
            raise SlackError("no_text")
        if len(text) > MAX_MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        message = Message(self._ts(), bot.user.id, bot.bot_id, text, parsed)
        conversation.messages.append(message)
        return message

    def update_message(self, bot: Bot, channel: str, ts: str, text: str, blocks: Any) -> Message:
        self._need(bot, "chat:write")
        conversation = self._member_of(bot, channel)
        for message in conversation.messages:
            if message.ts == ts:
                if message.user != bot.user.id:
                    raise SlackError("cant_update_message")
                parsed = check_blocks(blocks)
                if len(text) > MAX_MESSAGE_TEXT:
                    raise SlackError("msg_too_long")
                message.text, message.blocks, message.edited = text, parsed, True
                return message
        raise SlackError("message_not_found")

    def history(
        self, bot: Bot, channel: str, limit: int, cursor: str | None
    ) -> tuple[list[Message], str | None]:
        """Newest first, `limit` a page (at most 1,000), with an opaque cursor."""
        conversation = self._member_of(bot, channel)
        self._need(bot, "im:history" if conversation.is_im else "channels:history")
        start = int(base64.b64decode(cursor).decode()) if cursor else 0
        newest_first = list(reversed(conversation.messages))
        page = newest_first[start : start + max(1, min(limit, 1000))]
        end = start + len(page)
        more = end < len(newest_first)
        return page, base64.b64encode(str(end).encode()).decode() if more else None

    def upload_url(self, bot: Bot, filename: str, length: int, alt_txt: str) -> File:
        """files.getUploadURLExternal: a file id and where its bytes go."""
        self._need(bot, "files:write")
        if not filename:
            raise SlackError("invalid_arguments")
        if length <= 0 or length > MAX_FILE_BYTES:
            raise SlackError("invalid_arguments")
        file = File(new_id("F"), filename, length, alt_txt, created=int(self.now()))
        self.files[file.id] = file
        return file

    def upload(self, file_id: str, data: bytes) -> None:
        """The POST to an upload URL: the announced number of bytes, once."""
        file = self.files.get(file_id)
        if file is None or file.data is not None:
            raise SlackError("file_not_found")
        if len(data) != file.length:
            raise SlackError("invalid_length")
        file.data = data

    def complete_upload(
        self, bot: Bot, files: Any, channel: str | None, initial_comment: str
    ) -> list[File]:
        """files.completeUploadExternal: each uploaded file titled, and shared in
        `channel` when given (the bot must be in it)."""
        self._need(bot, "files:write")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        if channel:
            self._member_of(bot, channel)
        done = []
        for entry in files:
            file = self.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if file is None or file.data is None:
                raise SlackError("file_not_found")
            file.title = str(entry.get("title") or file.filename)
            file.channel, file.initial_comment = channel or None, initial_comment
            done.append(file)
        return done

    # -- helpers --------------------------------------------------------------------------
    def _need(self, bot: Bot, scope: str) -> None:
        if scope not in bot.scopes:
            raise SlackError("missing_scope", needed=scope)

    def _member_of(self, bot: Bot, channel: str) -> Conversation:
        conversation = self.conversations.get(channel)
        if conversation is None:
            raise SlackError("channel_not_found")
        if bot.user.id not in conversation.members:
            raise SlackError("not_in_channel")
        return conversation

    def _ts(self) -> str:
        """Slack's message id: the post time with a per-workspace sequence, unique."""
        return f"{int(self.now()):010d}.{next(self._seq) % 1_000_000:06d}"


def check_blocks(blocks: Any) -> list[dict[str, Any]]:
    """Block Kit limits: at most 50 blocks, 3,000 characters per section text, 150 per
    header, unique block ids, unique action ids in an actions block, 75-character button
    labels and 2,000-character values. Anything else is `invalid_blocks`."""
    if blocks is None or blocks == "":
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            raise SlackError("invalid_blocks_format") from None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise SlackError("invalid_blocks_format")
    if len(blocks) > MAX_BLOCKS:
        raise SlackError("invalid_blocks")  # more than 50 blocks
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        raise SlackError("invalid_blocks")  # a block_id twice
    for block in blocks:
        _check_block(block)
    return blocks


def _check_block(block: dict[str, Any]) -> None:
    kind = block.get("type")
    text = block.get("text") or {}
    if kind == "header":
        if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
            raise SlackError("invalid_blocks")  # header text missing or over 150
    elif kind == "section":
        if not 0 < len(text.get("text", "")) <= MAX_SECTION_TEXT:
            raise SlackError("invalid_blocks")  # section text missing or over 3,000
    elif kind == "context":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= 10 or any(len(e.get("text", "")) > 3000 for e in elements):
            raise SlackError("invalid_blocks")
    elif kind == "actions":
        elements = block.get("elements") or []
        ids = [e.get("action_id") for e in elements]
        if not 0 < len(elements) <= 25 or len(ids) != len(set(ids)):
            raise SlackError("invalid_blocks")
        for button in elements:
            label = (button.get("text") or {}).get("text", "")
            if button.get("type") != "button" or not 0 < len(label) <= MAX_BUTTON_TEXT:
                raise SlackError("invalid_blocks")
            if len(str(button.get("value", ""))) > MAX_BUTTON_VALUE:
                raise SlackError("invalid_blocks")
    elif kind not in ("divider", "image", "rich_text", "input", "file", "video"):
        raise SlackError("invalid_blocks")  # unknown block type
