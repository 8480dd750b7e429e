"""What the operator gives a crawl, checked before it starts: spider arguments and NEWSPORTAL_*
settings. Each problem is one line that says what is wrong and the known values, for the project's
``scrapy crawl`` to print before it takes any lock or writes anything (exit 64).

* An unknown ``NEWSPORTAL_*`` setting (a typo: ``NEWSPORTAL_REFRESH_HOUR``) names the closest known
  one; the known ones are those ``newsportal.settings`` defines, with their defaults.
* A value that does not fit its default's type (``-s NEWSPORTAL_REFRESH_HOURS=two``) says which type
  it needs; a few settings with a closed set of values say which.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from newsportal import settings as project_settings

PREFIX = "NEWSPORTAL_"


class BadUsage(ValueError):
    """A spider argument or a setting the crawl refuses; its message is one line."""


def closest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the known name closest to name, else ""."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def known_settings() -> dict[str, Any]:
    """The project's own settings and their defaults (newsportal.settings)."""
    return {k: v for k, v in vars(project_settings).items() if k.startswith(PREFIX)}


def _backend(value: Any) -> str | None:
    from newsportal.state import BACKENDS

    if str(value or "sqlite").lower() in BACKENDS:
        return None
    return f"known backends: {', '.join(BACKENDS)}"


def _reference_time(value: Any) -> str | None:
    if not value:
        return None
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return "an ISO 8601 time such as 2026-03-15T10:00:00+08:00, or empty"
    return None


def _workers(value: Any) -> str | None:
    if value in (None, "", "auto") or str(value).isdigit():
        return None
    return '"auto" or a number of worker processes (0: none)'


def _level(value: Any) -> str | None:
    if str(value or "INFO").upper() in ("DEBUG", "INFO", "WARNING", "ERROR"):
        return None
    return "DEBUG, INFO, WARNING or ERROR"


def _contact(value: Any) -> str | None:
    text = str(value or "")
    if not text:
        return None
    if text.startswith(("http://", "https://", "mailto:")) and text.isprintable() and " " not in text:
        return None
    return "a URL (https://...) or a mailto: address where the portals' admins reach you"


# whole-number defaults read as numbers (hours, seconds): a fraction is fine
_FRACTIONS = frozenset(
    {
        "NEWSPORTAL_REFRESH_HOURS",
        "NEWSPORTAL_FUTURE_TOLERANCE_HOURS",
        "NEWSPORTAL_MAX_RETRY_AFTER",
        "NEWSPORTAL_MAX_CRAWL_DELAY",
    }
)
# settings whose values are a closed set or a format: what a good value looks like, or None
_VALUES = {
    "NEWSPORTAL_STATE_BACKEND": _backend,
    "NEWSPORTAL_REFERENCE_TIME": _reference_time,
    "NEWSPORTAL_EXTRACT_WORKERS": _workers,
    "NEWSPORTAL_PROGRESS_LOG_LEVEL": _level,
    "NEWSPORTAL_CONTACT": _contact,
}


def settings_problem(settings: Any) -> str | None:
    """The first problem with the NEWSPORTAL_* settings, as one line; None when they are fine."""
    known = known_settings()
    for name in sorted(k for k in settings.attributes if k.startswith(PREFIX)):
        if name not in known:
            return f"unknown setting {name}{closest(name, known)}; the known ones are listed in the README"
    for name, default in known.items():
        value = settings.get(name)
        wanted = None
        if name in _VALUES:
            wanted = _VALUES[name](value)
        elif isinstance(default, bool):
            wanted = _typed(settings.getbool, name, "True or False")
        elif isinstance(default, int) and name not in _FRACTIONS:
            wanted = _typed(settings.getint, name, "a whole number")
        elif isinstance(default, int | float):
            wanted = _typed(settings.getfloat, name, "a number")
        if wanted:
            return f"bad setting {name}={value!r}: {wanted}"
    return None


def _typed(getter: Any, name: str, wanted: str) -> str | None:
    try:
        getter(name)
    except (TypeError, ValueError):
        return wanted
    return None


NO_CONTACT = (
    "NEWSPORTAL_CONTACT is not set: the portal's admins must be able to reach whoever crawls them; "
    "set it to a URL or mailto: address (in newsportal/settings.py, "
    "or -s NEWSPORTAL_CONTACT=mailto:you@example.org)"
)


def user_agent(base: str, contact: str) -> str:
    """The User-Agent with the contact in its comment: ``newsportal/0.1 (news research crawler;
    +mailto:ops@example.org)``; base as it is without a contact."""
    if not contact:
        return base
    if base.endswith(")"):
        return f"{base[:-1]}; +{contact})"
    return f"{base} (+{contact})"


def apply_contact(settings: Any, priority: str) -> None:
    """USER_AGENT with NEWSPORTAL_CONTACT added (``user_agent``), at priority; a USER_AGENT given on
    the command line is left as it is."""
    from scrapy.settings import SETTINGS_PRIORITIES

    contact = settings.get("NEWSPORTAL_CONTACT") or ""
    if contact and (settings.getpriority("USER_AGENT") or 0) < SETTINGS_PRIORITIES["cmdline"]:
        settings.set("USER_AGENT", user_agent(settings.get("USER_AGENT") or "", contact), priority=priority)
