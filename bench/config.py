"""Sizes and repeat counts of the three modes: full (default), ``--quick`` and ``--smoke``."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_000_000
MiB = 1 << 20

SYSTEMS = ("ssh", "asyncssh", "sshgate", "webssh", "webgate")
PEERS = ("webssh", "webgate")
SCENARIOS = ("throughput", "echo", "start", "sftp", "idle", "slow", "fanout")


@dataclass(frozen=True)
class Sizes:
    mode: str
    repeats: int
    zeros_in: int  # bytes fed to base64 for the "zeros" workload (output is 4/3 of it)
    random_in: int  # the same, from /dev/urandom
    text_size: int  # bytes of the text file that is cat'ed
    echo_keys: int
    echo_gap: float  # seconds between keys
    start_opens: int  # sequential opens per repeat, for the p50
    burst: int  # terminals opened at once
    sftp_size: int
    idle_first: int  # idle CPU is measured here ...
    idle_sessions: int  # ... and here, with RSS per session
    idle_window: float  # seconds of idle CPU measurement at idle_sessions
    idle_first_window: float  # ... and at idle_first
    slow_seconds: float
    fanout_out: int  # output bytes of the fan-out command
    joiners: int
    settle: float = 2.0  # seconds to let a gateway calm down before measuring it idle
    # Fresh gateway processes for the memory scenarios (the smoke run shares one).
    fresh_gateways: bool = True


FULL = Sizes(
    mode="full",
    repeats=5,
    zeros_in=75 * MB,
    random_in=15 * MB,
    text_size=20 * MB,
    echo_keys=500,
    echo_gap=0.005,
    start_opens=4,
    burst=50,
    sftp_size=200 * MB,
    idle_first=200,
    idle_sessions=500,
    idle_window=10.0,
    idle_first_window=31.0,
    slow_seconds=30.0,
    fanout_out=50 * MB,
    joiners=20,
)

QUICK = Sizes(
    mode="quick",
    repeats=3,
    zeros_in=15 * MB,
    random_in=6 * MB,
    text_size=8 * MB,
    echo_keys=200,
    echo_gap=0.005,
    start_opens=3,
    burst=20,
    sftp_size=50 * MB,
    idle_first=50,
    idle_sessions=100,
    idle_window=5.0,
    idle_first_window=31.0,
    slow_seconds=10.0,
    fanout_out=10 * MB,
    joiners=10,
)

SMOKE = Sizes(
    mode="smoke",
    repeats=1,
    zeros_in=MB // 4,
    random_in=MB,
    text_size=MB // 2,
    echo_keys=20,
    echo_gap=0.005,
    start_opens=2,
    burst=3,
    sftp_size=2 * MB,
    idle_first=2,
    idle_sessions=3,
    idle_window=0.5,
    idle_first_window=0.5,
    slow_seconds=1.0,
    fanout_out=MB // 2,
    joiners=2,
    settle=0.2,
    fresh_gateways=False,
)


def sizes_for(mode: str) -> Sizes:
    return {"full": FULL, "quick": QUICK, "smoke": SMOKE}[mode]
