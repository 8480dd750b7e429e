"""``scrapy check`` contracts that work offline against the bundled sample portal.

``@sample_url PATH`` stands for ``@url``: it serves the spider's site directory (``served_from``)
on 127.0.0.1 (once per process) and checks the callback against ``<local base URL><PATH>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from scrapy.contracts import Contract

from newsportal.localserver import LocalServer
from newsportal.offline import served_root

_servers: dict[Path, LocalServer] = {}


def _base_url(directory: Path) -> str:
    # One daemon-thread server per directory for the whole `scrapy check` process.
    if directory not in _servers:
        _servers[directory] = LocalServer(directory)
    return _servers[directory].base_url


class SampleUrlContract(Contract):
    name = "sample_url"

    def __init__(self, method: Any, *args: Any) -> None:
        super().__init__(method, *args)
        self.method = method

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        spider = self.method.__self__  # the bound callback under check
        served_from = spider.site.served_from
        if served_from is None:
            raise ValueError("@sample_url needs a site served offline (served_from); use @url instead")
        args["url"] = urljoin(_base_url(served_root(served_from)), self.args[0])
        return args
