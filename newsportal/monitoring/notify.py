"""Telling a person: Spidermon actions that mail the run's verdict and post it to webhooks.

Mail goes through Scrapy's own mail settings (``MAIL_HOST``, ``MAIL_PORT``, ``MAIL_FROM``,
``MAIL_USER``, ``MAIL_PASS``, ``MAIL_TLS``, ``MAIL_SSL``) to ``NEWSPORTAL_NOTIFY_EMAIL_TO``; webhooks
are ``NEWSPORTAL_NOTIFY_WEBHOOKS`` (URLs). Each is skipped when not configured.

Why not Spidermon's ``SendSmtpEmail`` and ``SendSlackMessage``: the mail action sends through
Scrapy's asynchronous ``MailSender`` when the crawl is ending, and nothing waits for it (Spidermon
issue 412: the mail may fail or be cut off); it also insists on a user and password, so a local
relay without login cannot be used, and both pull in Spidermon's ``monitoring`` extra (boto, Jinja,
premailer, the Slack SDK, Sentry...). The run is over when these run, so a blocking send with a
timeout (the standard library's smtplib and urllib) is what is wanted here.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from typing import Any

from spidermon.core.actions import Action
from spidermon.exceptions import SkipAction

logger = logging.getLogger(__name__)

TIMEOUT = 15  # seconds per SMTP session or webhook post


def describe_run(stats: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the notice: the site, the verdict and exit code, the reasons, the summary."""
    site = stats.get("newsportal/site", "?")
    verdict = stats.get("newsportal/verdict", "?")
    code = stats.get("newsportal/exit_code", "?")
    subject = f"newsportal: {site} needs a look: {verdict} (exit {code})"
    lines = [f"The crawl of site {site} ended with exit {code} ({verdict})."]
    reasons = stats.get("newsportal/degraded/reasons") or []
    if reasons:
        lines += ["", "What fell:", *(f"- {reason}" for reason in reasons)]
    if stats.get("newsportal/summary"):
        lines += ["", str(stats["newsportal/summary"])]
    return subject, "\n".join(lines) + "\n"


class EmailNotification(Action):
    def __init__(self, settings: Any = None) -> None:
        super().__init__()
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler: Any) -> EmailNotification:
        return cls(crawler.settings)

    def run_action(self) -> None:
        to = self.settings.getlist("NEWSPORTAL_NOTIFY_EMAIL_TO")
        if not to:
            raise SkipAction("NEWSPORTAL_NOTIFY_EMAIL_TO is empty")
        stats = self.data.crawler.stats
        subject, body = describe_run(stats.get_stats())
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.settings.get("MAIL_FROM")
        message["To"] = ", ".join(to)
        message.set_content(body)
        host, port = self.settings.get("MAIL_HOST"), self.settings.getint("MAIL_PORT")
        try:
            if self.settings.getbool("MAIL_SSL"):
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT)
            else:
                smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
            with smtp:
                if self.settings.getbool("MAIL_TLS"):
                    smtp.starttls(context=ssl.create_default_context())
                if self.settings.get("MAIL_USER"):
                    smtp.login(self.settings.get("MAIL_USER"), self.settings.get("MAIL_PASS") or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            stats.inc_value("newsportal/notify/failed/email")
            logger.error("could not mail %s through %s:%s: %s", ", ".join(to), host, port, exc)
            return
        stats.inc_value("newsportal/notify/email")
        logger.info("mailed %s: %s", ", ".join(to), subject)


class WebhookNotification(Action):
    def __init__(self, settings: Any = None) -> None:
        super().__init__()
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler: Any) -> WebhookNotification:
        return cls(crawler.settings)

    def run_action(self) -> None:
        urls = self.settings.getlist("NEWSPORTAL_NOTIFY_WEBHOOKS")
        if not urls:
            raise SkipAction("NEWSPORTAL_NOTIFY_WEBHOOKS is empty")
        stats = self.data.crawler.stats
        values = stats.get_stats()
        subject, body = describe_run(values)
        # "text" is what Slack (and Mattermost, Rocket.Chat...) incoming webhooks show; the rest is
        # for a receiver of our own.
        payload = {
            "text": f"{subject}\n{body}",
            "site": values.get("newsportal/site"),
            "verdict": values.get("newsportal/verdict"),
            "exit_code": values.get("newsportal/exit_code"),
            "reasons": values.get("newsportal/degraded/reasons") or [],
            "summary": values.get("newsportal/summary"),
        }
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        for url in urls:
            request = urllib.request.Request(
                url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    response.read()
            except (OSError, ValueError) as exc:  # URLError, HTTPError, a timeout, a bad URL
                stats.inc_value("newsportal/notify/failed/webhook")
                logger.error("could not post to webhook %s: %s", url, exc)
                continue
            stats.inc_value("newsportal/notify/webhook")
            logger.info("posted to webhook %s: %s", url, subject)
