"""Below the WebSocket routes, the terminal layer knows nothing of WebSockets: sessions see
clients and speak reasons (``Ending``); only the routes turn them into close codes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sshgate.terminal.endings import Ending
from sshgate.web.ws import ENDING_CODES, close_code

TERMINAL = Path(__file__).resolve().parents[2] / "core" / "sshgate" / "terminal"
# The modules that adapt the terminal layer to WebSockets.
WEB_ADAPTERS = {"routes.py", "shares.py", "quick.py", "__init__.py"}


@pytest.mark.parametrize(
    "module", sorted(p.name for p in TERMINAL.glob("*.py") if p.name not in WEB_ADAPTERS)
)
def test_terminal_layer_imports_no_web_module(module):
    tree = ast.parse((TERMINAL / module).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
            if node.module == "quart":  # the app type is fine; the WebSocket object is not
                imported += [f"quart.{a.name}" for a in node.names if "ebsocket" in a.name]
        elif isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
    web = [name for name in imported if "web" in name.split(".") or "ebsocket" in name]
    assert not web, f"{module} imports {web}: close codes and WebSockets belong to the routes"


def test_every_ending_has_a_documented_close_code():
    assert set(ENDING_CODES) == {e.value for e in Ending}
    protocol = (TERMINAL.parents[2] / "docs" / "protocol.md").read_text()
    for ending in Ending:
        assert str(close_code(ending)) in protocol, f"docs/protocol.md lacks {close_code(ending)}"
