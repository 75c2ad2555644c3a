"""A private OpenLDAP ``slapd`` on 127.0.0.1 for the tests, nothing shared with the system's.

Needs Debian's ``slapd`` package (``scripts/test-services.sh`` installs it; the package's own
daemon is never configured or started). Each instance gets a folder of its own: a cn=config
directory built with ``slapadd -n0``, the directory data loaded with ``slapadd -n1``, a
certificate authority made in the test for LDAPS and StartTLS, and two free ports.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import ldap3
from ldap3.utils.dn import escape_rdn
from ldap_tls import TestCA, make_ca

from sshgate.testing.services import unavailable

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ROOT_DN = f"cn=root,{SUFFIX}"
SERVICE_DN = f"cn=sshgate,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-bind-pass-7"
# Disabled accounts carry employeeType=disabled; the plugin's USER_FILTER in the tests keeps
# them out (AD would use (!(userAccountControl:1.2.840.113556.1.4.803:=2)) the same way).
USER_FILTER = "(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))"
START_TIMEOUT = 60.0  # generous: a loaded machine starts slapd slowly

# Directory users: uid -> password. Groups below nest: devs is in engineering, which is in
# platform; loop-a and loop-b contain each other (the plugin must not spin on them).
USERS = {
    "alice": "alice-directory-pw1",
    "bob": "bob-directory-pw2",
    "carol": "carol-directory-pw3",
    "admin": "impostor-admin-pw4",  # the name of the local bootstrap account
    "dave": "dave-directory-pw5",  # marked disabled (employeeType) below
    "erin": "erin-directory-pw6",
}
GROUP_MEMBERS = {
    "devs": [f"uid=alice,{PEOPLE}"],
    "engineering": [f"cn=devs,{GROUPS}", f"uid=erin,{PEOPLE}"],
    "platform": [f"cn=engineering,{GROUPS}"],
    "sshgate-admins": [f"uid=bob,{PEOPLE}"],
    "loop-a": [f"cn=loop-b,{GROUPS}", f"uid=carol,{PEOPLE}"],
    "loop-b": [f"cn=loop-a,{GROUPS}"],
}
POSIX_GROUPS = {"ops-posix": ["alice", "carol"]}


def ssha(password: str) -> str:
    """``{SSHA}`` as slappasswd makes it, so that no clear password sits in the directory."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def user_dn(uid: str) -> str:
    return f"uid={escape_rdn(uid)},{PEOPLE}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config_ldif(folder: Path, ca: TestCA, root_password: str, anonymous_read: bool) -> str:
    schemas = "".join(f"include: file:///etc/ldap/schema/{s}.ldif\n\n" for s in SCHEMAS)
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {folder}/slapd.pid
olcTLSCACertificateFile: {ca.ca_file}
olcTLSCertificateFile: {ca.cert_file}
olcTLSCertificateKeyFile: {ca.key_file}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schemas}dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {SUFFIX}
olcRootDN: {ROOT_DN}
olcRootPW: {ssha(root_password)}
olcDbDirectory: {folder}/db
olcDbMaxSize: 104857600
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by users read{" by anonymous read" if anonymous_read else ""} by * none
"""


def _entry(dn: str, attributes: dict[str, list[str]]) -> str:
    lines = [f"dn: {dn}"]
    for name, values in attributes.items():
        lines += [f"{name}: {value}" for value in values]
    return "\n".join(lines) + "\n\n"


def user_attributes(uid: str, password: str, **extra: list[str]) -> dict[str, list[str]]:
    attributes = {
        "objectClass": ["inetOrgPerson"],
        "uid": [uid],
        "cn": [uid.title()],
        "sn": [uid.title()],
        "mail": [f"{uid}@example.org"],
        "userPassword": [ssha(password)],
    }
    attributes.update(extra)
    return attributes


def _data_ldif() -> str:
    out = _entry(
        SUFFIX, {"objectClass": ["dcObject", "organization"], "dc": ["example"], "o": ["Example"]}
    )
    for ou in ("people", "groups", "services"):
        out += _entry(f"ou={ou},{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": [ou]})
    out += _entry(
        SERVICE_DN,
        {
            "objectClass": ["organizationalRole", "simpleSecurityObject"],
            "cn": ["sshgate"],
            "userPassword": [ssha(SERVICE_PASSWORD)],
        },
    )
    for uid, password in USERS.items():
        extra = {"employeeType": ["disabled"]} if uid == "dave" else {}
        out += _entry(f"uid={uid},{PEOPLE}", user_attributes(uid, password, **extra))
    for cn, members in GROUP_MEMBERS.items():
        out += _entry(
            f"cn={cn},{GROUPS}", {"objectClass": ["groupOfNames"], "cn": [cn], "member": members}
        )
    for gid, (cn, uids) in enumerate(POSIX_GROUPS.items(), start=5000):
        out += _entry(
            f"cn={cn},{GROUPS}",
            {"objectClass": ["posixGroup"], "cn": [cn], "gidNumber": [str(gid)], "memberUid": uids},
        )
    return out


class Slapd:
    """``with Slapd() as directory:`` a private slapd with the users and groups above, on
    ``ldap_url`` (plain and StartTLS) and ``ldaps_url``; its CA is ``ca.ca_file``."""

    def __init__(self, *, anonymous_read: bool = False) -> None:
        self.anonymous_read = anonymous_read  # searches without a bind see entries
        self.folder = Path(tempfile.mkdtemp(prefix="sshgate-slapd-"))
        self.root_password = secrets.token_urlsafe(12)
        self.ca = make_ca(self.folder / "tls", "sshgate test CA")
        self.port = free_port()
        self.tls_port = free_port()
        self.ldap_url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://localhost:{self.tls_port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def accepted(self) -> int:
        """How many connections slapd accepted so far (from its stats log)."""
        return self.log().count(" ACCEPT from ")

    def tls_established(self) -> int:
        """How many connections completed a TLS handshake (LDAPS or StartTLS)."""
        return self.log().count(" TLS established ")

    def log(self) -> str:
        path = self.folder / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _run(self, *args: str, stdin: str) -> None:
        done = subprocess.run(args, input=stdin.encode(), capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')}")

    def start(self) -> Slapd:
        config = self.folder / "slapd.d"
        config.mkdir()
        (self.folder / "db").mkdir()
        self._run(
            SLAPADD,
            "-n0",
            "-F",
            str(config),
            stdin=_config_ldif(self.folder, self.ca, self.root_password, self.anonymous_read),
        )
        self._run(SLAPADD, "-n1", "-F", str(config), stdin=_data_ldif())
        self.launch()
        return self

    def launch(self) -> None:
        """Start (or restart) the daemon on the same ports and data."""
        urls = f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"
        with (self.folder / "slapd.log").open("ab") as log:
            # -d keeps slapd in the foreground (our child, dying with us); level 256 (stats)
            # logs each connection and operation, which tests count.
            self._proc = subprocess.Popen(
                [SLAPD, "-F", str(self.folder / "slapd.d"), "-h", urls, "-d", "256"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"slapd exited with {self._proc.returncode}: {self.log()}")
            try:
                with self.admin():
                    return
            except ldap3.core.exceptions.LDAPException:
                time.sleep(0.1)
        raise RuntimeError(f"slapd did not answer within {START_TIMEOUT:g} s: {self.log()}")

    def admin(self) -> ldap3.Connection:
        """A connection as the directory's root, to change entries from a test."""
        server = ldap3.Server("127.0.0.1", port=self.port, connect_timeout=5)
        return ldap3.Connection(
            server,
            ROOT_DN,
            self.root_password,
            auto_bind=True,
            receive_timeout=10,
            raise_exceptions=True,
        )

    def add_user(
        self, uid: str, password: str, groups: tuple[str, ...] = (), **extra: list[str]
    ) -> str:
        dn = user_dn(uid)
        with self.admin() as conn:
            conn.add(dn, attributes=user_attributes(uid, password, **extra))
            for group in groups:
                conn.modify(f"cn={group},{GROUPS}", {"member": [(ldap3.MODIFY_ADD, [dn])]})
        return dn

    def delete_user(self, uid: str, groups: tuple[str, ...] = ()) -> None:
        dn = user_dn(uid)
        with self.admin() as conn:
            for group in groups:
                conn.modify(f"cn={group},{GROUPS}", {"member": [(ldap3.MODIFY_DELETE, [dn])]})
            conn.delete(dn)

    def pause(self) -> None:
        """Freeze the daemon (SIGSTOP): the kernel still accepts connections, nothing answers,
        as with a directory that hangs."""
        assert self._proc is not None
        os.kill(self._proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGCONT)  # a paused slapd cannot act on SIGTERM
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Slapd:
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def start_slapd(*, anonymous_read: bool = False) -> Slapd:
    """A started instance, or a loud skip (a failure under CI=true) when slapd is missing."""
    if not os.access(SLAPD, os.X_OK) or not os.access(SLAPADD, os.X_OK):
        unavailable(f"{SLAPD} not found: apt-get install -y slapd (scripts/test-services.sh)")
    directory = Slapd(anonymous_read=anonymous_read)
    try:
        return directory.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        log = directory.log()
        directory.remove()
        unavailable(f"slapd did not start: {exc}\n{log}")
