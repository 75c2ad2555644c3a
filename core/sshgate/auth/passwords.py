"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import asyncio
import functools
import secrets

import bcrypt

MIN_LENGTH = 10
# bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut.
MAX_BYTES = 72

# The most common passwords of at least MIN_LENGTH characters in public breach corpora.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "1q2w3e4r5t",
        "qwertyuiop",
        "1qaz2wsx3edc",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "administrator",
        "admin12345",
        "adminadmin",
        "changeme123",
        "letmein123",
        "welcome123",
        "qwerty12345",
        "qwertyuiop123",
        "abcdefghij",
        "abc1234567",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "starwars123",
        "trustno1234",
        "superman123",
        "dragon1234",
        "1111111111",
        "0000000000",
        "9876543210",
        "asdfghjkl1",
        "zxcvbnm123",
        "monkey12345",
        "p@ssw0rd123",
        "p@ssword123",
        "passwordpassword",
        "sshgate123",
        "sshgateadmin",
    }
)


class PolicyError(ValueError):
    """The password does not meet the policy; the message says which rule."""


def check_policy(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PolicyError(f"password must have at least {MIN_LENGTH} characters")
    if len(password.encode()) > MAX_BYTES:
        raise PolicyError(f"password must have at most {MAX_BYTES} bytes")
    if password.casefold() == username.casefold():
        raise PolicyError("password must not be the username")
    if password.casefold() in COMMON_PASSWORDS:
        raise PolicyError("password is too common; choose another")


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def _verify(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:MAX_BYTES], hashed.encode())
    except ValueError:
        return False


# bcrypt costs ~200 ms of CPU by design: keep it off the event loop.
async def hash_password(password: str, rounds: int) -> str:
    return await asyncio.to_thread(_hash, password, rounds)


async def verify_password(password: str, hashed: str | None, rounds: int) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and fail."""
    return await asyncio.to_thread(_verify, password, hashed or _dummy_hash(rounds))


def generate_password() -> str:
    """A random password that passes the policy (shown once, must be changed)."""
    return secrets.token_urlsafe(15)


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return _hash(secrets.token_urlsafe(16), rounds)
