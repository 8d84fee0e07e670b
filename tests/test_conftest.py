"""The fixtures every test relies on do what they say."""

import socket

import pytest


def test_the_network_is_refused_but_loopback_is_not():
    with pytest.raises(socket.gaierror, match="may not resolve 'huggingface.co'"):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    with socket.socket() as outside, pytest.raises(ConnectionRefusedError, match="network"):
        outside.connect(("1.1.1.1", 443))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=1):
            pass  # the site checks serve the site on loopback
