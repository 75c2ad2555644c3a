"""Test support for sshgate and its plugins, shipped as the pytest plugin ``sshgate``.

Loaded by itself once sshgate is installed (``fixtures.py``): ``db_backend``, ``db_url``,
``db_url_factory`` (SQLite and PostgreSQL), ``sshgate_settings``, ``sshgate_settings_overrides``,
``sshgate_plugins``, ``sshgate_load_entrypoints``, ``app``, ``client``, ``make_client``,
``admin_client``, ``user_client``, ``live_server``, ``ssh_server``, ``ssh_server_factory``,
``sshd`` and ``sshd_password``.

Opt-in, with ``pytest_plugins = ["sshgate.testing.browser"]`` in a conftest: real-browser
fixtures ``sshgate_server``, ``sshgate_server_env``, ``sshgate_browser``, ``sshgate_page`` and
``sshgate_artifacts_dir`` (``browser.py``). docs/plugins.md describes them all.
"""
