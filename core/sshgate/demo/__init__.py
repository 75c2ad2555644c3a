"""Demo mode (DEP-2), ``SSHGATE_DEMO_MODE=true``: a public, read-only instance.

- ``policy.py``: the rule ``authorize()`` applies to every action of every actor, REST and
  WebSocket alike: reads pass, and of the writes only signing out, terminals to servers in
  the ``sandbox`` group, and sharing them; anything else is a 403 ``demo_mode``.
- ``plugin.py``: the default plugin: seeds the ``demo``/``demo`` account, announces demo
  mode in ``/api/config``, and resets the instance on a schedule (``reset.py``).
"""
