"""``/hulp``: what this chat can do for the person asking, by every role they hold.

The answer is put together from lines: a head for the person's highest role, one line for each
command a role they hold may use (a line per key: the first whose roles fit), and the footer.
A team member who is also a council member so hears of ``/ervaring`` too, and everyone hears of
what every resident can do (``/privacy``, ``/verwijderen``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import ROLES
from bot.i18n import N_, _
from storage import Member

EVERYONE = frozenset(ROLES)
TEAM = frozenset({"teamlid", "coordinator"})
HEADS = {
    "bewoner": N_("engine.help.head.bewoner"),
    "raadslid": N_("engine.help.head.raadslid"),
    "teamlid": N_("engine.help.head.teamlid"),
    "coordinator": N_("engine.help.head.coordinator"),
}
EVERYONE_HEAD = N_("engine.help.everyone")
FOOT = N_("engine.help.foot")


@dataclass(frozen=True)
class HelpLine:
    key: str
    roles: frozenset[str]
    text: str  # the msgid
    offer_only: bool = False  # only when the municipality has an offer (/buurt)


LINES: tuple[HelpLine, ...] = (
    HelpLine("wachtrij", frozenset({"coordinator"}), N_("engine.help.wachtrij.coordinator")),
    HelpLine("wachtrij", TEAM, N_("engine.help.wachtrij")),
    HelpLine("filters", TEAM, N_("engine.help.wachtrij.filters")),
    HelpLine("signaal", TEAM, N_("engine.help.signaal")),
    HelpLine("digest", TEAM, N_("engine.help.digest")),
    HelpLine("rapport", frozenset({"coordinator"}), N_("engine.help.rapport.coordinator")),
    HelpLine("rapport", frozenset({"teamlid", "raadslid"}), N_("engine.help.rapport")),
    HelpLine("wijkbeeld", frozenset({"coordinator"}), N_("engine.help.wijkbeeld.coordinator")),
    HelpLine("wijkbeeld", frozenset({"teamlid", "raadslid"}), N_("engine.help.wijkbeeld")),
    HelpLine("ervaring", frozenset({"raadslid"}), N_("engine.help.ervaring")),
    HelpLine("invite", frozenset({"coordinator"}), N_("engine.help.invite")),
    HelpLine("start", frozenset({"bewoner"}), N_("engine.help.start")),
    HelpLine("start", EVERYONE, N_("engine.help.start.member")),
    HelpLine("buurt", EVERYONE, N_("engine.help.buurt"), offer_only=True),
    HelpLine("stop", EVERYONE, N_("engine.help.stop")),
    HelpLine("antwoord", EVERYONE, N_("engine.help.antwoord")),
    HelpLine("privacy", EVERYONE, N_("engine.help.privacy")),
    HelpLine("taal", EVERYONE, N_("engine.help.taal")),
    HelpLine("stopvragen", EVERYONE, N_("engine.help.stopvragen")),
    HelpLine("rights", EVERYONE, N_("engine.help.rights")),
)


def help_text(member: Member | None, *, offer: bool) -> str:
    """The answer to ``/hulp`` for ``member`` (``None``: a resident), in the current language."""
    held = member.roles if member is not None else frozenset({"bewoner"})
    head = HEADS.get(member.role if member is not None else "bewoner", HEADS["bewoner"])
    lines = [_(head)]
    done: set[str] = set()
    for line in LINES:
        if line.key in done or not line.roles & held or (line.offer_only and not offer):
            continue
        if "bewoner" in line.roles and held != {"bewoner"} and not done & RESIDENT_KEYS:
            lines += ["", _(EVERYONE_HEAD)]  # after the role's own: what every resident can
        done.add(line.key)
        lines.append(_(line.text))
    return "\n".join(lines) + "\n\n" + _(FOOT)


RESIDENT_KEYS = frozenset(line.key for line in LINES if "bewoner" in line.roles)
