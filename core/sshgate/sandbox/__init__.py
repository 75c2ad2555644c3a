"""The built-in sandbox SSH target (DEP-4): ``sshgate serve --sandbox``.

The default plugin (plugin.py) does nothing unless ``SSHGATE_SANDBOX`` is on. Then its
``startup`` starts an SSH server on loopback inside the sshgate process and registers it as
server "sandbox" with its host key pinned; every user is granted its group, so a first login
leads straight to a terminal and the file browser. ``create_app`` refuses a sandbox where it
must not run (policy.py).
"""
