"""Write deploy/requirements.lock: every runtime dependency of sshgate and its plugins,
pinned to the version installed in this environment (run it with .venv/bin/python after
changing a dependency). The image builds its wheels under this constraint file."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(__file__).with_name("requirements.lock")
ROOTS = ("sshgate",)  # plus every installed sshgate-* distribution


def ours() -> list[str]:
    names = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    return sorted(n for n in names if n in ROOTS or n.startswith("sshgate-"))


def closure(roots: list[str]) -> dict[str, str]:
    """name -> installed version of every distribution the roots need at run time."""
    found: dict[str, str] = {}
    todo = [(name, frozenset()) for name in roots]
    while todo:
        name, extras = todo.pop()
        dist = metadata.distribution(name)
        key = canonicalize_name(dist.metadata["Name"])
        seen = key in found
        found[key] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker and not any(req.marker.evaluate(env) for env in environments):
                continue
            if not seen or req.extras:
                todo.append((req.name, frozenset(req.extras)))
    return found


def main() -> None:
    roots = ours()
    pins = closure(roots)
    lines = [f"{name}=={version}" for name, version in sorted(pins.items()) if name not in roots]
    header = "# Runtime dependencies of sshgate and its plugins (deploy/lock.py writes this).\n"
    LOCK.write_text(header + "\n".join(lines) + "\n")
    print(f"{LOCK}: {len(lines)} pins for {', '.join(roots)}", file=sys.stderr)


if __name__ == "__main__":
    main()
