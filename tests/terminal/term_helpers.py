"""The terminal test helpers, under the short names these tests use; they live in
``sshgate.testing.terminal`` so that plugins can drive terminals in their tests too."""

from __future__ import annotations

from sshgate.testing.terminal import WITHIN, eventually
from sshgate.testing.terminal import TerminalClient as Term
from sshgate.testing.terminal import join_shared as join
from sshgate.testing.terminal import register_server as register
from sshgate.testing.terminal import share_link as share

__all__ = ["WITHIN", "Term", "eventually", "join", "register", "share"]
