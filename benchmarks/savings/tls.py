"""A throwaway certificate for 127.0.0.1: Claude Code's WebFetch upgrades http:// to https://, so the
benchmark's web pages are served over TLS and the CLI trusts this certificate via NODE_EXTRA_CA_CERTS."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path


def make_certificate(directory: Path) -> Path:
    """Write cert.pem and key.pem (self-signed, 2 days, SAN IP:127.0.0.1) with openssl; return cert.pem."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert


def server_context(cert: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, cert.with_name("key.pem"))
    return context
