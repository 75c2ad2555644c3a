"""https:// receivers: the connection goes to the address the SSRF check approved, and the
certificate is still verified against the URL's host name (a private CA is trusted through
SSHGATE_WEBHOOKS_CA_FILE)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FAST
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from webhooks_receiver import Receiver, create_webhook, verify

from sshgate_webhooks.settings import WebhooksSettings


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for the DNS name ``name``, its own CA: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "receiver.pem", folder / "receiver.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path, "localhost")


@pytest.fixture
def webhooks_settings(certificate):
    # ::1 too: where localhost also resolves to it, every answer must be allowed.
    return {**FAST, "allow_networks": "127.0.0.1/32,::1/128", "ca_file": str(certificate[0])}


@pytest.fixture
def tls_receiver(certificate) -> Iterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    started = Receiver(tls=context).start()
    try:
        yield started
    finally:
        started.stop()


async def ping(admin_client, url: str) -> tuple[dict, str]:
    created = await create_webhook(admin_client, url, events=["auth.logout"])
    answer = await admin_client.post(f"/api/webhooks/{created['webhook']['id']}/test")
    assert answer.status_code == 200, await answer.get_json()
    return await answer.get_json(), created["secret"]


async def test_a_receiver_with_a_certificate_for_its_name_gets_the_delivery(
    admin_client, tls_receiver
):
    # localhost resolves to 127.0.0.1 (allow-listed); the connection goes there, and the
    # certificate is checked against "localhost".
    answer, secret = await ping(admin_client, f"https://localhost:{tls_receiver.port}/hook")
    assert answer["ok"] is True, answer
    [got] = tls_receiver.received
    assert verify(secret, got.headers, got.body)


async def test_a_certificate_for_another_name_is_refused(admin_client, tls_receiver):
    # The same server by address: its certificate names localhost, not 127.0.0.1.
    answer, _ = await ping(admin_client, f"https://127.0.0.1:{tls_receiver.port}/hook")
    assert answer["ok"] is False
    assert "certificate" in answer["delivery"]["error"].lower(), answer
    assert tls_receiver.received == []


async def test_a_ca_file_that_cannot_be_read_stops_start_up(tmp_path):
    broken = tmp_path / "not-a-ca.pem"
    broken.write_text("not a certificate")
    with pytest.raises(ValueError, match="cannot read CA certificates"):
        WebhooksSettings(ca_file=str(broken))
