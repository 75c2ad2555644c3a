"""What a probe finds: a result per server, and the reasons a server counts as offline."""

from __future__ import annotations

from dataclasses import dataclass

# dns, refused, unreachable, timeout: reaching the server (or, behind a jump host, the jump
# host reaching it); banner: TCP connected but no SSH identification line came;
# host_key_changed, auth_failed: a full check's connection was refused (pin or credentials);
# jump: the chain to the jump host failed; vetoed: a before_connect plugin said no (full
# check); error: anything else.
REASONS = (
    "dns",
    "refused",
    "unreachable",
    "timeout",
    "banner",
    "host_key_changed",
    "auth_failed",
    "jump",
    "vetoed",
    "error",
)


@dataclass(frozen=True)
class ProbeResult:
    server_id: int
    online: bool
    reason: str | None
    message: str  # the banner when online, else the sentence that says why not
    latency_ms: float | None


class ProbeFailed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
