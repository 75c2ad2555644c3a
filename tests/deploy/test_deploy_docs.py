"""docs/deploy.md stays true: its excerpts match the files they quote, the nginx example
passes ``nginx -t``, the settings it introduces exist, and the README links to it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from sshgate.settings import Settings
from sshgate.testing.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_MD = ROOT / "docs/deploy.md"
sys.path.insert(0, str(ROOT / "tests/docs"))
from doc_blocks import Block  # noqa: E402
from doc_blocks import blocks as read_blocks  # noqa: E402


def blocks() -> list[Block]:
    return read_blocks(DEPLOY_MD)


def test_excerpts_match_the_files_they_quote() -> None:
    quoted = [b for b in blocks() if b.marker == "from"]
    assert quoted
    for block in quoted:
        assert block.path is not None
        assert block.code in (ROOT / block.path).read_text(), f"deploy.md:{block.line}"


def test_the_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        unavailable("nginx (apt-get install -y --no-install-recommends nginx)")
    [example] = [b for b in blocks() if b.heading == "nginx" and b.lang == "nginx"]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=gate.example.com",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", example.code)
    server = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", server)
    server = server.replace("listen 443", "listen 127.0.0.1:443")
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n{server}\n}}\n")
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_settings_it_introduces_exist() -> None:
    table = DEPLOY_MD.read_text().split("## Settings introduced here", 1)[1]
    names = re.findall(r"`SSHGATE_([A-Z_]+)`", table)
    assert names
    for name in names:
        assert name.lower() in Settings.model_fields, name


def test_the_readme_links_to_it() -> None:
    readme = (ROOT / "README.md").read_text()
    deployment = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    assert "docs/deploy.md" in deployment
