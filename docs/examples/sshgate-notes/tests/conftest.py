"""sshgate's pytest plugin (``app``, ``admin_client``, ``ssh_server``, ...) loads by itself
once sshgate is installed; the browser fixtures are opt-in."""

pytest_plugins = ["sshgate.testing.browser"]
