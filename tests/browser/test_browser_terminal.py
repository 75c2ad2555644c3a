"""The terminal in a real browser (TERM-1..5, TERM-7, UI-6): xterm.js against a real shell
on the in-process SSH server, through a real sshgate process. Keystrokes are typed with
Playwright's keyboard into xterm; what the terminal shows is read from xterm's own buffer
(the panel exposes the live Terminal as ``.term.__sshgateTerminal``)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import TIMEOUT_MS, Gate, Screen, eventually, free_port
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER

pytestmark = pytest.mark.browser

# The visible terminal's buffer as text, one line per row (scrollback included).
BUFFER = """(index) => {
  const views = [...document.querySelectorAll('.tab-panel:not([hidden]) .term')];
  const term = views[index] && views[index].__sshgateTerminal;
  if (!term) return "";
  const buffer = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""
PROMPT = "sshgate-test$"


@pytest.fixture(autouse=True)
def end_sessions(gate: Gate) -> Any:
    """Closed browsers leave their shells in the grace period, counted against the per-user
    session cap: end them, so that every test starts below it."""
    yield
    for session in gate.admin("GET", "api/terminal/sessions")["sessions"]:
        gate.admin("DELETE", f"api/terminal/sessions/{session['id']}")


def server(gate: Gate, target: Any, name: str, **fields: Any) -> dict[str, Any]:
    """A server row for the in-process SSH server, created once per gate."""
    for row in gate.admin("GET", "api/servers")["servers"]:
        if row["name"] == name:
            return row
    body = {"name": name, "host": "127.0.0.1", "port": target.server.port}
    body |= {"username": TEST_USER, "password": TEST_PASSWORD, **fields}
    return gate.admin("POST", "api/servers", body)


def text(screen: Screen, index: int = 0) -> str:
    return screen.page.evaluate(BUFFER, index)


def wait_for(screen: Screen, needle: str, timeout: float = TIMEOUT_MS, index: int = 0) -> str:
    try:
        screen.page.wait_for_function(
            f"([needle, index]) => ({BUFFER})(index).includes(needle)",
            arg=[needle, index],
            timeout=timeout,
        )
    except PlaywrightTimeout:
        shown = text(screen, index)
        raise AssertionError(f"{needle!r} not shown; the terminal has:\n{shown}") from None
    return text(screen, index)


def run(screen: Screen, command: str, marker: str, index: int = 0) -> str:
    """Type a command into xterm and wait for ``marker`` (which the typed text lacks)."""
    screen.page.keyboard.type(command)
    screen.page.keyboard.press("Enter")
    return wait_for(screen, marker, index=index)


def open_terminal(screen: Screen, name: str, action: str = "SSH") -> None:
    page = screen.page
    page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile(f"^{re.escape(name)} ")
    ).click()
    page.get_by_role("region", name=name).get_by_role("button", name=action, exact=True).click()
    wait_for(screen, PROMPT)


def the_pid(screen: Screen) -> str:
    before = text(screen).count("pid0:")
    screen.page.keyboard.type("echo pid$((0)):$$")  # the typed line itself lacks "pid0:"
    screen.page.keyboard.press("Enter")
    screen.page.wait_for_function(
        f"([count]) => ({BUFFER})(0).split('pid0:').length - 1 > count", arg=[before]
    )
    return re.findall(r"pid0:(\d+)", text(screen))[-1]


def foreground(shell_pid: str) -> str:
    """The command the shell's terminal runs in the foreground ("bash" at the prompt): the
    in-process SSH server's shell is a local process, so /proc says."""
    stat = Path(f"/proc/{shell_pid}/stat").read_text()
    terminal_group = stat.rsplit(")", 1)[1].split()[5]  # tpgid, the 8th field
    try:
        return Path(f"/proc/{terminal_group}/comm").read_text().strip()
    except FileNotFoundError:  # the job just ended
        return ""


def wait_for_new_prompt(screen: Screen, prompts_before: int) -> None:
    """Wait until the shell shows one more prompt: bash prints it only once readline has
    the terminal, so keys sent from then on are readline's (not the tty's, not a job's)."""
    screen.page.wait_for_function(
        f"([prompt, count]) => ({BUFFER})(0).split(prompt).length - 1 > count",
        arg=[PROMPT, prompts_before],
    )


def test_terminal_runs_commands_finds_and_follows_the_theme(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    expect(page.get_by_role("tab", name="SSH: shell")).to_have_attribute("aria-selected", "true")
    run(screen, "echo hello-$((6*7))", "hello-42")
    toolbar = page.get_by_role("toolbar", name="Terminal")
    expect(toolbar).to_contain_text("Connected")
    expect(toolbar.locator(".term-latency")).to_have_text(re.compile(r"^\d+ ms$"))
    cols, rows = page.evaluate(
        "(() => { const t = document.querySelector('.term').__sshgateTerminal;"
        " return [t.cols, t.rows]; })()"
    )
    expect(toolbar.locator(".term-size")).to_have_text(f"{cols}\N{MULTIPLICATION SIGN}{rows}")

    # 256 colours and truecolour reach xterm as attributes of the cells.
    colour_test = r"printf '\e[38;5;208mamber\e[0m \e[38;2;10;200;30mtrue-green\e[0m\n'"
    run(screen, colour_test, "amber true-green")
    colours = page.evaluate("""(() => {
      const t = document.querySelector('.term').__sshgateTerminal, b = t.buffer.active;
      for (let y = b.length - 1; y >= 0; y--) {
        const line = b.getLine(y), text = line.translateToString(true);
        if (!text.startsWith('amber')) continue;
        const a = line.getCell(0), g = line.getCell(6);
        return [a.isFgPalette(), a.getFgColor(), g.isFgRGB(), g.getFgColor()];
      }
    })()""")
    assert colours == [True, 208, True, (10 << 16) | (200 << 8) | 30]

    # Find (Ctrl+Shift+F) highlights the match and counts it.
    page.keyboard.press("Control+Shift+F")
    find = page.get_by_role("searchbox", name="Find in terminal")
    expect(find).to_be_focused()
    find.fill("hello-42")
    expect(page.locator(".term-find-count")).to_have_text("1 of 1")
    screen.shots("terminal-find")
    page.keyboard.press("Escape")
    expect(find).to_be_hidden()

    # Other modules type into a terminal tab through the "sshgate:terminal-input" event.
    panel = page.locator(".tab-panel:not([hidden])")
    expect(panel).to_have_attribute("data-session-id", re.compile(r"^[\w-]{12,}$"))
    taken = page.evaluate(
        """(tabId) => {
          const event = new CustomEvent("sshgate:terminal-input", {
            cancelable: true,
            detail: { tabId, text: "echo snip-$((8*8))", run: true, source: "test" },
          });
          window.dispatchEvent(event);
          return event.defaultPrevented;
        }""",
        panel.get_attribute("id").removesuffix("-panel"),
    )
    assert taken
    wait_for(screen, "snip-64")

    # The palette follows the page theme, live.
    backgrounds = []
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        backgrounds.append(
            page.evaluate(
                "document.querySelector('.term').__sshgateTerminal.options.theme.background"
            )
        )
    assert backgrounds == ["#ffffff", "#0b0f14"]
    screen.shots("terminal")


def test_window_resize_reaches_the_shell(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    page.set_viewport_size({"width": 1000, "height": 640})
    size = (
        "(() => { const t = document.querySelector('.term').__sshgateTerminal;"
        " return [t.rows, t.cols]; })()"
    )
    page.wait_for_function(f"() => {size}[1] < 120")

    def applied() -> tuple[int, int] | None:
        # The resize message is debounced: wait until the gate has resized the shell's pty
        # to what xterm shows (the session list reports the size it applied).
        rows, cols = page.evaluate(size)
        sessions = gate.admin("GET", "api/terminal/sessions")["sessions"]
        applied = [(session["rows"], session["cols"]) for session in sessions]
        return (rows, cols) if applied == [(rows, cols)] else None

    rows, cols = eventually(applied, "the gate applies the new window size to the shell")
    output = run(screen, "stty size | sed 's/^/size=/'", f"size={rows} {cols}")
    assert f"size={rows} {cols}" in output


def test_reload_and_network_drop_reattach_to_the_same_shell(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    pid = the_pid(screen)
    run(screen, "echo before-$((40+2))-reload", "before-42-reload")
    page.get_by_role("region", name="shell").get_by_role("button", name="Split").click()
    wait_for(screen, PROMPT)
    split_pid = the_pid(screen)
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('sshgate.terminals'))")
    assert [entry["mode"] for entry in stored] == ["terminal", "split"]
    assert {key for entry in stored for key in entry} == {
        "id",
        "label",
        "mode",
        "serverId",
        "sessionId",
    }  # the session id and nothing secret

    page.reload()
    screen.wait_for_workspace()
    expect(page.get_by_role("tab", name="Split: shell")).to_have_attribute("aria-selected", "true")
    wait_for(screen, f"pid0:{split_pid}")
    assert the_pid(screen) == split_pid
    page.get_by_role("tab", name="SSH: shell").click()  # restored while hidden, fits when shown
    output = wait_for(screen, "before-42-reload")  # the scrollback came back
    assert the_pid(screen) == pid
    screen.shots("terminal-reattached", widths=("wide",))

    # A dropped connection: the banner says so, then the same shell is back, and the
    # replayed scrollback replaces the screen instead of doubling it.
    page.evaluate("document.querySelector('.term').__sshgateView.connection.abandon()")
    expect(page.get_by_role("toolbar", name="Terminal")).to_contain_text("Connected")
    output = wait_for(screen, PROMPT)
    assert output.count("before-42-reload") == output.count("echo before-") == 1
    assert the_pid(screen) == pid


def test_network_loss_shows_a_banner_and_recovers(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    # While offline, reconnect attempts fail; Chromium logs each failed handshake.
    screen.allow_console_error("WebSocket connection to")
    screen.allow_console_error("net::ERR_INTERNET_DISCONNECTED")  # the sign-in check
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    pid = the_pid(screen)
    page.context.set_offline(True)
    page.evaluate("document.querySelector('.term').__sshgateView.connection.abandon()")
    banner = page.locator(".term-bar")
    expect(banner).to_contain_text("Connection lost")
    screen.shot("terminal-reconnecting")
    banner.get_by_role("button", name="Reconnect now").click()  # still offline: fails again
    expect(banner).to_contain_text("Reconnecting in")
    page.context.set_offline(False)  # the "online" event, or the next retry, brings it back
    expect(banner).to_have_count(0)
    assert the_pid(screen) == pid

    # Closing the tab while its socket is down still ends the shell (over REST).
    page.evaluate("document.querySelector('.term').__sshgateView.connection.abandon()")
    page.get_by_role("button", name="Close SSH: shell").click()
    eventually(
        lambda: not gate.admin("GET", "api/terminal/sessions")["sessions"],
        "closing the tab ends its shell",
    )
    assert gate.admin("GET", "api/terminal/sessions")["sessions"] == []


def test_multibyte_output_split_across_frames(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    # The sleep makes the gateway send the halves of 中 in separate frames.
    run(screen, r"printf '\xe4\xb8'; sleep 0.3; printf '\xad\xe6\x96\x87\n'", "中文")
    assert "\ufffd" not in text(screen)


def test_gbk_server_reads_and_writes_gbk(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "legacy-gbk", encoding="gbk")
    screen.sign_in_admin()
    open_terminal(screen, "legacy-gbk")
    run(screen, r"printf 'gbk:\xd6\xd0\xce\xc4\n'", "gbk:中文")
    # Typed text goes out as UTF-8 and reaches the shell as GBK bytes. (od reads the tty
    # itself: bash's readline runs in a UTF-8 locale here and would garble GBK input.)
    page = screen.page
    run(screen, "od -An -tx1 | sed 's/^/hex:/'", "od -An")
    page.keyboard.type("中文")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+d")
    wait_for(screen, "hex: d6 d0 ce c4 0a")


def test_large_paste_arrives_intact(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    # Echo off, so that 5 MB are not echoed back; "ready" says the shell got that far.
    run(
        screen,
        "stty -echo; echo ready-$((1+1)); cat > paste.txt; stty echo; echo pasted-$((1+1))",
        "ready-2",
    )
    lines = [f"line-{n:06d}-" + "abcdefghij" * 8 for n in range(55_000)]
    expected = ("\n".join(lines) + "\n").encode()
    assert len(expected) > 5_000_000
    page.evaluate(
        """(count) => {
          const term = document.querySelector('.term').__sshgateTerminal;
          const lines = [];
          for (let n = 0; n < count; n++) {
            lines.push(`line-${String(n).padStart(6, '0')}-` + 'abcdefghij'.repeat(8));
          }
          term.paste(lines.join('\\n') + '\\n');
          term.input('\\x04');
        }""",
        len(lines),
    )
    wait_for(screen, "pasted-2", timeout=60_000)
    run(screen, "md5sum paste.txt | sed 's/^/md5=/'", f"md5={hashlib.md5(expected).hexdigest()}")


def test_exit_and_a_session_that_is_gone(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    page.keyboard.type("exit 3")
    page.keyboard.press("Enter")
    bar = page.locator(".term-bar")
    expect(bar).to_contain_text("Session ended: the shell exited with status 3")
    expect(page.get_by_role("tab", name="SSH: shell (ended)")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('sshgate.terminals')") is None
    screen.shots("terminal-ended", widths=("wide",))
    bar.get_by_role("button", name="Open a new session").click()
    expect(page.get_by_role("tab", name="SSH: shell")).to_be_visible()
    run(screen, "echo again-$((2*3))", "again-6")

    # After a reload, a session that ended meanwhile (grace period over) says so.
    gone = {"id": "gone", "mode": "terminal", "serverId": None, "sessionId": "none", "label": "old"}
    page.evaluate(
        "(entry) => sessionStorage.setItem('sshgate.terminals', JSON.stringify([entry]))", gone
    )
    page.reload()
    screen.wait_for_workspace()
    expect(page.get_by_role("tab", name="SSH: old (ended)")).to_be_visible()
    expect(page.locator(".term-bar")).to_contain_text("This session ended")


def test_revoked_sign_in_goes_back_to_the_login(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    # The handshakes refused after the revocation, and the 401 that settles it, are logged.
    screen.allow_console_error("WebSocket connection to")
    screen.allow_console_error("status of 401")
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    # Revoked from elsewhere (another device, an administrator): this browser's sign-in only.
    mine = page.evaluate(
        "fetch('api/auth/sessions').then((r) => r.json())"
        ".then((body) => body.sessions.find((login) => login.current).id)"
    )
    gate.admin("DELETE", f"api/auth/sessions/{mine}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('sshgate.terminals')") is None


def test_connection_failure_shows_the_diagnosis(screen: Screen, gate: Gate) -> None:
    gate.admin(
        "POST",
        "api/servers",
        {
            "name": "nowhere",
            "host": "127.0.0.1",
            "port": free_port(),
            "username": "x",
            "password": "not-a-real-secret",
        },
    )
    page = screen.page
    screen.sign_in_admin()
    page.get_by_role("button", name=re.compile("^nowhere ")).click()
    page.get_by_role("region", name="nowhere").get_by_role("button", name="SSH").click()
    card = page.get_by_role("alert", name="Connection failed")
    expect(card).to_contain_text("Connection refused")
    expect(card.get_by_role("button", name="Try again")).to_be_visible()
    screen.shots("terminal-failed", widths=("wide",))


def test_split_view_with_the_files_half(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell", action="Split")
    expect(page.get_by_role("tab", name="Split: shell")).to_have_attribute("aria-selected", "true")
    run(screen, "echo split-$((3*3))", "split-9")
    # The SFTP plugin's files panel fills the other half (without it, a placeholder would).
    expect(page.get_by_role("region", name="Files: shell")).to_be_visible()
    separator = page.get_by_role("separator", name="Resize terminal and files")
    before = page.evaluate("document.querySelector('.term').__sshgateTerminal.cols")
    separator.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"() => document.querySelector('.term').__sshgateTerminal.cols > {before}"
    )
    screen.shots("terminal-split")


def test_quick_connect_confirms_the_host_key(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    page = screen.page
    screen.sign_in_admin()
    page.keyboard.press("Control+k")
    page.keyboard.type("quick connect")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Quick connect")
    dialog.get_by_label("Host", exact=True).fill("127.0.0.1")
    dialog.get_by_label("Port").fill(str(ssh_target.server.port))
    dialog.get_by_label("Username").fill(TEST_USER)
    dialog.get_by_label("SSH password").fill(TEST_PASSWORD)
    screen.shots("quick-connect-form", widths=("wide",))
    dialog.get_by_role("button", name="Connect").click()
    question = page.get_by_role("alertdialog", name="Confirm the host key")
    expect(question).to_contain_text(ssh_target.server.fingerprint)
    screen.shots("quick-connect-host-key")
    question.get_by_role("button", name="Trust and connect").click()
    wait_for(screen, PROMPT)
    label = f"{TEST_USER}@127.0.0.1:{ssh_target.server.port}"
    expect(page.get_by_role("tab", name=f"SSH: {label}")).to_be_visible()
    run(screen, "echo quick-$((5*5))", "quick-25")


def test_phone_key_bar_and_full_screen(screen: Screen, gate: Gate, ssh_target: Any) -> None:
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, "shell")
    keys = page.get_by_role("toolbar", name="Extra keys")
    expect(keys).to_be_hidden()  # a wide window with a mouse has a keyboard
    page.set_viewport_size({"width": 390, "height": 844})
    expect(keys).to_be_visible()
    page.keyboard.type("ech")
    keys.get_by_role("button", name="Tab").click()  # completes to "echo "
    page.keyboard.type("tab-$((7*6))")
    page.keyboard.press("Enter")
    wait_for(screen, "tab-42")
    shell_pid = the_pid(screen)
    page.keyboard.type("sleep 30")
    page.keyboard.press("Enter")
    # ^C before sleep runs would reach bash, or flush the unread line: the test would wait
    # 30 s for a prompt, or find no sleep in the history.
    eventually(lambda: foreground(shell_pid) == "sleep", "sleep runs in the foreground")
    prompts = text(screen).count(PROMPT)
    keys.get_by_role("button", name="Control (sticky)").click()
    expect(keys.get_by_role("button", name="Control (sticky)")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.type("c")  # sticky Ctrl + c = ^C
    wait_for_new_prompt(screen, prompts)  # the sleep was interrupted, long before its 30 s
    keys.get_by_role("button", name="Up").click()  # history: the sleep again
    page.wait_for_function(f"() => ({BUFFER})(0).trimEnd().endsWith('{PROMPT} sleep 30')")
    screen.shots("terminal-phone", widths=("phone",))

    page.set_viewport_size({"width": 1440, "height": 900})
    # Full screen takes the keyboard (Keyboard Lock), so that Ctrl+W reaches the shell.
    page.evaluate("""() => {
      const keyboard = navigator.keyboard, lock = keyboard.lock.bind(keyboard);
      window.locks = 0;
      keyboard.lock = (...keys) => { window.locks += 1; return lock(...keys); };
    }""")
    page.get_by_role("button", name="Full screen (F11)").click()
    page.wait_for_function("() => document.fullscreenElement?.classList.contains('term')")
    assert page.evaluate("window.locks") == 1
    page.get_by_role("button", name="Leave full screen (F11)").click()
    page.wait_for_function("() => document.fullscreenElement === null")
    expect(page.get_by_role("button", name="Full screen (F11)")).to_be_visible()


BADGE_PLUGIN = """() => {
  window.sshgate.registerPlugin("badge-test", {
    terminalBadges: [
      {
        id: "shown",
        label: "\\u25cf TEST",
        title: "Shown for " + "the owner",
        kind: "danger",
        when: (terminal, ctx) => !terminal.guest && typeof ctx.config().version === "string",
      },
      { id: "hidden", label: "NEVER", when: () => false },
      { id: "broken", label: "BROKEN", when: () => { throw new Error("badge rule broke"); } },
    ],
  });
}"""


def test_plugins_add_badges_to_the_terminal_toolbar(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    """The terminalBadges slot: a badge whose rule holds shows with its tooltip; one whose
    rule says no, or throws, does not, and the terminal works regardless."""
    server(gate, ssh_target, "shell")
    page = screen.page
    screen.sign_in_admin()
    page.evaluate(BADGE_PLUGIN)
    open_terminal(screen, "shell")
    toolbar = page.get_by_role("toolbar", name="Terminal")
    badge = toolbar.locator('.term-badge[data-badge="shown"]')
    expect(badge).to_have_text(re.compile("TEST.*Shown for the owner"))
    expect(badge).to_have_attribute("title", "Shown for the owner")
    expect(badge).to_have_class(re.compile("term-badge-danger"))
    expect(toolbar.locator(".term-badge")).to_have_count(1)
    run(screen, "echo badge-$((2*21))", "badge-42")
    page.keyboard.type("exit")
    page.keyboard.press("Enter")
    expect(toolbar.locator(".term-badge")).to_have_count(0)  # the session ended
