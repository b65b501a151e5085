"""lib.claims swept over the space of settings: each sentence's claims recomputed independently.

Gradient descent: 420 seeded settings (datasets, sizes, noise, balance, seeds, test share, feature map, optimizers,
learning rates, steps, L2, pos_weight, train-with, start, and the user's own points); honest probabilities: all 160
model settings × both bin counts, and the forecaster over coins, tosses and reports; the loss explorer's logit box
over its whole range. The references are written here: an LP (scipy.optimize.linprog, a max-margin form unlike
lib.logistic's), scikit-learn's LogisticRegression and log_loss, scipy's 1-D minimizer, rank correlations from
scipy.stats.rankdata, mpmath, and loops. An AppTest sweep at the end checks each page shows exactly what these
functions return.
"""
import math
import re

import numpy as np
import pytest
from scipy import optimize, special, stats

from lib import claims, datasets, experiment, scoring
from tests.conftest import chart, metric, open_page

NUMBER = r"(−?[0-9]+(?:\.[0-9]+)?(?:e−?[0-9]+)?|∞)"


def number(text: str) -> float:
    """A number as lib.claims writes it (−, e−5, ∞) back to a float."""
    return math.inf if text == "∞" else float(text.replace("−", "-"))


def after(sentence: str, words: str) -> float:
    """The number right after ``words`` in ``sentence``."""
    m = re.search(re.escape(words) + r"\s*" + NUMBER, sentence)
    assert m, (words, sentence)
    return number(m.group(1))


def close(shown: float, true: float, digits: int = 4) -> bool:
    """``shown`` is ``true`` written with ``digits`` significant digits (half a unit in the last place, plus a hair)."""
    if true == 0:
        return shown == 0
    return abs(shown - true) <= 0.51 * 10 ** (math.floor(math.log10(abs(true))) - digits + 1) + 1e-12 * abs(true)


# ------------------------------------------------------------------------------------------- independent references
def lp_separable(X, y) -> bool:
    """Strictly separable by a hyperplane: the largest margin m of tᵢ(w·xᵢ + b) ≥ m with |w|, |b| ≤ 1 is > 0."""
    t = np.where(y >= 0.5, 1.0, -1.0)
    n, d = X.shape
    # variables (w, b, m): maximize m subject to m − tᵢ(w·xᵢ + b) ≤ 0
    A = np.column_stack([-t[:, None] * X, -t, np.ones(n)])
    res = optimize.linprog(np.r_[np.zeros(d + 1), -1.0], A_ub=A, b_ub=np.zeros(n),
                           bounds=[(-1, 1)] * (d + 1) + [(None, 1)], method="highs")
    assert res.status == 0
    return -res.fun > 1e-7


def sklearn_optimum(X, y, l2, pos_weight) -> float:
    """min over (w, b) of mean(weightᵢ·BCEᵢ) + λ/2‖w‖², by scikit-learn (C = 1/(nλ); no penalty at λ = 0)."""
    from sklearn.linear_model import LogisticRegression

    n = len(y)
    weight = np.where(y == 1, pos_weight, 1.0)
    model = LogisticRegression(C=np.inf if l2 == 0 else 1.0 / (n * l2), tol=1e-12, max_iter=20000)
    model.fit(X, y, sample_weight=weight)
    z = X @ model.coef_[0] + model.intercept_[0]
    per = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    return float(np.mean(weight * per) + 0.5 * l2 * model.coef_[0] @ model.coef_[0])


def mean_bce(X, y, w, b, pos_weight: float = 1.0) -> float:
    """Mean BCE, each positive weighted by pos_weight, written out: softplus(∓z) by logaddexp (exact far out, where
    scikit-learn's log_loss clips p)."""
    z = X @ w + b
    return float(np.mean(np.where(y == 1, pos_weight * np.logaddexp(0, -z), np.logaddexp(0, z))))


def spearman(a, b) -> float:
    ra, rb = stats.rankdata(a), stats.rankdata(b)
    return float(np.corrcoef(ra, rb)[0, 1])


# ------------------------------------------------------------------------------------------- the gradient-descent sweep
def _draw_settings(count: int, seed: int = 28) -> list[experiment.Settings]:
    rng = np.random.default_rng(seed)
    pick = lambda options, p=None: options[int(rng.choice(len(options), p=p))]  # noqa: E731
    out = []
    for i in range(count):
        dataset = pick(["blobs", "separable", "xor", "circles", "moons", "custom"], [.2, .15, .25, .15, .2, .05])
        points = ()
        if dataset == "custom":
            k = int(rng.integers(8, 40))
            X = rng.normal(size=(k, 2)) * [3.0, 0.5] + [10.0, -4.0]
            if i % 2:
                X[:, 1] = 7.0                                     # a constant coordinate
            y = (X[:, 0] + rng.normal(size=k) > 10.0).astype(float)
            y[:2] = [0.0, 1.0]
            points = tuple(map(tuple, np.column_stack([X, y]).tolist()))
        out.append(experiment.Settings(
            dataset=dataset, n=pick([20, 30, 40, 60, 100, 200]), noise=pick([0.0, 0.1, 0.3, 0.6, 1.0]),
            balance=pick([0.1, 0.2, 0.5, 0.8]), seed=int(rng.integers(0, 30)),
            test_fraction=pick([0.0, 0.0, 0.1, 0.3, 0.5]), features=bool(rng.random() < 0.35),
            optimizer=pick(["gd", "sgd", "momentum", "rmsprop", "adam"]),
            batch_size=pick([1, 8, 16]), lr=pick(list(experiment.LEARNING_RATES)),
            steps=pick([10, 25, 50, 100, 200]), l2=pick(list(experiment.L2_STRENGTHS), [.4] + [.6 / 7] * 7),
            pos_weight=pick(list(experiment.POS_WEIGHTS), [.1, .1, .5, .1, .1, .1]),
            objective=pick(["bce", "squared", "both"]), start=pick(["zero", "wrong"]), points=points))
    return out


GD_SETTINGS = _draw_settings(420)


@pytest.fixture(scope="module")
def runs():
    return [experiment.run(s) for s in GD_SETTINGS]


def test_sweep_covers_every_control_of_gradient_descent():
    seen = {name: {getattr(s, name) for s in GD_SETTINGS} for name in
            ("dataset", "optimizer", "objective", "start", "features", "l2", "pos_weight", "test_fraction")}
    assert seen["dataset"] == {"blobs", "separable", "xor", "circles", "moons", "custom"}
    assert len(seen["optimizer"]) == 5 and len(seen["objective"]) == 3 and len(seen["start"]) == 2
    assert seen["features"] == {False, True} and len(seen["l2"]) == 8 and len(seen["pos_weight"]) == 6


def test_what_to_notice_says_separable_exactly_when_an_lp_separates_the_training_points(runs):
    for e in runs:
        text = claims.what_to_notice(e)
        separable = lp_separable(e.F_train, e.y_train)
        says_no = "no line separates" in text or "no boundary of the squared features separates" in text \
            or "No straight line can split" in text or "The blobs overlap" in text
        says_yes = any(w in text for w in ("separates the training points perfectly", "separates the training points;",
                                            "can split XOR", "do not overlap", "lie on either side of a margin",
                                            "these 20 drawn", "drawn training points can"))
        assert says_no != separable and says_yes == separable, (e.settings, text)


def test_what_to_notice_best_possible_is_scikit_learns_optimum_of_the_objective_named(runs):
    checked = 0
    for e in runs:
        text = claims.what_to_notice(e)
        m = re.search(r"(?:the best possible is|any (?:line|boundary of the squared features) reaches is|best "
                      r"line's [^ ]+(?: \+ L2 objective \(λ = [0-9.e−]+\))? is) " + NUMBER, text)
        if not m:
            continue
        s = e.settings
        if "this run's lowest BCE" in text:
            continue
        if s.objective == "squared":
            assert "squared error, a different loss" in text or "BCE" in m.group(0), text
        ref = sklearn_optimum(e.F_train, e.y_train, s.l2, s.pos_weight)
        assert number(m.group(1)) == pytest.approx(ref, rel=2e-3, abs=2e-5), (s, text)
        checked += 1
    assert checked > 60


def test_xor_sentence_compares_the_best_loss_with_the_label_entropy_truthfully(runs):
    count = 0
    for e in runs:
        text = claims.what_to_notice(e)
        if not text.startswith("No straight line can split"):
            continue
        share = float(np.mean(e.y_train))
        entropy = -(share * math.log(share) + (1 - share) * math.log(1 - share))
        assert f"{claims.num(entropy)} nats" in text
        best = after(text, " is")
        word = "no lower than" if best >= entropy else "barely below" if best >= 0.9 * entropy else "below"
        assert f"nats, {word} the" in text, (best, entropy, text)
        count += 1
    assert count > 20


def _stopped_at(traj) -> int:
    """The last step whose parameters differ from the step before (a diverged run repeats its last good step)."""
    theta = np.column_stack([traj.w, traj.b])
    moved = np.flatnonzero(np.any(theta[1:] != theta[:-1], axis=1))
    return int(moved[-1]) + 1 if len(moved) else 0


def test_race_sentence_compares_the_losses_own_gradients_and_reports_the_steps_run(runs):
    count = 0
    for e in runs:
        text = claims.race(e)
        if e.race is None:
            assert text is None
            continue
        count += 1
        s = e.settings
        # the step each run stopped at, from its parameters
        t_b, t_s = _stopped_at(e.traj), _stopped_at(e.race)
        if text.startswith("After "):
            assert after(text, "After") == s.steps and e.traj.diverged_at is None and e.race.diverged_at is None
        elif text.startswith("Both runs stopped"):
            k = int(after(text, "stopped at step"))
            assert t_b <= k and t_s <= k and e.traj.diverged_at == e.race.diverged_at == k + 1, text
        # the accuracies, from the final parameters
        for name, traj in (("the BCE run", e.traj), ("the squared-error run", e.race)):
            acc = 100 * np.mean(((e.F_train @ traj.w[-1] + traj.b[-1]) >= 0) == (e.y_train == 1))
            assert re.search(re.escape(name) + r"[^%]*?" + re.escape(f"{acc:.1f}%"), text, re.I), (name, acc, text)
        # the losses' own gradients at the start, no L2 term: BCE's ∂L/∂z is weight·(p − y), squared error's
        # ∂/∂z of weight·(y − p)² is that times 2p(1 − p)
        A = np.column_stack([e.F_train, np.ones(len(e.y_train))])
        z = A @ np.r_[e.traj.w[0], e.traj.b[0]]
        p = 1 / (1 + np.exp(-z))
        y = e.y_train
        dz_bce = np.where(y == 1, s.pos_weight * (p - 1), p)
        dz_sq = np.where(y == 1, s.pos_weight * -2 * (1 - p), 2 * p) * p * (1 - p)
        g_bce = np.linalg.norm(A.T @ dz_bce) / len(y)
        g_sq = np.linalg.norm(A.T @ dz_sq) / len(y)
        assert close(after(text, "own gradient (without the L2 term) was"), g_sq, 3), (g_sq, text)
        assert close(after(text, "and BCE's"), g_bce, 3), (g_bce, text)
        if "× larger" in text:
            assert g_bce > g_sq
        if "barely push" in text:
            confident = ((y == 1) != (z >= 0)) & (np.minimum(p, 1 - p) <= 0.1)
            assert confident.sum() > len(y) / 2 and g_bce / g_sq >= 5, text
            assert f"on the {confident.sum()} of {len(y)} points" in text
        assert ("divides each step by the gradient's own recent size" in text) == (s.optimizer in ("adam", "rmsprop"))
        # an unsettled run is named, with its BCE's direction from a recomputed BCE
        for name, traj in (("BCE", e.traj), ("squared-error", e.race)):
            m = re.search(f"The {name} run did not settle: its {claims.bce_name(s.pos_weight)} went (up|down) from "
                          f"{NUMBER} to {NUMBER}", text)
            if m:
                first = mean_bce(e.F_train, y, traj.w[0], traj.b[0], s.pos_weight)
                last = mean_bce(e.F_train, y, traj.w[-1], traj.b[-1], s.pos_weight)
                assert (m.group(1) == "up") == (last > first)
                assert close(number(m.group(3)), last), (last, text)
            if traj.diverged_at is not None:
                assert f"The {name} run diverged at step {traj.diverged_at}" in text \
                    or f"Both diverged at step {traj.diverged_at}" in text
    assert count > 100


def test_diagnosis_counts_rises_growth_and_positives_from_the_run(runs):
    seen = set()
    for e in runs:
        t = e.traj
        for _, text in claims.diagnosis(e):
            assert "rose 0 times" not in text and " 0%" not in text, text
            m = re.search(r"In the last (\d+) steps it rose (\d+) times?, up to " + NUMBER, text)
            if m:
                tail = t.loss[-int(m.group(1)):]
                assert int(m.group(2)) == sum(b > a for a, b in zip(tail[:-1], tail[1:], strict=True)) > 0
                assert close(number(m.group(3)), max(tail))
                seen.add("rises")
            if "ends" in text and "above the optimum" in text:
                assert t.objective == "bce"
                best = sklearn_optimum(e.F_train, e.y_train, e.settings.l2, e.settings.pos_weight)
                gap = t.loss[-1] - best
                assert after(text, "it ends") == pytest.approx(gap, rel=0.06, abs=1e-5), text
                if "the run settled" in text:                    # within 1% of its way down to the optimum
                    assert gap <= 0.0101 * (t.loss[0] - best) + 1e-6, text
                seen.add("gap")
            m = re.search(r"‖w‖ keeps growing \(now " + NUMBER + r", from " + NUMBER + r" at step (\d+)\)", text)
            if m:
                norms = np.linalg.norm(t.w, axis=1)
                assert norms[-1] > norms[int(m.group(3))] and close(number(m.group(1)), norms[-1], 3)
                seen.add("grows")
            elif "separable and L2 is 0" in text:
                seen.add("not growing")
            m = re.search(r"Now (\d+) of (\d+) training points (?:is|are) called positive, (more than|fewer than|as "
                          r"many as) the (\d+) that (?:is|are)", text)
            if m:
                called = int(np.sum(e.F_train @ t.w[-1] + t.b[-1] >= 0))
                truly = int(np.sum(e.y_train == 1))
                word = "more than" if called > truly else "fewer than" if called < truly else "as many as"
                assert (int(m.group(1)), int(m.group(4)), m.group(3)) == (called, truly, word)
                seen.add("positives")
            if "Diverged at step" in text:
                assert f"stops at step {t.diverged_at - 1}" in text and _stopped_at(t) <= t.diverged_at - 1
                seen.add("diverged")
    assert {"rises", "grows", "positives", "diverged"} <= seen, seen


def test_point_size_says_pull_only_as_far_as_size_and_pull_go_together(runs):
    verdicts = set()
    for e in runs[::2]:
        for t in (0, e.final // 2, e.final):
            text = claims.point_sizes(e, t)
            w, b = e.traj.w[t], e.traj.b[t]
            z = e.F_train @ w + b
            p, q = special.expit(z), special.expit(-z)                       # q = 1 − p, exact far out
            y = e.y_train
            size = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
            dz = np.where(y == 1, e.settings.pos_weight * q, p)
            if e.traj.objective == "squared":
                dz = dz * 2 * p * q
            pull = dz * np.sqrt(1 + np.sum(e.F_train**2, axis=1))
            if "the same loss" in text:
                assert np.ptp(size) <= 1e-9 * np.max(size) or np.ptp(pull) == 0
                continue
            rho = spearman(size, pull)
            big = size >= np.quantile(size, 0.9)
            small = size <= np.median(size)
            if "bigger ones pull the boundary harder" in text:
                assert rho >= 0.79 and pull[big].mean() > pull[small].mean(), (rho, text)
                verdicts.add("harder")
            elif "mostly pull" in text:
                assert 0.49 <= rho and pull[big].mean() > pull[small].mean()
                verdicts.add("mostly")
            elif "pull least" in text:
                assert rho <= -0.49 and pull[big].mean() < pull[small].mean(), (rho, text)
                if "big points are confident mistakes" in text:
                    assert np.all(np.minimum(p, q)[big] <= 0.1 + 1e-12) and np.all((y[big] == 1) == (z[big] < 0))
                verdicts.add("least")
            else:
                top_more = pull[big].mean() > pull[small].mean()
                assert "do not go together" in text and not (rho > 0.51 and top_more or rho < -0.51 and not top_more)
                verdicts.add("neither")
    assert {"harder", "least"} <= verdicts, verdicts


def test_describe_names_the_loss_the_chart_title_names_with_its_recomputed_value(runs):
    for e in runs[::3]:
        t = e.final // 2
        text = claims.describe(e, t)
        w, b = e.traj.w[t], e.traj.b[t]
        bce = mean_bce(e.F_train, e.y_train, w, b, e.settings.pos_weight)
        if e.race is not None:
            assert close(after(text, f"BCE run: {claims.bce_name(e.settings.pos_weight)}"), bce), (bce, text)
            race = mean_bce(e.F_train, e.y_train, e.race.w[t], e.race.b[t], e.settings.pos_weight)
            assert close(after(text, f"squared-error run: {claims.bce_name(e.settings.pos_weight)}"), race)
        elif e.settings.objective == "squared":
            label = "train BCE" if e.settings.pos_weight == 1 else "train weighted BCE"
            assert close(after(text, label), bce), (bce, text)
        elif e.settings.pos_weight == 1:
            objective = bce + 0.5 * e.settings.l2 * w @ w
            assert close(after(text, "train loss"), objective), (objective, text)
        fell = "fell" in text
        series = e.traj.loss if e.settings.objective == "bce" else e.train_bce
        assert fell == (series[-1] < series[0]) or "stayed" in text


def test_own_points_are_standardized_by_the_training_points_alone():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 2)) * [5.0, 1.0] + [3.0, 0.0]
    X[:, 1] = 2.0                                                         # constant
    y = (np.arange(40) % 2).astype(float)
    points = tuple(map(tuple, np.column_stack([X, y]).tolist()))
    for share in (0.0, 0.3, 0.5):
        e = experiment.run(experiment.Settings(dataset="custom", points=points, test_fraction=share, steps=10))
        np.testing.assert_allclose(e.X_train[:, 0].mean(), 0, atol=1e-12)
        np.testing.assert_allclose(e.X_train[:, 0].std(), 1, rtol=1e-12)
        assert np.all(e.X_train[:, 1] == 0) and np.all(e.X_test[:, 1] == 0)   # constant: only centred
        caption = claims.own_points_caption(share)
        assert ("held-out points do not enter" in caption) == (share > 0) and "constant" in caption


# ------------------------------------------------------------------------------------------- honest probabilities
CAL_SETTINGS = [(d, n, l2, bins) for d in datasets.DATASETS for n in (60, 100, 200, 400)
                for l2 in (0.0, 0.001, 0.01, 0.1) for bins in (5, 10)]


def _calibration_numbers(d, n, l2, bins):
    """The page's model (section 2) and what lib gives the sentence."""
    from lib import loss

    e = experiment.run(experiment.Settings(dataset=d, n=n, noise=0.3, features=True, l2=l2, steps=1000, lr=1.0,
                                           test_fraction=0.5))
    w, b = e.traj.w[-1], e.traj.b[-1]
    z_train, z_test = e.F_train @ w + b, e.F_test @ w + b
    total = float(loss.bce(e.y_test, loss.sigmoid(z_test)))
    T = scoring.fit_temperature(e.y_test, z_test)
    rel = scoring.reliability_curve(e.y_test, loss.sigmoid(z_test), bins)
    train = float(loss.bce(e.y_train, loss.sigmoid(z_train)))
    return e, z_train, z_test, total, T, scoring.recalibrated_loss(e.y_test, z_test, T), rel, train


def test_calibration_cost_is_what_the_best_temperature_saves_at_every_model_setting():
    from sklearn.metrics import log_loss

    verdicts = set()
    for d, n, l2, bins in CAL_SETTINGS[::2]:      # bins does not enter the cost: each model once
        e, _, z, total, T, at_T, _, _ = _calibration_numbers(d, n, l2, bins)
        text = claims.calibration_cost(total, at_T, T, len(e.y_test))
        assert f"the same {len(e.y_test)} held-out points" in text
        ref_total = log_loss(e.y_test, special.expit(z), labels=[0, 1])
        # scipy's 1-D minimum of the held-out loss over log T ∈ [−9, 9], and the limits T → 0 and T → ∞
        f = lambda u, y=e.y_test, z=z: log_loss(y, special.expit(z / math.exp(u)), labels=[0, 1])  # noqa: E731
        lowest = min(optimize.minimize_scalar(f, bounds=(-9, 9), method="bounded",
                                              options={"xatol": 1e-10}).fun, math.log(2), f(-9), f(9))
        saved = ref_total - lowest
        if "Calibration costs almost nothing" in text:
            assert saved < 6e-4, (saved, text)
            verdicts.add("nothing")
        elif text.startswith("Calibration costs"):
            assert close(after(text, "Calibration costs"), saved, 3) or abs(after(text, "Calibration costs") - saved) \
                < 2e-5, (saved, text)
            assert close(after(text, "of the"), ref_total, 3)
            share = re.search(r"log loss \((under 1%|\d+%)\)", text).group(1)
            assert share == ("under 1%" if saved / ref_total < 0.005 else f"{saved / ref_total:.0%}"), (share, text)
            assert close(after(text, "lowers it to"), lowest, 3) or abs(after(text, "lowers it to") - lowest) < 2e-5
            verdicts.add("cost")
        elif "every held-out point on its own side" in text:
            assert lp_separable(z[:, None], e.y_test) and lowest < 1e-3
            verdicts.add("separated")
        else:
            assert "no better than chance" in text and lowest == pytest.approx(math.log(2), abs=1e-9)
        assert "−" not in text.split("T =")[0]                            # no negative part
    assert "cost" in verdicts


def _miss_verdict(p_bar, o):
    if abs(p_bar - 0.5) < 0.005:
        return "no better than a coin flip"
    if (p_bar - 0.5) * (o - 0.5) < 0:
        return "on the wrong side of ½"
    return "over-confident" if abs(p_bar - 0.5) > abs(o - 0.5) else "under-confident" \
        if abs(p_bar - 0.5) < abs(o - 0.5) else "too"


def test_largest_miss_and_training_comparison_hold_at_every_calibration_setting():
    from sklearn.metrics import log_loss

    verdicts = set()
    for d, n, l2, bins in CAL_SETTINGS:
        e, z_train, z, total, _, _, rel, train = _calibration_numbers(d, n, l2, bins)
        p = special.expit(z)
        text = claims.largest_miss(rel.mean_p, rel.frac_pos, rel.counts)
        # the bins recomputed in a loop: uniform, an inner edge to the lower bin
        edges = np.linspace(0, 1, bins + 1)
        best = None
        for k in range(bins):
            inside = (p > edges[k]) & (p <= edges[k + 1]) if k else (p <= edges[1])
            if inside.sum() >= 3:
                gap = abs(e.y_test[inside].mean() - p[inside].mean())
                if best is None or gap > best[0]:
                    best = (gap, p[inside].mean(), e.y_test[inside].mean(), int(inside.sum()))
        if best is None:
            assert text is None
        elif best[0] < 0.005:
            assert "within 0.01" in text
        else:
            _, p_bar, o, count = best
            verdict = _miss_verdict(p_bar, o)
            ones = int(round(o * count))
            verb = "is" if ones == 1 else "are"
            assert f"says {p_bar:.2f} on average, {ones} of the {count} held-out points there {verb} 1 — {verdict}" \
                in text, text
            verdicts.add(verdict)
        ref_train = log_loss(e.y_train, special.expit(z_train), labels=[0, 1])
        ref_test = log_loss(e.y_test, p, labels=[0, 1])
        sentence = claims.train_vs_held_out(train, total)
        if sentence:
            shown = number(re.search("the loss is (?:only )?" + NUMBER, sentence).group(1))
            assert ref_train < ref_test and close(shown, ref_train, 3), sentence
            assert ("hide" in sentence) == (ref_test >= 1.1 * ref_train)
    assert {"over-confident", "under-confident"} <= verdicts, verdicts


def test_forecaster_sentences_hold_for_every_coin_and_report():
    grid = np.linspace(0, 1, 1001)
    for coin in range(0, 60, 3):
        q = round(float(np.random.default_rng([coin, 11]).uniform(0.05, 0.95)), 2)
        for n in (1, 5, 10, 20, 100):
            k = int(datasets.coin_tosses(q, n, seed=coin).sum())
            for target in (q, k / n):
                alt = claims.forecast_alt("score", target)
                absolute = target * (1 - grid) + (1 - target) * grid
                if np.ptp(absolute) < 1e-12:
                    assert "absolute error is flat" in alt
                else:
                    assert f"absolute error at r = {grid[np.argmin(absolute)]:g}" in alt
                for r in (0.0, 0.01, 0.3, 0.5, target, 0.99, 1.0):
                    mine = float(scoring.expected_score(target, r, "log"))
                    best = float(scoring.expected_score(target, target, "log"))
                    text = claims.forecast_gap(r, target, mine, best, "the observed frequency")
                    kl = float(np.sum(special.rel_entr([target, 1 - target], [r, 1 - r])))
                    if r == target:
                        assert "costs 0 nats more" in text
                    elif math.isinf(kl):
                        assert "costs ∞" in text
                    else:
                        assert close(after(text, f"Reporting r = {r:g} costs"), kl) or kl < 1e-12


def test_probability_of_a_logit_never_rounds_to_a_value_that_contradicts_its_loss():
    import mpmath

    for z in np.round(np.arange(-15, 15.05, 0.1), 1):
        text = claims.probability_of_logit(z)
        exact = 1 / (1 + mpmath.exp(-mpmath.mpf(float(z))))
        assert text not in ("0", "1")
        if text.startswith("1 − "):       # the small side, to 6 digits: 1 − p as exact as p's loss needs it
            assert abs(mpmath.mpf(number(text[4:])) - (1 - exact)) <= 1e-5 * (1 - exact), (z, text)
        else:
            assert abs(mpmath.mpf(number(text)) - exact) <= 1e-5 * exact, (z, text)
            assert number(text) < 1


# ------------------------------------------------------------------------------------------- the pages show them
GD_PAGE = "pages/gradient_descent.py"
PAGE_QUERIES = [
    {},
    {"train_with": "squared error", "l2": "0.01", "opt": "Momentum"},
    {"train_with": "both (a race)", "start": "confidently wrong", "l2": "1.0"},
    {"train_with": "both (a race)", "start": "confidently wrong", "opt": "Adam", "lr": "3.0", "l2": "1.0",
     "steps": "25"},
    {"train_with": "both (a race)", "start": "confidently wrong", "lr": "3.0", "l2": "1.0", "steps": "25"},
    {"dataset": "XOR", "n": "20", "balance": "0.1", "seed": "1"},
    {"dataset": "Circles", "features": "true", "start": "confidently wrong", "steps": "50"},
    {"dataset": "Linearly separable", "pw": "8.0"},
    {"opt": "Adam", "lr": "100.0"},
    {"dataset": "Moons", "test": "0.3", "train_with": "squared error", "start": "confidently wrong"},
    {"train_with": "both (a race)", "pw": "4.0", "l2": "0.1"},
    {"train_with": "squared error", "pw": "0.25", "dataset": "XOR", "features": "true"},
]


@pytest.mark.parametrize("query", PAGE_QUERIES, ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()) or "default")
def test_gradient_descent_page_shows_exactly_what_lib_claims_returns(query):
    at = open_page(GD_PAGE, query)
    shown = [i.value for i in at.info] + [w.value for w in at.warning]
    # the run the page made, rebuilt from its own controls' settings (the chart's data proves it is the same)
    e = _page_run(at)
    notice = claims.what_to_notice(e)
    assert any(v.endswith(notice) for v in shown), (notice, shown)
    race = claims.race(e)
    assert (race in shown) if race else not any(v.startswith(("After ", "Both runs")) for v in shown)
    for _, text in claims.diagnosis(e):
        assert text in shown
    t = e.last_step  # the run's end: a diverged run's last good step
    assert any(claims.point_sizes(e, t) in c.value for c in at.caption)
    assert at.get("plotly_chart")[0].proto.alt == "Chart: " + claims.describe(e, t)
    # the chart's title and its text alternative name the same number by the same words
    title = chart(at, "gd")["layout"]["title"]["text"]
    alt = claims.describe(e, t)
    if e.race is not None:
        bce = claims.bce_name(e.settings.pos_weight)
        for words in (f"BCE run: {bce} {claims.num(e.train_bce[t])}",
                      f"squared-error run: {bce} {claims.num(e.race_bce[t])}"):
            assert words in title and words in alt, (words, title, alt)
    else:
        value = e.train_bce[t] if e.settings.objective == "squared" else e.traj.loss[t]
        words = f"{claims.loss_label(e.settings.objective, e.settings.pos_weight)} {claims.num(value)}"
        assert words in title and words in alt, (words, title, alt)


def _page_run(at) -> experiment.Experiment:
    """The run of the page's own controls' values, made here again (runs are deterministic)."""
    return experiment.run(_settings_from_widgets(at))


def _settings_from_widgets(at) -> experiment.Settings:
    from lib import logistic

    by_label = {v: k for k, v in (datasets.DATASETS | {"custom": "Your own points"}).items()}
    opt = {v: k for k, v in logistic.OPTIMIZERS.items()}
    tw = {v: k for k, v in experiment.TRAIN_WITH.items()}
    st = {v: k for k, v in experiment.STARTS.items()}
    return experiment.Settings(
        dataset=by_label[at.selectbox(key="dataset").value], n=int(at.slider(key="n").value),
        noise=float(at.slider(key="noise").value), balance=float(at.slider(key="balance").value),
        seed=int(at.number_input(key="seed").value), test_fraction=float(at.select_slider(key="test").value),
        features=bool(at.toggle(key="features").value), optimizer=opt[at.selectbox(key="opt").value],
        batch_size=16, lr=float(at.select_slider(key="lr").value), steps=int(at.select_slider(key="steps").value),
        l2=float(at.select_slider(key="l2").value), pos_weight=float(at.select_slider(key="pw").value),
        objective=tw[_segmented(at, "train_with")],
        start=st[_segmented(at, "start")])


def _segmented(at, key):
    for el in at.get("button_group"):
        if el.key == key:
            return el.value[0] if isinstance(el.value, list) else el.value
    raise KeyError(key)


CAL_PAGE = "pages/calibration.py"


@pytest.mark.parametrize("query", [{}, {"cal_data": "Two blobs"}, {"cal_data": "Linearly separable", "cal_n": "400"},
                                   {"cal_data": "Circles", "cal_l2": "0.1", "cal_bins": "10"}],
                         ids=["default", "blobs", "separable-400", "circles-l2-bins10"])
def test_calibration_page_shows_exactly_what_lib_claims_returns(query):
    at = open_page(CAL_PAGE, query)
    labels = {v: k for k, v in datasets.DATASETS.items()}
    d = labels[at.selectbox(key="cal_data").value]
    n, l2, bins = (at.select_slider(key=k).value for k in ("cal_n", "cal_l2", "cal_bins"))
    e, _, _, total, T, at_T, rel, train = _calibration_numbers(d, int(n), float(l2), int(bins))
    sentence = (claims.calibration_cost(total, at_T, T, len(e.y_test))
                + (claims.largest_miss(rel.mean_p, rel.frac_pos, rel.counts) or "")
                + (claims.train_vs_held_out(train, total) or ""))
    assert any(m.value == sentence for m in at.markdown), sentence
    assert number(metric(at, "…of which calibration").split()[0]) >= 0


@pytest.mark.parametrize("z", ["15.0", "-15.0", "9.5"])
def test_loss_explorer_logit_box_shows_p_that_agrees_with_the_loss(z):
    at = open_page("pages/loss_curves.py", {"input": "logit z", "logit": z})
    assert any(f"**{claims.probability_of_logit(float(z))}**" in c.value for c in at.caption)
    formula = next(x.value for x in at.latex if x.value.lstrip("$\n").startswith("L = "))
    assert r"\log(1)" not in formula.replace(" ", "")


def test_many_classes_link_class_beyond_k_is_reset_with_a_notice_and_the_numbers_agree():
    at = open_page("pages/multiclass.py", {"k": "3", "true": "5"})
    assert any("True class" in w.value and "reset" in w.value for w in at.warning)
    assert at.slider(key="true").max == 2
    assert any(m.label == f"p of the true class {at.slider(key='true').value}" for m in at.metric)


def test_batch_caption_names_a_sample_only_when_it_carries_most_of_the_loss():
    rng = np.random.default_rng(3)
    named = 0
    for _ in range(300):
        k = int(rng.integers(1, 12))
        y = rng.integers(0, 2, k).astype(float)
        p = np.round(rng.choice([0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99], k), 3)
        per = [-math.log(pi) if yi == 1 else -math.log(1 - pi) for yi, pi in zip(y, p, strict=True)]
        top = int(np.argmax(per))
        share = per[top] / sum(per) if sum(per) > 0 else 0.0
        text = claims.dominant_sample(top, y[top], p[top], share)
        assert (text is not None) == (share > 0.5)
        if text:
            q = p[top] if y[top] == 1 else 1 - p[top]        # the probability given to the true class
            kind = "a confident mistake" if q <= 0.1 else "a mistake" if q < 0.5 else "a coin-flip guess" \
                if q == 0.5 else "a confident hit" if q >= 0.9 else "a hit"
            assert text.endswith(f"{kind}.") and f"carries {share:.0%}" in text
            named += 1
    assert named > 50


def test_ladder_sentence_ratios_at_every_confidence_of_the_ladder_and_between():
    import mpmath

    for c in [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, *np.linspace(0.501, 0.99999, 200)]:
        hit, miss = -mpmath.log(c), -mpmath.log(1 - mpmath.mpf(c))
        saved = mpmath.log(2) - hit
        text = claims.ladder(c, float(hit), float(miss), float(saved))
        if c == 0.5:
            assert "same coin-flip guess" in text
            continue
        assert close(after(text, "the mistake costs"), float(miss))
        assert close(after(text, "nats:"), float(miss / hit), 3), text
        assert close(after(text, "hit's loss of"), float(hit))
        assert close(after(text, f"{claims.num(float(hit))}, and"), float(miss / saved), 3), text


@pytest.mark.parametrize("K", [2, 3, 4, 6])
def test_many_classes_page_numbers_agree_with_scipy_softmax_at_every_class_and_scale(K):
    from scipy.special import log_softmax, softmax

    for true in range(0, 6):
        for scale in ("1", "100"):
            at = open_page("pages/multiclass.py", {"k": str(K), "true": str(true), "scale": scale, "z0": "-10.0"})
            shown_true = at.slider(key="true").value
            assert shown_true == (true if true < K else 0)          # out of range: reset, with the notice
            assert any("True class" in w.value for w in at.warning) == (true >= K)
            z = np.array([0.0 + at.slider(key=f"z{j}").value for j in range(K)]) * float(scale)
            p = softmax(z)
            # p itself, even where float64 underflows (e^−2000): mpmath reads the shown text and computes the truth
            import mpmath

            shown_p = mpmath.mpf(metric(at, f"p of the true class {shown_true}").replace("−", "-"))
            exact = mpmath.exp(float(log_softmax(z)[shown_true]))
            assert abs(shown_p - exact) <= 1e-5 * exact, (shown_p, exact)
            assert p[shown_true] == 0 or abs(p[shown_true] - float(exact)) <= 1e-12
            assert number(metric(at, "Cross-entropy")) == pytest.approx(-log_softmax(z)[shown_true], rel=1e-3)


# ------------------------------------------------------------------------------------------------ the fresh read's
def test_dp_blows_up_only_where_a_hard_label_is_wrong():
    # ∂L/∂p = (p − y)/(p(1 − p)) by hand, near each edge
    def dldp(y, p):
        return (p - y) / (p * (1 - p))

    for y, wrong in ((1.0, "p = 0"), (0.0, "p = 1")):
        near0, near1 = abs(dldp(y, 1e-12)), abs(dldp(y, 1 - 1e-12))
        assert (near0 > 1e9) == (wrong == "p = 0") and (near1 > 1e9) == (wrong == "p = 1")
        assert wrong in claims.blow_up_edges(y)
    assert abs(dldp(0.3, 1e-12)) > 1e9 and abs(dldp(0.3, 1 - 1e-12)) > 1e9
    assert "both edges" in claims.blow_up_edges(0.3)


def test_rmsprop_first_step_is_about_three_eta_per_parameter():
    from lib import datasets, logistic

    d = datasets.make("blobs", 100, seed=3)
    lr = 0.01
    traj = logistic.train(d.X, d.y, optimizer="rmsprop", lr=lr, steps=1)
    first = np.abs(np.append(traj.w[1] - traj.w[0], traj.b[1] - traj.b[0])) / lr
    g = np.append(d.X.T @ (0.5 - d.y), np.sum(0.5 - d.y)) / len(d.y)  # ∇J at θ = 0 (p = ½ everywhere), by hand
    moving = np.abs(g) > 1e-12  # a parameter whose gradient is 0 (here b, balanced classes) does not move
    np.testing.assert_allclose(first[moving], 1 / math.sqrt(0.1), rtol=1e-6)  # s₁ = 0.1·g², step = η·g/√s₁
    assert moving[:2].all()
    assert "about 3η" in claims.STEP_SENTENCE["rmsprop"]


@pytest.mark.parametrize("z, y", [([2.0, 0.5, -1.0], [0.1, 0.8, 0.1]), ([0.0, 0.0, 3.0], [0.5, 0.25, 0.25]),
                                  ([1.0, -1.0], [1.0, 0.0])])
def test_softmax_gradient_names_the_classes_each_way(z, y):
    from scipy.special import softmax

    p = softmax(np.array(z))
    text = claims.softmax_gradient(np.array(y), p)
    if sorted(y)[-1] == 1.0 and np.count_nonzero(y) == 1:
        assert "1 − p" in text
        return
    up = [str(j) for j in range(len(y)) if p[j] < y[j]]
    down = [str(j) for j in range(len(y)) if p[j] > y[j]]
    assert f"({'class' if len(up) == 1 else 'classes'} {', '.join(up)})" in text
    assert f"({'class' if len(down) == 1 else 'classes'} {', '.join(down)})" in text


def test_the_naive_softmax_failure_is_named_by_what_float64_does():
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(1000.0))
    assert np.exp(-1000.0) == 0.0
    assert "overflows" in claims.naive_softmax_failure([1000.0, 0.0])
    assert "underflows" in claims.naive_softmax_failure([0.0, -1000.0])
    assert "rounds" in claims.exact_value(0.0) and claims.exact_value(0.5) == claims.num(0.5)


def test_smoothing_at_zero_says_the_loss_reaches_zero():
    from lib import loss

    assert float(loss.bce(float(loss.smooth_labels(1.0, 0.0)), 1.0)) == 0.0
    assert "reaches 0 at p = 1" in claims.smoothing(0.0)
    assert math.isinf(float(loss.bce(float(loss.smooth_labels(1.0, 0.1)), 1.0)))
    assert "costs ∞" in claims.smoothing(0.1)


def test_two_certain_mistakes_share_the_infinite_total():
    at = open_page("pages/loss_curves.py", {"rows": "1:0,0:1,1:0.9"})
    captions = " ".join(c.value for c in at.caption)
    assert "Rows 0, 1 are 2 certain mistakes" in captions and "carries 100%" not in captions


def test_one_certain_mistake_is_named_as_what_makes_the_mean_infinite():
    from lib import loss

    assert math.isinf(float(loss.bce([1.0, 1.0], [0.0, 0.9])))  # the mean, by the engine's exact BCE
    at = open_page("pages/loss_curves.py", {"rows": "1:0,1:0.9"})
    captions = " ".join(c.value for c in at.caption)
    assert "Row 0 (y = 1, p = 0) is a certain mistake: −log 0 = ∞" in captions and "carries 100%" not in captions
