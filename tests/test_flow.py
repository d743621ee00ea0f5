"""Flow files: validated at load, every problem naming the file and the step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assembly import ACTION_NAMES
from bot.engine import FLOWS_DIR, load_flow, load_flows
from bot.errors import FlowError
from bot.i18n import LANGUAGES, Catalogs
from bot.intake import ACTIONS

GOOD = """
flow: t
start: a
steps:
  a:
    choice: common.yes
    options:
      - {value: x, label: common.yes}
    next: b
  b:
    text: common.no
    validators: [postcode]
    next: c
  c:
    action: route_signal
    next: d
  d:
    end: common.no
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path, ACTIONS)
    return caught.value.problems


def test_a_good_flow_loads_with_implicit_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(GOOD, encoding="utf-8")
    flow = load_flow(path, ACTIONS)
    assert flow.start == "a" and list(flow.steps) == ["a", "b", "c", "d"]
    assert [name for name, _ in flow.steps["b"].validators] == ["not_empty", "postcode"]


@pytest.mark.parametrize(
    ("change", "step", "fragment"),
    [
        (("next: b", "next: nowhere"), "a", "unknown step 'nowhere'"),
        (("next: c\n  c:", "next: d\n  c:"), "c", "cannot be reached"),
        (("validators: [postcode]", "validators: [shoesize]"), "b", "unknown validator 'shoesize'"),
        (("action: route_signal", "action: launch_rocket"), "c", "unknown action 'launch_rocket'"),
        (("    text: common.no\n", "    text:\n"), "b", "needs a msgid"),
        (
            ("    choice: common.yes\n", "    choice: common.yes\n    say: common.no\n"),
            "a",
            "exactly one",
        ),
        (("    options:\n      - {value: x, label: common.yes}\n", ""), "a", "needs 'options'"),
    ],
)
def test_each_problem_names_file_and_step(
    tmp_path: Path, change: tuple[str, str], step: str, fragment: str
) -> None:
    found = problems_of(tmp_path, GOOD.replace(*change))
    assert any(f"t.yaml: step '{step}': " in line and fragment in line for line in found), found


def test_a_consent_step_needs_purpose_and_version(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    text: common.no\n    validators: [postcode]\n", "    consent: common.no\n"
    )
    found = problems_of(tmp_path, text)
    assert any("'purpose'" in line for line in found) and any("'version'" in line for line in found)


def test_a_missing_translation_is_reported_per_step(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(GOOD.replace("end: common.no", "end: nog.niet.vertaald"))
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path, ACTIONS, has_msgid=lambda m: m.startswith("common."))
    assert caught.value.problems == [
        f"{tmp_path / 't.yaml'}: step 'd': no translation for 'nog.niet.vertaald'"
    ]


def test_the_shipped_flows_validate_with_both_languages(catalogs: Catalogs) -> None:
    flows = load_flows(
        FLOWS_DIR,
        ACTION_NAMES,
        has_msgid=lambda m: all(catalogs.has(m, lang) for lang in LANGUAGES),
    )
    assert {"melding", "afronden", "doorsturen"} <= set(flows)
    assert flows["melding"].screen and not flows["afronden"].screen
