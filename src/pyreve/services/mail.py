"""Outgoing mail over SMTP, with Cloudreve's template settings (``[{language, title, body}]``)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import Any

from pyreve.errors import AppError, Code
from pyreve.services.settings import SiteSettings

# Cloudreve bodies use Go template field access ({{ .User.Nick }}); turn it into Jinja's ({{ User.Nick }}).
_GO_FIELD = re.compile(r"\{\{-?\s*\.([A-Za-z_][\w.]*)\s*-?\}\}")


def pick_template(settings: SiteSettings, key: str, language: str) -> dict[str, str]:
    templates = settings.json(key, default=[]) or []
    if not isinstance(templates, list) or not templates:
        raise AppError(Code.INTERNAL_SETTING, f"Mail template {key} is not configured")
    for item in templates:
        if str(item.get("language", "")).lower() == (language or "").lower():
            return dict(item)
    return dict(templates[0])


@cache
def _templates() -> Any:
    from jinja2.sandbox import SandboxedEnvironment  # loaded with the first mail, not at start-up

    return SandboxedEnvironment(autoescape=True)


def render(body: str, context: dict[str, Any]) -> str:
    return _templates().from_string(_GO_FIELD.sub(r"{{ \1 }}", body)).render(**context)


def common_context(settings: SiteSettings) -> dict[str, Any]:
    return {
        "SiteUrl": settings.str("siteURL").split(",")[0].rstrip("/"),
        "SiteBasic": {"Name": settings.str("siteName")},
        "Logo": {"Normal": settings.str("site_logo"), "Light": settings.str("site_logo_light")},
    }


async def send(settings: SiteSettings, to: str, subject: str, html: str) -> None:
    """Send one HTML message; any SMTP failure becomes 40028."""
    message = EmailMessage()
    message["From"] = formataddr((settings.str("fromName"), settings.str("fromAdress")))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid()
    if settings.str("replyTo"):
        message["Reply-To"] = settings.str("replyTo")
    message.set_content("This message needs an HTML-capable mail reader.")
    message.add_alternative(html, subtype="html")
    import aiosmtplib

    implicit_tls = settings.bool("smtpEncryption")
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.str("smtpHost"),
            port=settings.int("smtpPort", 25),
            username=settings.str("smtpUser") or None if settings.str("smtpPass") else None,
            password=settings.str("smtpPass") or None,
            use_tls=implicit_tls,
            start_tls=None if not implicit_tls else False,
            timeout=15,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise AppError(Code.FAILED_SEND_EMAIL, "Failed to send email", cause=exc) from exc


async def send_template(settings: SiteSettings, key: str, language: str, to: str, context: dict[str, Any]) -> None:
    template = pick_template(settings, key, language)
    full = {"CommonContext": common_context(settings), **context}
    subject = f"[{settings.str('siteName')}] {template.get('title', '')}"
    await send(settings, to, subject, render(str(template.get("body", "")), full))
