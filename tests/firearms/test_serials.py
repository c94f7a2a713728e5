"""Serial numbers normalised for matching: case, separators, look-alikes, wildcards."""

import pytest

from evidence.firearms.serials import (
    SerialError,
    normalise_make,
    normalise_serial,
    serials_match,
)


@pytest.mark.parametrize(
    ("as_read", "normalised"),
    [
        ("12-m57-48221", "12M5748221"),
        ("12 M57 48221", "12M5748221"),
        ("12.M57/48221", "12M5748221"),
        ("12–M57—48221", "12M5748221"),  # en and em dashes
        ("ＡＢ１２", "A8" + "12"),  # full-width forms fold, B is read as 8
        ("O0", "00"),
        ("I1l", "111"),
        ("S5s", "555"),
        ("B8b", "888"),
        ("ZG 44?1", "ZG44?1"),  # Z and G are not folded
    ],
)
def test_normalisation(as_read, normalised):
    assert normalise_serial(as_read) == normalised


@pytest.mark.parametrize("as_read", ["   ", "---", " - – / ", ""])
def test_a_serial_of_only_separators_is_refused(as_read):
    with pytest.raises(SerialError, match="only spaces or dashes"):
        normalise_serial(as_read)


def test_a_serial_with_a_stray_symbol_is_refused():
    with pytest.raises(SerialError, match="“#”"):
        normalise_serial("12#34")


def test_look_alikes_match_each_other():
    assert serials_match(normalise_serial("SB-10I"), normalise_serial("58 101"))
    assert serials_match(normalise_serial("0L5"), normalise_serial("OIS"))


def test_wildcards_match_one_character_each():
    restored = normalise_serial("12-M57-4?2?1")
    assert serials_match(restored, normalise_serial("12M5748221"))
    assert serials_match(normalise_serial("12M5748221"), restored)
    assert not serials_match(restored, normalise_serial("12M5749321"))
    assert not serials_match(restored, normalise_serial("12M574822"))  # length differs


def test_mostly_illegible_serials_never_match():
    assert not serials_match(normalise_serial("??-?7"), normalise_serial("12-57"))
    assert not serials_match(normalise_serial("???"), normalise_serial("123"))


def test_different_serials_do_not_match():
    assert not serials_match(normalise_serial("48221"), normalise_serial("48222"))


def test_makes_compare_without_case_or_punctuation():
    assert normalise_make("Zastava Arms") == normalise_make("ZASTAVA-ARMS") == "ZASTAVAARMS"
