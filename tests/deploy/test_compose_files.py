"""The compose files (DEP-1, DEP-3), checked without Docker: each validates against the
compose specification's JSON schema (as vendored by check-jsonschema), and the properties
the docs promise hold: a required secret key, a named volume for /data, three replicas on
PostgreSQL and Redis behind a round-robin proxy that upgrades WebSockets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import check_jsonschema
import jsonschema
import pytest
import yaml

from sshgate.testing.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = sorted(ROOT.glob("compose*.yml"))
SCHEMA = Path(check_jsonschema.__file__).parent / "builtin_schemas/vendor/compose-spec.json"
NGINX_CONF = ROOT / "deploy/nginx/nginx.conf"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return data


def test_there_are_the_three_files() -> None:
    assert [p.name for p in COMPOSE_FILES] == ["compose.dev.yml", "compose.ha.yml", "compose.yml"]


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_validates_against_the_compose_specification(path: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(yaml.safe_load(path.read_text())), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_build_contexts_exist(path: Path) -> None:
    for name, service in yaml.safe_load(path.read_text())["services"].items():
        build = service.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            assert (ROOT / context / "Dockerfile").is_file(), f"{path.name}: {name}: {context}"


def test_single_node_requires_the_secret_key_and_keeps_data_on_a_named_volume() -> None:
    compose = load("compose.yml")
    service = compose["services"]["sshgate"]
    assert re.fullmatch(
        r"\$\{SSHGATE_SECRET_KEY:\?.+\}", service["environment"]["SSHGATE_SECRET_KEY"]
    )
    assert "sshgate-data:/data" in service["volumes"]
    assert "sshgate-data" in compose["volumes"]
    assert service["ports"] == ["${SSHGATE_PUBLISH:-127.0.0.1:8443}:8443"]


def test_dev_adds_a_sandbox_target_built_from_debian_openssh() -> None:
    target = load("compose.dev.yml")["services"]["target"]
    assert target["build"] == "deploy/sandbox"
    dockerfile = (ROOT / "deploy/sandbox/Dockerfile").read_text()
    assert re.search(r"^FROM debian:\d", dockerfile, re.M)
    assert "openssh-server" in dockerfile
    assert "ports" not in target, "the dev target must not be published"


def test_ha_runs_three_replicas_on_postgres_and_redis_behind_the_proxy() -> None:
    compose = load("compose.ha.yml")
    services = compose["services"]
    sshgate = services["sshgate"]
    assert sshgate["deploy"]["replicas"] == 3
    env = sshgate["environment"]
    assert env["SSHGATE_DB_URL"].startswith("postgresql+asyncpg://")
    assert env["SSHGATE_REDIS_URL"] == "redis://redis:6379/0"
    assert env["SSHGATE_SECRET_KEY"].startswith("${SSHGATE_SECRET_KEY:?")
    assert {"postgres", "redis", "proxy"} <= services.keys()
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    # The replicas trust the proxy's X-Forwarded-For: the network they share.
    subnet = compose["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert env["SSHGATE_TRUSTED_PROXIES"] == subnet


def test_proxy_is_plain_round_robin_with_websocket_upgrade() -> None:
    conf = NGINX_CONF.read_text()
    directives = [line.split("#")[0].strip() for line in conf.splitlines()]
    assert not [d for d in directives if re.match(r"(ip_hash|hash|sticky|least_conn)\b", d)]
    assert "proxy_set_header Upgrade $http_upgrade;" in directives
    assert "proxy_set_header Connection $connection_upgrade;" in directives
    assert "proxy_http_version 1.1;" in directives
    assert "proxy_pass http://$sshgate;" in directives


def test_proxy_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        unavailable("nginx (apt-get install -y --no-install-recommends nginx)")
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(NGINX_CONF), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_schema_catches_a_mistake() -> None:
    """The validation is not vacuous: a misspelt key and a wrong type are reported."""
    broken = load("compose.yml")
    broken["services"]["sshgate"]["volume"] = broken["services"]["sshgate"].pop("volumes")
    broken["services"]["sshgate"]["restart"] = ["always"]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    messages = " ".join(error.message for error in validator.iter_errors(broken))
    assert "'volume' was unexpected" in messages
    assert "is not of type 'string'" in messages
