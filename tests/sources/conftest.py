"""Makes the loopback server fixtures of servers.py available to every test under tests/sources."""

from .servers import canary_server, loopback_server, make_server

__all__ = ["canary_server", "loopback_server", "make_server"]
