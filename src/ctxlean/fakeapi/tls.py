"""A throwaway self-signed certificate for 127.0.0.1, so WebFetch (which upgrades http to https) can
fetch the fake API's pages. Claude Code trusts it when NODE_EXTRA_CA_CERTS names the cert file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """(cert, key) PEM files for 127.0.0.1 and localhost, valid for two days, made with the openssl CLI.
    Raises FileNotFoundError when openssl is not installed."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl is needed to serve pages over https")
    cert, key = Path(directory) / "fake-api-cert.pem", Path(directory) / "fake-api-key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key
