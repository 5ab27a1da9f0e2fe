"""What the tests of a hub on HTTPS share (test_lti.py, test_oauth.py): a self-signed
certificate made by the test set-up, a browser that trusts only it, and what the hub's own
database says."""

from __future__ import annotations

import datetime
import ipaddress
import sqlite3
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .classroom_hub import Hub


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as a test set-up makes one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "hub.crt", folder / "hub.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


def browser_for(hub: Hub) -> requests.Session:
    """A session that trusts the hub's certificate, and only it (never verify=False)."""
    browser = requests.Session()
    # Else REQUESTS_CA_BUNDLE in the environment would win over the session's own verify.
    browser.trust_env = False
    browser.verify = hub.verify
    return browser


def who(browser: requests.Session, hub: Hub) -> requests.Response:
    return browser.get(f"{hub.url}hub/api/user", timeout=30)


def users_in_hub(hub: Hub) -> set[str]:
    with sqlite3.connect(hub.root / "hub" / "jupyterhub.sqlite") as db:
        return {name for (name,) in db.execute("SELECT name FROM users")}
