"""ISO 2859-1 / GB/T 2828.1 normal single sampling: expected values are read off Table 1 and Table 2-A by hand."""

from decimal import Decimal

import pytest

from shared_models.quality import AQL_VALUES, LEVELS, SamplingError, code_letter, judge, sampling_plan
from shared_models.quality.sampling import SAMPLE_SIZES, TABLE_2A


@pytest.mark.parametrize(("lot_size", "letter"), [
    (1, "A"), (2, "A"), (8, "A"), (9, "B"), (15, "B"), (16, "C"), (25, "C"), (26, "D"), (50, "D"),
    (51, "E"), (90, "E"), (91, "F"), (150, "F"), (151, "G"), (280, "G"), (281, "H"), (500, "H"),
    (501, "J"), (1200, "J"), (1201, "K"), (3200, "K"), (3201, "L"), (10000, "L"), (10001, "M"),
    (35000, "M"), (35001, "N"), (150000, "N"), (150001, "P"), (500000, "P"), (500001, "Q"), (10**7, "Q"),
])
def test_table_1_level_ii_letter_at_each_lot_size_boundary(lot_size, letter):
    assert code_letter(lot_size, "II") == letter


@pytest.mark.parametrize(("lot_size", "level", "letter"), [
    (1000, "S-1", "C"), (1000, "S-2", "C"), (1000, "S-3", "E"), (1000, "S-4", "F"),
    (1000, "I", "G"), (1000, "II", "J"), (1000, "III", "K"),
    (200, "S-2", "C"), (35001, "S-1", "D"), (600000, "S-4", "K"), (500001, "I", "N"), (2, "III", "B"),
    (600000, "III", "R"), (20, "S-3", "B"), (60, "S-4", "C"),
])
def test_table_1_letter_per_level(lot_size, level, letter):
    assert code_letter(lot_size, level) == letter


def test_table_2a_sample_sizes_per_code_letter():
    assert SAMPLE_SIZES == {"A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50, "J": 80,
                            "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000}


def test_the_26_aql_columns_from_0_010_to_1000():
    assert [str(aql) for aql in AQL_VALUES] == [
        "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5",
        "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650", "1000"]


# (lot size, level, AQL) -> (letter used, sample size, Ac, Re)
PLAIN_CELLS = [
    (1000, "II", "1.0", ("J", 80, 2, 3)),
    (1000, "II", "0.65", ("J", 80, 1, 2)),
    (1000, "II", "2.5", ("J", 80, 5, 6)),
    (1000, "II", "4.0", ("J", 80, 7, 8)),
    (1000, "II", "10", ("J", 80, 14, 15)),
    (1000, "II", "15", ("J", 80, 21, 22)),
    (1000, "I", "2.5", ("G", 32, 2, 3)),
    (1000, "III", "1.0", ("K", 125, 3, 4)),
    (1000, "S-3", "4.0", ("E", 13, 1, 2)),
    (100, "II", "2.5", ("F", 20, 1, 2)),
    (50, "II", "6.5", ("D", 8, 1, 2)),
    (8, "II", "6.5", ("A", 2, 0, 1)),
    (5, "II", "1000", ("A", 2, 30, 31)),
    (600000, "II", "0.010", ("Q", 1250, 0, 1)),
    (600000, "III", "0.025", ("R", 2000, 1, 2)),
    (600000, "III", "0.65", ("R", 2000, 21, 22)),
]

ARROW_CELLS = [
    (1000, "II", "0.25", ("H", 50, 0, 1)),      # J ↑ H
    (1000, "II", "0.40", ("K", 125, 1, 2)),     # J ↓ K
    (1000, "II", "0.10", ("K", 125, 0, 1)),     # J ↓ K
    (1000, "II", "25", ("H", 50, 21, 22)),      # J ↑ H
    (50, "II", "0.65", ("F", 20, 0, 1)),        # D ↓ E ↓ F
    (50, "II", "4.0", ("E", 13, 1, 2)),         # D ↓ E
    (50, "II", "2.5", ("C", 5, 0, 1)),          # D ↑ C
    (100, "II", "1.0", ("E", 13, 0, 1)),        # F ↑ E
    (100, "II", "1.5", ("G", 32, 1, 2)),        # F ↓ G
    (1000, "I", "1.0", ("H", 50, 1, 2)),        # G ↓ H
    (1000, "III", "0.065", ("L", 200, 0, 1)),   # K ↓ L
    (1000, "S-3", "2.5", ("F", 20, 1, 2)),      # E ↓ F
    (1000, "S-3", "1.5", ("D", 8, 0, 1)),       # E ↑ D
    (100000, "III", "0.010", ("Q", 1250, 0, 1)),  # P ↓ Q
    (600000, "III", "0.010", ("Q", 1250, 0, 1)),  # R ↑ Q
    (50, "II", "1000", ("B", 3, 44, 45)),       # D ↑ C ↑ B
    (1000, "II", "1000", ("B", 3, 44, 45)),     # J ↑ … ↑ B
    (1000, "II", "650", ("C", 5, 44, 45)),      # J ↑ … ↑ C
    (10, "S-1", "15", ("B", 3, 1, 2)),          # A ↓ B
]


@pytest.mark.parametrize(("lot_size", "level", "aql", "expected"), PLAIN_CELLS + ARROW_CELLS)
def test_plan_read_off_table_2a(lot_size, level, aql, expected):
    plan = sampling_plan(lot_size, aql, level)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.hundred_percent is False
    assert (plan.lot_size, plan.level, plan.lot_code_letter) == (lot_size, level, code_letter(lot_size, level))


def test_an_arrow_keeps_the_table_1_letter_for_the_record():
    plan = sampling_plan(50, "0.65")
    assert (plan.lot_code_letter, plan.code_letter) == ("D", "F")


def test_decided_cell_a_at_aql_10_follows_down_to_c():
    # Printed as an arrow with no plan above row A; the only plans in that column lie below (C: n=5, 1/2).
    plan = sampling_plan(10, "10", "S-1")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("C", 5, 1, 2)


def test_decided_cell_r_at_aql_0_015_follows_up_to_p():
    # No row below R; the plan above the arrow is P: n=800, 0/1.
    plan = sampling_plan(600000, "0.015", "III")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("P", 800, 0, 1)


@pytest.mark.parametrize(("lot_size", "level", "aql", "expected"), [
    (50, "II", "0.010", ("Q", 50, 0, 1)),   # ↓ to Q, n=1250 ≥ 50
    (10, "II", "0.65", ("F", 10, 0, 1)),    # B ↓ … ↓ F, n=20 ≥ 10
    (20, "II", "0.65", ("F", 20, 0, 1)),    # n=20 equals the lot
    (2, "III", "4.0", ("B", 2, 0, 1)),      # no arrow: B's n=3 exceeds a lot of 2
    (1, "II", "6.5", ("A", 1, 0, 1)),
])
def test_sample_at_least_the_lot_means_100_percent_inspection(lot_size, level, aql, expected):
    plan = sampling_plan(lot_size, aql, level)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.hundred_percent is True


def test_sample_just_below_the_lot_is_still_sampling():
    plan = sampling_plan(21, "0.65")
    assert (plan.code_letter, plan.sample_size, plan.hundred_percent) == ("F", 20, False)


@pytest.mark.parametrize("aql", ["1.0", "1", "1.00", " 1.0 ", 1, 1.0, Decimal("1"), Decimal("1.000")])
def test_aql_spellings_of_the_same_column(aql):
    plan = sampling_plan(1000, aql)
    assert (plan.aql, plan.accept) == (Decimal("1.0"), 2)
    assert str(plan.aql) == "1.0"


def test_aql_0_01_is_the_0_010_column():
    assert sampling_plan(600000, 0.01).aql == Decimal("0.010")


@pytest.mark.parametrize("aql", ["1.1", "0.5", "abc", "", 2000, float("nan"), float("inf"), -1, None, True])
def test_unknown_aql_lists_the_valid_ones(aql):
    with pytest.raises(SamplingError, match=r"Unknown AQL .*0\.010, 0\.015, .*650, 1000"):
        sampling_plan(1000, aql)


@pytest.mark.parametrize("level", ["IV", "", "S-5", "G2", None])
def test_unknown_level_lists_the_valid_ones(level):
    with pytest.raises(SamplingError, match=r"inspection level .*S-1, S-2, S-3, S-4, I, II, III"):
        sampling_plan(1000, "1.0", level)


@pytest.mark.parametrize("level", ["ii", " s-3 ", "iii"])
def test_level_is_read_case_insensitively(level):
    assert sampling_plan(1000, "1.0", level).level == level.strip().upper()


@pytest.mark.parametrize("lot_size", [0, -5])
def test_lot_size_below_1_is_refused(lot_size):
    with pytest.raises(SamplingError, match=f"at least 1, not {lot_size}"):
        sampling_plan(lot_size, "1.0")


@pytest.mark.parametrize("lot_size", [2.5, "100", True])
def test_lot_size_must_be_a_whole_number(lot_size):
    with pytest.raises(SamplingError, match="whole number"):
        sampling_plan(lot_size, "1.0")


def test_sampling_error_is_a_value_error():
    assert issubclass(SamplingError, ValueError)


def test_judge_accepts_up_to_ac_and_rejects_from_re():
    plan = sampling_plan(1000, "1.0")  # J, n=80, Ac 2, Re 3
    assert [judge(plan, found) for found in (0, 2, 3, 10)] == ["accept", "accept", "reject", "reject"]


def test_judge_refuses_a_negative_count():
    with pytest.raises(SamplingError, match="0 or more"):
        judge(sampling_plan(1000, "1.0"), -1)


LOT_SIZES = [1, 2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200, 1201, 3200,
             3201, 10000, 10001, 35000, 35001, 150000, 150001, 500000, 500001]


def test_every_lot_level_and_aql_gets_a_plan_the_standard_could_print():
    for lot_size in LOT_SIZES:
        for level in LEVELS:
            for aql in AQL_VALUES:
                plan = sampling_plan(lot_size, aql, level)
                assert plan.reject == plan.accept + 1
                assert TABLE_2A[plan.code_letter][aql] == (plan.accept, plan.reject)
                assert plan.hundred_percent == (SAMPLE_SIZES[plan.code_letter] >= lot_size)
                assert plan.sample_size == min(SAMPLE_SIZES[plan.code_letter], lot_size)


def test_arrows_point_to_larger_samples_down_and_smaller_samples_up():
    letters = list(SAMPLE_SIZES)
    for aql in AQL_VALUES:
        for level in LEVELS:
            for lot_size in LOT_SIZES[1:]:
                plan = sampling_plan(lot_size, aql, level)
                start, used = letters.index(plan.lot_code_letter), letters.index(plan.code_letter)
                cell = TABLE_2A[plan.lot_code_letter][aql]
                assert (used > start) if cell == "↓" else (used < start) if cell == "↑" else (used == start)
