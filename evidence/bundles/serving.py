"""Serving a package from the blob store with HTTP Range, so a download can resume."""

from pathlib import Path

from flask import current_app, request
from werkzeug.wsgi import wrap_file

from evidence.downloads import content_disposition


class LazyFile:
    """A file opened at its first use and closed when dropped, read or not.

    A client that goes away after the headers (or a test client that reads only the
    first chunk) leaves the response unclosed; the file goes with it.
    """

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def _file(self):
        if self._handle is None:
            self._handle = open(self.path, "rb")  # noqa: SIM115 (closed by close())
        return self._handle

    def read(self, size: int = -1) -> bytes:
        return self._file().read(size)

    def seek(self, *args) -> int:
        return self._file().seek(*args)

    def tell(self) -> int:
        return self._file().tell()

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:  # lets a server's file wrapper use sendfile()
        return self._file().fileno()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    __del__ = close


def send_package(path: Path, size: int, sha256: str, download_name: str):
    """Answer with the package at ``path``: whole, or the byte range the client asked for."""
    response = current_app.response_class(
        wrap_file(request.environ, LazyFile(path), buffer_size=1024 * 1024),
        mimetype="application/zip",
        direct_passthrough=True,
    )
    response.headers["Content-Disposition"] = content_disposition(download_name)
    response.headers["Cache-Control"] = "private, no-cache"
    response.content_length = size
    response.set_etag(sha256)  # the package never changes: its hash is its version
    response.last_modified = path.stat().st_mtime
    return response.make_conditional(request, accept_ranges=True, complete_length=size)
