"""A TCP proxy in front of PostgreSQL that a test can cut and restore, for "the database is
down" without stopping the shared server: ``refuse()`` (nothing listens, open connections
are reset), ``freeze()`` (connections are accepted and held, no byte goes through, as with a
dead network) and ``restore()``."""

from __future__ import annotations

import asyncio
import contextlib


class PgProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.host = "127.0.0.1"
        self.port = 0
        self.mode = "up"  # "up", "refuse" or "freeze"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> PgProxy:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def refuse(self) -> None:
        """Stop listening (connection refused) and reset every open connection."""
        self.mode = "refuse"
        if self._server is not None:
            self._server.close()
            self._server = None
        self._drop_all()

    def freeze(self) -> None:
        """Keep accepting, forward nothing, in either direction, on new or open connections."""
        self.mode = "freeze"
        self._flowing.clear()

    async def restore(self) -> None:
        """Back to a working database. Connections held while frozen are reset, as a real
        network that comes back finds the server long gone from them."""
        if self.mode == "freeze":
            self._drop_all()
        self.mode = "up"
        self._flowing.set()
        if self._server is None:
            await self.start()

    async def stop(self) -> None:
        await self.refuse()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        upstream: asyncio.StreamWriter | None = None
        try:
            await self._flowing.wait()  # a frozen database accepts and then says nothing
            if self.mode != "up":
                return
            up_reader, upstream = await asyncio.open_connection(*self.target)
            self._writers.add(upstream)
            await asyncio.gather(self._pump(reader, upstream), self._pump(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for end in (writer, upstream):
                if end is not None:
                    self._writers.discard(end)
                    end.transport.abort()
            self._tasks.discard(task)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                if writer.transport.is_closing():
                    return
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
