"""Put the front end, vendor libraries included, into wheels as ``sshgate/_frontend``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = ("index.html", "app", "vendor")


class FrontendBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # served from the repository by sshgate.web.frontend
        frontend = Path(self.root).parent / "frontend"
        if not (frontend / "vendor" / "manifest.json").is_file():
            raise RuntimeError("front-end libraries missing: run scripts/vendor.sh before building")
        for name in SHIPPED:
            build_data["force_include"][str(frontend / name)] = f"sshgate/_frontend/{name}"
