"""A byte ring buffer for scrollback: the newest ``capacity`` bytes, O(1) per append."""

from __future__ import annotations

from collections import deque


class RingBuffer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._chunks: deque[bytes] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, data: bytes) -> None:
        if len(data) >= self.capacity:
            self._chunks.clear()
            self._chunks.append(data[-self.capacity :])
            self._size = self.capacity
            return
        self._chunks.append(data)
        self._size += len(data)
        while self._size > self.capacity:
            excess = self._size - self.capacity
            head = self._chunks[0]
            if len(head) <= excess:
                self._chunks.popleft()
                self._size -= len(head)
            else:
                self._chunks[0] = head[excess:]
                self._size -= excess

    def snapshot(self) -> bytes:
        data = b"".join(self._chunks)
        # Keep one chunk, so repeated snapshots do not join again.
        self._chunks.clear()
        self._chunks.append(data)
        return data
