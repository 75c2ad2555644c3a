"""The Site Manager in a real browser: the server form with every field, search, the
plugin slots (UI-4), connection tests and host-key approval against a real SSH server."""

from __future__ import annotations

import re
from typing import Any

import asyncssh
import pytest
from browser_helpers import Gate, Screen, seed_servers
from playwright.sync_api import expect

from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER

pytestmark = pytest.mark.browser


def add_server_through_the_form(
    screen: Screen, fields: dict[str, str], jump: str | None = None
) -> None:
    page = screen.page
    page.get_by_role("button", name="Add server").click()
    dialog = page.get_by_role("dialog", name="Add server")
    expect(dialog).to_be_visible()
    for label, value in fields.items():
        dialog.get_by_label(label, exact=True).fill(value)
    if jump:
        dialog.get_by_label("Jump host").select_option(label=re.compile(f"^{re.escape(jump)} "))
    dialog.get_by_role("button", name="Add server").click()
    expect(dialog).to_be_hidden()


def test_add_a_server_with_a_jump_host_through_the_form(screen: Screen, gate: Gate) -> None:
    page = screen.page
    screen.sign_in_admin()
    add_server_through_the_form(
        screen,
        {
            "Name": "bastion",
            "Host": "10.0.0.1",
            "Username": "jump",
            "Group": "edge",
            "SSH password": "bastion-secret-1",
        },
    )
    page.get_by_role("button", name="Add server").click()
    dialog = page.get_by_role("dialog", name="Add server")
    dialog.get_by_label("Name", exact=True).fill("internal-app")
    dialog.get_by_label("Host", exact=True).fill("app.internal")
    dialog.get_by_label("Port").fill("2222")
    dialog.get_by_label("Username").fill("deploy")
    dialog.get_by_label("Jump host").select_option(label="bastion (10.0.0.1)")
    dialog.get_by_text("Private key", exact=True).click()
    key = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    dialog.get_by_label("Private key (OpenSSH or PEM)").fill(key)
    dialog.get_by_label("Group").fill("production")
    tags = dialog.get_by_label("Tags")
    tags.fill("nginx")
    tags.press("Enter")
    tags.fill("eu-west-1")
    tags.press("Enter")
    dialog.get_by_label("Description").fill("Front web tier, reachable through the bastion only.")
    dialog.get_by_role("switch", name="SFTP read-only").check()
    dialog.get_by_label("SFTP allowed paths").fill("/srv/app")
    dialog.get_by_role("button", name="Add", exact=True).click()
    dialog.get_by_label("SFTP allowed paths").fill("/var/log/nginx")
    dialog.get_by_label("SFTP allowed paths").press("Enter")
    dialog.get_by_label("Terminal encoding").select_option("latin-1")
    screen.shots("form-filled")
    dialog.get_by_role("button", name="Add server").click()
    expect(dialog).to_be_hidden()

    details = page.get_by_role("region", name="internal-app")
    expect(details).to_contain_text("deploy@app.internal:2222")
    expect(details).to_contain_text("via bastion")
    expect(details).to_contain_text("Private key")
    expect(details).to_contain_text("read-only")
    expect(details).to_contain_text("/srv/app, /var/log/nginx")
    expect(details).to_contain_text("latin-1")
    stored = next(
        s for s in gate.admin("GET", "api/servers")["servers"] if s["name"] == "internal-app"
    )
    bastion = next(s for s in gate.admin("GET", "api/servers")["servers"] if s["name"] == "bastion")
    assert stored["jump_via"] == bastion["id"]
    assert stored["tags"] == ["nginx", "eu-west-1"]
    assert stored["auth_method"] == "key" and stored["has_secret"]
    assert stored["port"] == 2222 and stored["encoding"] == "latin-1" and stored["sftp_read_only"]
    expect(page.get_by_role("log")).to_contain_text("registry.server_changed")
    screen.shots("server-details")

    # Edit: the form comes back filled in, and a save sends only what changed.
    details.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Edit internal-app")
    expect(dialog.get_by_label("Host", exact=True)).to_have_value("app.internal")
    expect(dialog.get_by_text("Leave empty to keep the stored secret.")).to_be_visible()
    dialog.get_by_label("Description").fill("Front web tier.")
    screen.shot("form-edit")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_be_hidden()
    expect(details).to_contain_text("Front web tier.")
    latest = gate.admin("GET", "api/audit?action=registry.server_changed&limit=1")["entries"][0]
    assert latest["details"]["fields"] == ["description"]


def test_search_filters_the_site_manager(screen: Screen, gate: Gate) -> None:
    seed_servers(gate)
    page = screen.page
    screen.sign_in_admin()
    tree = page.get_by_role("navigation", name="Servers")
    expect(tree.get_by_role("button", name="web-1")).to_be_visible()
    expect(tree.get_by_role("button", name="worker")).to_be_visible()

    page.keyboard.press("/")  # focuses the filter
    expect(page.get_by_label("Filter servers by name, host, group or tag")).to_be_focused()
    page.keyboard.type("nginx")  # a tag
    expect(tree.get_by_role("button", name=re.compile("^web-1"))).to_be_visible()
    expect(tree.get_by_role("button", name=re.compile("^web-2"))).to_be_visible()
    expect(tree.get_by_role("button", name=re.compile("^worker"))).to_have_count(0)
    expect(tree.get_by_role("button", name=re.compile("^db-primary"))).to_have_count(0)
    screen.shot("filtered")

    page.get_by_label("Filter servers by name, host, group or tag").fill(
        "staging.internal"
    )  # a host
    expect(tree.get_by_role("button", name=re.compile("^worker"))).to_be_visible()
    expect(tree.get_by_role("button", name=re.compile("^web-"))).to_have_count(0)
    page.get_by_label("Filter servers by name, host, group or tag").fill("no-such-thing")
    expect(tree).to_contain_text("No server matches the filter.")
    page.keyboard.press("Escape")  # clears the filter
    expect(tree.get_by_role("button", name=re.compile("^db-primary"))).to_be_visible()

    # Groups collapse and stay collapsed.
    tree.get_by_role("button", name=re.compile("^production")).click()
    expect(tree.get_by_role("button", name=re.compile("^web-1"))).to_be_hidden()
    page.reload()
    screen.wait_for_workspace()
    expect(tree.get_by_role("button", name=re.compile("^production"))).to_have_attribute(
        "aria-expanded", "false"
    )
    tree.get_by_role("button", name=re.compile("^production")).click()
    expect(tree.get_by_role("button", name=re.compile("^web-1"))).to_be_visible()


FAKE_PLUGIN = """() => {
  window.unmounted = 0;
  window.sshgate.registerPlugin("fake-files", {
    panels: [{
      id: "files",
      title: "Files",
      mount(el, ctx) {
        const line = document.createElement("p");
        line.textContent = `connected to ${ctx.server.name}`;
        el.append(line);
        return { unmount() { window.unmounted += 1; } };
      },
    }],
    serverActions: [{
      id: "ping",
      label: "Ping",
      run: (server, ctx) => ctx.notify(`pong from ${server.name}`, "success"),
    }],
    menuItems: [{ id: "page", label: "Fake plugin page", run: (ctx) => ctx.notify("menu ran") }],
    paletteCommands: [{
      id: "hello",
      label: "Say hello from the fake plugin",
      run: (ctx) => ctx.notify("palette command ran"),
    }],
    statusProviders: [{
      id: "dot",
      status: (server) => server.name === "web-1" ? { state: "online", label: "Online" } : null,
    }],
  });
}"""


def test_plugins_add_panels_actions_menus_commands_and_status(screen: Screen, gate: Gate) -> None:
    """The UI-4 slots end to end, with a plugin registered the way a module would."""
    seed_servers(gate)
    page = screen.page

    # A gateway without the SFTP plugin's front end: its "files" panel is what this fake
    # plugin provides instead (the first plugin to claim a panel id keeps it).
    def without_sftp_ui(route: Any) -> None:
        config = route.fetch().json()
        for kind in ("js", "css"):
            config["ui"][kind] = [a for a in config["ui"][kind] if a["plugin"] != "sftp"]
        route.fulfill(json=config)

    page.route(re.compile(r".*/api/config$"), without_sftp_ui)
    screen.sign_in_admin()
    tree = page.get_by_role("navigation", name="Servers")
    page.get_by_role("button", name=re.compile("^web-1")).click()
    details = page.get_by_role("region", name="web-1")
    details.get_by_role("button", name="Files").click()  # no file browser panel: a clear word
    expect(page.get_by_text("No file browser panel is installed")).to_be_visible()

    page.evaluate(FAKE_PLUGIN)
    expect(tree.get_by_role("button", name="web-1 10.0.1.21 , Online")).to_be_visible()
    expect(
        tree.get_by_role("button", name=re.compile("^web-1")).locator(".status-online")
    ).to_have_count(1)

    details.get_by_role("button", name="Files").click()
    first = page.get_by_role("tab", name="Files: web-1")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_text("connected to web-1")
    details.get_by_role("button", name="Files").click()  # a second browser is a second tab
    expect(page.get_by_role("tab", name="Files: web-1")).to_have_count(2)
    page.keyboard.press("Alt+1")
    expect(page.get_by_role("tab", name="Files: web-1").first).to_have_attribute(
        "aria-selected", "true"
    )
    screen.shots("plugin-tabs")
    page.keyboard.press("Alt+w")
    expect(page.get_by_role("tab", name="Files: web-1")).to_have_count(1)
    assert page.evaluate("window.unmounted") == 1

    details.get_by_role("button", name="Ping").click()
    expect(page.get_by_text("pong from web-1")).to_be_visible()
    page.get_by_role("button", name="admin", exact=True).click()
    page.get_by_role("menuitem", name="Fake plugin page").click()
    expect(page.get_by_text("menu ran")).to_be_visible()
    page.keyboard.press("Control+k")
    page.keyboard.type("hello fake")
    page.keyboard.press("Enter")
    expect(page.get_by_text("palette command ran")).to_be_visible()


def test_connection_test_reports_its_outcome(screen: Screen, gate: Gate) -> None:
    seed_servers(gate)
    page = screen.page
    # Nothing listens on the sandbox port, so the test fails fast; a gateway without the test
    # route yet answers 404, which the page explains (and the browser logs).
    screen.allow_console_error("status of 404")
    screen.sign_in_admin()
    page.get_by_role("button", name=re.compile("^sandbox")).click()
    details = page.get_by_role("region", name="sandbox")
    details.get_by_role("button", name="Test connection").click()
    outcome = details.locator(".test-result")
    expect(outcome).to_be_visible()
    expect(outcome).to_contain_text(
        re.compile("cannot test connections yet|refused|tcp", re.IGNORECASE)
    )
    expect(page.get_by_role("log")).to_contain_text("sandbox")
    screen.shot("connection-test")


def test_host_keys_are_pinned_and_a_changed_key_is_approved(
    screen: Screen, gate: Gate, ssh_target: Any
) -> None:
    target = ssh_target.server
    gate.admin(
        "POST",
        "api/servers",
        {
            "name": "keyed",
            "host": "127.0.0.1",
            "port": target.port,
            "username": TEST_USER,
            "password": TEST_PASSWORD,
        },
    )
    page = screen.page
    screen.sign_in_admin()
    page.get_by_role("button", name=re.compile("^keyed")).click()
    details = page.get_by_role("region", name="keyed")
    expect(details).to_contain_text("not pinned yet")
    details.get_by_role("button", name="Test connection").click()
    outcome = details.locator(".test-result")
    expect(outcome).to_contain_text("Connection works")
    expect(details).to_contain_text(target.fingerprint)  # trusted on first use, now pinned

    new_fingerprint = ssh_target.replace_host_key()
    details.get_by_role("button", name="Test connection").click()
    expect(outcome).to_contain_text("Host key changed")
    warning = details.get_by_role("alert")
    expect(warning).to_contain_text(new_fingerprint)
    screen.shots("host-key-changed")
    warning.get_by_role("button", name="Approve new key").click()
    page.get_by_role("dialog", name="Trust the new host key?").get_by_role(
        "button", name="Approve key"
    ).click()
    expect(warning).to_be_hidden()
    expect(details).to_contain_text(new_fingerprint)
    details.get_by_role("button", name="Test connection").click()
    expect(outcome).to_contain_text("Connection works")

    details.get_by_role("button", name="Clear host key pin").click()
    page.get_by_role("dialog", name="Forget the pinned host key?").get_by_role(
        "button", name="Clear pin"
    ).click()
    expect(details).to_contain_text("not pinned yet")
