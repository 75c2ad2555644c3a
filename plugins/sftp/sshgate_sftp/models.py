"""The plugin's one table: resumable upload sessions (``sftp_uploads``).

The offset is deliberately not stored: it is the size of the part file on the server, so a
session survives a gateway restart and never disagrees with what actually arrived.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model


class SftpUpload(Model):
    __tablename__ = "sftp_uploads"

    # 32 hex characters: unguessable, and safe inside the part file's name.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    server_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("servers.id", ondelete="CASCADE"), index=True
    )
    # The resolved target and the part file next to it, both as the server names them.
    path: Mapped[str] = mapped_column(Text)
    part_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    overwrite: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
