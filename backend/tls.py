"""A local certificate authority for HTTPS on the plant's Wi-Fi: browsers give service workers, installation and
the camera only to secure contexts, and a phone reaches the backend by a LAN address no public CA will certify.

`ensure_tls(folder)` keeps, in the data dir: ca.crt/ca.key (the root, 10 years; its certificate is what phones
trust once) and server.crt/server.key (this machine's names and addresses, 397 days, reissued when a name is
missing or it nears expiry). Keys are written owner-only."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397  # Apple's limit for TLS server certificates is 398 days
RENEW_BEFORE = timedelta(days=30)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_cert: Path
    cert: Path
    key: Path


def machine_names() -> tuple[list[str], list[Address]]:
    """The DNS names and IP addresses a phone may use for this machine: localhost, the hostname (and its .local
    mDNS name), and every address the hostname resolves to plus the one the default route leaves from."""
    host = socket.gethostname()
    names = ["localhost", host, f"{host}.local"]
    with contextlib.suppress(OSError):
        fqdn = socket.getfqdn()
        if fqdn not in names:
            names.append(fqdn)
    addresses: set[Address] = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(host, None):
            addresses.add(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))  # UDP: nothing is sent, the kernel only picks the outgoing address
        addresses.add(ipaddress.ip_address(s.getsockname()[0]))
    return names, sorted(addresses, key=lambda a: (a.version, int(a)))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lotline"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _new_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = _name(f"Lotline local CA ({socket.gethostname()})")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_key(folder / "ca.key", key)
    (folder / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _new_server(folder: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: list[str],
                addresses: list[Address]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    san = x509.SubjectAlternativeName([*(x509.DNSName(n) for n in names), *(x509.IPAddress(a) for a in addresses)])
    cert = (x509.CertificateBuilder().subject_name(_name(names[1] if len(names) > 1 else names[0]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(san, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_key(folder / "server.key", key)
    (folder / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _server_is_good(path: Path, ca: x509.Certificate, names: list[str], addresses: list[Address]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    return (cert.issuer == ca.subject and cert.not_valid_after_utc - datetime.now(UTC) > RENEW_BEFORE
            and set(names) <= set(san.get_values_for_type(x509.DNSName))
            and set(addresses) <= set(san.get_values_for_type(x509.IPAddress)))


def ensure_tls(folder: Path, names: list[str] | None = None, addresses: list[Address] | None = None) -> TlsFiles:
    """The CA (made once, kept) and a server certificate covering `names`/`addresses` (default: this machine's)."""
    if names is None or addresses is None:
        found_names, found_addresses = machine_names()
        names, addresses = names or found_names, addresses or found_addresses
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "ca.crt").is_file() and (folder / "ca.key").is_file():
        ca, ca_key = x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes()), _load_key(folder / "ca.key")
    else:
        ca, ca_key = _new_ca(folder)
    if not _server_is_good(folder / "server.crt", ca, names, addresses):
        _new_server(folder, ca, ca_key, names, addresses)
    return TlsFiles(folder / "ca.crt", folder / "server.crt", folder / "server.key")


def ca_fingerprint(ca_cert: Path) -> str:
    cert = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def trust_steps_html(ca_url: str) -> str:
    """The page at /app/trust: download the root certificate and trust it, on Android and on iOS."""
    url = escape(ca_url)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>信任 Lotline 证书 / Trust Lotline</title>
<style>body{{font:16px/1.5 sans-serif;max-width:40em;margin:1em auto;padding:0 1em}}a.b{{display:inline-block;
padding:.6em 1em;background:#1565C0;color:#fff;border-radius:6px;text-decoration:none}}</style></head><body>
<h1>信任本厂的 Lotline 证书<br><small>Trust this plant's Lotline certificate</small></h1>
<p>手持终端应用需要 HTTPS。请先下载并信任本服务器的根证书（每台手机一次）。<br>
The handheld app needs HTTPS. Download and trust this server's root certificate once per phone.</p>
<p><a class="b" href="{url}" download="lotline-ca.crt">下载根证书 / Download the root certificate</a></p>
<h2>Android (Chrome)</h2><ol>
<li>下载 lotline-ca.crt。Download lotline-ca.crt.</li>
<li>设置 → 安全 → 加密与凭据 → 安装证书 → <b>CA 证书</b>，选择该文件。<br>Settings → Security → Encryption &amp;
credentials → Install a certificate → <b>CA certificate</b>, pick the file.</li>
<li>重新打开 Chrome，访问 <code>/app/</code>，菜单 → <b>添加到主屏幕</b>。<br>Reopen Chrome, open
<code>/app/</code>, menu → <b>Add to Home screen</b> (Install app).</li></ol>
<h2>iPhone / iPad (Safari)</h2><ol>
<li>用 Safari 打开本页并下载证书，点“允许”。Open this page in Safari, download, tap Allow.</li>
<li>设置 → 已下载描述文件 → 安装。Settings → Profile Downloaded → Install.</li>
<li>设置 → 通用 → 关于本机 → 证书信任设置 → 打开 “Lotline local CA” 的完全信任。<br>Settings → General → About →
Certificate Trust Settings → turn on full trust for “Lotline local CA”.</li>
<li>在 Safari 打开 <code>/app/</code>，分享 → <b>添加到主屏幕</b>。Open <code>/app/</code>, Share → <b>Add to Home
Screen</b>.</li></ol>
<p>只信任来自本厂服务器的证书。Only trust a certificate downloaded from your own plant's server.</p>
</body></html>"""
