"""When an activity meets next: Dutch rules, local wall time across summer time, holidays,
month ends and the turn of the year."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.schedule import ScheduleError, format_meeting, next_occurrence, parse_rule
from tests.conftest import AMS


def next_local(rule: str, after: datetime, *, skip: bool = False) -> datetime:
    """The next meeting of one rule after ``after``, as Amsterdam wall time."""
    meeting = next_occurrence([parse_rule(rule)], after, AMS, skip_holidays=skip)
    assert meeting is not None
    assert meeting.start.tzinfo is UTC, "computed in wall time, handed out as aware UTC"
    return meeting.start.astimezone(AMS)


@pytest.mark.parametrize(
    ("text", "weekdays", "ordinals", "start", "end"),
    [
        ("di 10:00", (1,), (), time(10), None),
        ("di 10:00-12:00", (1,), (), time(10), time(12)),
        ("Elke dinsdag 10.00 tot 12.00 uur", (1,), (), time(10), time(12)),
        ("ma en wo 14:00-16:00", (0, 2), (), time(14), time(16)),
        ("ma, wo en vr 9:30", (0, 2, 4), (), time(9, 30), None),
        ("1e do van de maand 19:30", (3,), (1,), time(19, 30), None),
        ("2e en 4e di van de maand 10:00-11:30", (1,), (2, 4), time(10), time(11, 30)),
        ("laatste vr van de maand 12:00-13:30", (4,), (-1,), time(12), time(13, 30)),
    ],
)
def test_rules_in_dutch_are_read(
    text: str,
    weekdays: tuple[int, ...],
    ordinals: tuple[int, ...],
    start: time,
    end: time | None,
) -> None:
    """Weekly and monthly rules as a municipality writes them, in any case and spacing."""
    rule = parse_rule(text)
    assert (rule.weekdays, rule.ordinals, rule.start, rule.end) == (weekdays, ordinals, start, end)
    assert rule.text == text, "kept as written, to be written back and shown"


@pytest.mark.parametrize(
    "text",
    [
        "di",
        "dinsdagochtend",
        "di 25:00",
        "di 12:00-11:00",
        "1e xx van de maand 10:00",
        "6e di van de maand 10:00",
        "om de week di 10:00",
        "di en 10:00",
    ],
)
def test_rules_the_bot_cannot_read_are_refused(text: str) -> None:
    """A rule that names no day, no time, a time that does not exist or ends before it starts."""
    with pytest.raises(ScheduleError):
        parse_rule(text)


def test_the_next_meeting_is_strictly_after_now() -> None:
    """Monday 10:00 → Tuesday 10:00; on Tuesday at 10:00 itself, the Tuesday after."""
    assert next_local("di 10:00", datetime(2026, 11, 23, 10, 0, tzinfo=AMS)) == datetime(
        2026, 11, 24, 10, 0, tzinfo=AMS
    )
    assert next_local("di 10:00", datetime(2026, 11, 24, 10, 0, tzinfo=AMS)) == datetime(
        2026, 12, 1, 10, 0, tzinfo=AMS
    )


def test_the_earliest_of_several_rules_wins() -> None:
    """With several rules, the next meeting is the earliest of them all."""
    rules = [parse_rule("do 10:00"), parse_rule("ma en wo 14:00")]
    meeting = next_occurrence(rules, datetime(2026, 11, 23, 15, 0, tzinfo=AMS), AMS)
    assert meeting is not None and meeting.rule.text == "ma en wo 14:00"
    assert meeting.start.astimezone(AMS) == datetime(2026, 11, 25, 14, 0, tzinfo=AMS)
    assert meeting.end is None


def test_wall_time_holds_when_summer_time_starts() -> None:
    """Summer time starts on Sunday 28 March 2027: Monday 10:00 is 08:00 UTC, no longer 09:00.
    A 02:30 that does not exist that night comes out as 03:30."""
    after = datetime(2027, 3, 26, 12, 0, tzinfo=AMS)
    monday = next_occurrence([parse_rule("ma 10:00")], after, AMS)
    assert monday is not None and monday.start == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    week_before = next_occurrence([parse_rule("ma 10:00")], datetime(2027, 3, 20, tzinfo=AMS), AMS)
    assert week_before is not None and week_before.start == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert next_local("zo 02:30", after) == datetime(2027, 3, 28, 3, 30, tzinfo=AMS)


def test_wall_time_holds_when_summer_time_ends() -> None:
    """Summer time ends on Sunday 25 October 2026: Tuesday 10:00 is then 09:00 UTC. A 02:30
    that comes twice that night is the first; once both have passed, it is a week later."""
    tuesday = next_occurrence(
        [parse_rule("di 10:00-12:00")], datetime(2026, 10, 23, 12, 0, tzinfo=AMS), AMS
    )
    assert tuesday is not None and tuesday.start == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    assert tuesday.end == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    night = next_occurrence([parse_rule("zo 02:30")], datetime(2026, 10, 23, tzinfo=AMS), AMS)
    assert night is not None and night.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second_pass = datetime(2026, 10, 25, 1, 45, tzinfo=UTC)  # 02:45 in winter time
    after = next_occurrence([parse_rule("zo 02:30")], second_pass, AMS)
    assert after is not None and after.start.astimezone(AMS) == datetime(
        2026, 11, 1, 2, 30, tzinfo=AMS
    )


@pytest.mark.parametrize(
    ("rule", "after", "with_holidays", "skipping"),
    [
        # Koningsdag, Tuesday 27 April 2027.
        (
            "di 10:00",
            datetime(2027, 4, 26, 12, 0),
            datetime(2027, 4, 27, 10),
            datetime(2027, 5, 4, 10),
        ),
        # Tweede Kerstdag, Saturday 26 December 2026.
        (
            "za 10:00",
            datetime(2026, 12, 24, 12, 0),
            datetime(2026, 12, 26, 10),
            datetime(2027, 1, 2, 10),
        ),
        # Hemelvaart, Thursday 6 May 2027, also the first Thursday of May.
        (
            "do 19:30",
            datetime(2027, 5, 1, 12, 0),
            datetime(2027, 5, 6, 19, 30),
            datetime(2027, 5, 13, 19, 30),
        ),
        (
            "1e do van de maand 19:30",
            datetime(2027, 5, 1, 12, 0),
            datetime(2027, 5, 6, 19, 30),
            datetime(2027, 6, 3, 19, 30),
        ),
    ],
)
def test_public_holidays_are_skipped_only_when_the_activity_says_so(
    rule: str, after: datetime, with_holidays: datetime, skipping: datetime
) -> None:
    """A meeting on a public holiday is skipped only for an activity that asks for it."""
    start = after.replace(tzinfo=AMS)
    assert next_local(rule, start) == with_holidays.replace(tzinfo=AMS)
    assert next_local(rule, start, skip=True) == skipping.replace(tzinfo=AMS)


def test_a_fifth_weekday_meets_only_in_months_that_have_one() -> None:
    """Five Tuesdays in 2026: March, June, September, December; January and February have none."""
    first = next_local("5e di van de maand 10:00", datetime(2026, 1, 1, tzinfo=AMS))
    assert first == datetime(2026, 3, 31, 10, 0, tzinfo=AMS)
    second = next_local("5e di van de maand 10:00", first)
    assert second == datetime(2026, 6, 30, 10, 0, tzinfo=AMS)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (datetime(2026, 1, 31), datetime(2026, 2, 27, 12)),  # February of 28 days
        (datetime(2026, 2, 28), datetime(2026, 3, 27, 12)),  # March of 31 days
        (datetime(2026, 4, 1), datetime(2026, 4, 24, 12)),  # April of 30 days
        (datetime(2028, 2, 1), datetime(2028, 2, 25, 12)),  # a leap February of 29 days
    ],
)
def test_the_last_weekday_of_months_of_every_length(after: datetime, expected: datetime) -> None:
    """'laatste vr van de maand' finds the last Friday in months of 28 to 31 days."""
    rule = "laatste vr van de maand 12:00-13:30"
    assert next_local(rule, after.replace(tzinfo=AMS)) == expected.replace(tzinfo=AMS)


def test_december_runs_into_january() -> None:
    """Thursday 31 December 2026 is the last Thursday of the year: that evening, then the last
    Thursday of January; the first Monday after December is 4 January 2027."""
    rule = "laatste do van de maand 19:30"
    assert next_local(rule, datetime(2026, 12, 31, 10, tzinfo=AMS)) == datetime(
        2026, 12, 31, 19, 30, tzinfo=AMS
    )
    assert next_local(rule, datetime(2026, 12, 31, 20, tzinfo=AMS)) == datetime(
        2027, 1, 28, 19, 30, tzinfo=AMS
    )
    assert next_local("1e ma van de maand 10:00", datetime(2026, 12, 10, tzinfo=AMS)) == datetime(
        2027, 1, 4, 10, 0, tzinfo=AMS
    )


def test_a_meeting_is_shown_in_words_in_the_readers_language() -> None:
    """A meeting is written out in Dutch or English, in the municipality's time zone."""
    meeting = next_occurrence([parse_rule("di 10:00")], datetime(2026, 11, 27, tzinfo=AMS), AMS)
    assert meeting is not None
    assert format_meeting(meeting, AMS, "nl") == "dinsdag 1 december, 10:00"
    assert format_meeting(meeting, AMS, "en") == "Tuesday 1 December, 10:00"
