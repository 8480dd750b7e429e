"""PortalServer: a static host on 127.0.0.1 for generated test portals, with a request log.

Like ``newsportal.localserver.LocalServer`` (a directory serves its index.html, a missing file is a
404, pages declare their own charset) plus what a test portal needs and a plain static host cannot do:

* a query string selects a file: ``/news/china/?page=2`` serves ``news/china/index__page=2.html``
  when that file exists, else the page without the query (as a static host ignores it);
* ``dynamic(path_and_query)`` may answer any request with generated HTML (endless calendars,
  endless pagination: link traps);
* ``.shtml`` and ``.htm`` go out as ``text/html``;
* every request's path (with query) is recorded in ``requests`` for the tests to inspect.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

logger = logging.getLogger(__name__)

Dynamic = Callable[[str], str | None]


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html",
        ".shtml": "text/html",
        ".htm": "text/html",
    }

    def __init__(self, *args, portal: PortalServer, **kwargs) -> None:
        self.portal = portal
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.portal._record(self.path)
        page = self.portal.dynamic(self.path) if self.portal.dynamic else None
        if page is None:
            super().do_GET()
            return
        data = page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def translate_path(self, path: str) -> str:
        base, _, query = path.partition("#")[0].partition("?")
        fs = super().translate_path(base)
        if not query:
            return fs
        target = os.path.join(fs, "index.html") if os.path.isdir(fs) else fs
        stem, ext = os.path.splitext(target)
        with_query = f"{stem}__{query.replace('&', '__').replace('/', '_')}{ext}"
        return with_query if os.path.isfile(with_query) else fs

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class PortalServer:
    """Serves root on http://127.0.0.1:<free port>/ until close(); ``requests`` lists what was asked."""

    def __init__(self, root: Path | str, dynamic: Dynamic | None = None) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"cannot serve {self.root}: not a directory")
        self.dynamic = dynamic
        self.requests: list[str] = []
        self._lock = threading.Lock()
        handler = partial(_Handler, directory=str(self.root), portal=self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="portal-server", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> PortalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
