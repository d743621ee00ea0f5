"""/hulp is complete for every role: each command a role can really use is named in that role's
/hulp, in Dutch and in English, and none it cannot use.

The commands come from the engine itself (its own and those every service registers, as
bot/assembly.py puts them together), so a command added later fails here until it is given its
roles below, and then until each of those roles' /hulp names it. Who may use a role-bound command
is checked by running it as every role: the table cannot drift from the code either.
"""

from __future__ import annotations

import re

import pytest

from bot.domain import ROLES
from bot.engine import Engine
from bot.engine._runner import COMMAND_ALIASES
from bot.i18n import translate
from bot.team import FILTER_WORDS
from tests.conftest import Chat
from tests.test_team import join

EVERYONE = frozenset(ROLES)
WORKERS = frozenset({"teamlid", "coordinator"})
READERS = frozenset({"raadslid", "teamlid", "coordinator"})
# Who can use each command the engine answers. Everyone may report, stop, read the privacy
# text, change the language, look in the neighbourhood (the example has an offer), see, withdraw
# and remove their data, stop questions and answer the team: a team member is a resident too.
MAY_USE: dict[str, frozenset[str]] = {
    "start": EVERYONE,
    "stop": EVERYONE,
    "privacy": EVERYONE,
    "taal": EVERYONE,
    "buurt": EVERYONE,
    "antwoord": EVERYONE,
    "stopvragen": EVERYONE,
    "mijngegevens": EVERYONE,
    "intrekken": EVERYONE,
    "verwijderen": EVERYONE,
    "wachtrij": WORKERS,
    "signaal": WORKERS,
    "digest": WORKERS,
    "rapport": READERS,
    "wijkbeeld": READERS,
    "ervaring": frozenset({"raadslid"}),
}
# Answered, but not listed, and why.
NOT_LISTED = {
    "hulp": "the list itself",
    "code": "only for someone invited: the invitation says how to use it (cli.invite.done)",
}
REFUSALS = ("team.refused", "wijkbeeld.refused", "feedback.refused", "feedback.report.refused")
RESIDENT, COUNCIL, MEMBER, COORDINATOR = 42, 800, 500, 700


async def chat_of(engine: Engine, role: str) -> Chat:
    """A chat of someone who holds ``role`` (a resident: nobody invited)."""
    if role == "bewoner":
        return Chat(engine, RESIDENT)
    chat_id, team = {
        "raadslid": (COUNCIL, "krommenie"),
        "teamlid": (MEMBER, "zaandam-noord"),
        "coordinator": (COORDINATOR, None),
    }[role]
    return await join(engine, chat_id, role, team, "Anna")


def named(text: str, command: str) -> bool:
    """Whether ``text`` names ``/command`` itself (``/stop`` is not in ``/stopvragen``)."""
    return re.search(rf"/{command}\b", text) is not None


def test_every_command_the_engine_answers_has_its_roles_here(engine: Engine) -> None:
    """The engine's own commands and every service's, English names folded into the Dutch
    ones: each is in MAY_USE or NOT_LISTED, and nothing there is unknown to the engine."""
    answered = {COMMAND_ALIASES.get(name, name) for name in engine.command_names}
    assert answered == set(MAY_USE) | set(NOT_LISTED)
    assert {"help", "language"} <= set(engine.command_names)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("role", ROLES)
async def test_the_help_of_each_role_names_what_it_can_use_and_nothing_else(
    engine: Engine, role: str, lang: str
) -> None:
    """Every command the role may use is in its /hulp; a command it may not use is not; who
    may use /wachtrij hears of its filters too (mijn, nieuw, over tijd, a kind, a postcode)."""
    chat = await chat_of(engine, role)
    if lang == "en":
        await chat.command("/taal")
        await chat.tap("English")
    await chat.command("/hulp")
    text = chat.replies[0].text
    missing = [c for c, roles in MAY_USE.items() if role in roles and not named(text, c)]
    assert missing == [], f"/hulp of a {role} ({lang}) leaves out {missing}:\n{text}"
    promised = [c for c, roles in MAY_USE.items() if role not in roles and named(text, c)]
    assert promised == [], f"/hulp of a {role} ({lang}) names {promised}, which it refuses"
    if role in MAY_USE["wachtrij"]:
        for words in FILTER_WORDS.values():
            assert any(f"/wachtrij {w}" in text for w in words), (words, text)
        assert "/wachtrij 1503" in text
    assert text.endswith(translate("engine.help.foot", lang))


async def test_a_team_member_who_is_also_on_a_council_hears_of_both(engine: Engine) -> None:
    """A member of Zaandam-Noord who is a council member of Krommenie as well: the team's
    commands and /ervaring, each once."""
    await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    chat = await join(engine, MEMBER, "raadslid", "krommenie", "Anna")
    await chat.command("/hulp")
    text = chat.replies[0].text
    assert text.startswith("Zo werkt deze chat voor het wijkteam:")
    for command in ("wachtrij", "ervaring", "rapport", "wijkbeeld", "verwijderen"):
        assert len(re.findall(rf"/{command}\b", text)) >= 1, command
    assert text.count("- /rapport") == 1 and text.count("- /wijkbeeld") == 1


@pytest.mark.parametrize(
    "command", [c for c, roles in MAY_USE.items() if roles != EVERYONE], ids=str
)
async def test_who_may_use_a_command_is_what_the_command_itself_does(
    engine: Engine, command: str
) -> None:
    """Run as every role: a role that may use the command is not refused, the others are."""
    refusals = {translate(key, "nl") for key in REFUSALS}
    for role in ROLES:
        chat = await chat_of(engine, role)
        await chat.command(f"/{command}")
        refused = any(r.text in refusals for r in chat.replies)
        assert refused == (role not in MAY_USE[command]), (role, command, chat.text)
