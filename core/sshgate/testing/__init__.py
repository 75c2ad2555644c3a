"""Test support for sshgate and its plugins, shipped as the pytest plugin ``sshgate``.

Fixtures (see ``fixtures.py``): ``sshgate_settings``, ``app``, ``client``, ``db_url``
(parametrised over SQLite and PostgreSQL), ``ssh_server`` and ``sshd``.
"""
