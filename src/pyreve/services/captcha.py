"""Image captcha (``captcha_type`` = normal) and verification of every supported captcha type."""

from __future__ import annotations

import base64
import io
import json
import math
import random
import secrets
import string
import uuid
from typing import Any

from pyreve.errors import AppError, Code
from pyreve.services.context import Runtime

TTL = 600
_DIGITS = "23456789"
_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"  # no look-alikes (0/O, 1/l/I)


def _challenge(mode: int, length: int) -> tuple[str, str]:
    """(text drawn, expected answer)."""
    if mode == 2:
        a, b = secrets.randbelow(20) + 1, secrets.randbelow(20) + 1
        if secrets.randbelow(2):
            return f"{a}+{b}=?", str(a + b)
        a, b = max(a, b), min(a, b)
        return f"{a}-{b}=?", str(a - b)
    alphabet = {0: _DIGITS, 1: _LETTERS}.get(mode, _DIGITS + _LETTERS)
    text = "".join(secrets.choice(alphabet) for _ in range(max(1, min(length, 12))))
    return text, text


def _render(rt: Runtime, text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont  # imaging loads on first use, not in every worker

    s = rt.settings
    width = max(80, min(s.int("captcha_width", 240), 1000))
    height = max(30, min(s.int("captcha_height", 60), 400))
    rng = random.Random(secrets.randbits(64))
    image = Image.new("RGB", (width, height), (rng.randint(230, 255), rng.randint(230, 255), rng.randint(230, 255)))
    draw = ImageDraw.Draw(image)
    if s.bool("captcha_IsShowNoiseDot"):
        for _ in range(width * height // 60 * (1 + s.int("captcha_ComplexOfNoiseDot"))):
            draw.point((rng.randrange(width), rng.randrange(height)), fill=_colour(rng, 100, 220))
    if s.bool("captcha_IsShowNoiseText"):
        small = ImageFont.load_default(size=max(10, height // 4))
        for _ in range(6 * (1 + s.int("captcha_ComplexOfNoiseText"))):
            draw.text((rng.randrange(width), rng.randrange(height)), rng.choice(string.ascii_letters),
                      font=small, fill=_colour(rng, 150, 230))
    font = ImageFont.load_default(size=int(height * 0.6))
    step = width / (len(text) + 1)
    for i, char in enumerate(text):
        glyph = Image.new("RGBA", (int(height * 0.8), height), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, height * 0.1), char, font=font, fill=_colour(rng, 10, 120))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (int(step * (i + 0.5)), rng.randint(-height // 10, height // 10)), glyph)
    if s.bool("captcha_IsShowSlimeLine") or s.bool("captcha_IsShowSineLine"):
        amplitude, phase = height / 6, rng.uniform(0, math.tau)
        points = [(x, height / 2 + amplitude * math.sin(phase + x * math.tau / width)) for x in range(0, width, 4)]
        draw.line(points, fill=_colour(rng, 30, 140), width=2)
    if s.bool("captcha_IsShowHollowLine"):
        draw.arc((rng.randrange(width // 2), 0, width, height), 0, 180, fill=_colour(rng, 30, 140), width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _colour(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


async def create(rt: Runtime) -> dict[str, str]:
    text, answer = _challenge(rt.settings.int("captcha_mode", 3), rt.settings.int("captcha_CaptchaLen", 6))
    ticket = str(uuid.uuid4())
    await rt.kv.set(f"captcha_{ticket}", answer, TTL)
    png = _render(rt, text)
    return {"image": "data:image/png;base64," + base64.b64encode(png).decode(), "ticket": ticket}


async def verify(rt: Runtime, body: dict[str, Any]) -> None:
    """Check the captcha fields of a form body; 40026 on any failure."""
    kind = rt.settings.str("captcha_type") or "normal"
    captcha = str(body.get("captcha") or "")
    ticket = str(body.get("ticket") or "")
    if kind in ("normal", "tcaptcha"):
        expected = await rt.kv.pop(f"captcha_{ticket}") if ticket else None
        if expected is None or captcha.strip().lower() != expected.lower():
            raise AppError(Code.CAPTCHA_ERROR, "CAPTCHA not match.")
        return
    if kind == "recaptcha":
        ok = await _siteverify("https://www.recaptcha.net/recaptcha/api/siteverify",
                               form={"secret": rt.settings.str("captcha_ReCaptchaSecret"), "response": captcha})
    elif kind == "turnstile":
        ok = await _siteverify("https://challenges.cloudflare.com/turnstile/v0/siteverify",
                               form={"secret": rt.settings.str("captcha_turnstile_site_secret"), "response": ticket})
    elif kind == "cap":
        # Cap 2 key names first; installs from before them keep the older ones.
        s = rt.settings
        base = s.str("captcha_cap_instance_url").rstrip("/")
        site_key = s.str("captcha_cap_site_key") or s.str("captcha_cap_key_id")
        secret = s.str("captcha_cap_secret_key") or s.str("captcha_cap_key_secret")
        ok = await _siteverify(f"{base}/{site_key}/siteverify", payload={"secret": secret, "response": ticket})
    else:
        ok = False
    if not ok:
        raise AppError(Code.CAPTCHA_ERROR, "Captcha validation failed")


async def _siteverify(url: str, form: dict[str, str] | None = None, payload: dict[str, str] | None = None) -> bool:
    import httpx  # only the third-party captcha types call out

    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, data=form, json=payload)
        return bool(json.loads(response.text).get("success"))
    except (httpx.HTTPError, ValueError):
        return False
