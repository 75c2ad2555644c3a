"""The fenced code blocks of a Markdown page, with the headings and markers around them.

A block may be preceded (on the line right before its fence) by a marker comment:

- ``<!-- example: sshgate-hello/sshgate_hello/__init__.py -->``: a file of the quick-start
  plugin, which :func:`assemble` writes out so that tests can import, install and test it;
- ``<!-- from: docs/examples/sshgate-notes/sshgate_notes/routes.py -->``: an excerpt that
  must appear, verbatim, in that file of the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLUGINS_MD = REPO / "docs" / "plugins.md"
MARKER = re.compile(r"^<!--\s*(example|from):\s*(\S+)\s*-->$")
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int  # of the opening fence, 1-based
    section: str  # the enclosing "## " heading
    heading: str  # the enclosing "### " heading ("" if none)
    marker: str | None = None  # "example" or "from"
    path: str | None = None

    @property
    def id(self) -> str:
        return f"line{self.line}-{self.lang or 'text'}"

    @property
    def hook(self) -> str | None:
        """The hook a plain block of the hook reference implements."""
        if self.section == "Hook reference" and self.marker is None and self.heading:
            return self.heading
        return None


def blocks(path: Path = PLUGINS_MD) -> list[Block]:
    found: list[Block] = []
    section = heading = ""
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            start = i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i] != "```":
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise AssertionError(f"{path.name}:{start + 1}: unterminated code block")
            marker = MARKER.match(lines[start - 1].strip()) if start else None
            found.append(
                Block(
                    lang=fence.group(1),
                    code="\n".join(body) + "\n",
                    line=start + 1,
                    section=section,
                    heading=heading,
                    marker=marker.group(1) if marker else None,
                    path=marker.group(2) if marker else None,
                )
            )
        elif line.startswith("## "):
            section, heading = line[3:].strip(), ""
        elif line.startswith("### "):
            heading = line[4:].strip().strip("`")
        i += 1
    return found


def assemble(name: str, into: Path) -> Path:
    """Write the files of the example ``name`` (``<!-- example: name/... -->``) below
    ``into``; returns ``into / name``."""
    root = into / name
    written = 0
    for block in blocks():
        if block.marker == "example" and block.path and block.path.startswith(name + "/"):
            target = into / block.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise AssertionError(f"{block.path} is given twice in plugins.md")
            target.write_text(block.code)
            written += 1
    if not written:
        raise AssertionError(f"plugins.md has no example blocks for {name}")
    return root
