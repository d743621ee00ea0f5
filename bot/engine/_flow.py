"""Flows as data: loading and validating ``conversations/*.yaml``.

A flow file looks like::

    flow: melding
    start: intro
    steps:
      intro:
        say: melding.intro          # a msgid in the catalogs
        next: about
      about:
        choice: melding.about.question
        why: melding.about.why      # adds the "Waarom vraag ik dit?" button
        options:
          - {value: zelf, label: melding.about.zelf}
        next:
          - {when: {about: ander}, goto: knows}
          - {goto: what}

A step's kind is the one kind key it has: ``say``, ``choice``, ``yesno``, ``consent``, ``text``,
``action`` or ``end``. An action may go elsewhere than its ``next``: the steps it may go to are
listed under ``jumps``. Everything is checked at load, and every problem is reported with the file
and the step it is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.domain import CONSENT_PURPOSES
from bot.engine._validators import VALIDATORS
from bot.errors import FlowError

KINDS = ("say", "choice", "yesno", "consent", "text", "action", "end")
ASKING = frozenset({"choice", "yesno", "consent", "text"})
YES, NO = "ja", "nee"
YESNO_LABELS = {YES: "common.yes", NO: "common.no"}
FLOWS_DIR = Path(__file__).resolve().parent.parent.parent / "conversations"


@dataclass(frozen=True)
class Condition:
    """``{answer: value}`` or ``{answer: [values]}``: every answer must be one of its values."""

    answers: Mapping[str, frozenset[str]]

    def holds(self, given: Mapping[str, Any]) -> bool:
        return all(str(given.get(k)) in values for k, values in self.answers.items())


@dataclass(frozen=True)
class Branch:
    goto: str
    when: Condition | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    next: str | None = None
    when: Condition | None = None
    clear: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    text: str | None = None
    why: str | None = None
    options: tuple[Option, ...] = ()
    validators: tuple[tuple[str, Any], ...] = ()
    next: tuple[Branch, ...] = ()
    action: str | None = None
    purpose: str | None = None
    version: str | None = None
    given: frozenset[str] = frozenset({YES})
    return_to: str | None = None
    jumps: tuple[str, ...] = ()

    @property
    def asks(self) -> bool:
        return self.kind in ASKING

    def msgids(self) -> Iterable[str]:
        if self.text:
            yield self.text
        if self.why:
            yield self.why
        for option in self.options:
            yield option.label


@dataclass(frozen=True)
class Flow:
    id: str
    path: Path
    start: str
    steps: Mapping[str, Step] = field(default_factory=dict)
    screen: bool = True  # check every free text for a crisis first

    def msgids(self) -> set[str]:
        return {m for step in self.steps.values() for m in step.msgids()}


class _Reader:
    """Collects the problems of one file while it is turned into a :class:`Flow`."""

    def __init__(self, path: Path, actions: Iterable[str]) -> None:
        self.path = path
        self.actions = set(actions)
        self.problems: list[str] = []

    def problem(self, step: str | None, message: str) -> None:
        where = f"{self.path}: step '{step}'" if step else str(self.path)
        self.problems.append(f"{where}: {message}")

    def condition(self, step: str, raw: Any) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or not raw:
            self.problem(step, "'when' must map answer ids to a value or a list of values")
            return None
        answers = {}
        for key, value in raw.items():
            values = value if isinstance(value, list) else [value]
            answers[str(key)] = frozenset(str(v) for v in values)
        return Condition(answers)

    def branches(self, step: str, raw: Any) -> tuple[Branch, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (Branch(raw),)
        if not isinstance(raw, list):
            self.problem(step, "'next' must be a step id or a list of {when, goto}")
            return ()
        found = []
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("goto"), str):
                self.problem(step, "every entry of 'next' needs 'goto: <step id>'")
                continue
            found.append(Branch(entry["goto"], self.condition(step, entry.get("when"))))
        if found and found[-1].when is not None:
            self.problem(step, "the last entry of 'next' must have no 'when' (the default)")
        return tuple(found)

    def options(self, step: str, raw: Any) -> tuple[Option, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(step, "'options' must be a list")
            return ()
        found = []
        for entry in raw:
            if not isinstance(entry, dict) or not {"value", "label"} <= entry.keys():
                self.problem(step, "every option needs 'value' and 'label'")
                continue
            if not isinstance(entry.get("clear", []), list):
                self.problem(step, "an option's 'clear' must be a list of step ids")
                continue
            found.append(
                Option(
                    str(entry["value"]),
                    str(entry["label"]),
                    entry.get("next"),
                    self.condition(step, entry.get("when")),
                    tuple(str(c) for c in entry.get("clear", [])),
                )
            )
        values = [o.value for o in found]
        if len(set(values)) != len(values):
            self.problem(step, "two options have the same value")
        return tuple(found)

    def validators(self, step: str, raw: Any) -> tuple[tuple[str, Any], ...]:
        found: list[tuple[str, Any]] = []
        for entry in raw or []:
            name, arg = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
            if name not in VALIDATORS:
                self.problem(step, f"unknown validator '{name}' (known: {', '.join(VALIDATORS)})")
                continue
            if name == "max_length" and (not isinstance(arg, int) or arg < 1):
                self.problem(step, "validator 'max_length' needs a positive number")
                continue
            found.append((str(name), arg))
        return tuple(found)

    def step(self, step_id: str, raw: Any) -> Step | None:
        if not isinstance(raw, dict):
            self.problem(step_id, "a step must be a mapping")
            return None
        kinds = [k for k in KINDS if k in raw]
        if len(kinds) != 1:
            self.problem(step_id, f"a step needs exactly one of: {', '.join(KINDS)}")
            return None
        kind = kinds[0]
        value = raw[kind]
        if kind != "end" and (not isinstance(value, str) or not value):
            self.problem(step_id, f"'{kind}' needs a msgid" if kind != "action" else "no action")
            return None
        options = self.options(step_id, raw.get("options"))
        if kind == "yesno" and not options:
            options = tuple(Option(v, label) for v, label in YESNO_LABELS.items())
        if kind == "consent":
            if not options:
                options = tuple(Option(v, f"consent.{v}") for v in (YES, NO))
            if raw.get("purpose") not in CONSENT_PURPOSES:
                self.problem(step_id, f"'purpose' must be one of {', '.join(CONSENT_PURPOSES)}")
            if not isinstance(raw.get("version"), str):
                self.problem(step_id, "a consent step needs the 'version' of its text")
        if kind == "choice" and not options:
            self.problem(step_id, "a choice step needs 'options'")
        if kind == "action" and value not in self.actions:
            self.problem(step_id, f"unknown action '{value}'")
        if "jumps" in raw and (kind != "action" or not isinstance(raw["jumps"], list)):
            self.problem(step_id, "'jumps' is a list of the steps an action may go to instead")
        if kind == "end" and value is not None and not isinstance(value, str):
            self.problem(step_id, "'end' takes a msgid or nothing")
        validators = self.validators(step_id, raw.get("validators"))
        if kind == "text" and "not_empty" not in {v[0] for v in validators}:
            validators = (("not_empty", None), *validators)
        given = raw.get("given", [YES])
        return Step(
            id=step_id,
            kind=kind,
            text=None if kind == "action" else value,
            why=raw.get("why"),
            options=options,
            validators=validators,
            next=self.branches(step_id, raw.get("next")),
            action=value if kind == "action" else None,
            purpose=raw.get("purpose"),
            version=raw.get("version"),
            given=frozenset(str(g) for g in (given if isinstance(given, list) else [given])),
            return_to=raw.get("return_to"),
            jumps=tuple(str(j) for j in raw.get("jumps", [])),
        )

    def targets(self, step: Step) -> list[str]:
        found = [b.goto for b in step.next] + [o.next for o in step.options if o.next]
        found += list(step.jumps)
        if step.return_to:
            found.append(step.return_to)
        return found

    def check_graph(self, start: str, steps: Mapping[str, Step]) -> None:
        if start not in steps:
            self.problem(None, f"'start' names unknown step '{start}'")
            return
        for step in steps.values():
            for target in self.targets(step):
                if target not in steps:
                    self.problem(step.id, f"goes to unknown step '{target}'")
            for cleared in {c for o in step.options for c in o.clear}:
                if cleared not in steps:
                    self.problem(step.id, f"clears the answer of unknown step '{cleared}'")
            every_option_goes_on = step.options and all(o.next for o in step.options)
            if step.kind != "end" and not step.next and not every_option_goes_on:
                self.problem(step.id, "has no 'next' (only an 'end' step may stop a flow)")
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current in seen or current not in steps:
                continue
            seen.add(current)
            todo.extend(self.targets(steps[current]))
        for step_id in steps:
            if step_id not in seen:
                self.problem(step_id, "cannot be reached from the start")


def load_flow(path: Path, actions: Iterable[str]) -> Flow:
    """Read and validate one flow file; raise :class:`FlowError` listing every problem."""
    reader = _Reader(path, actions)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FlowError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), dict):
        raise FlowError(f"{path}: needs 'flow', 'start' and a mapping of 'steps'")
    flow_id = raw.get("flow") or path.stem
    steps: dict[str, Step] = {}
    for step_id, body in raw["steps"].items():
        step = reader.step(str(step_id), body)
        if step:
            steps[step.id] = step
    reader.check_graph(str(raw.get("start")), steps)
    if reader.problems:
        raise FlowError(reader.problems)
    return Flow(str(flow_id), path, str(raw["start"]), steps, raw.get("screen", True) is not False)


def load_flows(
    directory: Path = FLOWS_DIR,
    actions: Iterable[str] = (),
    has_msgid: Callable[[str], bool] | None = None,
) -> dict[str, Flow]:
    """Load every flow in ``directory``; with ``has_msgid``, also check every text exists."""
    flows: dict[str, Flow] = {}
    problems: list[str] = []
    actions = list(actions)
    for path in sorted(directory.glob("*.yaml")):
        try:
            flow = load_flow(path, actions)
        except FlowError as exc:
            problems.extend(exc.problems)
            continue
        if has_msgid is not None:
            for step in flow.steps.values():
                for msgid in step.msgids():
                    if not has_msgid(msgid):
                        problems.append(f"{path}: step '{step.id}': no translation for '{msgid}'")
        flows[flow.id] = flow
    if not flows and not problems:
        problems.append(f"{directory}: no flow files")
    if problems:
        raise FlowError(problems)
    return flows
