"""Tests of jiance.sources; servers.py holds the loopback HTTP servers they fetch from."""
