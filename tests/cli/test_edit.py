"""``python -m bankruptcy.edit``'s options: what they become in ``model.edits``, and their
mistakes in one line before anything is opened or run (the edit itself: tests/serving)."""

from __future__ import annotations

import pytest

from bankruptcy.cli.edit import main, parse_edits
from bankruptcy.core.errors import UserError
from bankruptcy.experiment.edit import merged_edits


def test_the_options_become_model_edits():
    edits = parse_edits(
        ["Attr27=decreasing", "Attr1=increasing"], ["Attr46=:0.5", "Attr6 & Attr27=-1:1"],
        ["Attr5", "Attr5", "Attr6 & Attr9"],
    )  # fmt: skip
    assert edits == {
        "monotone": {"Attr27": -1, "Attr1": 1},
        "cap": {"Attr46": [None, 0.5], "Attr6 & Attr27": [-1.0, 1.0]},
        "drop": ["Attr5", "Attr6 & Attr9"],
    }


@pytest.mark.parametrize(
    "monotone, cap, drop, message",
    [
        (["Attr27=down"], [], [], "--monotone Attr27=down: write FEATURE=increasing"),
        ([], ["Attr46=0.5"], [], "--cap Attr46=0.5: write TERM=LOW:HIGH"),
        ([], ["Attr46=:"], [], "--cap Attr46=:: write TERM=LOW:HIGH"),
        ([], ["Attr46=a:1"], [], "--cap Attr46=a:1: write TERM=LOW:HIGH"),
        ([], ["Attr46=2:1"], [], "--cap Attr46=2:1: LOW must not exceed HIGH"),
        ([], [], [], "no edit given"),
    ],
)
def test_malformed_options_are_one_line(monotone, cap, drop, message):
    with pytest.raises(UserError, match="^" + message.replace("(", r"\(")):
        parse_edits(monotone, cap, drop)


def test_new_edits_join_a_packages_own():
    current = {"drop": ["Attr5"], "monotone": {"Attr27": -1}, "cap": None}
    new = {"drop": ["Attr5", "Attr9"], "monotone": {"Attr27": 1, "Attr1": 1},
           "cap": {"Attr46": [None, 0.5]}}  # fmt: skip
    assert merged_edits(current, new) == {
        "drop": ["Attr5", "Attr9"],
        "monotone": {"Attr27": 1, "Attr1": 1},
        "cap": {"Attr46": [None, 0.5]},
    }
    assert current == {"drop": ["Attr5"], "monotone": {"Attr27": -1}, "cap": None}


def test_the_command_refuses_an_existing_output_and_a_missing_model(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    assert main([str(tmp_path / "job"), str(tmp_path / "out"), "--drop", "Attr5"]) == 2
    assert "exists: choose a new directory" in capsys.readouterr().err
    assert main([str(tmp_path / "job"), str(tmp_path / "new"), "--drop", "Attr5"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "no such job dir or package" in error
    assert error.count("\n") == 1
