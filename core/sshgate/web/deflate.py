"""WebSocket compression (permessage-deflate): off by default, level 1 when turned on.

Hypercorn offers permessage-deflate to every client that asks (all browsers do) at zlib's
default level 6, on the event loop that carries every session of the worker. Measured with
bench/: deflate took 76% of the gateway's CPU and halved terminal throughput, and its
compressor holds 256 KiB per socket. Terminal frames are small and SSH itself runs
uncompressed by default, so sshgate declines the extension unless
``SSHGATE_WS_COMPRESSION=fast``, which accepts it at level 1 (about 4x cheaper than level 6)
for deployments whose users sit behind slow links.

Hypercorn has no setting for this: it builds ``PerMessageDeflate()`` in its WebSocket stream
module, so :func:`install` swaps that name for the class below. The policy is per process.
"""

from __future__ import annotations

import zlib
from typing import Any, Literal

from wsproto.extensions import PerMessageDeflate

Mode = Literal["off", "fast"]
_mode: Mode = "off"


class GateDeflate(PerMessageDeflate):
    """permessage-deflate that follows the process policy."""

    def accept(self, offer: str) -> bool | str | None:
        if _mode == "off":
            return None  # not agreed: frames go out uncompressed
        return super().accept(offer)

    def frame_outbound(self, proto: Any, opcode: Any, rsv: Any, data: bytes, fin: bool) -> Any:
        if self._compressor is None:
            bits = self.client_max_window_bits if proto.client else self.server_max_window_bits
            self._compressor = zlib.compressobj(1, zlib.DEFLATED, -int(bits))
        return super().frame_outbound(proto, opcode, rsv, data, fin)


def install(mode: Mode) -> None:
    """Apply ``mode`` to every WebSocket this process accepts from now on."""
    global _mode
    from hypercorn.protocol import ws_stream

    _mode = mode
    ws_stream.PerMessageDeflate = GateDeflate  # type: ignore[misc]


def mode() -> Mode:
    return _mode
