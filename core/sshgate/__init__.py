"""sshgate: a web gateway for SSH terminals, SFTP and a server registry."""

__version__ = "0.1.0"
