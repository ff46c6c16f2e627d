"""The Microsoft identity platform on the OneNote simulator's server, as far as MSAL's
device-code and refresh flows go (OpenID discovery, device codes a person approves,
refresh tokens that rotate and can be revoked), and the simulator's own certificate:
MSAL and the Graph client run unchanged against loopback https."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import secrets
import ssl
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from adapters.simkit import json_response

USER_ID = "48d31887-5fad-4d73-a9f5-3c356e68a038"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "4b0db8c2-9f26-4417-8bde-3f0e3656f8e0"


class Login:
    """The Microsoft identity platform, as far as MSAL's device-code and refresh flows go."""

    def __init__(self, lock: AbstractContextManager[Any], tokens: set[str]) -> None:
        self.lock = lock
        """The Graph app's: one request at a time across sign-in and Graph."""
        self.tokens = tokens
        """The access tokens Graph accepts (the Graph app's set, shared)."""
        self.pending: dict[str, bool] = {}
        """device code -> approved by the person."""
        self.refresh_tokens: set[str] = set()
        self.approve_at_once = True
        self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
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
        self.tokens.add(access)
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
        self.tokens.clear()


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


def tls_context(cert_path: Path, host: str) -> ssl.SSLContext:
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
