"""The simulator's Google accounts and its OAuth 2.0 endpoints: users, the OAuth clients a
person consents to, refresh tokens (which a test may revoke), service accounts (their
keys made here, their signed assertions checked), and the access tokens issued for them.

`POST /token` answers the three grants google-auth and google-auth-oauthlib send:
`refresh_token` (an authorized-user file), the JWT bearer assertion (a service-account
key) and `authorization_code` (the installed-app flow). `GET /o/oauth2/auth` plays the
consent screen: the seeded person consents at once and is redirected with a code.
Errors are Google's: 400 `{"error": "invalid_grant", "error_description": ...}`.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from adapters.simkit import ServiceError

ACCESS_SECONDS = 3600
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class GrantError(ServiceError):
    """An OAuth error answer: `error` is the code google-auth reports."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(400, description)
        self.error = error


@dataclass
class Accounts:
    now: Any
    """The simulator clock's `now`."""
    users: set[str] = field(default_factory=set)
    clients: dict[str, str] = field(default_factory=dict)
    """OAuth client id -> secret."""
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    """Refresh token -> user email (a revoked one is removed)."""
    service_keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    access: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Access token -> (user email, expiry)."""
    codes: dict[str, str] = field(default_factory=dict)
    """Authorization code -> user email (used once)."""
    consenting: str = ""
    """The person who consents on the simulated consent screen."""

    def user(self, email: str) -> str:
        self.users.add(email)
        self.consenting = self.consenting or email
        return email

    def client(self) -> tuple[str, str]:
        client_id = f"{secrets.token_hex(6)}.apps.googleusercontent.com"
        self.clients[client_id] = secrets.token_urlsafe(12)
        return client_id, self.clients[client_id]

    def refresh_token(self, email: str) -> str:
        token = "1//" + secrets.token_urlsafe(24)
        self.refresh_tokens[token] = self.user(email)
        return token

    def revoke(self, token: str) -> None:
        """Revoked at the user's account page: its access tokens stop working too."""
        email = self.refresh_tokens.pop(token, None)
        self.access = {k: v for k, v in self.access.items() if v[0] != email}

    def service_account(self, email: str) -> str:
        """A new key for `email`: its private part as PEM, as a key file holds it."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.service_keys[email] = key.public_key()
        self.user(email)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def user_of(self, access_token: str) -> str | None:
        found = self.access.get(access_token)
        if found is None or found[1] < self.now():
            return None
        return found[0]

    def grant(self, form: dict[str, str], token_uri: str) -> dict[str, Any]:
        kind = form.get("grant_type", "")
        if kind == "refresh_token":
            self._client_ok(form)
            email = self.refresh_tokens.get(form.get("refresh_token", ""))
            if email is None:
                raise GrantError("invalid_grant", "Token has been expired or revoked.")
        elif kind == "authorization_code":
            self._client_ok(form)
            email = self.codes.pop(form.get("code", ""), "")
            if not email:
                raise GrantError("invalid_grant", "Malformed auth code.")
            issued = self._issue(email)
            return issued | {"refresh_token": self.refresh_token(email)}
        elif kind == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            email = self._assertion_ok(form.get("assertion", ""), token_uri)
        else:
            raise GrantError("unsupported_grant_type", f"Invalid grant_type: {kind}")
        return self._issue(email)

    def authorize(self, client_id: str) -> str:
        """The consent screen: a code for the consenting person."""
        if client_id not in self.clients:
            raise GrantError("invalid_client", "The OAuth client was not found.")
        code = "4/" + secrets.token_urlsafe(16)
        self.codes[code] = self.consenting
        return code

    def _issue(self, email: str) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access[token] = (email, self.now() + ACCESS_SECONDS)
        return {"access_token": token, "expires_in": ACCESS_SECONDS, "token_type": "Bearer"}

    def _client_ok(self, form: dict[str, str]) -> None:
        if self.clients.get(form.get("client_id", "")) != form.get("client_secret"):
            raise GrantError("invalid_client", "Unauthorized")

    def _assertion_ok(self, assertion: str, token_uri: str) -> str:
        """A service account's RS256 JWT: signed by its key, for this token endpoint."""
        try:
            header, payload, signature = assertion.split(".")
            claims = json.loads(_unb64(payload))
            key = self.service_keys[claims["iss"]]
            key.verify(
                _unb64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # any malformed or unsigned assertion is Google's invalid_grant
            raise GrantError("invalid_grant", "Invalid JWT Signature.") from None
        if claims.get("aud") not in (token_uri, GOOGLE_TOKEN_URI):  # google-auth sends Google's
            raise GrantError("invalid_grant", "Invalid JWT: audience")
        email: str = claims["iss"]
        return email


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
