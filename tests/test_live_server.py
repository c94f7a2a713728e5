"""The browser tests' live server must not leak what it serves when a client goes away.

Werkzeug's development server skips ``close()`` on the response when reading the rest
of a dropped connection fails, so an open static file was only found by the garbage
collector (a ResourceWarning, an error under this suite's settings). Chromium drops
connections whenever a page navigates away, so this failed browser tests at random.
"""

import gc
import socket
import struct
import time
import warnings


def _request_and_reset(port, path):
    sock = socket.create_connection(("127.0.0.1", port))
    # Bytes after the request make the server drain the socket once it has answered;
    # the reset then reaches it in the middle of that read.
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() + b"x" * 64)
    assert sock.recv(1)  # the server has answered
    # Abort with a reset instead of a FIN, as a browser does when it cancels a load.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_dropped_connection_closes_the_served_file(live_server, recwarn):
    warnings.simplefilter("always", ResourceWarning)
    for _ in range(5):
        _request_and_reset(live_server.port, "/static/img/mark.svg")
    time.sleep(0.5)
    gc.collect()
    leaked = [w for w in recwarn if issubclass(w.category, ResourceWarning)]
    assert leaked == []
