"""sshgate's benchmark harness: sshgate against raw OpenSSH, asyncssh and peer gateways.

Run ``.venv/bin/python -m bench`` (see bench/README.md).
"""
