"""The ``wijksignaal`` command: run, console, check, export.

Every expected failure (bad config, unwritable database, missing token, uncompiled catalogs) ends
in one clear line per problem on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from babel.dates import format_datetime

from bot import assembly, exporting, offer_io
from bot.channels.console import run_console
from bot.checks import catalog_problems
from bot.clock import SystemClock
from bot.config import Config, load_config
from bot.domain import ROLES
from bot.engine import Engine, Flow
from bot.errors import ModelUnavailable, WijksignaalError
from bot.feedback import quarter_report, report_chart, report_csv, report_text
from bot.i18n import N_, Catalogs, _, current_language, label, setup
from bot.keys import load_cipher, read_key_file, write_new_key
from bot.language import (
    HEAD_FILE,
    Classifier,
    CrisisDetector,
    Language,
    Model,
    data_hash,
    training_files,
)
from bot.quarters import parse_quarter
from bot.retention import purge_by_config
from bot.rights import forget, person_data
from bot.team import create_invite
from bot.wijkbeeld import output as wijkbeeld_output
from bot.wijkbeeld import wijkbeeld
from storage import Cipher, Database, WrongKeyError

EXIT_PROBLEM = 1
EXIT_USAGE = 2  # as argparse ends for a bad argument
CLASSIFICATION_FIELDS = (
    "category",
    "confidence",
    "cues",
    "ask",
    "source",
    "crisis",
    "crisis_all",
    "crisis_cues",
    "crisis_nets",
)
# Why a file could not be read or written, in the user's words.
OS_REASONS = {
    errno.ENOENT: N_("cli.os.missing"),
    errno.EACCES: N_("cli.os.denied"),
    errno.EPERM: N_("cli.os.denied"),
    errno.ENOTDIR: N_("cli.os.not_a_folder"),
    errno.EEXIST: N_("cli.os.exists"),
    errno.EISDIR: N_("cli.os.is_a_folder"),
    errno.ENOSPC: N_("cli.os.full"),
    errno.EROFS: N_("cli.os.read_only"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijksignaal", description=_(N_("cli.description")))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help=_(N_("cli.run.help")))
    run.add_argument("--config", required=True, type=Path)
    run.add_argument("--db", required=True, type=Path)
    run.add_argument("--api-base-url", default=os.environ.get("TELEGRAM_API_BASE_URL"))

    console = commands.add_parser("console", help=_(N_("cli.console.help")))
    console.add_argument("--config", required=True, type=Path)
    console.add_argument("--db", required=True, type=Path)
    console.add_argument("--user", type=int, default=1)
    console.add_argument("--name", help=_(N_("cli.console.name_help")))

    check = commands.add_parser("check", help=_(N_("cli.check.help")))
    check.add_argument("--config", required=True, type=Path)

    invite = commands.add_parser("invite", help=_(N_("cli.invite.help")))
    invite.add_argument(
        "action",
        nargs="?",
        default="new",
        choices=("new", "list", "withdraw"),
        help=_(N_("cli.invite.action.help")),
    )
    invite.add_argument("code", nargs="?", help=_(N_("cli.invite.code.help")))
    invite.add_argument("--config", required=True, type=Path)
    invite.add_argument("--db", required=True, type=Path)
    invite.add_argument("--role", choices=[r for r in ROLES if r != "bewoner"])
    invite.add_argument("--team")

    members = commands.add_parser("members", help=_(N_("cli.members.help")))
    members_commands = members.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = members_commands.add_parser("list", help=_(N_("cli.members.list.help")))
    revoke = members_commands.add_parser("revoke", help=_(N_("cli.members.revoke.help")))
    revoke.add_argument("--user", required=True, type=int)
    for sub in (listing, revoke):
        sub.add_argument("--config", required=True, type=Path)
        sub.add_argument("--db", required=True, type=Path)

    person = commands.add_parser("person", help=_(N_("cli.person.help")))
    person.add_argument("action", choices=("export", "forget"))
    person.add_argument("--config", required=True, type=Path)
    person.add_argument("--db", required=True, type=Path)
    person.add_argument("--user", required=True, type=int)

    report = commands.add_parser("report", help=_(N_("cli.report.help")))
    report.add_argument("kind", choices=("feedback", "wijkbeeld"))
    report.add_argument("--config", required=True, type=Path)
    report.add_argument("--db", required=True, type=Path)
    report.add_argument("--team", required=True)
    report.add_argument("--quarter", required=True)
    report.add_argument("--format", choices=("md", "csv", "png"), default="md")
    report.add_argument("--out", type=Path)

    purge_cmd = commands.add_parser("purge", help=_(N_("cli.purge.help")))
    backup = commands.add_parser("backup", help=_(N_("cli.backup.help")))
    backup.add_argument("--out", required=True, type=Path)
    for sub in (purge_cmd, backup):
        sub.add_argument("--config", required=True, type=Path)
        sub.add_argument("--db", required=True, type=Path)

    keygen = commands.add_parser("keygen", help=_(N_("cli.keygen.help")))
    keygen.add_argument("--out", type=Path)

    rotate = commands.add_parser("rotate-key", help=_(N_("cli.rotate.help")))
    rotate.add_argument("--config", required=True, type=Path)
    rotate.add_argument("--db", required=True, type=Path)
    rotate.add_argument("--new-key-file", required=True, type=Path)

    classify = commands.add_parser("classify", help=_(N_("cli.classify.help")))
    classify.add_argument("text", metavar="TEXT", help=_(N_("cli.classify.text_help")))
    classify.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help=_(N_("cli.export.help")))
    export.add_argument("--config", required=True, type=Path)
    export.add_argument("--db", required=True, type=Path)
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--with-personal-data", action="store_true")
    offer_io.add_parser(commands)
    return parser


def _load(config_path: Path) -> tuple[Config, dict[str, Flow]]:
    config = load_config(config_path)
    return config, assembly.flows(Catalogs())


def _engine(db: Database, config: Config, flows: dict[str, Flow]) -> Engine:
    return assembly.build_engine(db, config, SystemClock(), flows)


async def _open_engine(config_path: Path, db_path: Path) -> Engine:
    config, flows = _load(config_path)
    db = await Database.open(db_path, cipher=load_cipher(config))
    return _engine(db, config, flows)


async def _console(args: argparse.Namespace) -> int:
    engine = await _open_engine(args.config, args.db)
    try:
        name = args.name or _(N_("console.default_name"), user=args.user)
        await run_console(engine, args.user, name=name)
    finally:
        await engine.db.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise WijksignaalError(_(N_("cli.no_token")))
    config, flows = _load(args.config)
    from bot.channels.telegram import (
        ENGINE_KEY,
        attach_services,
        build_application,
        recover_at_start,
        stop_cleanly,
        wait_for_telegram,
    )

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(wait_for_telegram(token, args.api_base_url))
    app = build_application(token, base_url=args.api_base_url, rate_limit=True)

    async def open_db(application: object) -> None:
        db = await Database.open(args.db, cipher=load_cipher(config))
        engine = _engine(db, config, flows)
        attach_services(app, engine)
        # Asked to stop, long passes end between two sends, so the job queue's wait is short.
        stop_cleanly(app, engine)
        # Before polling starts: what a crash left queued or unhandled goes first.
        await recover_at_start(app)

    async def close_db(application: object) -> None:
        engine = app.bot_data.get(ENGINE_KEY)
        if engine is not None:
            await engine.db.close()

    app.post_init = open_db
    app.post_shutdown = close_db
    app.run_polling(
        allowed_updates=["message", "edited_message", "callback_query"], bootstrap_retries=-1
    )
    return 0


def model_problems(head_file: Path | None = None) -> list[str]:
    """Why the sentence model would not answer, or why its head is out of date: the bot would
    still start, with the cue lists alone, but an administrator should know."""
    head_file = head_file or HEAD_FILE
    try:
        model = Model.load(head_file)
    except ModelUnavailable as exc:
        return [_(N_("cli.check.no_model"), problem="; ".join(exc.problems))]
    try:
        fresh = data_hash(training_files()) == model.head.data_hash
    except OSError as exc:
        return [_(N_("cli.check.no_model"), problem=str(exc))]
    return [] if fresh else [_(N_("cli.check.stale_head"), path=head_file)]


def _check(args: argparse.Namespace) -> int:
    problems: list[str] = []
    try:
        load_config(args.config)
    except WijksignaalError as exc:
        problems.extend(exc.problems)
    for load in (Classifier.from_file, CrisisDetector.from_files):
        try:
            load()
        except WijksignaalError as exc:
            problems.extend(exc.problems)
    problems.extend(model_problems())
    try:
        catalogs = Catalogs()
        problems.extend(catalog_problems(catalogs))
        assembly.flows(catalogs)
    except WijksignaalError as exc:
        problems.extend(exc.problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_PROBLEM
    print(_(N_("cli.check.ok"), config=args.config))
    return 0


async def _export(args: argparse.Namespace) -> int:
    _config, db = await _open_existing(args)
    try:
        await exporting.write(
            db, args.format, sys.stdout, with_personal_data=args.with_personal_data
        )
    finally:
        await db.close()
    return 0


async def _open_existing(args: argparse.Namespace) -> tuple[Config, Database]:
    config = load_config(args.config)
    if not args.db.is_file():
        raise WijksignaalError(_(N_("cli.no_database"), db=args.db))
    return config, await Database.open(args.db, cipher=load_cipher(config))


async def _invite(args: argparse.Namespace) -> int:
    if args.action != "new":
        return await _invite_open(args)
    config = load_config(args.config)
    known = ", ".join(config.teams)
    if args.role is None:
        raise WijksignaalError(_(N_("cli.invite.role_needed")))
    if args.team is not None and args.team not in config.teams:
        raise WijksignaalError(_(N_("cli.unknown_team"), team=args.team, known=known))
    if args.role in ("teamlid", "raadslid") and args.team is None:
        raise WijksignaalError(_(N_("cli.invite.team_needed"), role=args.role, known=known))
    if args.role == "coordinator" and args.team:
        raise WijksignaalError(_(N_("cli.invite.no_team")))
    config, db = await _open_existing(args)
    now = SystemClock().now()
    try:
        async with db.transaction() as tx:
            code = await create_invite(tx, config, args.role, args.team, now)
    finally:
        await db.close()
    expires = format_datetime(
        now + config.invite_valid_for, "EEEE d MMMM HH:mm", tzinfo=config.timezone, locale="nl"
    )
    print(_(N_("cli.invite.done"), code=code, expires=expires))
    print(f"https://t.me/{config.bot_username}?start={code}")
    return 0


async def _invite_open(args: argparse.Namespace) -> int:
    """``invite list``: the codes that still work; ``invite withdraw CODE``: one less."""
    if (args.action == "withdraw") != (args.code is not None):
        raise WijksignaalError(_(N_("cli.invite.code_needed")))
    config, db = await _open_existing(args)
    now = SystemClock().now()
    try:
        async with db.transaction() as tx:
            if args.action == "withdraw":
                if not await tx.members.withdraw_invite(args.code, now):
                    raise WijksignaalError(_(N_("cli.invite.unknown"), code=args.code))
                print(_(N_("cli.invite.withdrawn"), code=args.code))
                return 0
            found = await tx.members.open_invites(now)
    finally:
        await db.close()
    if not found:
        print(_(N_("cli.invite.none")))
        return 0
    print(_(N_("cli.invite.header")))
    for invite in found:
        team = config.team_name(invite.team) if invite.team else "-"
        expires = format_datetime(
            invite.expires_at, "d MMM HH:mm", tzinfo=config.timezone, locale="nl"
        )
        print(f"{invite.code}\t{invite.role}\t{team}\t{expires}")
    return 0


async def _members(args: argparse.Namespace) -> int:
    config, db = await _open_existing(args)
    now = SystemClock().now()
    try:
        async with db.transaction() as tx:
            if args.action == "revoke":
                if not await tx.members.revoke(args.user, now):
                    raise WijksignaalError(_(N_("cli.members.unknown"), user=args.user))
                print(_(N_("cli.members.revoked"), user=args.user))
                return 0
            found = await tx.members.all()
    finally:
        await db.close()
    if not found:
        print(_(N_("cli.members.none")))
    else:
        print(_(N_("cli.members.header")))
    for member, revoked_at in found:
        teams = [config.team_name(t) for t in sorted(member.teams)]
        teams += [f"{config.team_name(t)} (raadslid)" for t in sorted(member.adopted)]
        roles = "+".join(sorted(member.roles))
        state = _(N_("cli.members.revoked_at"), at=revoked_at.date()) if revoked_at else ""
        name = member.display_name or "-"  # never the id again in the name's column
        line = f"{member.telegram_id}\t{name}\t{roles}\t{', '.join(teams) or '-'}\t{state}"
        print(line.rstrip())
    return 0


async def _person(args: argparse.Namespace) -> int:
    _config, db = await _open_existing(args)
    try:
        async with db.transaction() as tx:
            if await tx.people.get(args.user) is None:
                raise WijksignaalError(_(N_("cli.person.unknown"), user=args.user))
            if args.action == "export":
                data = await person_data(tx, args.user)
            else:
                count = await forget(tx, args.user, SystemClock().now())
    finally:
        await db.close()
    if args.action == "export":
        print(json.dumps(data or {}, ensure_ascii=False, indent=2))
    else:
        print(_(N_("cli.person.forgotten"), user=args.user, count=count))
    return 0


async def _report(args: argparse.Namespace) -> int:
    """``report feedback`` or ``report wijkbeeld``: one team's quarter as md, csv or png."""
    if args.out is not None:
        _output(args.out)
    elif args.format == "png":
        raise WijksignaalError(_(N_("cli.report.png_needs_out")))
    config, db = await _open_existing(args)
    quarter = parse_quarter(args.quarter)
    try:
        if args.team not in config.teams:
            known = ", ".join(config.teams)
            raise WijksignaalError(_(N_("cli.unknown_team"), team=args.team, known=known))
        if quarter is None:
            raise WijksignaalError(_(N_("cli.report.quarter"), value=args.quarter))
        async with db.transaction() as tx:  # reads only: never holds the write lock
            if args.kind == "wijkbeeld":
                made = await wijkbeeld(tx, args.team, quarter, config, SystemClock().now())
            else:
                report = await quarter_report(tx, args.team, quarter, with_open_answers=True)
    finally:
        await db.close()
    lang = current_language.get()
    content: str | bytes
    if args.kind == "wijkbeeld":
        content = wijkbeeld_output(made, config, lang, args.format)
    elif args.format == "png":
        content = report_chart(report, config, lang)
    else:
        content = report_csv(report) if args.format == "csv" else report_text(report, config, lang)
    if isinstance(content, bytes):
        args.out.write_bytes(content)
    elif args.out is None:
        sys.stdout.write(content.rstrip("\n") + "\n")
    else:
        args.out.write_text(content.rstrip("\n") + "\n", encoding="utf-8")
    return 0


async def _purge(args: argparse.Namespace) -> int:
    config, db = await _open_existing(args)
    try:
        result = await purge_by_config(db, config, SystemClock().now())
    finally:
        await db.close()
    print(
        _(
            N_("cli.purge.done"),
            anonymised=result.anonymised,
            deleted=result.deleted,
            conversations=result.conversations,
        )
    )
    return 0


async def _backup(args: argparse.Namespace) -> int:
    _output(args.out)
    if args.out.exists():
        raise WijksignaalError(_(N_("cli.backup.exists"), out=args.out))
    _config, db = await _open_existing(args)
    try:
        await db.backup(args.out)
    finally:
        await db.close()
    print(_(N_("cli.backup.done"), out=args.out))
    return 0


def _output(path: Path) -> Path:
    """An output file's folder must exist and be a folder: a typo never creates folders."""
    folder = path.parent
    if not folder.is_dir():
        raise WijksignaalError(_(N_("cli.no_folder"), folder=folder, path=path))
    return path


def _keygen(args: argparse.Namespace) -> int:
    if args.out is None:
        print(Cipher.generate())
        return 0
    write_new_key(_output(args.out))
    print(_(N_("cli.keygen.done"), path=args.out))
    return 0


async def _rotate(args: argparse.Namespace) -> int:
    new_key = read_key_file(args.new_key_file)  # before the database is open: nothing to close
    _config, db = await _open_existing(args)
    try:
        count = await db.rotate_key(Cipher([new_key, *db.cipher.keys]))
    finally:
        await db.close()
    print(_(N_("cli.rotate.done"), count=count, path=args.new_key_file))
    return 0


def classification(language: Language, text: str) -> dict[str, Any]:
    """One message as ``classify --json`` prints it; ``crisis`` is the most urgent id or None.

    ``ask`` is what the bot would ask about (one or two categories, or none: all ten shown),
    ``source`` whether the model, the cue words or both spoke, ``model`` and ``head`` which
    model and trained head answered (``null`` when the cue lists worked alone). A blank text
    has the same fields, every one ``null``: nothing was read.
    """
    described = {key: value for key, value in language.describe().items() if key != "problem"}
    if not text.strip():
        return dict.fromkeys((*CLASSIFICATION_FIELDS, *described), None)
    suggestion = language.suggest(text)
    crisis = language.crisis(text)
    found: dict[str, Any] = {
        "category": suggestion.category,
        "confidence": suggestion.confidence,
        "cues": list(suggestion.cues),
        "ask": list(suggestion.ask),
        "source": suggestion.source,
        "crisis": crisis.ids[0] if crisis else None,
        "crisis_all": list(crisis.ids),
        "crisis_cues": list(crisis.cues),
        "crisis_nets": list(crisis.nets),
    }
    assert tuple(found) == CLASSIFICATION_FIELDS
    return {**found, **described}


def _classify(args: argparse.Namespace) -> int:
    """One line out for each text, a crisis on it too: with ``-``, for each line of input, a
    blank one included (its line says it was empty), so the output lines up with the input."""
    if args.text != "-" and not args.text.strip():
        message = _(N_("cli.classify.no_text"))
        print(f"wijksignaal: {message}", file=sys.stderr)
        return EXIT_USAGE
    language = Language.load()
    texts = (line.rstrip("\n") for line in sys.stdin) if args.text == "-" else [args.text]
    for text in texts:
        result = classification(language, text)
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif result["category"] is None:
            print(_(N_("cli.classify.empty_line")), flush=True)
        else:
            line = _(
                N_("cli.classify.result"),
                label=label("category", result["category"]),
                category=result["category"],
                confidence=f"{result['confidence']:.2f}",
                cues=", ".join(result["cues"]) or "-",
            )
            if result["crisis"]:  # on the same line: one line out for each line in
                line += " · " + _(N_("cli.classify.crisis"), crisis=", ".join(result["crisis_all"]))
            print(line, flush=True)
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": _check,
    "run": _run,
    "classify": _classify,
    "keygen": _keygen,
    "aanbod": offer_io.run,
}
_ASYNC_COMMANDS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "console": _console,
    "export": _export,
    "invite": _invite,
    "members": _members,
    "person": _person,
    "report": _report,
    "purge": _purge,
    "backup": _backup,
    "rotate-key": _rotate,
}


class NamedOutput:
    """Standard output whose write failures name it (``> /dev/full``), as a file's do."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            raise self.named(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise self.named(exc) from None

    def named(self, exc: OSError) -> OSError:
        if exc.filename is not None:
            return exc
        return OSError(exc.errno, exc.strerror, self.name)  # a BrokenPipeError stays one

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.stream, attribute)


def _drop_stdout() -> None:
    """What is still waiting for standard output goes nowhere: leaving, Python writes it out
    again, and would print a second complaint."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wijksignaal`` command; returns the exit status."""
    current_language.set(os.environ.get("WIJKSIGNAAL_LANG", "nl"))
    try:
        setup(Catalogs())
    except WijksignaalError as exc:
        for problem in exc.problems:
            print(f"wijksignaal: {problem}", file=sys.stderr)
        return EXIT_PROBLEM
    args = _parser().parse_args(argv)
    stdout = sys.stdout
    sys.stdout = cast(TextIO, NamedOutput(stdout, _(N_("cli.stdout"))))
    try:
        return _main(args)
    finally:
        sys.stdout = stdout


def _main(args: argparse.Namespace) -> int:
    """The command, every expected failure in one line on stderr."""
    try:
        if args.command in _COMMANDS:
            status = _COMMANDS[args.command](args)
        else:
            status = asyncio.run(_ASYNC_COMMANDS[args.command](args))
        sys.stdout.flush()  # here, not on leaving: a failure then still gets its one line
        return status
    except WrongKeyError as exc:
        message = _(N_("cli.wrong_key"), detail=exc)
        print(f"wijksignaal: {message}", file=sys.stderr)
        return EXIT_PROBLEM
    except WijksignaalError as exc:
        for problem in exc.problems:
            print(f"wijksignaal: {problem}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``classify ... | head``): say so once, quietly end.
        _drop_stdout()
        message = _(N_("cli.broken_pipe"))
        print(f"wijksignaal: {message}", file=sys.stderr)
        return EXIT_PROBLEM
    except OSError as exc:
        # A folder that does not exist or may not be written, a full disk: one line, no trace.
        where = exc.filename if exc.filename is not None else ""
        if isinstance(sys.stdout, NamedOutput) and where == sys.stdout.name:
            _drop_stdout()
        reason = _(OS_REASONS[exc.errno]) if exc.errno in OS_REASONS else exc.strerror or exc
        message = _(N_("cli.os_error"), path=where, reason=reason)
        print(f"wijksignaal: {message}", file=sys.stderr)
        return EXIT_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
