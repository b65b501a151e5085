"""The live class's question bank: each question's right answer, computed by ``lib``, and the reveal of a tally.

A question is multiple choice (an answer is the index of a choice) or a number (an answer is the number, within the
question's range). Nothing here is typed in as an answer: each question is built by a function that computes it with
``lib.loss``, ``lib.scoring`` or ``lib.experiment`` — the same code the pages show — and, for a choice question,
the right choice is the one whose value matches that computation. Each wrong choice (or a known wrong number) carries
the sentence a teacher would say about it, with its numbers computed too.

>>> q = get("certain_mistake")
>>> q.choices[int(q.right)]
'∞ (no finite number)'
>>> r = reveal(q, {3.0: 20, 2.0: 7, 0.0: 1})
>>> r.sentence.startswith("The most common wrong answer was “about 4.6” (7 of 28)")
True
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np

from lib import loss, scoring


@dataclass(frozen=True)
class Question:
    """One question of the bank.

    ``choices`` are the labels of a multiple-choice question (empty for a number question); ``right`` is the right
    choice's index, or the right number; a number answer within ``tolerance`` of it counts as right, and numbers are
    grouped for the tally to ``decimals`` places. ``wrong`` maps a wrong choice's index (or a wrong number) to the
    sentence about it. ``page`` and ``view`` are the page and its URL parameters that show why.
    """

    id: str
    topic: str
    prompt: str
    right: float
    why: str
    page: str
    view: dict = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    tolerance: float = 0.0
    decimals: int = 2
    unit: str = ""
    wrong: dict = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    def check(self, value) -> float:
        """``value`` as stored, or ``ValueError`` naming what is wrong with it."""
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"answer {str(value)[:20]!r} to {self.id!r} is not a number") from None
        if self.is_choice:
            if not (x.is_integer() and 0 <= x < len(self.choices)):
                raise ValueError(f"answer {x:g} to {self.id!r} is not one of its {len(self.choices)} choices")
            return x
        if not (math.isfinite(x) and self.low <= x <= self.high):
            raise ValueError(f"answer {x:g} to {self.id!r} is outside {self.low:g} … {self.high:g}")
        return x

    def group(self, value: float) -> float:
        """The tally's bar for an answer: a choice's index, or the number rounded to ``decimals`` places."""
        return float(value) if self.is_choice else round(float(value), self.decimals) + 0.0

    def is_right(self, value: float) -> bool:
        """A choice is right if it is the right one; a number if its tally bar (``group``) is within ``tolerance``:
        the number as shown to the student and on the projector, so the student's verdict and the class's count
        agree (4.6551 shows as 4.66, which is 0.055 from 4.605: not right, though 4.6551 itself is within 0.05)."""
        if self.is_choice:
            return int(value) == int(self.right)
        return abs(self.group(value) - self.right) <= self.tolerance

    def label(self, value: float) -> str:
        if self.is_choice:
            return self.choices[int(value)]
        return f"{self.group(value):.{self.decimals}f}".rstrip("0").rstrip(".") if self.decimals else f"{value:.0f}"

    def share_query(self) -> str:
        return urlencode(self.view)


@dataclass(frozen=True)
class Reveal:
    """What the projector shows at the reveal: the right answer's label, the bars (label, count, right?) in order,
    the one sentence on the most common wrong answer, and how many answered and were right."""

    right_label: str
    bars: list[tuple[str, int, bool]]
    sentence: str
    total: int
    right_count: int


def _choose(values, target: float) -> int:
    """The index of the one value equal to ``target`` (∞ included), to a relative 1e-9: the right choice."""
    hits = [i for i, v in enumerate(values) if v == target or (math.isfinite(v) and math.isfinite(target)
                                                              and math.isclose(v, target, rel_tol=1e-9))]
    if len(hits) != 1:
        raise AssertionError(f"{len(hits)} choices match the computed answer {target!r}")
    return hits[0]


def _f(x: float, digits: int = 4) -> str:
    return "∞" if math.isinf(x) else f"{x:.{digits}g}"


# ------------------------------------------------------------------------------------------- the questions
def _confident_mistake_loss() -> Question:
    p = 0.01
    value = float(loss.bce(1.0, p))
    return Question(
        "confident_mistake_loss", "Home", f"A model predicts p = {p:g} for a sample whose true label is y = 1. What is "
        "its loss, in nats?", value, f"−log {p:g} = {_f(value)} nats: a confident mistake is expensive.",
        "pages/home.py", {"p": p}, low=0.0, high=100.0, tolerance=0.05, unit="nats",
        wrong={p: "that is p itself; the loss is −log p.",
               1 - p: "that is 1 − p, not the loss.",
               round(value / math.log(10), 2): "that is −log₁₀ p; BCE takes the natural log.",
               round(float(loss.to_bits(value)), 2): "that is the loss in bits (−log₂ p); in nats it is −ln p."})


def _certain_mistake() -> Question:
    values = [0.0, 1.0, float(loss.bce(1.0, 0.01)), math.inf]
    value = float(loss.bce(1.0, 0.0))
    labels = ("0", "1 (the most a loss can be)", "about 4.6", "∞ (no finite number)")
    return Question(
        "certain_mistake", "Home", "A model predicts p = 0 for a sample whose true label is y = 1. What is its loss?",
        _choose(values, value), "−log 0 = ∞: p = 0 called the true outcome impossible.", "pages/home.py", {"p": 0.0},
        choices=labels,
        wrong={0: "0 is the loss of p = 1, the certain hit.",
               1: "the loss has no cap at 1: −log p grows without bound as p goes to 0.",
               2: f"about 4.6 is the loss at p = 0.01 ({_f(values[2])} nats); at p = 0 the log is −∞."})


def _ratio_at_099() -> Question:
    c = 0.99
    miss, hit = float(loss.bce(1.0, 1 - c)), float(loss.bce(1.0, c))
    ratio = miss / hit
    return Question(
        "ratio_at_099", "Confident mistakes", f"At confidence c = {c:g}, the confident mistake's loss is how many "
        "times the confident hit's loss?", ratio,
        f"−log 0.01 ÷ −log 0.99 = {_f(miss)} ÷ {_f(hit)} = {_f(ratio)}.", "pages/confident_mistakes.py", {"c": c},
        low=0.0, high=100000.0, tolerance=0.01 * ratio, decimals=0, unit="×",
        wrong={round(c / (1 - c)): "that is the ratio of the probabilities 0.99 ÷ 0.01; the losses are their logs.",
               round(1 / (1 - c)): "that is 1 ÷ 0.01, the probabilities' ratio, not the losses'."})


def _which_costs_more() -> Question:
    a, b = float(loss.bce(1.0, 0.2)), float(loss.bce(0.0, 0.7))
    values = [a, b]  # the right choice is the larger loss; "the same" only if they are equal
    right = 2 if a == b else int(np.argmax(values))
    return Question(
        "which_costs_more", "Loss explorer", "Which costs more? A: p = 0.2 for a true 1. B: p = 0.7 for a true 0.",
        right, f"A costs −log 0.2 = {_f(a)} nats, B costs −log(1 − 0.7) = {_f(b)} nats.", "pages/loss_curves.py",
        {"label": "y = 1", "prob": 0.2}, choices=("A", "B", "They cost the same"),
        wrong={0: f"A costs {_f(a)} nats, less than B's {_f(b)}.",
               1: f"B costs {_f(b)} nats, less than A's {_f(a)}: A gave the true label only 0.2, B gave it 0.3.",
               2: f"they differ: A costs {_f(a)} nats, B {_f(b)}."})


def _coin_flip_bits() -> Question:
    nats = float(loss.bce(1.0, 0.5))
    bits = float(loss.to_bits(nats))
    return Question(
        "coin_flip_bits", "Loss explorer", "A model always predicts p = 0.5. What is its loss on each sample, in bits?",
        bits, f"−log₂ ½ = {_f(bits)} bit: a coin-flip guess costs exactly one bit ({_f(nats)} nats).",
        "pages/loss_curves.py", {"prob": 0.5, "unit": "bits"}, low=0.0, high=100.0, tolerance=0.005,
        unit="bits", wrong={round(nats, 2): "that is the same loss in nats (log 2); in bits it is 1.",
                            0.5: "that is p itself; the loss is −log₂ p."})


def _best_report() -> Question:
    q, reports = 0.7, [0.5, 0.7, 0.9, 1.0]
    scores = [float(scoring.expected_score(q, r, "log")) for r in reports]
    best = int(np.argmin(scores))
    return Question(
        "best_report", "Where the loss comes from", f"A coin lands heads {q:.0%} of the time. Which forecast r of "
        "heads has the lowest expected log loss?", best,
        f"Reporting r = {reports[best]:g} costs {_f(scores[best])} nats on average; log loss rewards the truth.",
        "pages/derivation.py", {"soft_target": q, "pred": q}, choices=tuple(f"r = {r:g}" for r in reports),
        wrong={i: (f"r = {r:g} costs {_f(s)} nats on average, more than r = {reports[best]:g}'s {_f(scores[best])}"
                   + (": each tail would cost −log 0 = ∞." if math.isinf(s) else "."))
               for i, (r, s) in enumerate(zip(reports, scores, strict=True)) if i != best})


def _softmax_two_classes() -> Question:
    z0, z1 = 0.3, 1.7
    ce = float(loss.softmax_cross_entropy([0.0, 1.0], [z0, z1]))
    candidates = [float(loss.bce_with_logits(1.0, z1 - z0)), float(loss.bce_with_logits(1.0, z1)),
                  float(loss.bce_with_logits(1.0, z0 + z1)), 0.5 * float(loss.bce_with_logits(1.0, z1 - z0))]
    right = _choose(candidates, ce)
    return Question(
        "softmax_two_classes", "Many classes", "With K = 2 classes and logits (z₀, z₁), softmax cross-entropy of "
        "class 1 equals BCE with which logit?", right,
        f"softmax(z₀, z₁)₁ = σ(z₁ − z₀): at (z₀, z₁) = ({z0:g}, {z1:g}) both give {_f(ce, 6)} nats.",
        "pages/multiclass.py", {"k": 2}, choices=("z₁ − z₀", "z₁", "z₀ + z₁", "z₁ − z₀, halved"),
        wrong={i: f"at (z₀, z₁) = ({z0:g}, {z1:g}) it gives {_f(c, 6)} nats, not {_f(ce, 6)}: only the difference "
                  "of the two logits matters." for i, c in enumerate(candidates) if i != right})


def _diverging_rate() -> Question:
    from lib import datasets, experiment

    rates = [1.0, 3.0, 10.0, 30.0, 100.0]
    runs = [experiment.run(experiment.Settings(dataset="moons", lr=lr)).traj for lr in rates]
    unstable = [t.unstable for t in runs]
    first = unstable.index(True)
    if not all(unstable[first:]):
        raise AssertionError("a larger learning rate settled after a smaller one failed: the question is unfair")
    return Question(
        "diverging_rate", "Gradient descent", "Plain gradient descent on the moons data (the page's other settings "
        "as they open): what is the smallest learning rate η that no longer settles?", first,
        f"At η = {rates[first]:g} the loss ends at {_f(float(runs[first].loss[-1]))} nats after swinging, where "
        f"η = {rates[first - 1]:g} settles at {_f(float(runs[first - 1].loss[-1]))}.", "pages/gradient_descent.py",
        {"dataset": datasets.DATASETS["moons"], "lr": rates[first]}, choices=tuple(f"η = {r:g}" for r in rates),
        wrong={i: (f"at η = {rates[i]:g} the run settles at {_f(float(runs[i].loss[-1]))} nats." if i < first else
                   f"η = {rates[i]:g} fails too, but η = {rates[first]:g} already does.")
               for i in range(len(rates)) if i != first})


def _gradient_far_off() -> Question:
    z = -4.0
    g = float(loss.bce_grad_logit(1.0, z))
    p = float(loss.sigmoid(z))
    values = [round(g, 3), round(p, 3), z, 0.0]
    right = _choose(values, round(g, 3))
    return Question(
        "gradient_far_off", "Confident mistakes", f"A true 1 sits at logit z = {z:g}. What is ∂L/∂z of BCE there, "
        "to 3 decimals?", right, f"∂L/∂z = σ(z) − y = {_f(p, 3)} − 1 = {_f(g, 4)}: far off, the push is strong.",
        "pages/confident_mistakes.py", {"start_z": z}, choices=tuple(f"{v:g}" for v in values),
        wrong={1: f"{values[1]:g} is σ({z:g}), the prediction p; the gradient is p − y.",
               2: "the gradient of BCE in z is p − y, which stays between −1 and 1.",
               3: "the gradient vanishes only where p = y; here p is far from 1."})


def _kl_when_equal() -> Question:
    q = 0.8
    kl = float(loss.bernoulli_kl(q, q))
    entropy = float(loss.bernoulli_entropy(q))
    return Question(
        "kl_when_equal", "Where the loss comes from", f"Target q = {q:g}, prediction p = {q:g}. Cross-entropy minus "
        "the target's entropy — the KL divergence — in nats?", kl,
        f"KL(q‖p) = {_f(kl)} when p = q: the cross-entropy {_f(entropy)} is all entropy, nothing to learn.",
        "pages/derivation.py", {"soft_target": q, "pred": q}, low=0.0, high=100.0, tolerance=0.005, unit="nats",
        wrong={round(entropy, 2): f"{_f(entropy)} nats is the cross-entropy itself (the entropy of q); KL "
                                  "subtracts it."})


def _one_mistake_mean() -> Question:
    preds = np.array([0.9, 0.9, 0.9, 0.01])
    mean = float(loss.bce(np.ones(4), preds))
    alone = float(loss.bce(1.0, 0.01))
    typical = float(loss.bce(1.0, 0.9))
    return Question(
        "one_mistake_mean", "Loss explorer", "Four samples are all y = 1; the model predicts 0.9, 0.9, 0.9 and 0.01. "
        "What is their mean BCE, in nats?", mean,
        f"(3 × {_f(typical)} + {_f(alone)}) ÷ 4 = {_f(mean)}: one confident mistake is most of the mean.",
        "pages/loss_curves.py", {"rows": "1:0.9,1:0.9,1:0.9,1:0.01"}, low=0.0, high=100.0, tolerance=0.02,
        unit="nats",
        wrong={round(typical, 2): "that is the loss of one good prediction; the mistake dominates the mean.",
               round(alone, 2): "that is the mistake alone; the mean divides the sum by 4."})


def loss_at(p: float) -> Question:
    """The question a view of the home page poses: the loss of a true 1 at its p (a teacher's own question)."""
    p = round(float(p), 2)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p = {p:g} must be in (0, 1] for a loss question")
    value = float(loss.bce(1.0, p))
    return Question(
        f"loss_at:{p:g}", "Home", f"A model predicts p = {p:g} for a sample whose true label is y = 1. What is its "
        "loss, in nats?", value, f"−log {p:g} = {_f(value)} nats.", "pages/home.py", {"p": p}, low=0.0, high=100.0,
        tolerance=max(0.01, 0.01 * value), unit="nats",
        wrong={p: "that is p itself; the loss is −log p.",
               round(value / math.log(10), 2): "that is −log₁₀ p; BCE takes the natural log."})


BUILDERS = (_confident_mistake_loss, _certain_mistake, _which_costs_more, _one_mistake_mean, _coin_flip_bits,
            _ratio_at_099, _gradient_far_off, _best_report, _kl_when_equal, _softmax_two_classes, _diverging_rate)


@functools.cache
def bank() -> dict[str, Question]:
    """Every question of the bank by id, in teaching order (built once per process: a few milliseconds)."""
    return {q.id: q for q in (build() for build in BUILDERS)}


def get(question_id) -> Question:
    """The question with this id (``loss_at:<p>`` builds the home page's question for p); ValueError if none."""
    qid = str(question_id or "")
    if qid.startswith("loss_at:"):
        try:
            return loss_at(float(qid.split(":", 1)[1]))
        except ValueError:
            pass
    elif qid in bank():
        return bank()[qid]
    raise ValueError(f"question {qid[:40]!r} is not in the bank")


def reveal(question: Question, counts: dict[float, int]) -> Reveal:
    """The reveal of a tally (``{answer: students}``, as ``lib.live.Store.tally`` counts it).

    Bars: every choice in order, or for a number question each distinct answer (to ``decimals`` places) with the
    right one included even when no one gave it, the most common first, at most 8 (the rest as "other"). The
    sentence names the most common wrong answer (or the tied ones) with its count, and what is wrong with it.
    """
    grouped = _grouped(question, counts)
    total = sum(grouped.values())
    right_count = sum(n for v, n in grouped.items() if question.is_right(v))
    label = question.label(question.right)
    unit = question.unit[:-1] if label == "1" and question.unit.endswith("s") else question.unit  # "1 bit"
    right_label = label + (f" {unit}" if unit else "")
    return Reveal(right_label, bars(question, counts, revealed=True), _wrong_sentence(question, grouped, total),
                  total, right_count)


def bars(question: Question, counts: dict[float, int], *, revealed: bool) -> list[tuple[str, int, bool]]:
    """The distribution as bars (label, students, right?). Before the reveal (``revealed`` False) a number question's
    bars are only the answers given, so the chart cannot give the right one away."""
    grouped = _grouped(question, counts)
    if question.is_choice:
        return [(label, grouped.get(float(i), 0), i == int(question.right)) for i, label in enumerate(question.choices)]
    return _number_bars(question, grouped, revealed)


def _grouped(question: Question, counts: dict[float, int]) -> dict[float, int]:
    grouped: dict[float, int] = {}
    for value, n in counts.items():
        try:
            key = question.group(question.check(value))
        except ValueError:  # not an answer to this question (the store refuses those): not counted
            continue
        grouped[key] = grouped.get(key, 0) + int(n)
    return grouped


def _number_bars(question: Question, grouped: dict[float, int], revealed: bool) -> list[tuple[str, int, bool]]:
    shown = sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0]))
    top, rest = shown[:8], shown[8:]
    if revealed and not any(question.is_right(v) for v, _ in top):
        right_given = [(v, n) for v, n in rest if question.is_right(v)]
        entry = max(right_given, key=lambda kv: kv[1]) if right_given else (question.group(question.right), 0)
        top = top[:7] + [entry] if len(top) == 8 else top + [entry]
        rest = [kv for kv in shown if kv not in top]
    bars = [(question.label(v), n, question.is_right(v)) for v, n in sorted(top)]
    if rest:
        bars.append(("other", sum(n for _, n in rest), False))
    return bars


def _wrong_sentence(question: Question, grouped: dict[float, int], total: int) -> str:
    if total == 0:
        return "No one answered this question."
    wrong = {v: n for v, n in grouped.items() if not question.is_right(v) and n > 0}
    if not wrong:
        return f"All {total} answers were right." if total > 1 else "The one answer was right."
    most = max(wrong.values())
    tied = sorted(v for v, n in wrong.items() if n == most)
    of = f"{most} of {total}"
    if len(tied) > 1:
        names = ", ".join(f"“{question.label(v)}”" for v in tied[:3]) + (f" and {len(tied) - 3} more"
                                                                         if len(tied) > 3 else "")
        return f"The most common wrong answers were tied at {of} each: {names}."
    value = tied[0]
    # one wrong answer given (by one student or several): "most common" would compare it with nothing
    kind = "most common wrong answer" if len(wrong) > 1 else "only wrong answer given"
    head = f"The {kind} was “{question.label(value)}” ({of})"
    note = _wrong_note(question, value)
    return f"{head}: {note}" if note else f"{head}, {_distance(question, value)}."


def _wrong_note(question: Question, value: float) -> str | None:
    if question.is_choice:
        return question.wrong.get(int(value))
    for known, note in question.wrong.items():  # a known mistake, given to the question's own precision
        if abs(question.group(value) - question.group(known)) <= 0.5 * 10.0 ** -question.decimals + 1e-12:
            return note
    return None


def _distance(question: Question, value: float) -> str:
    off = value - question.right
    return f"{_f(abs(off), 3)} {'above' if off > 0 else 'below'} the right {_f(question.right, 4)}"
