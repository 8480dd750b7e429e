"""The registry of site profiles: every module in this package that defines ``SITE`` is one portal.

Adding a portal is adding a module here (and a folder of page fixtures in tests/pages/): no engine
code changes. ``generic`` is the fallback for portals no profile knows.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from urllib.parse import urlsplit

from newsportal.sites.base import Site

__all__ = ["Site", "all_sites", "get_site", "site_for"]

DEFAULT_SITE = "sample"


@cache
def all_sites() -> dict[str, Site]:
    """Every profile by name, generic included."""
    sites: dict[str, Site] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        site = getattr(module, "SITE", None)
        if isinstance(site, Site):
            if site.name in sites:
                raise RuntimeError(f"two site profiles are named {site.name!r}")
            sites[site.name] = site
    return sites


def get_site(name: str) -> Site:
    """The profile called name; ValueError listing the known names when there is none."""
    sites = all_sites()
    if name not in sites:
        raise ValueError(f"unknown site {name!r}; known sites: {', '.join(sorted(sites))}")
    return sites[name]


def site_for(url: str) -> Site:
    """The profile whose domains own url's host (the most specific domain wins), else generic."""
    best: tuple[int, Site] | None = None
    for site in all_sites().values():
        if site.served_from or site.name == "generic":
            continue
        for domain in site.domains:
            if _host_matches(url, domain) and (best is None or len(domain) > best[0]):
                best = (len(domain), site)
    return best[1] if best else all_sites()["generic"]


def _host_matches(url: str, domain: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == domain or host.endswith("." + domain)
