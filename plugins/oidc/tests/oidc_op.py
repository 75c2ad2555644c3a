"""A real OpenID provider for the tests: django-oidc-provider in a tiny Django project.

The project is written into a temporary folder, migrated, given an RSA signing key, users,
groups and a confidential client, and served by ``python -m django runserver`` as a process
of its own on a free loopback port. ``OpenIdProvider.django(code)`` runs Python inside that
project (another process, the same database): the tests change users, redirect URIs and the
signing key through it, as an operator would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLIENT_ID = "sshgate-test"
CLIENT_SECRET = "op-client-secret-0123456789"
# A second client whose ID tokens the provider signs with HS256 and the client secret (an
# option django-oidc-provider offers): sshgate must refuse shared-secret signatures.
HS256_CLIENT_ID = "sshgate-hs256"
HS256_CLIENT_SECRET = "op-hs256-secret-0123456789"
# A public client: no secret, PKCE alone protects the code.
PUBLIC_CLIENT_ID = "sshgate-public"
CLIENTS = [
    (CLIENT_ID, CLIENT_SECRET, "RS256", "confidential"),
    (HS256_CLIENT_ID, HS256_CLIENT_SECRET, "HS256", "confidential"),
    (PUBLIC_CLIENT_ID, "", "RS256", "public"),
]
# username -> (password, groups at the provider)
USERS = {
    "olivia": ("olivia-op-pass-1", ["engineering", "sshgate-admins"]),
    "oscar": ("oscar-op-pass-1", ["sales"]),
    "admin": ("admin-op-pass-1", ["engineering"]),  # the same name as sshgate's local admin
}
START_TIMEOUT = 90.0

SETTINGS = """
from pathlib import Path
HERE = Path(__file__).parent
SECRET_KEY = "op-test-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "opurls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": HERE / "op.sqlite3",
                         "OPTIONS": {"timeout": 30}}}
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [HERE / "templates"], "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth"]},
}]
USE_TZ = True
LOGIN_URL = "/accounts/login/"
SITE_URL = "{site_url}"
OIDC_IDTOKEN_PROCESSING_HOOK = "ophooks.id_token_claims"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: a test OP
"""

URLS = """
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path
urlpatterns = [
    path("favicon.ico", lambda request: HttpResponse(status=204)),  # no 404 in the browser
    path("accounts/login/", LoginView.as_view(template_name="login.html")),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
"""

# The claims hook django-oidc-provider runs before it signs an ID token. Beyond the
# username and groups it applies ``overrides.json`` when present: the tests make the real
# provider issue a token for another audience, or one that expired, the way a misconfigured
# (or compromised) provider would, signed with its real keys.
HOOKS = """
import json
import time
from pathlib import Path

OVERRIDES = Path(__file__).parent / "overrides.json"


def id_token_claims(id_token, user, **kwargs):
    id_token["preferred_username"] = user.username
    id_token["groups"] = sorted(group.name for group in user.groups.all())
    id_token["name"] = user.get_full_name() or user.username
    id_token["email"] = user.email
    if OVERRIDES.exists():
        overrides = json.loads(OVERRIDES.read_text())
        now = int(time.time())
        for name in ("exp", "iat"):
            if name + "_in" in overrides:
                id_token[name] = now + int(overrides.pop(name + "_in"))
        id_token.update(overrides)
    return id_token
"""

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test OP sign-in</title></head>
<body><h1>Test identity provider</h1>
<form method="post">{% csrf_token %}
<label>Username <input name="username" id="id_username"></label>
<label>Password <input name="password" type="password" id="id_password"></label>
<input type="hidden" name="next" value="{{ next }}">
<button type="submit">Log in</button>
</form></body></html>
"""

SETUP = """
from django.contrib.auth.models import Group, User
from oidc_provider.models import Client, ResponseType
for name, (password, groups) in {users!r}.items():
    user = User.objects.create_user(name, f"{{name}}@example.test", password)
    user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
for client_id, secret, alg, kind in {clients!r}:
    client = Client.objects.create(
        name=client_id, client_id=client_id, client_secret=secret, client_type=kind,
        jwt_alg=alg, require_consent=False, reuse_consent=False,
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    client.redirect_uris = []
    client.save()
"""

ROTATE = """
from oidc_provider.models import RSAKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
old = list(RSAKey.objects.all())
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()
new = RSAKey.objects.create(key=pem)
for item in old:
    item.delete()
print(new.kid)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OpenIdProvider:
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.site + "/openid"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(self.folder),
            "DJANGO_SETTINGS_MODULE": "opsettings",
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=self.env(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"django {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def django(self, code: str) -> str:
        """Run ``code`` inside the provider's project (its database); returns its output."""
        return self.manage("shell", "-c", textwrap.dedent(code))

    def allow_redirect(self, uri: str) -> None:
        self.django(
            f"""
            from oidc_provider.models import Client
            for client in Client.objects.all():
                client.redirect_uris = sorted(set(client.redirect_uris) | {{{uri!r}}})
                client.save()
            """
        )

    def rotate_key(self) -> str:
        """A new signing key replaces the old one (the JWKS changes); its kid."""
        return self.django(ROTATE).strip().splitlines()[-1]

    @contextmanager
    def issuing(self, **claims: Any) -> Iterator[None]:
        """ID tokens issued inside the block carry ``claims`` (``exp_in=-600``: expired ten
        minutes ago; ``aud="other"``: for another client); normal ones again afterwards."""
        path = self.folder / "overrides.json"
        path.write_text(json.dumps(claims))
        try:
            yield
        finally:
            path.unlink(missing_ok=True)

    def log(self) -> str:
        path = self.folder / "op.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        log = (self.folder / "op.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env(),
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        url = self.issuer + "/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test OP exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the test OP did not answer within {START_TIMEOUT:g} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def build_provider(folder: Path) -> OpenIdProvider:
    """Write, migrate and populate the project; not started yet."""
    op = OpenIdProvider(folder, free_port())
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "opsettings.py").write_text(SETTINGS.replace("{site_url}", op.site))
    (folder / "opurls.py").write_text(URLS)
    (folder / "ophooks.py").write_text(HOOKS)
    (folder / "templates" / "login.html").write_text(LOGIN_PAGE)
    op.manage("migrate", "--noinput")
    op.manage("creatersakey")
    op.django(SETUP.format(users=USERS, clients=CLIENTS))
    return op
