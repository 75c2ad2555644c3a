"""The SFTP file browser in a real browser (the sftp plugin's "files" and "sftp-editor"
panels): Chromium through a real sshgate process against the in-process SSH server, whose
SFTP root is a temporary folder this module reads and writes directly to check what arrived.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import struct
import threading
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import WIDTHS, Gate, Screen, eventually, free_port
from playwright.sync_api import expect

from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER, SSHTestServer

pytestmark = pytest.mark.browser

# Bytes the page and this module both compute: byte i is (i * 31 + 7) mod 256, so that a
# shifted, dropped or repeated chunk cannot go unnoticed.
PATTERN_JS = """(size) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}"""


def pattern(size: int) -> bytes:
    return bytes((i * 31 + 7) & 255 for i in range(size))


# Build files in the page and drop them on the element: a real DragEvent with a real
# DataTransfer, as the browser dispatches it when a person drops files from the desktop.
DROP_JS = (
    """([selector, files]) => {
  const make = """
    + PATTERN_JS
    + """;
  const dt = new DataTransfer();
  for (const [name, size] of files) dt.items.add(new File([make(size)], name));
  const target = document.querySelector(selector);
  const box = target.getBoundingClientRect();
  const at = { clientX: box.left + 40, clientY: box.top + box.height / 2 };
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: dt, bubbles: true, cancelable: true, ...at };
    target.dispatchEvent(new DragEvent(type, init));
  }
}"""
)


def png(width: int, height: int) -> bytes:
    """A small, valid RGB PNG (a colour gradient)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 40 % 256, y * 60 % 256, 160)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class ThreadedSftpServer:
    """The in-process SSH server, chrooted SFTP on ``root``, on a loop of its own thread
    (Playwright's sync API owns the test's thread)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.run(SSHTestServer(sftp_root=root).start())

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture(scope="module")
def sftp_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedSftpServer]:
    target = ThreadedSftpServer(tmp_path_factory.mktemp("sftp-root"))
    yield target
    target.close()


@pytest.fixture
def files_root(sftp_target: ThreadedSftpServer, request: pytest.FixtureRequest) -> Path:
    """A fresh folder per test inside the SFTP root."""
    folder = sftp_target.root / request.node.name.removeprefix("test_")[:40]
    folder.mkdir()
    return folder


def server(gate: Gate, target: ThreadedSftpServer, name: str, **fields: Any) -> dict[str, Any]:
    for row in gate.admin("GET", "api/servers")["servers"]:
        if row["name"] == name:
            return row
    body = {"name": name, "host": "127.0.0.1", "port": target.server.port}
    body |= {"username": TEST_USER, "password": TEST_PASSWORD, **fields}
    return gate.admin("POST", "api/servers", body)


def open_files(screen: Screen, name: str, folder: str) -> Any:
    """Sign in, press Files on the server, go to ``folder``; the panel's locator."""
    page = screen.page
    screen.sign_in_admin()
    page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile(f"^{re.escape(name)} ")
    ).click()
    page.get_by_role("region", name=name).get_by_role("button", name="Files", exact=True).click()
    expect(page.get_by_role("tab", name=f"Files: {name}")).to_have_attribute(
        "aria-selected", "true"
    )
    panel = page.locator(".tab-panel:not([hidden]) .files")
    expect(panel.get_by_role("grid", name="Files")).to_be_visible()
    go_to(panel, folder)
    return panel


def go_to(panel: Any, folder: str) -> None:
    panel.get_by_role("button", name="Edit the path (Ctrl+L)").click()
    path = panel.get_by_role("textbox", name="Path")
    path.fill(f"/{folder}")
    path.press("Enter")
    expect(panel.locator(".files-crumb[aria-current]")).to_have_text(folder)


def row(panel: Any, name: str) -> Any:
    return panel.locator(f'tbody tr[data-name="{name}"]')


def test_drop_files_upload_with_progress_and_arrive_intact(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    expect(panel.get_by_text("This folder is empty.")).to_be_visible()
    screen.shots("files-empty", widths=("wide",))

    # Slow the upload down (Chromium's own network throttling) so the bar is seen moving.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 600_000},
    )
    sizes = {"big.bin": 3_000_000, "small.txt": 70_001, "empty.dat": 0}
    page.evaluate(DROP_JS, [".tab-panel:not([hidden]) .files-scroll", list(sizes.items())])
    queue = panel.get_by_role("region", name="Uploads")
    big = queue.locator('li[data-path$="/big.bin"]')
    expect(big.get_by_role("progressbar")).to_be_visible()
    page.wait_for_function(
        """() => {
          const bar = document.querySelector('li[data-path$="/big.bin"] [role=progressbar]');
          const value = Number(bar && bar.getAttribute('aria-valuenow'));
          return value > 5 && value < 90;
        }"""
    )
    expect(big).to_have_attribute("data-state", "uploading")
    expect(big.get_by_role("button", name="Cancel upload of big.bin")).to_be_visible()
    screen.shots("files-upload-progress")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    for name in sizes:
        expect(queue.locator(f'li[data-path$="/{name}"]')).to_have_attribute(
            "data-state", "done", timeout=30_000
        )
    expect(queue.get_by_text("3 of 3 done")).to_be_visible()
    for name, size in sizes.items():
        assert (files_root / name).read_bytes() == pattern(size), name
        expect(row(panel, name)).to_be_visible()
    # No part files are left behind.
    assert sorted(os.listdir(files_root)) == sorted(sizes)
    screen.shots("files-upload-done", widths=("wide",))

    queue.get_by_role("button", name="Clear finished").click()
    expect(queue).to_be_hidden()


# A folder dropped from the desktop: Chromium hands the page FileSystemEntry objects
# (webkitGetAsEntry) that a script cannot create, so this drop carries look-alikes of them
# with the same interface, including readEntries() answering in several batches.
FOLDER_DROP_JS = """([selector]) => {
  const file = (name, text) => ({ isFile: true, isDirectory: false, name,
    file: (ok) => ok(new File([text], name)) });
  const dir = (name, children) => ({ isFile: false, isDirectory: true, name,
    createReader: () => {
      const batches = [children.slice(0, 1), children.slice(1), []];
      return { readEntries: (ok) => ok(batches.shift() || []) };
    } });
  const tree = dir("site", [
    file("index.html", "<h1>home</h1>"),
    dir("css", [file("main.css", "body{}")]),
    dir("empty", []),
  ]);
  const transfer = {
    types: ["Files"],
    items: [{ kind: "file", webkitGetAsEntry: () => tree }],
    files: [],
    dropEffect: "none",
  };
  const target = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    const event = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(event, "dataTransfer", { value: transfer });
    target.dispatchEvent(event);
  }
}"""


def test_drop_a_folder_and_pick_one_with_the_upload_button(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path, tmp_path: Path
) -> None:
    server(gate, sftp_target, "files")
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    page.evaluate(FOLDER_DROP_JS, [".tab-panel:not([hidden]) .files-scroll"])
    queue = panel.get_by_role("region", name="Uploads")
    expect(queue.get_by_text("2 of 2 done")).to_be_visible()
    assert (files_root / "site" / "index.html").read_text() == "<h1>home</h1>"
    assert (files_root / "site" / "css" / "main.css").read_text() == "body{}"
    assert (files_root / "site" / "empty").is_dir()
    expect(row(panel, "site")).to_be_visible()

    # The Upload button's "Upload a folder…" (an <input webkitdirectory>).
    picked = tmp_path / "picked"
    (picked / "sub").mkdir(parents=True)
    (picked / "top.txt").write_text("top")
    (picked / "sub" / "deep.txt").write_text("deep")
    panel.get_by_role("button", name="Upload").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("menu", name="File actions").get_by_role(
            "menuitem", name="Upload a folder…"
        ).click()
    chooser.value.set_files(picked)
    expect(queue.get_by_text("4 of 4 done")).to_be_visible()
    assert (files_root / "picked" / "top.txt").read_text() == "top"
    assert (files_root / "picked" / "sub" / "deep.txt").read_text() == "deep"

    # And plain files with "Upload files…".
    (tmp_path / "plain.txt").write_text("plain")
    panel.get_by_role("button", name="Upload").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("menu", name="File actions").get_by_role(
            "menuitem", name="Upload files…"
        ).click()
    chooser.value.set_files(tmp_path / "plain.txt")
    expect(queue.get_by_text("5 of 5 done")).to_be_visible()
    assert (files_root / "plain.txt").read_text() == "plain"

    # The same name again: the row offers Replace, which overwrites.
    panel.get_by_role("button", name="Upload").click()
    (tmp_path / "plain.txt").write_text("plain, second version")
    screen.allow_console_error("status of 409")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("menu", name="File actions").get_by_role(
            "menuitem", name="Upload files…"
        ).click()
    chooser.value.set_files(tmp_path / "plain.txt")
    again = queue.locator('li[data-path$="/plain.txt"]').last
    expect(again).to_have_attribute("data-state", "exists")
    expect(again).to_contain_text("A file with this name exists")
    again.get_by_role("button", name="Replace").click()
    expect(again).to_have_attribute("data-state", "done")
    assert (files_root / "plain.txt").read_text() == "plain, second version"


def test_cancel_an_upload(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 300_000},
    )
    screen.allow_console_error("net::ERR_")  # the aborted PATCH
    page.evaluate(DROP_JS, [".tab-panel:not([hidden]) .files-scroll", [["never.bin", 4_000_000]]])
    item = panel.locator('li[data-path$="/never.bin"]')
    page.wait_for_function(
        """() => Number(document.querySelector('li[data-path$="/never.bin"] [role=progressbar]')
          ?.getAttribute('aria-valuenow')) > 1"""
    )
    item.get_by_role("button", name="Cancel upload of never.bin").click()
    expect(item).to_have_attribute("data-state", "cancelled")
    expect(item).to_contain_text("Cancelled")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    # The session was aborted on the server: no target, no part file left behind.
    eventually(lambda: not os.listdir(files_root), "the cancelled upload leaves no file")
    assert os.listdir(files_root) == []
    assert (
        gate.admin("GET", f"api/files/{server(gate, sftp_target, 'files')['id']}/uploads")[
            "uploads"
        ]
        == []
    )


def test_a_dropped_connection_resumes_from_the_servers_offset(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    # The first PATCH dies on the way (a connection reset); the page must ask the server for
    # its offset and send the rest.
    screen.allow_console_error("net::ERR_CONNECTION_RESET")
    patches: list[str] = []

    def cut_first(route: Any) -> None:
        if route.request.method == "PATCH":
            patches.append(route.request.headers.get("upload-offset", ""))
            if len(patches) == 1:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(re.compile(r".*/api/files/\d+/uploads/.*"), cut_first)
    page.evaluate(DROP_JS, [".tab-panel:not([hidden]) .files-scroll", [["resumed.bin", 400_000]]])
    item = panel.locator('li[data-path$="/resumed.bin"]')
    expect(item).to_have_attribute("data-state", "done", timeout=30_000)
    assert (files_root / "resumed.bin").read_bytes() == pattern(400_000)
    assert patches == ["0", "0"]
    page.unroute(re.compile(r".*/api/files/\d+/uploads/.*"))


def test_an_upload_a_reload_interrupted_resumes_with_the_same_file(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path, tmp_path: Path
) -> None:
    """The session and the first 100 000 bytes were sent before the page went away (here:
    through the API, as the same user); the panel lists it and sends only the rest."""
    row_ = server(gate, sftp_target, "files")
    size, sent = 300_000, 100_000
    target = f"/{files_root.name}/later.bin"
    session = gate.admin("POST", f"api/files/{row_['id']}/uploads", {"path": target, "size": size})
    request = urllib.request.Request(
        f"{gate.url}api/files/{row_['id']}/uploads/{session['id']}",
        data=pattern(size)[:sent],
        method="PATCH",
        headers={"Upload-Offset": "0", "Authorization": f"Bearer {gate.ensure_admin()}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["offset"] == sent
    page = screen.page
    offsets: list[str] = []
    page.on(
        "request",
        lambda r: r.method == "PATCH" and offsets.append(r.headers.get("upload-offset", "")),
    )
    panel = open_files(screen, "files", files_root.name)
    item = panel.locator(f'li[data-path="{target}"]')
    expect(item).to_have_attribute("data-state", "interrupted")
    expect(item).to_contain_text("pick the same file to resume")
    screen.shots("files-upload-interrupted", widths=("wide",))
    local = tmp_path / "later.bin"
    local.write_bytes(pattern(size))
    with page.expect_file_chooser() as chooser:
        item.get_by_role("button", name="Resume…").click()
    chooser.value.set_files(local)
    expect(item).to_have_attribute("data-state", "done")
    assert (files_root / "later.bin").read_bytes() == pattern(size)
    assert offsets == [str(sent)]


def test_edit_a_file_save_it_and_see_a_conflict(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    source = files_root / "app.py"
    source.write_text('def hello():\n    return "hi"\n')
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    row(panel, "app.py").dblclick()
    tab = page.get_by_role("tab", name="Edit: app.py")
    expect(tab).to_have_attribute("aria-selected", "true")
    editor = page.locator(".tab-panel:not([hidden]) .files-editor")
    expect(editor.locator(".files-editor-lang")).to_have_text("Python")
    content = editor.get_by_role("textbox", name="Contents of app.py")
    expect(content).to_contain_text('return "hi"')
    expect(editor.get_by_role("button", name="Save")).to_be_disabled()

    content.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# edited in the browser\n")
    expect(editor.locator(".files-editor-dirty")).to_be_visible()
    expect(page.get_by_role("tab", name="● Edit: app.py")).to_be_visible()
    screen.shots("files-editor-dirty")
    page.keyboard.press("Control+s")
    expect(editor.get_by_role("status")).to_contain_text("Saved")
    expect(editor.locator(".files-editor-dirty")).to_be_hidden()
    saved = source.read_text()
    assert saved.startswith('def hello():\n    return "hi"\n')
    assert "# edited in the browser" in saved

    # Someone else changes the file: saving now is a 409 conflict, shown with the choice.
    screen.allow_console_error("status of 409")
    source.write_text("changed on the server\n")
    os.utime(source, (1_700_000_000, 1_700_000_000))
    page.keyboard.type("more = 1\n")
    page.keyboard.press("Control+s")
    alert = editor.get_by_role("alert")
    expect(alert).to_contain_text("was changed on the server after you opened it")
    screen.shots("files-editor-conflict", widths=("wide",))
    assert source.read_text() == "changed on the server\n"
    alert.get_by_role("button", name="Overwrite it").click()
    expect(alert).to_be_hidden()
    expect(editor.get_by_role("status")).to_contain_text("Saved")
    assert "more = 1" in source.read_text()


def test_binary_and_large_files_say_why_they_cannot_be_edited(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    (files_root / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    page = screen.page
    screen.allow_console_error("status of 415")
    panel = open_files(screen, "files", files_root.name)
    row(panel, "blob.bin").click()
    page.keyboard.press("Enter")
    editor = page.locator(".tab-panel:not([hidden]) .files-editor")
    alert = editor.get_by_role("alert")
    expect(alert).to_contain_text("cannot be edited as text")
    expect(alert).to_contain_text("looks like a binary file")
    expect(alert.get_by_role("button", name="Download instead")).to_be_visible()


def test_download_a_selection_as_zip(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    (files_root / "docs").mkdir()
    (files_root / "docs" / "readme.md").write_text("# read me\n")
    (files_root / "a.txt").write_text("alpha\n")
    (files_root / "b.txt").write_text("bravo\n")
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    row(panel, "docs").click()
    row(panel, "b.txt").click(modifiers=["Control"])
    expect(panel.locator('tbody tr[aria-selected="true"]')).to_have_count(2)
    expect(panel.locator(".files-statusbar")).to_contain_text("2 selected")
    row(panel, "b.txt").click(button="right")
    menu = page.get_by_role("menu", name="File actions")
    expect(menu).to_be_visible()
    screen.shots("files-context-menu", widths=("wide",))
    # A resize closes the menu (its place belonged to the old layout): open it again there.
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["phone"], strict=True)))
    expect(menu).to_be_hidden()
    row(panel, "b.txt").click(button="right")
    expect(menu).to_be_visible()
    screen.shots("files-context-menu-phone", widths=("phone",))
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["wide"], strict=True)))
    row(panel, "b.txt").click(button="right")
    with page.expect_download() as info:
        menu.get_by_role("menuitem", name="Download 2 items as ZIP").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    data = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert "b.txt" in names and "docs/readme.md" in names, names
        assert "a.txt" not in names
        assert archive.read("docs/readme.md") == b"# read me\n"
        assert archive.read("b.txt") == b"bravo\n"


def test_preview_an_image(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    (files_root / "picture.png").write_bytes(png(40, 24))
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    row(panel, "picture.png").dblclick()
    dialog = page.get_by_role("dialog", name="Preview of picture.png")
    image = dialog.get_by_role("img", name="picture.png")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('.files-preview-image');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert image.evaluate("(i) => [i.naturalWidth, i.naturalHeight]") == [40, 24]
    expect(dialog.get_by_role("status")).to_contain_text("40 \N{MULTIPLICATION SIGN} 24 px")
    screen.shots("files-preview", widths=("wide", "phone"))
    dialog.get_by_role("button", name="Close preview").click()
    expect(dialog).to_be_hidden()


def test_select_rename_chmod_mkdir_and_delete(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    for name in ("one.txt", "two.txt", "three.txt", "four.txt", ".hidden"):
        (files_root / name).write_text(name)
    page = screen.page
    panel = open_files(screen, "files", files_root.name)
    grid = panel.get_by_role("grid", name="Files")
    expect(panel.locator("tbody tr")).to_have_count(4)  # .hidden stays hidden
    panel.get_by_role("switch", name="Hidden").check()
    expect(row(panel, ".hidden")).to_be_visible()
    panel.get_by_role("switch", name="Hidden").uncheck()

    # Sort by size, then by name descending.
    panel.get_by_role("button", name="Name", exact=True).click()
    expect(panel.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "descending"
    )
    names = panel.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.name)")
    assert names == ["two.txt", "three.txt", "one.txt", "four.txt"]
    panel.get_by_role("button", name="Name", exact=True).click()

    # Shift-click selects a range; the keyboard extends it.
    row(panel, "four.txt").click()
    row(panel, "three.txt").click(modifiers=["Shift"])
    expect(panel.locator('tbody tr[aria-selected="true"]')).to_have_count(3)
    page.keyboard.press("Shift+ArrowDown")
    expect(panel.locator('tbody tr[aria-selected="true"]')).to_have_count(4)
    # Shift+F10 opens the context menu for the selection, from the keyboard.
    page.keyboard.press("Shift+F10")
    menu = page.get_by_role("menu", name="File actions")
    expect(menu.get_by_role("menuitem", name="Delete 4 items")).to_be_visible()
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    page.keyboard.press("Escape")
    expect(panel.locator('tbody tr[aria-selected="true"]')).to_have_count(0)

    # Filter.
    panel.get_by_role("searchbox", name="Filter by name").fill("o.t")
    expect(panel.locator("tbody tr")).to_have_count(1)  # two.txt
    panel.get_by_role("searchbox", name="Filter by name").fill("")

    # New folder.
    panel.get_by_role("button", name="New folder").click()
    dialog = page.get_by_role("dialog", name="New folder")
    dialog.get_by_role("textbox").fill("made here")
    dialog.get_by_role("button", name="Create").click()
    expect(row(panel, "made here")).to_be_visible()
    assert (files_root / "made here").is_dir()

    # Rename with F2.
    row(panel, "one.txt").click()
    grid.press("F2")
    dialog = page.get_by_role("dialog", name="Rename one.txt")
    dialog.get_by_label("New name").fill("uno.txt")
    dialog.get_by_role("button", name="Rename").click()
    expect(row(panel, "uno.txt")).to_be_visible()
    assert (files_root / "uno.txt").read_text() == "one.txt"

    # chmod through the checkbox grid and the octal field.
    row(panel, "uno.txt").click(button="right")
    page.get_by_role("menu", name="File actions").get_by_role(
        "menuitem", name="Permissions…"
    ).click()
    dialog = page.get_by_role("dialog", name="Permissions of uno.txt")
    dialog.get_by_role("checkbox", name="Owner execute").check()
    octal = dialog.get_by_role("textbox", name="Octal mode")
    expect(octal).to_have_value(re.compile(r"^07\d\d$"))
    octal.fill("0750")
    expect(dialog.get_by_role("checkbox", name="Group write")).not_to_be_checked()
    expect(dialog.get_by_role("checkbox", name="Group execute")).to_be_checked()
    screen.shots("files-chmod", widths=("wide",))
    dialog.get_by_role("button", name="Apply").click()
    expect(row(panel, "uno.txt")).to_contain_text("-rwxr-x---")
    assert (files_root / "uno.txt").stat().st_mode & 0o777 == 0o750

    # Delete two with the Delete key: the confirmation names the count.
    row(panel, "two.txt").click()
    row(panel, "three.txt").click(modifiers=["Control"])
    grid.press("Delete")
    confirm = page.get_by_role("dialog", name="Delete 2 items?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Delete 2 items").click()
    expect(row(panel, "two.txt")).to_have_count(0)
    expect(row(panel, "three.txt")).to_have_count(0)
    assert not (files_root / "two.txt").exists() and not (files_root / "three.txt").exists()

    # Into the folder with Enter, back with Backspace.
    row(panel, "made here").click()
    grid.press("Enter")
    expect(panel.locator(".files-crumb[aria-current]")).to_have_text("made here")
    expect(panel.get_by_text("This folder is empty.")).to_be_visible()
    panel.get_by_role("grid", name="Files").press("Backspace")
    expect(panel.locator(".files-crumb[aria-current]")).to_have_text(files_root.name)
    screen.shots("files-listing")


def test_read_only_server_disables_writes_with_a_reason(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files-ro", sftp_read_only=True)
    (files_root / "keep.txt").write_text("keep")
    page = screen.page
    panel = open_files(screen, "files-ro", files_root.name)
    expect(panel.get_by_role("button", name="Upload")).to_be_disabled()
    expect(panel.get_by_role("button", name="New folder")).to_be_disabled()
    expect(panel.locator(".files-statusbar")).to_contain_text("Read-only server")
    row(panel, "keep.txt").click(button="right")
    menu = page.get_by_role("menu", name="File actions")
    delete = menu.get_by_role("menuitem", name="Delete")
    expect(delete).to_have_attribute("aria-disabled", "true")
    expect(delete).to_have_attribute("title", re.compile("read-only"))
    screen.shots("files-read-only", widths=("wide",))
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    # Files open read-only in the editor: no typing, no saving, and the reason is given.
    panel.get_by_role("grid", name="Files").press("Enter")
    editor = page.locator(".tab-panel:not([hidden]) .files-editor")
    expect(editor.get_by_role("textbox", name="Contents of keep.txt")).to_have_attribute(
        "aria-readonly", "true"
    )
    save = editor.get_by_role("button", name="Save")
    expect(save).to_be_disabled()
    expect(save).to_have_attribute("title", re.compile("read-only"))
    expect(editor.get_by_role("status")).to_contain_text("read-only server")


def test_files_in_the_split_view(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    (files_root / "next-to-the-shell.txt").write_text("hi")
    page = screen.page
    screen.sign_in_admin()
    page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile("^files ")
    ).click()
    page.get_by_role("region", name="files").get_by_role("button", name="Split", exact=True).click()
    half = page.locator(".tab-panel:not([hidden]) .split-files .files")
    expect(half.get_by_role("grid", name="Files")).to_be_visible()
    go_to(half, files_root.name)
    expect(row(half, "next-to-the-shell.txt")).to_be_visible()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["wide"], strict=True)))
    screen.shots("files-split")
    # The shell of the split tab is not needed any more.
    for session in gate.admin("GET", "api/terminal/sessions")["sessions"]:
        gate.admin("DELETE", f"api/terminal/sessions/{session['id']}")


def test_errors_are_shown_with_the_servers_message(
    screen: Screen, gate: Gate, sftp_target: ThreadedSftpServer, files_root: Path
) -> None:
    server(gate, sftp_target, "files")
    server(gate, sftp_target, "files-down", port=free_port())  # nothing listens there
    page = screen.page
    screen.allow_console_error("status of 404")
    panel = open_files(screen, "files", files_root.name)
    go_to_missing = panel.get_by_role("button", name="Edit the path (Ctrl+L)")
    go_to_missing.click()
    path = panel.get_by_role("textbox", name="Path")
    path.fill("/no/such/folder")
    path.press("Enter")
    # The folder on screen stays; a toast says why the other one did not open.
    toast = page.locator(".toast-error")
    expect(toast).to_contain_text("Could not open /no/such/folder: No such file")
    expect(panel.locator(".files-crumb[aria-current]")).to_have_text(files_root.name)
    screen.shots("files-not-found", widths=("wide",))
    toast.get_by_role("button").click()

    # A server that does not answer: the connection failure, with Try again.
    screen.allow_console_error("status of 502")
    page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile("^files-down ")
    ).click()
    page.get_by_role("region", name="files-down").get_by_role(
        "button", name="Files", exact=True
    ).click()
    down = page.locator(".tab-panel:not([hidden]) .files")
    expect(down.locator(".files-message")).to_contain_text("Could not connect to the file browser")
    expect(down.get_by_role("button", name="Try again")).to_be_visible()
    screen.shots("files-connect-failed", widths=("wide", "phone"))
