"""The local certificate authority behind `lotline serve --tls`: phones trust its root once, and the server
certificate it issues is accepted for every name and address a phone may use."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

from cryptography import x509
from litestar.testing import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.tls import ensure_tls

NAMES = ["localhost", "plant-gw", "plant-gw.local"]
ADDRESSES = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("192.168.10.20")]


def _load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_server_certificate_is_issued_by_the_root_for_every_name_and_address(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path, NAMES, ADDRESSES)
    ca, cert = _load(files.ca_cert), _load(files.cert)
    cert.verify_directly_issued_by(ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == NAMES
    assert san.get_values_for_type(x509.IPAddress) == ADDRESSES
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 398  # Apple's limit


def test_a_client_that_trusts_the_root_completes_a_handshake_by_ip_and_by_name(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path, NAMES, ADDRESSES)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(files.cert, files.key)
    client_ctx = ssl.create_default_context(cafile=str(files.ca_cert))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept_twice() -> None:
            for _ in range(2):
                conn, _ = listener.accept()
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"ok")

        threading.Thread(target=accept_twice, daemon=True).start()
        for name in ("127.0.0.1", "localhost"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                    client_ctx.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.recv(2) == b"ok"


def test_the_root_is_kept_and_the_server_certificate_reissued_for_a_new_address(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path, NAMES, ADDRESSES)
    ca_pem, cert_pem = first.ca_cert.read_bytes(), first.cert.read_bytes()
    assert ensure_tls(tmp_path, NAMES, ADDRESSES).cert.read_bytes() == cert_pem  # nothing changed: kept
    moved = ensure_tls(tmp_path, NAMES, [*ADDRESSES, ipaddress.ip_address("10.1.2.3")])
    assert moved.ca_cert.read_bytes() == ca_pem  # phones that trust the root keep trusting it
    assert moved.cert.read_bytes() != cert_pem
    _load(moved.cert).verify_directly_issued_by(_load(moved.ca_cert))


def test_private_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    ensure_tls(tmp_path, NAMES, ADDRESSES)
    for key in ("ca.key", "server.key"):
        assert stat.S_IMODE((tmp_path / key).stat().st_mode) == 0o600


def test_root_certificate_and_trust_steps_are_offered_at_app(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/app/ca.crt").status_code == 404  # not started with --tls: no CA
        ensure_tls(settings.tls_dir, NAMES, ADDRESSES)
        answer = client.get("/app/ca.crt")
        steps = client.get("/app/trust")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-x509-ca-cert")
    assert answer.content == (settings.tls_dir / "ca.crt").read_bytes()
    assert b"PRIVATE" not in answer.content
    assert "Android" in steps.text and "iPhone" in steps.text and "/app/ca.crt" in steps.text
