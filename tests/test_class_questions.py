"""lib.class_questions: every right answer against an independent computation (mpmath, by hand), and the reveal's
counts and sentence recomputed from random tallies."""
import math

import mpmath as mp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import class_questions as cq

mp.mp.dps = 50


def ln(x) -> float:
    return float(-mp.log(mp.mpf(x)))


def right_value(q):
    return q.choices[int(q.right)] if q.is_choice else q.right


def test_the_bank_has_at_least_ten_questions_across_the_pages():
    from ui import PAGES

    bank = cq.bank()
    assert len(bank) >= 10
    pages = {q.page for q in bank.values()}
    assert len(pages) >= 5 and pages <= {p.path for p in PAGES}
    assert all(q.id == qid for qid, q in bank.items())
    assert sum(q.is_choice for q in bank.values()) >= 3 and sum(not q.is_choice for q in bank.values()) >= 3


# (question id, the right answer computed here without lib: a number, or the right choice's label)
INDEPENDENT = {
    "confident_mistake_loss": ln(0.01),
    "certain_mistake": "∞ (no finite number)",
    "which_costs_more": "A" if ln(0.2) > ln(1 - mp.mpf("0.7")) else "B",
    "one_mistake_mean": float((3 * -mp.log(mp.mpf("0.9")) - mp.log(mp.mpf("0.01"))) / 4),
    "coin_flip_bits": 1.0,
    "ratio_at_099": float(mp.log(mp.mpf("0.01")) / mp.log(mp.mpf("0.99"))),
    "gradient_far_off": f"{round(float(1 / (1 + mp.e ** 4) - 1), 3):g}",
    "best_report": "r = 0.7",  # Gibbs' inequality: the expected log loss is lowest at the truth (checked below)
    "kl_when_equal": 0.0,
    "softmax_two_classes": "z₁ − z₀",
}


@pytest.mark.parametrize("qid", sorted(INDEPENDENT))
def test_each_right_answer_matches_an_independent_computation(qid):
    q = cq.get(qid)
    expected = INDEPENDENT[qid]
    if isinstance(expected, str):
        assert right_value(q) == expected
    else:
        assert q.right == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert q.is_right(expected) and not q.is_right(expected + 2 * q.tolerance + 0.01)


def test_best_report_is_the_minimum_of_the_expected_log_loss_by_hand():
    q = cq.get("best_report")
    reports = [float(c.split("= ")[1]) for c in q.choices]
    expected = [(0.7 * -math.log(r) if r > 0 else math.inf) + (0.3 * -math.log(1 - r) if r < 1 else math.inf)
                for r in reports]
    assert q.choices[int(q.right)] == f"r = {reports[expected.index(min(expected))]:g}"


def test_softmax_two_classes_choice_is_the_only_logit_that_matches_by_hand():
    z0, z1 = 0.3, 1.7
    ce = -math.log(math.exp(z1) / (math.exp(z0) + math.exp(z1)))
    bce = lambda d: math.log1p(math.exp(-d))  # −log σ(d)
    assert [math.isclose(v, ce, rel_tol=1e-12) for v in (bce(z1 - z0), bce(z1), bce(z0 + z1), bce(z1 - z0) / 2)] \
        == [True, False, False, False]


def test_diverging_rate_settles_below_and_fails_at_the_chosen_rate():
    from lib import experiment

    q = cq.get("diverging_rate")
    rate = float(q.choices[int(q.right)].split("= ")[1])
    below = float(q.choices[int(q.right) - 1].split("= ")[1])
    # lib.experiment is the page's own run (what the share link opens), not an independent reference: this checks
    # the question claims what that run shows — unstable at the chosen rate, settled one step below
    at = experiment.run(experiment.Settings(dataset="moons", lr=rate)).traj
    under = experiment.run(experiment.Settings(dataset="moons", lr=below)).traj
    assert at.unstable and not under.unstable
    assert at.loss[-1] > under.loss[-1]


def test_the_wrong_choices_notes_quote_true_numbers():
    q = cq.get("which_costs_more")
    assert f"{ln(0.2):.4g}" in q.wrong[1] and f"{ln(0.3):.4g}" in q.wrong[1]
    q = cq.get("certain_mistake")
    assert f"{ln(0.01):.4g}" in q.wrong[2]
    q = cq.get("best_report")
    assert "∞" in q.wrong[3]
    r09 = 0.7 * ln(0.9) + 0.3 * ln(0.1)
    assert f"{r09:.4g}" in q.wrong[2]


def test_loss_at_builds_the_home_pages_question_for_any_p():
    q = cq.get("loss_at:0.37")
    assert q.right == pytest.approx(ln(0.37), rel=1e-12) and q.view == {"p": 0.37}
    for bad in ("loss_at:0", "loss_at:1.5", "loss_at:x", "nope", "", None):
        with pytest.raises(ValueError, match="not in the bank"):
            cq.get(bad)


@pytest.mark.parametrize("qid", ["certain_mistake", "confident_mistake_loss"])
def test_check_refuses_what_is_not_an_answer(qid):
    q = cq.get(qid)
    for bad in (-1, 1e9, math.nan, math.inf, "x", None, 0.5 if q.is_choice else 101):
        with pytest.raises(ValueError, match=qid):
            q.check(bad)


# ------------------------------------------------------------------------------------------------ the reveal
choice_tallies = st.dictionaries(st.sampled_from([0.0, 1.0, 2.0, 3.0]), st.integers(0, 60), max_size=4)


@given(choice_tallies)
def test_reveal_of_a_choice_question_counts_and_names_the_most_common_wrong_answer(counts):
    q = cq.get("certain_mistake")
    right = int(q.right)
    r = cq.reveal(q, counts)
    total = sum(counts.values())
    assert r.total == total and r.right_count == counts.get(float(right), 0)
    assert [n for _, n, _ in r.bars] == [counts.get(float(i), 0) for i in range(4)]
    assert [is_right for _, _, is_right in r.bars] == [i == right for i in range(4)]
    wrong = {i: counts.get(float(i), 0) for i in range(4) if i != right and counts.get(float(i), 0) > 0}
    if total == 0:
        assert r.sentence == "No one answered this question."
    elif not wrong:
        assert "right" in r.sentence and "wrong" not in r.sentence
    else:
        top = max(wrong.values())
        leaders = [i for i, n in wrong.items() if n == top]
        assert f"{top} of {total}" in r.sentence
        for i in leaders:
            assert f"“{q.choices[i]}”" in r.sentence
        if len(leaders) == 1:
            assert r.sentence.endswith(q.wrong[leaders[0]])


number_tallies = st.dictionaries(st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 3)),
                                 st.integers(1, 30), max_size=15)


@given(number_tallies)
def test_number_bars_never_show_the_right_answer_before_the_reveal(counts):
    q = cq.get("confident_mistake_loss")
    before = cq.bars(q, counts, revealed=False)
    given_labels = {q.label(v) for v in counts}
    assert {label for label, _, _ in before} - {"other"} <= given_labels
    assert sum(n for _, n, _ in before) == sum(counts.values())
    after = cq.reveal(q, counts)
    assert sum(n for _, n, _ in after.bars) == sum(counts.values())
    assert any(is_right for _, _, is_right in after.bars)
    assert after.right_count == sum(n for v, n in counts.items() if abs(round(v, 2) - q.right) <= q.tolerance)


def test_number_reveal_names_a_known_mistake_and_how_far_an_unknown_one_is():
    q = cq.get("confident_mistake_loss")
    r = cq.reveal(q, {4.61: 5, 2.0: 7, 0.01: 3})
    assert r.sentence == ("The most common wrong answer was “2” (7 of 15): that is −log₁₀ p; BCE takes the natural "
                          "log.")
    r = cq.reveal(q, {4.6: 5, 7.5: 6})
    off = 7.5 - ln(0.01)
    assert r.sentence == f"The only wrong answer given was “7.5” (6 of 11), {off:.3g} above the right {ln(0.01):.4g}."


@given(st.floats(0, 100, allow_nan=False), st.sampled_from(["confident_mistake_loss", "one_mistake_mean",
                                                            "coin_flip_bits", "kl_when_equal", "loss_at:0.37"]))
def test_a_students_verdict_agrees_with_the_class_count_and_the_number_shown(value, qid):
    """The student's phone says right or not right of the number it shows (``label``); the projector counts the
    same answer. Both are recomputed here from the label as the student reads it (4.6551 showed as "4.66", counted
    wrong, but the phone said right)."""
    q = cq.get(qid)
    shown = float(q.label(value))
    expected = abs(shown - q.right) <= q.tolerance
    assert q.is_right(value) == expected
    assert cq.reveal(q, {value: 1}).right_count == int(expected)


def test_an_answer_within_tolerance_but_shown_rounded_outside_it_is_not_right_on_either_screen():
    q = cq.get("confident_mistake_loss")  # right 4.60517, within 0.05, shown to 2 places
    assert not q.is_right(4.6551) and cq.reveal(q, {4.6551: 1}).right_count == 0
    assert q.is_right(4.6549) and cq.reveal(q, {4.6549: 1}).right_count == 1


@given(st.dictionaries(st.sampled_from([1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 4.61]), st.integers(0, 3), max_size=7))
def test_the_wrong_answer_sentence_compares_only_what_was_given_and_counts_the_tied_ones_it_does_not_name(counts):
    """"Most common" only when two or more different wrong answers were given; a tie names three and says how
    many more ("and others" was said of a single fourth one). Recomputed from the tally by hand."""
    q = cq.get("confident_mistake_loss")
    sentence = cq.reveal(q, counts).sentence
    wrong = {v: n for v, n in counts.items() if n > 0 and abs(v - ln(0.01)) > q.tolerance}
    if not wrong:
        assert "wrong" not in sentence
        return
    top = max(wrong.values())
    tied = sorted(v for v, n in wrong.items() if n == top)
    if len(wrong) == 1:
        assert sentence.startswith(f"The only wrong answer given was “{q.label(tied[0])}” ({top} of ")
    elif len(tied) == 1:
        assert sentence.startswith(f"The most common wrong answer was “{q.label(tied[0])}” ({top} of ")
    else:
        assert sentence.startswith(f"The most common wrong answers were tied at {top} of ")
        assert ("and others" not in sentence
                and sentence.endswith(f" and {len(tied) - 3} more." if len(tied) > 3 else f"“{q.label(tied[-1])}”."))
