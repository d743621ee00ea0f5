"""How the neighbourhood's offer is shown: to residents (an activity in a few short lines), to
the team (under ``/signaal`` and in the digest), and what is stored when a team closes a signal
with "collectief aanbod".

Residents read B1: the name, the place, the next date in words ("dinsdag 1 december, 10:00"),
one or all accessibility notes, and a public phone number or website. The team reads one line:
names with short dates. Dates are computed from the rules at the moment of showing, in the
municipality's time zone.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from bot.config import Config
from bot.domain import Postcode, parse_postcode
from bot.engine import ActionContext, Button, Reply
from bot.i18n import N_, _, translate
from bot.offer import Activity, Offer, when_text
from bot.schedule import Meeting
from storage import OFFER_AFTER_REPORT, OFFER_AT_CLOSING, StoredSignal

OTHER = "ander"  # the team's own "ander aanbod", named in a few words
SHOWN_TO_TEAM = 2  # activities per signal under /signaal and in the digest
CLOSING_CHOICES = 8  # activity buttons when closing with "collectief aanbod"
SHORT_DATE = "EEE d MMM HH:mm"
WANTED = {
    True: N_("offer.team.wanted.yes"),
    False: N_("offer.team.wanted.no"),
    None: N_("offer.team.wanted.open"),
}
# Who an activity is for, by whom the report is about: the reporter themselves, or someone they
# may pass it on to (the person they reported about, people in their neighbourhood).
FOR_REPORTER = "zelf"
REPORT_HEAD = {
    FOR_REPORTER: N_("offer.report.head"),
    "ander": N_("offer.report.head_ander"),
    "buurt": N_("offer.report.head_buurt"),
}
REPORT_QUESTION = {
    FOR_REPORTER: N_("offer.report.question"),
    "ander": N_("offer.report.question_pass_on"),
    "buurt": N_("offer.report.question_pass_on"),
}
CLOSING_FOR = {
    FOR_REPORTER: N_("offer.close.for_zelf"),
    "ander": N_("offer.close.for_ander"),
    "buurt": N_("offer.close.for_buurt"),
}


def offered_for(texts: dict[str, str], about: object) -> str:
    """The msgid of ``texts`` for a report about ``about`` (the reporter's own when unknown)."""
    return texts.get(str(about), texts[FOR_REPORTER])


def access_text(activity: Activity, lang: str, most: int | None = None) -> str:
    """ "Rolstoel · Gratis": the accessibility notes (the first ``most``)."""
    notes = activity.accessibility[:most] if most is not None else activity.accessibility
    return " · ".join(translate(f"offer.access.{note}", lang) for note in notes)


def activity_block(activity: Activity, meeting: Meeting | None, offer: Offer, lang: str) -> str:
    """An activity for a resident who asked what there is (``/buurt``): a few short lines."""
    lines = [
        translate(
            N_("offer.activity.head"),
            lang,
            name=activity.name,
            kind=translate(f"offer.kind.{activity.kind}", lang),
        ),
        translate(N_("offer.activity.where"), lang, place=activity.place, address=activity.address),
        when_text(meeting, offer, lang),
    ]
    if activity.accessibility:
        lines.append(access_text(activity, lang))
    phone = activity.phone_text()
    if phone:
        lines.append(translate(N_("offer.activity.phone"), lang, phone=phone))
    if activity.website:
        lines.append(translate(N_("offer.activity.website"), lang, website=activity.website))
    return "\n".join(lines)


def activity_line(activity: Activity, meeting: Meeting | None, offer: Offer, lang: str) -> str:
    """An activity in one short line (after a report): name, place, date, one note."""
    note = access_text(activity, lang, most=1)
    return translate(
        N_("offer.activity.line"),
        lang,
        name=activity.name,
        place=activity.place,
        when=when_text(meeting, offer, lang),
        note=f" {note}." if note else "",
    )


def team_items(pairs: list[tuple[Activity, Meeting | None]], offer: Offer, lang: str) -> str:
    """ "Koffieochtend (di 24 nov 10:00); Wandelgroep (do 26 nov 10:00)" for the team."""
    items = []
    for activity, meeting in pairs:
        if meeting is None:
            items.append(activity.name)
        else:
            when = format_datetime(meeting.start, SHORT_DATE, tzinfo=offer.timezone, locale=lang)
            items.append(f"{activity.name} ({when})")
    return "; ".join(items)


def signal_postcode(signal: StoredSignal) -> Postcode | None:
    """The signal's postcode: the full one where the team may see it, else the PC4."""
    return parse_postcode(signal.postcode or signal.postcode4 or "")


def digest_line(config: Config, signal: StoredSignal, now: datetime, lang: str) -> str:
    """The activities that serve an open signal, for its row in the digest ("" when none).
    Matched on the plain PC4 column and the category: nothing is decrypted for it."""
    offer = config.offer
    postcode = parse_postcode(signal.postcode4 or "")
    if offer is None or postcode is None:
        return ""
    pairs = offer.matching(postcode, signal.category, now, SHOWN_TO_TEAM)
    if not pairs:
        return ""
    return "\n" + translate(N_("offer.digest.line"), lang, items=team_items(pairs, offer, lang))


async def signal_section(ctx: ActionContext, config: Config, signal: StoredSignal) -> str:
    """Under ``/signaal``: the activities that serve the open signal, what was offered after
    the report (and the reporter's answer), and the activity named at closing."""
    lines = []
    offer = config.offer
    postcode = signal_postcode(signal)
    if offer is not None and postcode is not None and signal.status != "afgerond":
        pairs = offer.matching(postcode, signal.category, ctx.now, SHOWN_TO_TEAM)
        if pairs:
            items = team_items(pairs, offer, ctx.language)
            lines.append(_(N_("offer.team.serving"), items=items))
    stored = await ctx.tx.offers.of_signal(signal.id)
    offered = [s for s in stored if s.kind == OFFER_AFTER_REPORT]
    if offered:
        lines.append(
            _(
                N_("offer.team.offered"),
                names="; ".join(s.name for s in offered),
                answer=_(WANTED[offered[0].wanted]),
            )
        )
    for chosen in (s for s in stored if s.kind == OFFER_AT_CLOSING):
        lines.append(_(N_("offer.team.closing"), name=chosen.name))
    return "\n\n" + "\n".join(lines) if lines else ""


def activity_question(config: Config, signal: StoredSignal, now: datetime) -> Reply:
    """Closing with "collectief aanbod": which activity? Those for the signal's postcode and
    category first, then the others for its postcode (without a postcode: anywhere), the
    soonest first, then "Ander aanbod"."""
    offer = config.offer
    assert offer is not None
    postcode = signal_postcode(signal)
    first = [a for a, _m in offer.matching(postcode, signal.category, now)]
    rest = [a for a, _m in offer.matching(postcode, None, now) if a not in first]
    buttons = [Button(a.name, f"ak:{signal.ref}:{a.id}") for a in [*first, *rest][:CLOSING_CHOICES]]
    buttons.append(Button(_(N_("offer.close.other")), f"ak:{signal.ref}:{OTHER}"))
    return Reply(_(N_("offer.close.which"), ref=signal.ref), tuple(buttons))


async def record_closing(ctx: ActionContext, config: Config, signal: StoredSignal) -> str:
    """Store the activity the team named when closing (the flow's ``activity`` and, for
    "ander aanbod", its name); what the reporter reads about it, in their language: advice for
    themselves, or, for a report about someone else or the neighbourhood, to pass on."""
    chosen = ctx.vars.get("activity")
    lang = signal.language
    framing = offered_for(CLOSING_FOR, signal.about)
    if chosen == OTHER and ctx.answers.get("offer_name"):
        name = str(ctx.answers["offer_name"])
        await ctx.tx.offers.add(signal.id, OFFER_AT_CLOSING, [(None, name)], ctx.now)
        told = translate(N_("offer.close.resident_other"), lang, name=name)
        return translate(framing, lang, activity=told)
    offer = config.offer
    activity = offer.get(str(chosen)) if offer is not None and chosen else None
    if offer is None or activity is None:
        return ""
    await ctx.tx.offers.add(signal.id, OFFER_AT_CLOSING, [(activity.id, activity.name)], ctx.now)
    told = translate(
        N_("offer.close.resident"),
        lang,
        name=activity.name,
        place=activity.place,
        address=activity.address,
        when=when_text(activity.next_meeting(ctx.now, offer.timezone), offer, lang),
    )
    return translate(framing, lang, activity=told)
