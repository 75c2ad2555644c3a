"""REC-3: input typed while the remote terminal does not echo it is never recorded.

SSH tells the client nothing about the remote terminal's echo flag, so the rule is what
"echo off" means, seen from the gateway: keystrokes are held back until the remote answers
them. When the first visible output after them starts with what was typed, the terminal
echoed it, and it is recorded. Anything else first (a newline, another prompt, an error), or
the session ending, or a held back line growing past ``MAX_PENDING``, means no echo: what was
held back is dropped and a ``"redacted"`` marker is written in its place. A line that echoed
is recorded as typed until Enter; after Enter the next input is held back again (the next
prompt may be ``Password:``). ``sudo``, ``su``, ``ssh``, ``passwd`` and ``read -s`` all turn
echo off and print a newline after the secret, so the secret is never written; the cost of the
rule is that a keystroke typed ahead of a slow echo may be redacted too (it fails closed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

from .cast import strip_ansi

# What draws nothing (cursor moves, colours, bracketed paste, bells, backspaces): skipped
# before comparing. Carriage return and newline stay visible on purpose: a prompt that
# answers a secret with "\r\n" must not look like the secret's echo.
_INVISIBLE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
    r"|[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]"
)
MAX_PENDING = 4096  # characters held back before they count as unechoed
COMPARE = 16  # characters of the echo compared with what was typed


class Echo(Enum):
    UNKNOWN = "unknown"  # nothing decided on this line yet: hold input back
    ON = "on"  # this line echoed: record input as typed, until Enter
    OFF = "off"  # this line did not echo: drop input, until Enter


Emit = Callable[[float, str, str], None]


class EchoGate:
    """Decides, keystroke by keystroke, what of the input may be written.

    ``typed(t, text)`` and ``output(text)`` are called in the order the gateway saw them;
    ``emit(t, code, data)`` receives the ``"i"`` events to write and ``"m"`` redaction markers.
    """

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self.echo = Echo.UNKNOWN
        self._pending: list[tuple[float, str]] = []
        self._pending_visible = ""
        self.redacted = 0  # characters dropped so far

    @property
    def waiting(self) -> bool:
        """Whether keystrokes are held back, waiting for the output to tell."""
        return bool(self._pending)

    def typed(self, time: float, text: str) -> None:
        if self.echo is Echo.ON:
            self._emit(time, "i", text)
        elif self.echo is Echo.OFF:
            self.redacted += len(text)
            if _ends_line(text):
                self._emit(time, "i", "\r")  # the Enter that ended the secret: the timeline
        elif not self._pending and not _visible(text):
            self._emit(time, "i", text)  # Enter, arrows, Ctrl-C alone: nothing to hide
        else:
            self._pending.append((time, text))
            self._pending_visible += _visible(text)
            if len(self._pending_visible) > MAX_PENDING:
                self._decide(echoed=False)
        if _ends_line(text):
            self.echo = Echo.UNKNOWN

    def output(self, text: str) -> None:
        if not self._pending:
            return
        seen = _INVISIBLE.sub("", text)
        if seen:  # nothing visible yet: the echo may still come
            expected = self._pending_visible[:COMPARE]
            got = seen[: len(expected)]
            self._decide(echoed=bool(expected) and expected.startswith(got))

    def close(self) -> None:
        """The session ended with input still held back: it never echoed, so it goes."""
        if self._pending:
            self._decide(echoed=False)

    def _decide(self, *, echoed: bool) -> None:
        pending, self._pending, self._pending_visible = self._pending, [], ""
        line_open = not _ends_line(pending[-1][1])
        if echoed:
            for time, text in pending:
                self._emit(time, "i", text)
        else:
            self.redacted += sum(len(text) for _, text in pending)
            self._emit(pending[0][0], "m", "redacted")
            if not line_open:
                self._emit(pending[-1][0], "i", "\r")
        if line_open:
            self.echo = Echo.ON if echoed else Echo.OFF


def _visible(text: str) -> str:
    """What of the typed text an echo would draw (no escape sequences, no controls)."""
    return strip_ansi(text)


def _ends_line(text: str) -> bool:
    return "\r" in text or "\n" in text
