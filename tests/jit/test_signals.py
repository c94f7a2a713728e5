"""The core's hooks: how an answer is made of what the connected receivers return."""

import pytest
from blinker import Namespace

from jit import gates, signals

# The helpers are tried on a hook of the test's own, which no package connects to.
hook = Namespace().signal("test-hook")


def _open(team, action):
    return gates.OPEN


def _refuse_chat(team, action):
    return gates.Decision(action != "write_chat", "Chat is closed for this test.")


def _silent(team, **_):
    return None


def test_any_refusal_refuses_and_silence_is_open(app, make_team):
    team = make_team()  # no agreement: the agreements package says it is open
    with signals.gate.connected_to(_open), signals.gate.connected_to(_silent):
        assert gates.may(team, "write_chat") == gates.OPEN
        with signals.gate.connected_to(_refuse_chat):
            refused = gates.may(team, "write_chat")
            assert not refused
            assert refused.reason == "Chat is closed for this test."
            assert gates.may(team, "add_evidence")


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown gated action"):
        gates.may(object(), "delete_everything")


def test_values_leave_out_silence_and_spread_lists():
    def several(sender):
        return ["a", "b"]

    def one(sender):
        return "c"

    with hook.connected_to(several), hook.connected_to(one), hook.connected_to(_silent):
        assert sorted(signals.values(hook, object())) == ["a", "b", "c"]


def test_first_value_falls_back_to_the_default_when_nobody_answers():
    with hook.connected_to(_silent):
        assert signals.first_value(hook, object(), default="none") == "none"
        with hook.connected_to(lambda sender: "v2"):
            assert signals.first_value(hook, object()) == "v2"


def test_merged_joins_the_dictionaries_of_every_receiver():
    def first(sender, references):
        return {"NL-0001": "/one"}

    def second(sender, references):
        return {"DE-0002": "/two"}

    with hook.connected_to(first), hook.connected_to(second), hook.connected_to(_silent):
        merged = signals.merged(hook, object(), references=["NL-0001"])
    assert merged == {"NL-0001": "/one", "DE-0002": "/two"}


def test_participants_read_evidence_only_on_a_yes_and_no_no(app, make_team):
    from evidence.access import participants_may_read

    team = make_team()  # no agreement: the agreements package has nothing to say

    def yes(sender, user):
        return True

    def no(sender, user):
        return False

    assert not participants_may_read(team, None)  # nobody answers: not granted
    with signals.participants_read_evidence.connected_to(yes, sender=team):
        assert participants_may_read(team, None)
        with signals.participants_read_evidence.connected_to(no, sender=team):
            assert not participants_may_read(team, None)
