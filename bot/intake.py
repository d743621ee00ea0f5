"""The report (melding): the summary to check, and storing and routing the signal.

These are the named actions the ``melding`` flow calls. They write through the turn's open
transaction, so the signal, its consents, its first event and the conversation state are
committed together or not at all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from babel.dates import format_date

from bot.checkins import plan as plan_checkin
from bot.checkins import wants_chat_contact
from bot.domain import parse_postcode
from bot.engine import Action, ActionContext, has_content, shorten, units
from bot.i18n import N_, _, label, translate
from bot.language import Language
from bot.redaction import Finding, find_details, remove_details
from bot.routing import Route
from bot.workdays import deadline_for
from storage import ConsentAnswer, NewSignal, from_db_time

UNKNOWN_POSTCODE = "onbekend"
SUGGESTION_STEP = "category_suggest"
PAIR_STEP = "category_pair"
# How the suggestion names a category in a question: "Gaat het over {about}?"
CATEGORY_ABOUT = {
    "eenzaamheid": N_("category.eenzaamheid.about"),
    "zorgmijding": N_("category.zorgmijding.about"),
    "geldzorgen": N_("category.geldzorgen.about"),
    "verwaarlozing": N_("category.verwaarlozing.about"),
    "mantelzorg": N_("category.mantelzorg.about"),
    "geheugen": N_("category.geheugen.about"),
    "psychisch": N_("category.psychisch.about"),
    "opvoeding": N_("category.opvoeding.about"),
    "overlast": N_("category.overlast.about"),
    "overig": N_("category.overig.about"),
}
TEAM_LANGUAGE = "nl"


def _consent_given(ctx: ActionContext, purpose: str) -> bool:
    return bool(ctx.consents.get(purpose, {}).get("given"))


def _contact_method(ctx: ActionContext) -> str | None:
    if not _consent_given(ctx, "melden") or not _consent_given(ctx, "contact"):
        return None
    method = ctx.answers.get("contact_how")
    return method if method in ("chat", "telefoon") else None


REDACT_STEP = "redact"
WHAT_STEP = "what"
MAX_LISTED_FINDINGS = 5
MAX_FOUND_UNITS = 600
# A description in the summary is shortened to this; "Hele tekst tonen" shows all of it.
SUMMARY_DESCRIPTION_UNITS = 700
COUNTED_KINDS = {
    "phone": (N_("redaction.count.phone.one"), N_("redaction.count.phone.many")),
    "email": (N_("redaction.count.email.one"), N_("redaction.count.email.many")),
    "address": (N_("redaction.count.address.one"), N_("redaction.count.address.many")),
    "bsn": (N_("redaction.count.bsn.one"), N_("redaction.count.bsn.many")),
}
DETAIL_KINDS = {
    "phone": N_("redaction.kind.phone"),
    "email": N_("redaction.kind.email"),
    "address": N_("redaction.kind.address"),
    "bsn": N_("redaction.kind.bsn"),
}


# What the reporter hears after "Weet deze persoon dat u dit meldt? -> Nee": the team tells the
# person within a month, and whether it says who reported (``[municipality]
# tell_reporter_name``).
NOT_TOLD = {
    False: N_("melding.knows.not_told"),
    True: N_("melding.knows.not_told_named"),
}


async def explain_not_told(ctx: ActionContext) -> str | None:
    """The person does not know: say that the team tells them, and whether with the name."""
    ctx.say(NOT_TOLD[ctx.config.tell_reporter_name])
    return None


async def find_private_details(ctx: ActionContext) -> str | None:
    """Before anything is sent: phone numbers, e-mail, addresses, BSN in the description?"""
    ctx.answers.pop(REDACT_STEP, None)  # a changed description is checked again
    # The vector of the description as typed was made before this turn; redaction may change
    # the text, so the suggestion finds it by this digest (never the text itself).
    ctx.vars["what_key"] = Language.key(ctx.answers["what"])
    findings = find_details(ctx.answers["what"])
    if not findings:
        return None
    ctx.vars["found"] = found_text(findings)
    return REDACT_STEP


def found_text(findings: list[Finding]) -> str:
    """What the redaction question names: each finding, or when there are many, a count per
    kind ("12 telefoonnummers en 3 e-mailadressen")."""
    listed = ", ".join(f"{f.text} ({_(DETAIL_KINDS[f.kind])})" for f in findings)
    if len(findings) <= MAX_LISTED_FINDINGS and units(listed) <= MAX_FOUND_UNITS:
        return listed
    counts = Counter(f.kind for f in findings)
    parts = [
        _(COUNTED_KINDS[kind][0 if n == 1 else 1], n=n)
        for kind, n in sorted(counts.items(), key=lambda kv: list(DETAIL_KINDS).index(kv[0]))
    ]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + _(N_("team.role.and")) + parts[-1]


async def remove_private_details(ctx: ActionContext) -> str | None:
    """The resident chose to remove them: each becomes "[weggehaald]". When nothing but them
    was written, the description is asked again instead."""
    text = ctx.answers["what"]
    findings = find_details(text)
    if not has_content(remove_details(text, findings, "")):
        ctx.answers.pop("what")  # asked again, also on the way back from a change
        ctx.say(N_("melding.redact.nothing_left"))
        return WHAT_STEP
    ctx.answers["what"] = remove_details(text, findings, _(N_("redaction.removed")))
    return None


async def suggest_category(ctx: ActionContext) -> str | None:
    """Read the description; ask about one or two categories when the reading is clear enough.

    The resident's own words are shown when cue words matched; when only the model speaks, the
    question says so plainly instead of inventing words.
    """
    if ctx.reader is None:
        return None
    # Never embedded here, inside the turn: the vector was made before the turn took the
    # database. Without it (an unusual path), the cue lists suggest alone.
    suggestion = ctx.reader.suggest(
        ctx.answers["what"], compute=False, key=ctx.vars.get("what_key")
    )
    if not suggestion.confident:
        return None
    words = suggestion.words_for(suggestion.ask)
    because = (
        _(N_("melding.category.because_words"), cues=", ".join(words))
        if words
        else _(N_("melding.category.because_message"))
    )
    ctx.vars.update(
        suggested=suggestion.ask[0],
        suggested_label=_(CATEGORY_ABOUT[suggestion.ask[0]]),
        cues=", ".join(words),
        because=because,
    )
    if suggestion.second is None:
        return SUGGESTION_STEP
    ctx.vars.update(second=suggestion.second, second_label=_(CATEGORY_ABOUT[suggestion.second]))
    return PAIR_STEP


async def accept_suggestion(ctx: ActionContext) -> str | None:
    """The resident said yes to the suggestion (or chose the first of two): that is the category."""
    ctx.answers["category"] = ctx.vars["suggested"]
    return None


async def accept_second(ctx: ActionContext) -> str | None:
    """The resident chose the second of the two categories asked about."""
    ctx.answers["category"] = ctx.vars["second"]
    return None


async def prepare_summary(ctx: ActionContext) -> str | None:
    """Put the answers in words for the summary the resident checks before sending."""
    a = ctx.answers
    postcode = a.get("where", UNKNOWN_POSTCODE)
    method = _contact_method(ctx)
    if not _consent_given(ctx, "melden"):
        contact = _(N_("summary.anonymous"))
    elif method == "telefoon":
        contact = _(N_("summary.contact.telefoon"), phone=a.get("phone", ""))
    elif method == "chat":
        contact = _(N_("summary.contact.chat"))
    else:
        contact = _(N_("summary.contact.none"))
    description = shorten(a["what"], SUMMARY_DESCRIPTION_UNITS)
    if description != a["what"]:
        a["long"] = "ja"
    else:
        a.pop("long", None)
    ctx.vars.update(
        about=label("melding.about", a["about"]),
        description=description,
        category=label("category", a["category"]),
        postcode=_(N_("summary.postcode_unknown")) if postcode == UNKNOWN_POSTCODE else postcode,
        contact=contact,
    )
    return None


async def show_whole_description(ctx: ActionContext) -> str | None:
    """The summary shortened the description: here it is whole (split if it must be)."""
    ctx.say(N_("melding.summary.whole_text"), description=ctx.answers["what"])
    return None


async def route_signal(ctx: ActionContext) -> str | None:
    """Store the signal, route it to a team and tell the resident the reference and deadline."""
    a = ctx.answers
    config = ctx.config
    category = a["category"]
    postcode = parse_postcode(a.get("where", "")) if a.get("where") != UNKNOWN_POSTCODE else None
    route = config.router.route(category, postcode)
    council = await ctx.tx.members.get(ctx.event.user_id)
    # A council member's report without a postcode goes to the adopted team (a category's own
    # team still comes first).
    adopted = sorted(council.adopted) if council else []
    if adopted and postcode is None and route.reason != N_("route.category"):
        route = Route(adopted[0], N_("route.council"), {})
    reason_params: dict[str, Any] = {
        **route.params,
        "team_name": config.team_name(route.team),
        "category": translate(f"category.{category}", TEAM_LANGUAGE),
    }
    reason = translate(route.reason, TEAM_LANGUAGE, **reason_params)
    days = config.categories[category].deadline_working_days
    deadline = deadline_for(ctx.now, days, config.timezone)

    anonymous = not _consent_given(ctx, "melden")
    person = None
    if not anonymous:
        person = await ctx.tx.people.ensure(ctx.event.user_id, ctx.language, ctx.now)
    method = _contact_method(ctx)
    consents = tuple(
        ConsentAnswer(purpose, c["version"], bool(c["given"]), from_db_time(c["at"]))
        for purpose, c in ctx.consents.items()
    )
    year = ctx.now.astimezone(config.timezone).year
    ref = await ctx.tx.signals.next_reference(config.reference_prefix, year)
    # "Versturen" pressed again, on this phone or another, answers with this reference.
    ctx.state.data["sent"] = {"ask": ctx.state.ask_id, "ref": ref}
    source = "raadslid" if council is not None and council.adopted else "bewoner"
    signal = NewSignal(
        created_at=ctx.now,
        category=category,
        team=route.team,
        about=a["about"],
        description=a["what"],
        postcode=postcode.compact if postcode and not anonymous else None,
        postcode4=postcode.digits if postcode else None,
        anonymous=anonymous,
        source=source,
        reporter_id=person.id if person else None,
        subject_knows=(a.get("knows") == "ja") if a.get("about") == "ander" else None,
        contact_method=method,
        contact_phone=a.get("phone") if method == "telefoon" else None,
        deadline=deadline,
        route_reason=reason,
        language=ctx.language,
        consents=consents,
    )
    signal_id = await ctx.tx.signals.create(signal, ref, actor=source)
    if route.reason == N_("route.postcode_unknown"):
        # Outside every team's area: say plainly where the report goes instead.
        ctx.say(N_("melding.outside_area"), team_name=config.team_name(route.team))
    if wants_chat_contact(method, signal.reporter_id):
        due = ctx.now + config.categories[category].checkin_after_report
        await plan_checkin(ctx.tx, signal_id, "na_melding", due)
    ctx.vars.update(
        ref=ref,
        team_name=config.team_name(route.team),
        deadline=format_date(deadline, "EEEE d MMMM", locale=ctx.language),
        days=days,
    )
    return None


ACTIONS: dict[str, Action] = {
    "explain_not_told": explain_not_told,
    "find_private_details": find_private_details,
    "remove_private_details": remove_private_details,
    "suggest_category": suggest_category,
    "accept_suggestion": accept_suggestion,
    "accept_second": accept_second,
    "prepare_summary": prepare_summary,
    "show_whole_description": show_whole_description,
    "route_signal": route_signal,
}
