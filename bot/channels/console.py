"""The console chat: the same engine in a terminal, or fed by a pipe.

Buttons are printed numbered; typing the number or the button's text presses it. Input ends at
end of file, so a whole conversation can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.engine import Button, Engine, Event, EventKind, Reply
from bot.i18n import N_, _
from bot.text import index_below


def _match(buttons: tuple[Button, ...], line: str) -> Button | None:
    text = line.strip()
    number = index_below(text, len(buttons) + 1)
    if number:  # 1 up to the number of buttons
        return buttons[number - 1]
    for button in buttons:
        if button.label.casefold() == text.casefold():
            return button
    return None


def render(reply: Reply) -> str:
    """A reply as the console prints it; one for another chat says so."""
    if reply.chat_id is not None:
        return "\n".join(f"[chat {reply.chat_id}] {line}" for line in reply.text.split("\n"))
    lines = [
        f"bot> {line}" if i == 0 else (f"     {line}" if line else "")
        for i, line in enumerate(reply.text.split("\n"))
    ]
    lines += [f"     [{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)]
    if reply.document is not None:
        name, content = reply.document
        lines.append(f"     ({name})")
        lines += [f"     {line}" for line in content.decode().splitlines()]
    if reply.photo is not None:
        width, height = picture_size(reply.photo)
        lines.append("     " + _(N_("console.photo"), width=width, height=height))
    return "\n".join(lines)


def picture_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header (the first chunk, IHDR)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def event_from_line(
    user_id: int, line: str, buttons: tuple[Button, ...], name: str | None = None
) -> Event:
    """What a typed line means: a command, a button press, or text; ``name`` is the first
    name Telegram would send with it (a team member is shown by it)."""
    text = line.rstrip("\r\n")
    kind = EventKind.TEXT
    if text.startswith("/"):
        kind = EventKind.COMMAND
    elif (pressed := _match(buttons, text)) is not None:
        kind, text = EventKind.BUTTON, pressed.data
    return Event(user_id, user_id, kind, text, user_name=name)


async def run_console(
    engine: Engine,
    user_id: int,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    name: str | None = None,
) -> None:
    """Chat until end of input, as ``user_id`` named ``name``."""
    interactive = stdin.isatty()
    print(_(N_("console.banner")), file=stdout, flush=True)
    await engine.expire_stale()
    buttons: tuple[Button, ...] = ()
    for reply in await engine.open_question(user_id):  # where the chat was left, as Telegram
        print(render(reply), file=stdout, flush=True)  # would still show it
        buttons = reply.buttons or buttons
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        if not line.strip():
            continue
        if not interactive:
            print(f"> {line.rstrip()}", file=stdout)
        replies = await engine.handle(event_from_line(user_id, line, buttons, name))
        for reply in replies:
            print(render(reply), file=stdout, flush=True)
        shown = [r.buttons for r in replies if r.buttons and r.chat_id is None]
        if shown:
            buttons = shown[-1]
        elif replies:
            buttons = ()
