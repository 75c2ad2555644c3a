"""CPU time and memory of a process from /proc (psutil is not a dependency of sshgate)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    cpu: float  # user + system seconds, this process and its threads
    rss: int  # bytes resident now
    threads: int


def sample(pid: int) -> Sample:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rpartition(b")")[2].split()
    # After the command name: state(0) ... utime(11) stime(12) ... num_threads(17) ... rss(21)
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    return Sample(cpu=cpu, rss=int(fields[21]) * _PAGE, threads=int(fields[17]))


def cpu_of_tree(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants (webssh's and sshgate's are one process;
    this is for peers that might fork)."""
    total = 0.0
    for child in [pid, *descendants(pid)]:
        try:
            total += sample(child).cpu
        except (OSError, IndexError, ValueError):
            continue
    return total


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                ppid = int(stat.read().rpartition(b")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class PeakRSS:
    """Samples a process's RSS every ``interval`` seconds from a thread; ``peak`` is the max."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.start_rss = sample(pid).rss
        self.peak = self.start_rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, sample(self.pid).rss)
            except OSError:
                return

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(OSError):
            self.peak = max(self.peak, sample(self.pid).rss)

    @property
    def growth(self) -> int:
        return self.peak - self.start_rss
