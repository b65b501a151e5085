"""Every page through AppTest, started from app.py: shown numbers and chart data against hand derivations."""
import math
import re

import numpy as np
import pytest

from tests.conftest import assert_ok, chart, md_table, metric, open_page, shown

LN2 = math.log(2)


def num(text: str) -> float:
    """A number as the app shows it (∞, unicode minus, a trailing unit)."""
    t = text.split()[0].replace("−", "-").rstrip("%")
    return math.inf if t == "∞" else -math.inf if t == "-∞" else float(t)


# ---------------------------------------------------------------------------------------------------- app shell
def widget_keys(at) -> set[str]:
    """The user keys of every widget on the page (these are also its URL parameter names)."""
    keys = set()

    def walk(node):
        key = getattr(node, "key", None)
        # a button (the share button) is an action, not a setting: never bound to the URL
        if isinstance(key, str) and not key.startswith("$$") and type(node).__name__ != "Button":
            keys.add(key)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return keys


# Preferences that mean the same thing, with the same widget, wherever they appear.
SHARED_KEYS = {"unit", "present"}


def test_navigation_lists_every_page_with_its_title_and_switching_keeps_working():
    from ui import PAGES

    at = open_page("pages/home.py")
    assert at.title[0].value == "Log Loss Lab"
    for _ in range(2):  # every page after every other page, in one session
        for info in PAGES:
            at.switch_page(info.path).run()
            assert not at.exception, info.path
            assert at.title[0].value == info.title or info.path == "pages/home.py"


def test_url_keys_are_unique_across_pages():
    # Streamlit keeps a bound widget's value across page switches: one key on two pages with different widgets
    # would carry a value into a widget that cannot take it.
    from ui import PAGES

    seen: dict[str, str] = {}
    for info in PAGES:
        for key in widget_keys(open_page(info.path)):
            if key in seen and key not in SHARED_KEYS:
                raise AssertionError(f"URL key {key!r} is used by {seen[key]} and {info.path}")
            seen[key] = info.path


# ---------------------------------------------------------------------------------------------------- home
def test_home_shows_the_loss_of_the_slider_prediction():
    at = open_page("pages/home.py")
    assert num(metric(at, "Loss")) == pytest.approx(-math.log(0.8), rel=1e-3)
    at.slider(key="p").set_value(0.05).run()
    assert num(metric(at, "Loss")) == pytest.approx(-math.log(0.05), rel=1e-3)
    fig = chart(at, "home_curve")
    curve, point = fig["data"][0], fig["data"][1]
    np.testing.assert_allclose(curve["y"], -np.log(curve["x"]), rtol=1e-6)
    assert point["x"][0] == pytest.approx(0.05)


def test_home_certain_mistake_is_infinite_and_explained():
    at = open_page("pages/home.py")
    at.slider(key="p").set_value(0.0).run()
    assert metric(at, "Loss").startswith("∞")
    assert any("−log 0 = ∞" in i.value for i in at.info)


def test_home_link_reproduces_the_view_and_a_bad_value_gets_a_notice():
    at = open_page("pages/home.py", {"p": "0.25"})
    assert num(metric(at, "Loss")) == pytest.approx(math.log(4), rel=1e-3)
    assert not at.warning
    for bad in ("abc", "7", "-1", "nan", "<script>alert(1)</script>", "0.3" * 500):
        at = open_page("pages/home.py", {"p": bad})
        assert num(metric(at, "Loss")) == pytest.approx(-math.log(0.8), rel=1e-3), bad
        assert len(at.warning) == 1 and "not valid" in at.warning[0].value, bad
        assert len(at.warning[0].value) < 300


# ---------------------------------------------------------------------------------------------------- loss explorer
LOSS = "pages/loss_curves.py"


def test_loss_explorer_default_sample_by_hand():
    at = open_page(LOSS)
    assert num(metric(at, "Loss (nats)")) == pytest.approx(-math.log(0.8), rel=1e-3)
    assert num(metric(at, "Positive term")) == pytest.approx(-math.log(0.8), rel=1e-3)
    assert num(metric(at, "Negative term")) == 0.0
    assert any(r"\log(0.8)" in latex.value and "0.2231" in latex.value for latex in at.latex)
    at = open_page(LOSS, {"view": "Gradients"})
    assert num(metric(at, "∂L/∂p")) == pytest.approx(-1 / 0.8, rel=1e-3)
    assert num(metric(at, "∂L/∂z")) == pytest.approx(0.8 - 1, rel=1e-3)


def test_loss_explorer_builds_only_the_open_tabs_chart():
    def one_sample_charts(at):
        ids = [el.proto.id for el in at.get("plotly_chart")]
        return {key for key in ("terms_p", "terms_z", "grads") if any(key in i for i in ids)}

    assert one_sample_charts(open_page(LOSS)) == {"terms_p"}
    assert one_sample_charts(open_page(LOSS, {"view": "Against the logit z"})) == {"terms_z"}
    at = open_page(LOSS, {"view": "Gradients"})
    assert one_sample_charts(at) == {"grads"}
    assert not any(m.label.startswith("∂L/∂p") for m in open_page(LOSS).metric)  # the tab's numbers come with it


def test_loss_explorer_curves_are_the_two_terms():
    at = open_page(LOSS)
    fig = chart(at, "terms_p")
    pos, neg, point = fig["data"][0], fig["data"][1], fig["data"][-1]
    np.testing.assert_allclose(pos["y"], -np.log(pos["x"]), rtol=2e-6)
    np.testing.assert_allclose(neg["y"], -np.log1p(-neg["x"]), rtol=2e-6, atol=1e-7)
    assert pos["line"]["width"] > neg["line"]["width"]  # y = 1: the positive term is the active one
    assert point["x"][0] == pytest.approx(0.8) and point["y"][0] == pytest.approx(-math.log(0.8), rel=1e-6)
    zfig = chart(open_page(LOSS, {"view": "Against the logit z"}), "terms_z")
    z, softplus_minus = zfig["data"][0]["x"], zfig["data"][0]["y"]
    np.testing.assert_allclose(softplus_minus, np.logaddexp(0, -z), rtol=2e-6)


def test_loss_explorer_label_zero_soft_label_and_logit_input():
    at = open_page(LOSS, {"label": "y = 0"})
    assert num(metric(at, "Loss (nats)")) == pytest.approx(-math.log(0.2), rel=1e-3)
    at = open_page(LOSS, {"label": "soft y", "ys": "0.3", "prob": "0.6"})
    by_hand = -0.3 * math.log(0.6) - 0.7 * math.log(0.4)
    assert num(metric(at, "Loss (nats)")) == pytest.approx(by_hand, rel=1e-3)
    total = chart(at, "terms_p")["data"][2]  # the weighted sum for a soft label
    x = total["x"]
    np.testing.assert_allclose(total["y"], -0.3 * np.log(x) - 0.7 * np.log1p(-x), rtol=2e-6, atol=1e-7)
    at = open_page(LOSS, {"input": "logit z", "logit": "2.0"})
    p = 1 / (1 + math.exp(-2.0))
    assert num(metric(at, "Loss (nats)")) == pytest.approx(-math.log(p), rel=1e-3)


def test_loss_explorer_bits():
    at = open_page(LOSS, {"unit": "bits", "prob": "0.5"})
    assert num(metric(at, "Loss (bits)")) == pytest.approx(1.0, rel=1e-4)  # −log2(1/2) = 1 bit
    assert any(r"\log_2" in latex.value for latex in at.latex)


def test_loss_explorer_certain_mistake_is_infinite_and_frameworks_show_their_clamps():
    at = open_page(LOSS, {"prob": "0.0"})
    assert metric(at, "Loss (nats)") == "∞"
    assert any("−log 0 = ∞" in e.value for e in at.error)
    reported = {row["Who"]: row["Reports (nats)"] for row in md_table(at, "Who")}
    assert reported["Exact (this app), float64"] == "∞"
    assert num(reported["PyTorch F.binary_cross_entropy, float32 tensors"]) == 100.0
    assert num(reported["Keras BinaryCrossentropy on float32 probabilities"]) == pytest.approx(-math.log(1e-7),
                                                                                              rel=1e-3)
    assert num(reported["scikit-learn log_loss, float64"]) == pytest.approx(52 * LN2, rel=1e-3)


def test_loss_explorer_framework_table_for_a_true_0_at_p_1_and_for_a_soft_label():
    from sklearn.metrics import log_loss

    at = open_page(LOSS, {"label": "y = 0", "prob": "1.0"})
    reported = {row["Who"]: row["Reports (nats)"] for row in md_table(at, "Who")}
    # float32: Keras's upper clip 1 − 1e−7 is 1 − 2⁻²³, so it reports 23·ln 2 = 15.94, not −log 1e−7 = 16.12
    assert num(reported["Keras BinaryCrossentropy on float32 probabilities"]) == pytest.approx(23 * LN2, rel=1e-3)
    assert num(reported["scikit-learn log_loss, float64"]) == pytest.approx(log_loss([0], [1.0], labels=[0, 1]),
                                                                          rel=1e-3)
    at = open_page(LOSS, {"label": "soft y", "ys": "0.7", "prob": "0.0"})
    reported = {row["Who"]: row["Reports (nats)"] for row in md_table(at, "Who")}
    assert "refuses soft labels" in reported["scikit-learn log_loss, float64"]
    with pytest.raises(ValueError):  # and so it does
        log_loss([0.7], [0.5], labels=[0, 1])
    error = " ".join(e.value for e in at.error)
    # the soft label's own reason: weight 0.7 on class 1, which p = 0 calls impossible
    assert "soft label y = 0.7 puts weight 0.7 on class 1" in error and "The label is" not in error


def test_loss_explorer_share_caption_names_the_row_and_what_it_is():
    at = open_page(LOSS, {"preset": "One confident mistake"})
    caption = next(c.value for c in at.caption if "of the total loss" in c.value)
    losses = [-math.log(p) if y else -math.log(1 - p) for y, p in
              [(1, 0.9), (1, 0.8), (1, 0.95), (0, 0.1), (0, 0.2), (0, 0.05), (1, 0.7), (1, 0.001)]]
    assert caption.startswith("Row 7 (y = 1, p = 0.001)")
    assert f"{losses[7] / sum(losses):.0%}" in caption and "a confident mistake" in caption
    # a soft row at p = y carries all the loss of a table of certain hits, and is no mistake
    at = open_page(LOSS)
    version = at.session_state["table_version"]
    at.session_state[f"editor_{version}"] = {"edited_rows": {}, "deleted_rows": list(range(8)),
                                             "added_rows": [{"y": "0.5", "p": "0.5"}, {"y": "1", "p": "1"}]}
    at.run()
    caption = next(c.value for c in at.caption if "of the total loss" in c.value)
    assert "mistake" not in caption and "soft label" in caption


def test_loss_explorer_presets_give_the_textbook_means():
    at = open_page(LOSS, {"preset": "Always 0.5"})
    assert num(metric(at, "Mean loss")) == pytest.approx(LN2, rel=1e-3)
    at = open_page(LOSS, {"preset": "One confident mistake"})
    bars = chart(at, "contributions")["data"][0]
    assert bars["x"][0] == "row 7" and bars["y"][0] == pytest.approx(-math.log(0.001), rel=1e-6)
    ys = [1, 1, 1, 0, 0, 0, 1, 1]
    ps = [0.9, 0.8, 0.95, 0.1, 0.2, 0.05, 0.7, 0.001]
    by_hand = np.mean([-math.log(p) if y else -math.log(1 - p) for y, p in zip(ys, ps, strict=True)])
    assert num(metric(at, "Mean loss")) == pytest.approx(by_hand, rel=1e-3)
    assert any("carries" in c.value for c in at.caption)


def test_loss_explorer_bad_rows_are_flagged_left_out_and_kept():
    at = open_page(LOSS)
    version = at.session_state["table_version"]
    at.session_state[f"editor_{version}"] = {
        "edited_rows": {0: {"p": "1.5"}, 1: {"y": "abc"}},
        "added_rows": [{"y": "1", "p": ""}],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    warning = " ".join(shown(w.value) for w in at.warning)
    assert "3 row(s) left out" in warning
    assert "row 0: p = 1.5 is outside [0, 1]" in warning and "row 1: y is not a number" in warning
    assert "row 8: p is empty" in warning
    assert metric(at, "Samples in the mean") == "6 of 9"
    rest = [(0, 0.1), (0, 0.2), (0, 0.05), (1, 0.95), (1, 0.7), (0, 0.3)]
    by_hand = np.mean([-math.log(p) if y else -math.log(1 - p) for y, p in rest])
    assert num(metric(at, "Mean loss")) == pytest.approx(by_hand, rel=1e-3)
    # what the user typed stays in the table to be fixed
    assert at.session_state[f"editor_{version}"]["edited_rows"][0]["p"] == "1.5"


def test_loss_explorer_csv_upload_replaces_the_table_and_a_bad_file_keeps_it():
    at = open_page(LOSS)
    at.file_uploader[0].set_value(("t.csv", b"y,p\n1,0.5\n0,0.5\n", "text/csv")).run()
    assert num(metric(at, "Mean loss")) == pytest.approx(LN2, rel=1e-3)
    for bad, why in ((b"a,b\n1,2\n", "columns named y and p"), (b"", "empty"), (b"\xff\xfe\x00", "UTF-8"),
                     (b"y,p\n" + b"1,0.5\n" * 600, "more than 500 rows"), (b"y,p\n" + b"1" * 200_000, "limit")):
        at.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
        assert not at.exception
        assert any(why in shown(e.value) for e in at.error), (why, [e.value for e in at.error])
        assert num(metric(at, "Mean loss")) == pytest.approx(LN2, rel=1e-3)  # the table is kept


def test_loss_explorer_one_row_formula_has_no_gap_inside_its_bracket():
    at = open_page(LOSS)
    at.file_uploader[0].set_value(("t.csv", b"y,p\n1,0.5\n", "text/csv")).run()
    formula = next(x.value for x in at.latex if r"\bar L" in x.value)
    assert r"\Bigl[" in formula and r"\qquad" not in formula and r"\begin{gathered}" not in formula


def test_loss_explorer_csv_with_bad_cells_is_loaded_and_flagged():
    at = open_page(LOSS)
    at.file_uploader[0].set_value(("t.csv", b"y,p\n1,0.9\n1,nan\n2,0.5\n", "text/csv")).run()
    warning = " ".join(w.value for w in at.warning)
    assert "2 row(s) left out" in warning
    assert num(metric(at, "Mean loss")) == pytest.approx(-math.log(0.9), rel=1e-3)


def test_loss_explorer_chart_data_stays_small():
    at = open_page(LOSS, {"label": "soft y", "logy": "true"})
    total = sum(len(el.proto.spec) for el in at.get("plotly_chart"))
    assert total < 150_000


# ------------------------------------------------------------------------------------------- confident mistakes
CM = "pages/confident_mistakes.py"


def test_confident_mistakes_ladder_at_099_is_458_times():
    at = open_page(CM)
    assert num(metric(at, "Confident hit")) == pytest.approx(-math.log(0.99), rel=1e-3)   # 0.01005
    assert num(metric(at, "Confident mistake")) == pytest.approx(math.log(100), rel=1e-3)  # 4.605
    assert num(metric(at, "Mistake's loss ÷ hit's loss")) == pytest.approx(math.log(100) / -math.log(0.99),
                                                                         rel=1e-2)  # ≈ 458
    # what the hit saves against guessing ½ is log 2 − (−log 0.99) = 0.683: the mistake costs ≈ 6.7× that
    saved = math.log(2) + math.log(0.99)
    assert num(metric(at, "Mistake's loss ÷ what the hit saves")) == pytest.approx(math.log(100) / saved, rel=1e-2)
    fig = chart(at, "ladder")
    mistake, hit = fig["data"][0], fig["data"][1]
    c = 1 - 10.0 ** -mistake["x"]  # the x axis counts nines: −log10(1 − c)
    np.testing.assert_allclose(mistake["y"], -np.log1p(-c), rtol=1e-5)
    np.testing.assert_allclose(hit["y"], -np.log(c), rtol=1e-4, atol=1e-9)



def test_confident_mistakes_ladder_chart_gets_the_wide_column_every_tick_and_no_label_on_its_line():
    at = open_page(CM)
    holding_chart = [c for c in at.columns if any("ladder" in el.proto.id for el in c.get("plotly_chart"))]
    holding_slider = [c for c in at.columns if c.select_slider]
    assert holding_chart and holding_slider
    assert holding_chart[0].weight > holding_slider[0].weight
    fig = chart(at, "ladder")
    lo, hi = fig["layout"]["xaxis"]["range"]
    ticks = fig["layout"]["xaxis"]["tickvals"]
    assert lo < min(ticks) and max(ticks) < hi  # 0.5 … 0.99999 all inside the axis, none on its very edge
    assert fig["layout"]["xaxis"]["ticktext"][-1] == "0.99999"
    assert not [t for t in fig["data"] if "text" in t.get("mode", "")]  # no number drawn on the steep curve

@pytest.mark.parametrize("c", [0.5, 0.6, 0.9, 0.99, 0.999, 0.9999])
def test_confident_mistakes_ladder_sentence_says_what_its_numbers_are(c):
    at = open_page(CM, {"c": str(c)})
    sentence = next(x.value for x in at.caption if x.value.startswith("At c ="))
    hit, miss = -math.log(c), -math.log1p(-c)
    if c == 0.5:
        assert "same coin-flip guess" in sentence
        return
    ratios = [num(part.split("×")[0].split()[-1]) for part in sentence.split("×")[:-1]]
    assert ratios[0] == pytest.approx(miss / hit, rel=6e-3)                    # 21.9 at 0.9, 6,904 at 0.999
    assert ratios[1] == pytest.approx(miss / (math.log(2) - hit), rel=6e-3)   # 6.7 at 0.99


def test_confident_mistakes_headline_claims_only_what_holds_for_every_c():
    at = open_page(CM)
    headline = at.markdown[0].value
    assert "hundreds" not in headline
    # "a confident hit can save at most log 2 over a coin flip": −log c >= 0 for every c, so log 2 − (−log c) <= log 2
    assert "at most log 2" in headline


def test_confident_mistakes_ladder_follows_the_slider_and_the_link():
    at = open_page(CM, {"c": "0.999"})
    assert num(metric(at, "Confident mistake")) == pytest.approx(math.log(1000), rel=1e-3)
    at = open_page(CM, {"c": "0.42"})  # not on the ladder
    assert num(metric(at, "Confident mistake")) == pytest.approx(math.log(100), rel=1e-3)
    assert any("not valid" in w.value for w in at.warning)


def test_confident_mistakes_squared_error_gradient_vanishes_where_bce_stays():
    at = open_page(CM)
    fig = chart(at, "compare_grads")
    by_name = {tr["name"]: tr for tr in fig["data"] if "name" in tr}
    z = by_name["BCE"]["x"]
    far_left = z < -5
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(by_name["BCE"]["y"], p - 1, atol=1e-6)
    brier = by_name["squared error (p − y)²"]["y"]
    np.testing.assert_allclose(brier, 2 * (p - 1) * p * (1 - p), atol=1e-6)
    assert np.all(np.abs(brier[far_left]) < 0.02) and np.all(by_name["BCE"]["y"][far_left] < -0.99)


def test_confident_mistakes_one_step_moves_p_most_under_bce_not_squared_error():
    at = open_page(CM, {"start_z": "-6.0", "step_lr": "1.0"})
    table = {row["loss"]: row for row in md_table(at, "loss")}
    moved = {name: num(row["p moved by"]) for name, row in table.items()}
    assert moved["BCE"] > 10 * moved["squared error (p − y)²"]
    assert moved["0-1 loss"] == 0
    # by hand: z1 = z0 − lr·(σ(z0) − 1), shown to four significant digits
    z1 = -6.0 - (1 / (1 + math.exp(6.0)) - 1)
    assert num(table["BCE"]["new z"]) == pytest.approx(z1, rel=5e-4)
    assert num(table["BCE"]["new p"]) == pytest.approx(1 / (1 + math.exp(-z1)), rel=5e-4)


def test_confident_mistakes_symmetry_and_pos_weight():
    at = open_page(CM)
    assert metric(at, "L(y = 1, p = 0.1)") == metric(at, "L(y = 0, p = 0.9)")
    at = open_page(CM, {"pos_weight": "4.0"})
    assert num(metric(at, "L(y = 1, p = 0.1)")) == pytest.approx(4 * math.log(10), rel=1e-3)
    assert num(metric(at, "L(y = 0, p = 0.9)")) == pytest.approx(math.log(10), rel=1e-3)


def test_confident_mistakes_label_smoothing_moves_the_minimum():
    at = open_page(CM, {"smooth": "0.2"})
    assert num(metric(at, "Smoothed target")) == pytest.approx(0.9)
    entropy = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert num(metric(at, "Lowest loss")) == pytest.approx(entropy, rel=1e-3)
    assert metric(at, "Loss of a certain hit").startswith("∞")


def test_confident_mistakes_framework_table_shows_the_clamps():
    at = open_page(CM)
    table = at.dataframe[0].value.set_index("p")
    assert num(table.loc["1e−300", "exact"]) == pytest.approx(300 * math.log(10), rel=1e-3)
    assert num(table.loc["1e−300", "PyTorch"]) == 100
    assert num(table.loc["1e−300", "Keras"]) == pytest.approx(
        7 * math.log(10), rel=1e-3)
    assert num(table.loc["1e−300", "scikit-learn"]) == pytest.approx(52 * LN2,
                                                                                                    rel=1e-3)


def test_confident_mistakes_quiz_reveals_only_after_an_answer():
    at = open_page(CM, {"quiz": "Q3"})
    assert not at.success and not at.error
    at.radio(key="answer_Q3").set_value("They cost the same").run()
    assert at.success and "L(0, 0.9) = L(1, 0.1)" in at.success[0].value
    at = open_page(CM, {"quiz": "Q2", "answer_Q2": "A: one at 0.0001"})
    # −log 0.0001 = 9.21 > 10·log 2 = 6.93: one clear answer, 1.33× apart
    assert at.success and "Right" in at.success[0].value
    assert f"{4 * math.log(10) / (10 * LN2):.3g}×" in at.success[0].value
    at = open_page(CM, {"quiz": "Q1", "answer_Q1": "A: p = 0.6"})
    assert at.error and f"{math.log(1 / 0.4) / math.log(1 / 0.6):.3g}×" in at.error[0].value


def test_confident_mistakes_every_quiz_question_has_one_clear_answer():
    # the two costs, by hand; "the same" only where they are equal, else at least 10% apart
    costs = {"Q1": (-math.log(0.6), -math.log(0.4)), "Q2": (-math.log(1e-4), 10 * LN2),
             "Q3": (-math.log(0.1), -math.log(0.1))}
    for q, (a, b) in costs.items():
        at = open_page(CM, {"quiz": q})
        labels = at.radio(key=f"answer_{q}").options
        assert a == b or max(a, b) / min(a, b) > 1.1, q
        right = labels[2] if a == b else labels[0] if a > b else labels[1]
        at.radio(key=f"answer_{q}").set_value(right).run()
        assert at.success and "Right" in at.success[0].value, q


# ------------------------------------------------------------------------------------------- gradient descent
GD = "pages/gradient_descent.py"


def test_gradient_descent_frames_hold_the_trajectory_of_lib_train():
    from lib import datasets, logistic

    at = open_page(GD, {"lr": "1.0", "steps": "100"})
    fig = chart(at, "gd")
    data = datasets.make("blobs", 200, noise=0.3, balance=0.5, seed=0)
    traj = logistic.train(data.X, data.y, optimizer="gd", lr=1.0, steps=100)
    assert len(fig["frames"]) >= 20
    for frame in fig["frames"]:
        k = int(frame["name"])
        by_index = dict(zip(frame["traces"], frame["data"], strict=True))
        w_marker, loss_marker = by_index[4], by_index[5]
        assert loss_marker["x"][0] == k
        assert loss_marker["y"][0] == pytest.approx(traj.loss[k], rel=1e-9)
        assert w_marker["x"][0] == pytest.approx(traj.w[k, 0], rel=1e-9, abs=1e-12)
        assert w_marker["y"][0] == pytest.approx(traj.w[k, 1], rel=1e-9, abs=1e-12)
        assert f"step {k} · train loss" in frame["layout"]["title"]["text"]
    assert num(metric(at, "Train loss")) == pytest.approx(traj.loss[-1], rel=1e-3)


def test_a_diverged_run_is_shown_only_up_to_its_last_good_step():
    """η = 30 with L2 = 1 on the default blobs: a textbook loop (written here) leaves the bound ‖θ‖ ≤ 10⁶ at some
    step k; the animation's last frame is step k − 1, and the numbers below the chart say that step."""
    from scipy.special import expit

    from lib import datasets

    data = datasets.make("blobs", 200, noise=0.3, balance=0.5, seed=0)
    X, y = data.X, data.y
    w, b, k = np.zeros(2), 0.0, None
    for step in range(1, 201):
        g = expit(X @ w + b) - y
        w2, b2 = w - 30.0 * (X.T @ g / len(y) + 1.0 * w), b - 30.0 * float(np.mean(g))
        if not np.linalg.norm(np.append(w2, b2)) <= 1e6:
            k = step
            break
        w, b = w2, b2
    assert k is not None
    at = open_page(GD, {"lr": "30.0", "l2": "1.0"})
    assert_ok(at)
    frames = chart(at, "gd")["frames"]
    assert int(frames[-1]["name"]) == k - 1
    assert any(m.label.startswith("Train") and f"(step {k - 1})" in m.label for m in at.metric)


def test_gradient_descent_boundary_is_where_p_is_one_half():
    at = open_page(GD)
    fig = chart(at, "gd")
    last = fig["frames"][-1]
    k = int(last["name"])
    by_index = dict(zip(last["traces"], last["data"], strict=True))
    bx, by = np.asarray(by_index[2]["x"]), np.asarray(by_index[2]["y"])
    from lib import datasets, logistic

    data = datasets.make("blobs", 200, noise=0.3, balance=0.5, seed=0)
    traj = logistic.train(data.X, data.y, lr=0.3, steps=200)
    z = traj.w[k, 0] * bx + traj.w[k, 1] * by + traj.b[k]
    np.testing.assert_allclose(z[np.isfinite(z)], 0.0, atol=1e-4)  # float32 coordinates on the line z = 0


def test_gradient_descent_shows_a_cached_figure_again_without_encoding_it(monkeypatch):
    """A rerun with the same run, step and theme shows the same cached animation: the same JSON, not encoded
    again (it is ~64 KB; encoding it costs ~1 ms of a shared server per interaction)."""
    from plotly.io import _json

    at = open_page("pages/gradient_descent.py", {"seed": "4321", "noise": "0.45"})
    first = [el.proto.spec for el in at.get("plotly_chart")]
    encoded = []
    real = _json.to_json
    monkeypatch.setattr(_json, "to_json", lambda fig, *a, **k: encoded.append(len(str(fig))) or real(fig, *a, **k))
    at.run()
    assert_ok(at)
    assert [el.proto.spec for el in at.get("plotly_chart")] == first and len(first) == 1
    assert encoded == []


def test_gradient_descent_in_presentation_mode_shows_its_cached_figure_scaled_for_a_projector():
    """The cached animation is kept encoded; presentation mode decodes it and scales its type and height by
    19/14 (14 px type becomes 19 px) and its height by 1.15 (an animation: Play and the boundary panel fit a
    720 px screen), every frame kept."""
    plain = chart(open_page("pages/gradient_descent.py"), "gd")
    big = chart(open_page("pages/gradient_descent.py", {"present": "true"}), "gd")
    assert plain["layout"]["font"]["size"] == 14 and big["layout"]["font"]["size"] == 19
    assert big["layout"]["height"] == 1035 and plain["layout"]["height"] == 900  # 1.15 times as tall
    assert len(big["frames"]) == len(plain["frames"]) == 40


def test_gradient_descent_huge_learning_rate_is_explained_never_nan():
    at = open_page(GD, {"lr": "100.0", "l2": "0.3"})
    warning = " ".join(w.value for w in at.warning)
    assert "Diverged at step" in warning and "too large" in warning
    for m in at.metric:
        assert "nan" not in m.value.lower()
    at = open_page(GD, {"lr": "100.0"})  # no L2: it oscillates (the loss rises in 57 of 200 steps)
    assert any("too large" in w.value for w in at.warning)


def test_gradient_descent_separable_without_l2_then_with_l2():
    at = open_page(GD, {"dataset": "Linearly separable", "lr": "1.0", "steps": "1000"})
    assert any("linearly separable" in i.value and "no minimum" in i.value for i in at.info)
    assert metric(at, "Gap to optimum") == "no optimum"
    at = open_page(GD, {"dataset": "Linearly separable", "lr": "1.0", "steps": "1000", "l2": "0.01"})
    assert not any("no minimum" in i.value for i in at.info)
    assert num(metric(at, "Gap to optimum")) < 1e-3


def test_gradient_descent_feature_map_learns_circles():
    at = open_page(GD, {"dataset": "Circles", "lr": "1.0", "steps": "500"})
    plain = num(metric(at, "Accuracy"))
    at = open_page(GD, {"dataset": "Circles", "lr": "1.0", "steps": "500", "features": "true"})
    assert num(metric(at, "Accuracy")) > 90 > plain


def test_gradient_descent_pos_weight_moves_the_boundary_towards_more_positives():
    def positives(q):
        at = open_page(GD, {"balance": "0.2", "noise": "0.6", "steps": "500", "lr": "1.0", **q})
        fig = chart(at, "gd")
        last = fig["frames"][-1]
        from lib import datasets, logistic

        data = datasets.make("blobs", 200, noise=0.6, balance=0.2, seed=0)
        pw = float(q.get("pw", 1.0))
        traj = logistic.train(data.X, data.y, lr=1.0, steps=500, pos_weight=pw)
        assert last["layout"]["title"]["text"].startswith("step 500")
        return np.mean(data.X @ traj.w[-1] + traj.b[-1] >= 0)

    assert positives({"pw": "4.0"}) > positives({})


def test_gradient_descent_compare_overlays_other_paths():
    at = open_page(GD, {"compare": ["Adam", "Momentum"]})
    names = [tr.get("name", "") for tr in chart(at, "gd")["data"]]
    assert "path: Adam" in names and "path: Momentum" in names


def test_gradient_descent_new_sample_changes_the_seed_and_the_data():
    at = open_page(GD)
    before = chart(at, "gd")["data"][0]["x"]
    at.button[0].click().run()
    assert at.number_input(key="seed").value == 1
    assert not np.array_equal(before, chart(at, "gd")["data"][0]["x"])


def test_gradient_descent_bad_link_values_fall_back_with_notices():
    at = open_page(GD, {"dataset": "Spiral", "n": "100000", "lr": "1e9", "compare": "Newton"})
    assert len(at.warning) >= 3
    assert at.selectbox(key="dataset").value == "Two blobs" and at.slider(key="n").value == 200


def test_gradient_descent_heaviest_settings_stay_under_one_megabyte():
    at = open_page(GD, {"n": "500", "steps": "1000", "features": "true", "test": "0.5", "dataset": "Moons",
                        "compare": ["Adam", "Momentum", "RMSprop", "Mini-batch SGD"]})
    spec = at.get("plotly_chart")[0].proto.spec
    assert len(spec) < 1_000_000


# ------------------------------------------------------------------------------------------- derivation
DER = "pages/derivation.py"


def _shown_tosses(at) -> str:
    for md in at.markdown:
        if md.value.startswith("Tosses:"):
            return md.value.split("`")[1]
    raise AssertionError("no tosses shown")


def test_derivation_mle_is_the_sample_mean_of_the_shown_tosses():
    at = open_page(DER, {"tosses": "20", "bias": "0.3", "toss": "5"})
    tosses = _shown_tosses(at)
    k = tosses.count("H")
    assert len(tosses) == 20
    assert num(metric(at, "Sample mean k/n")) == pytest.approx(k / 20)
    assert num(metric(at, "Numerical maximum")) == pytest.approx(k / 20, abs=1e-3)
    curve = chart(at, "loglik")["data"][0]
    p = np.asarray(curve["x"])
    by_hand = (k * np.log(p) + (20 - k) * np.log1p(-p)) / 20  # the mean log-likelihood, derived by hand
    np.testing.assert_allclose(curve["y"], by_hand, rtol=1e-6, atol=1e-6)
    assert p[np.argmax(curve["y"])] == pytest.approx(k / 20, abs=1e-3)


def test_derivation_toss_again_changes_the_tosses_and_more_tosses_narrow_the_likelihood():
    at = open_page(DER, {"tosses": "50"})
    first = _shown_tosses(at)
    at.button[0].click().run()
    assert _shown_tosses(at) != first

    def width(n):
        curve = chart(open_page(DER, {"tosses": str(n)}), "likelihood")["data"][0]
        x, y = np.asarray(curve["x"]), np.asarray(curve["y"])
        return np.ptp(x[y > 0.5])  # width of the likelihood at half its height

    assert width(1000) < width(50) / 3


def test_derivation_cross_entropy_is_entropy_plus_kl():
    at = open_page(DER, {"soft_target": "0.8", "pred": "0.6"})
    H = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2))
    KL = 0.8 * math.log(0.8 / 0.6) + 0.2 * math.log(0.2 / 0.4)
    assert num(metric(at, "Entropy")) == pytest.approx(H, rel=1e-3)
    assert num(metric(at, "KL divergence")) == pytest.approx(KL, rel=1e-3)
    assert num(metric(at, "Cross-entropy")) == pytest.approx(H + KL, rel=1e-3)
    at = open_page(DER, {"soft_target": "1.0", "pred": "0.6", "unit": "bits"})  # hard label: entropy 0, CE is KL
    assert num(metric(at, "Entropy")) == 0
    assert metric(at, "KL divergence") == metric(at, "Cross-entropy")
    assert num(metric(at, "Cross-entropy")) == pytest.approx(-math.log2(0.6), rel=1e-3)


# ------------------------------------------------------------------------------------------- many classes
MC = "pages/multiclass.py"


def test_multiclass_cross_entropy_and_gradient_by_hand():
    at = open_page(MC)
    z = np.array([2.0, 1.0, 0.1])
    p = np.exp(z) / np.exp(z).sum()
    assert num(metric(at, "Cross-entropy")) == pytest.approx(-math.log(p[0]), rel=1e-3)
    bars = chart(at, "class_probs")["data"][0]
    np.testing.assert_allclose(bars["y"], p, rtol=1e-9)
    grads = chart(at, "class_grads")["data"][0]["y"]
    np.testing.assert_allclose(grads, p - np.array([1.0, 0, 0]), atol=1e-12)


def test_multiclass_soft_target():
    at = open_page(MC, {"target": "smoothed", "eps": "0.3", "true": "1"})
    z = np.array([2.0, 1.0, 0.1])
    logp = z - np.log(np.exp(z).sum())
    y = np.array([0.1, 0.8, 0.1])
    assert num(metric(at, "Cross-entropy")) == pytest.approx(-(y @ logp), rel=1e-3)


def test_multiclass_two_classes_is_exactly_bce():
    from sklearn.metrics import log_loss

    at = open_page(MC, {"k": "2", "z0": "0.5", "z1": "-1.2"})
    ce, b = num(metric(at, "Softmax cross-entropy")), num(metric(at, "BCE with logit"))
    assert ce == b
    p1 = 1 / (1 + math.exp(-(-1.2 - 0.5)))
    assert ce == pytest.approx(log_loss([0], [[1 - p1, p1]], labels=[0, 1]), rel=1e-6)


def test_multiclass_huge_logits_stay_exact_and_the_naive_formula_is_called_out():
    at = open_page(MC, {"k": "2", "scale": "100"})  # z = (200, 100): loss = log1p(e^-100) = 3.72e-44
    assert num(metric(at, "Cross-entropy")) == pytest.approx(math.exp(-100), rel=1e-3)
    assert any("naively" in w.value for w in at.warning)
    at = open_page(MC, {"scale": "100", "z0": "-10.0"})  # true class far below the others
    assert num(metric(at, "Cross-entropy")) == pytest.approx(100 * (1.0 + 10.0), rel=1e-3)


def test_multiclass_batch_mean_by_hand():
    at = open_page(MC)
    logits = np.array([[3.0, 0.5, -1.0], [0.2, 2.5, 0.1], [1.0, 1.2, 0.8], [-2.0, 0.0, 4.0], [2.0, -1.0, -3.0]])
    true = [0, 1, 2, 0, 0]
    per = [math.log(np.exp(r).sum()) - r[t] for r, t in zip(logits, true, strict=True)]
    assert any(f"{np.mean(per):.4g}" in latex.value for latex in at.latex)


def test_gradient_descent_has_one_step_control_the_charts_and_the_numbers_are_the_runs_end():
    """One "now": no step box beside the chart's own slider (after a scrub the two disagreed, issue 29); the chart
    opens on the last step, and every metric is that step's, labelled as the end."""
    from lib import datasets, logistic

    at = open_page(GD, {"frame": "5"})  # an old link's step is not a control any more
    assert not [n for n in at.number_input if n.key == "frame"]
    fig = chart(at, "gd")
    slider = fig["layout"]["sliders"][0]
    assert slider["active"] == len(slider["steps"]) - 1 and slider["steps"][-1]["label"] == "200"
    assert fig["layout"]["title"]["text"].startswith("step 200 ·")
    data = datasets.make("blobs", 200, noise=0.3, balance=0.5, seed=0)
    traj = logistic.train(data.X, data.y, lr=0.3, steps=200)
    assert num(metric(at, "Train loss at the end (step 200)")) == pytest.approx(traj.loss[200], rel=1e-3)
    assert any("The numbers below are the run's end, step 200" in c.value for c in at.caption)


def test_gradient_descent_choosing_the_compared_optimizer_drops_it_from_the_address_without_a_warning():
    """With Adam compared, choosing Adam as the optimizer leaves Adam out of the comparison: the address must drop
    ``compare=Adam`` too (it stayed, and reopening the address warned that the link's value was no choice)."""
    at = open_page(GD, {"compare": "Adam", "controls": "Model and optimizer"})
    assert at.query_params.get("compare") in ("Adam", ["Adam"])
    at.selectbox(key="opt").set_value("Adam").run()
    assert "compare" not in at.query_params and at.multiselect(key="compare").value == []
    assert not any("Compare paths with" in w.value for w in at.warning)
    reopened = open_page(GD, dict(at.query_params))
    assert not any("not one of the choices" in w.value for w in reopened.warning)


def test_result_tables_put_their_key_columns_first_so_a_phone_shows_them():
    """On a 390 px phone a table shows its first two or three columns; the loss, its share and the frameworks'
    values were beyond them (issue 29)."""
    mc = open_page("pages/multiclass.py")
    assert list(mc.dataframe[0].value.columns[:2]) == ["true class", "loss −log p"]
    cm = open_page(CM)
    table = next(d.value for d in cm.dataframe if "p" in d.value.columns)
    assert all(len(c) <= 12 for c in table.columns), list(table.columns)  # short titles, the long in the tooltip
    lc = open_page("pages/loss_curves.py")
    result = next(d.value for d in lc.dataframe if "share" in d.value.columns)
    assert list(result.columns[:3]) == ["row", "loss", "share"]


# ------------------------------------------------------------------------------------------- every sentence true
def _points(at):
    """The training points the gradient-descent chart draws: (X, y) from its two class traces."""
    fig = chart(at, "gd")
    X0 = np.column_stack([fig["data"][0]["x"], fig["data"][0]["y"]])
    X1 = np.column_stack([fig["data"][1]["x"], fig["data"][1]["y"]])
    return np.vstack([X0, X1]), np.concatenate([np.zeros(len(X0)), np.ones(len(X1))])


def _best_line_loss(X, y) -> tuple[float, float]:
    """scikit-learn's unpenalized logistic regression on the drawn points: (its mean BCE, its training accuracy)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    model = LogisticRegression(C=1e12, tol=1e-12, max_iter=100_000).fit(X, y)
    return log_loss(y, model.predict_proba(X)[:, 1]), model.score(X, y)


def _notice(at) -> str:
    return next(i.value for i in at.info if i.value.startswith("**"))


def test_gradient_descent_converging_momentum_and_rmsprop_are_not_called_unstable():
    for query in ({"opt": "Momentum"}, {"opt": "RMSprop", "lr": "0.01"}, {"opt": "Adam", "lr": "1.0"}):
        at = open_page(GD, query)
        assert not any("too large" in w.value for w in at.warning), query
    # momentum at the default η ends at the optimum that scikit-learn finds on the same points
    at = open_page(GD, {"opt": "Momentum"})
    best, _ = _best_line_loss(*_points(at))
    assert num(metric(at, "Train loss")) == pytest.approx(best, abs=2e-4)
    assert any("rose in" in i.value and "settled" in i.value for i in at.info)


def test_gradient_descent_a_run_still_swinging_is_warned_with_its_own_numbers():
    at = open_page(GD, {"lr": "100.0"})
    warning = next(w.value for w in at.warning if "too large" in w.value)
    import re

    start = float(re.search(r"started at (\d+\.\d+)", warning).group(1))
    assert start == pytest.approx(math.log(2), abs=1e-4)  # w = 0, b = 0: p = ½ for every point


def test_gradient_descent_shows_the_update_rule_of_the_chosen_optimizer():
    rules = {"Gradient descent (full batch)": r"\nabla J(\theta)", "Momentum": r"v \leftarrow 0.9",
             "RMSprop": r"\sqrt{s}", "Adam": r"1-0.999^t", "Mini-batch SGD": "mini-batch of 16"}
    for opt, piece in rules.items():
        at = open_page(GD, {"opt": opt})
        assert any(piece in x.value for x in at.latex), opt
        assert not any("distance η" in m.value for m in at.markdown)
    at = open_page(GD)
    assert any("length η‖∇J‖" in m.value for m in at.markdown)


def test_gradient_descent_logit_gradient_formula_with_pos_weight_is_the_derivative():
    at = open_page(GD, {"pw": "4.0"})
    shown = [x.value for x in at.latex if r"\partial J" in x.value]
    assert shown and r"(1-y_i)\,p_i - 4\,y_i\,(1-p_i)" in shown[0] and r"(p_i - y_i)" not in shown[0]
    # the formula against a finite difference of the weighted loss of one sample, by hand
    for y, z in ((1.0, 0.3), (0.0, -1.2), (1.0, -4.0)):
        def L(zz, y=y):
            p = 1 / (1 + math.exp(-zz))
            return -(4.0 * y * math.log(p) + (1 - y) * math.log(1 - p))
        p = 1 / (1 + math.exp(-z))
        h = 1e-6
        assert (L(z + h) - L(z - h)) / (2 * h) == pytest.approx((1 - y) * p - 4.0 * y * (1 - p), rel=1e-6)


@pytest.mark.parametrize("query, separable", [({}, False), ({"noise": "0.05", "seed": "1"}, True),
                                              ({"dataset": "Moons"}, False)])
def test_gradient_descent_dataset_sentence_agrees_with_the_points_drawn(query, separable):
    at = open_page(GD, query)
    X, y = _points(at)
    best, accuracy = _best_line_loss(X, y)
    assert (accuracy == 1.0) == separable  # an unpenalized fit separates exactly the separable sets
    notice = _notice(at)
    if separable:
        assert "The blobs overlap" not in notice and "no line separates" not in notice
        assert "separates the training points" in notice
    else:
        assert "no line separates" in notice
        floor = float(notice.split("the best possible is ")[1].split()[0])
        assert floor == pytest.approx(best, rel=1e-3)


def test_gradient_descent_xor_floor_is_the_label_entropy_not_always_log_2():
    at = open_page(GD, {"dataset": "XOR", "balance": "0.2"})
    X, y = _points(at)
    share = y.mean()
    entropy = -(share * math.log(share) + (1 - share) * math.log(1 - share))
    best, _ = _best_line_loss(X, y)
    notice = _notice(at)
    assert f"{entropy:.4g} nats" in notice and f"({share:.0%})" in notice
    assert float(notice.split("best line's BCE is ")[1].split()[0]) == pytest.approx(best, rel=1e-3)
    assert entropy < 0.6  # far from log 2: the old blurb's "near log 2" was false here


def test_derivation_names_the_common_slip_and_shows_why_it_is_wrong():
    at = open_page("pages/derivation.py", {"coin": "0.3"})
    right = next(x.value for x in at.latex if r"\text{right: }" in x.value)
    slip = next(x.value for x in at.latex if r"\text{slip: }" in x.value)
    # by hand, at ŷ = 0.3: right P(1) = 0.3, P(0) = 0.7; slip ŷ^y·(1−y)^(1−ŷ): y = 1 → 0.3·0^0.7 = 0, y = 0 → 1
    assert r"P(1) = 0.3,\ P(0) = 0.7" in right
    assert r"0^{0.7} = 0 " in slip and r"1^{0.7} = 1" in slip
    assert any("A common slip" in m.value for m in at.markdown)


# ------------------------------------------------------------------------------------------- share links (issue 12)
def _share_link(at) -> str:
    """Press the sidebar's "Share this view" and read the link from the dialog it opens."""
    at.button(key="share_view").click().run()
    assert not at.exception
    return next(c.value for c in at.code if c.value.startswith(("http", "?", "(the page")))


def test_loss_explorer_edited_table_travels_in_the_share_link_and_reproduces_the_mean():
    from urllib.parse import parse_qs, urlsplit

    at = open_page(LOSS)
    version = at.session_state["table_version"]
    at.session_state[f"editor_{version}"] = {"edited_rows": {0: {"p": "0.3"}}, "added_rows": [{"y": "1", "p": "0.01"}],
                                             "deleted_rows": []}
    at.run()
    mean = metric(at, "Mean loss")
    query = {k: v[0] for k, v in parse_qs(urlsplit(_share_link(at)).query).items()}
    assert query["rows"].startswith("1:0.3,1:0.8,") and query["rows"].endswith(",1:0.01")
    # a student opening that link sees the same mean; by hand from the nine rows
    fresh = open_page(LOSS, query)
    assert metric(fresh, "Mean loss") == mean
    rows = [(1, 0.3), (1, 0.8), (1, 0.95), (0, 0.1), (0, 0.2), (0, 0.05), (1, 0.7), (0, 0.3), (1, 0.01)]
    by_hand = np.mean([-math.log(p) if y else -math.log(1 - p) for y, p in rows])
    assert num(mean) == pytest.approx(by_hand, rel=1e-3)


def test_loss_explorer_bad_table_in_a_link_is_flagged_and_the_page_works():
    at = open_page(LOSS, {"rows": "1:0.9,nonsense"})
    assert any("not of the form y:p" in shown(w.value) for w in at.warning)
    assert metric(at, "Samples in the mean") == "8 of 8"  # the preset
    at = open_page(LOSS, {"rows": "1:0.9,0:1.5"})  # a bad cell is flagged on its row, like a typed one
    assert any("p = 1.5 is outside [0, 1]" in shown(w.value) for w in at.warning)
    assert num(metric(at, "Mean loss")) == pytest.approx(-math.log(0.9), rel=1e-3)
    at = open_page(LOSS, {"rows": ",".join(["1:0.5"] * 101)})
    assert any("at most 100" in w.value for w in at.warning)


@pytest.mark.parametrize("path, query, limit", [(LOSS, {}, "500 rows"), (GD, {"dataset": "Your own points"},
                                                                        "1000 points")])
def test_upload_box_states_the_real_limit_and_why_the_box_says_1mb(path, query, limit):
    """Issue 29: Streamlit's box says "1MB per file" (server.maxUploadSize, whole MB) under a label of 100 KB; the
    label says what this table takes and the help why the box says otherwise (Gradient descent had no help)."""
    proto = open_page(path, query).get("file_uploader")[0].proto
    assert "100 KB" in proto.label and limit in proto.label
    assert '"1MB per file"' in proto.help and "any file" in proto.help and "100 KB" in proto.help
    assert proto.max_upload_size_mb == 1  # the "1MB" the help explains


@pytest.mark.parametrize("path, key, option", [(LOSS, "label", "y = 0"), (LOSS, "input", "logit z"),
                                               (LOSS, "unit", "bits"), (CM, "quiz", "Q2"),
                                               ("pages/multiclass.py", "target", "smoothed")])
def test_segmented_controls_cannot_be_emptied_by_a_second_tap(path, key, option):
    at = open_page(path, {key: option})
    proto = next(w for w in at.get("button_group") if w.proto.id.endswith(key) or key in w.proto.id).proto
    assert proto.required  # the browser keeps the choice on a second tap (checked for real in tests/browser)


# ------------------------------------------------------------------------------------------- honest probabilities
CAL = "pages/calibration.py"


def _tosses(at) -> tuple[int, int]:
    text = next(m.value for m in at.markdown if m.value.startswith("Tosses:"))
    shown = text.split("`")[1]
    k, n = (int(v) for v in re.fullmatch(r"(\d+) heads? in (\d+) toss(?:es)?", text.split("**")[1]).groups())
    assert shown.count("H") == min(k, 60) or n > 60
    return k, n


def test_forecaster_scores_are_the_means_over_the_tosses_shown():
    at = open_page(CAL, {"report": "0.7", "revealed": "50", "coin_no": "3"})
    k, n = _tosses(at)
    r = 0.7
    by_hand = {"Mean log loss": -(k * math.log(r) + (n - k) * math.log(1 - r)) / n,
               "Mean Brier": (k * (1 - r) ** 2 + (n - k) * r**2) / n,
               "Mean absolute": (k * (1 - r) + (n - k) * r) / n,
               "Mean 0-1": (n - k) / n}                       # r ≥ ½ calls heads: every tail is a miss
    for label, value in by_hand.items():
        assert num(metric(at, label)) == pytest.approx(value, rel=1e-3), label


def test_forecaster_chart_shows_proper_rules_lowest_at_the_truth_and_absolute_error_at_an_edge():
    at = open_page(CAL, {"reveal": "true", "report": "0.2", "coin_no": "5"})
    fig = chart(at, "forecast")
    q = fig["layout"]["shapes"][0]["x0"]
    by = {tr["name"]: tr for tr in fig["data"] if tr.get("mode") == "lines"}
    for name in ("log loss", "Brier (squared error)"):
        x, y = by[name]["x"], by[name]["y"]
        assert abs(x[np.nanargmin(y)] - q) <= 0.0025 + 1e-9, name           # the grid step is 1/400
    x, y = by["absolute error"]["x"], by["absolute error"]["y"]
    assert x[np.argmin(y)] == (1.0 if q > 0.5 else 0.0)
    # the gap sentence: E[L(r)] − E[L(q)] = KL(q ‖ r), by hand
    gap = q * math.log(q / 0.2) + (1 - q) * math.log((1 - q) / 0.8)
    sentence = next(m.value for m in at.markdown if m.value.startswith("Reporting r = 0.2"))
    assert num(sentence.split("costs ")[1]) == pytest.approx(gap, rel=1e-3)


@pytest.mark.parametrize("report", ["0.0", "1.0"])
def test_forecaster_you_marker_is_whole_at_the_edges_and_the_axis_title_fits(report):
    """At r = 0 or 1 the "you" marker sat on the axis' end, half cut; the y title named the bias and was cut."""
    at = open_page(CAL, {"reveal": "true", "report": report, "coin_no": "5"})
    fig = chart(at, "forecast")
    you = next(tr for tr in fig["data"] if tr.get("name") == "you")
    (x0, x1), (y0, y1) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert x0 < you["x"][0] < x1 and y0 < you["y"][0] < y1
    # 14 px type: about 7.5 px a character on a 360 px chart's ~280 px plot height
    assert len(fig["layout"]["yaxis"]["title"]["text"]) * 7.5 < 280
    assert "q = " in fig["layout"]["legend"]["title"]["text"]  # what is scored is still said


def _calibration_run(n=60, l2=0.0):
    from lib import experiment

    e = experiment.run(experiment.Settings(dataset="moons", n=n, noise=0.3, features=True, l2=l2, steps=1000, lr=1.0,
                                           test_fraction=0.5))
    w, b = e.traj.w[-1], e.traj.b[-1]
    return e, e.F_test @ w + b


def test_calibration_numbers_agree_with_scikit_learn():
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import log_loss

    at = open_page(CAL)
    e, z = _calibration_run()
    p = 1 / (1 + np.exp(-z))
    assert num(metric(at, "Log loss, held-out points")) == pytest.approx(log_loss(e.y_test, p), rel=1e-3)
    held_out = next(tr for tr in chart(at, "reliability")["data"] if tr["name"] == "held-out points")
    prob_true, prob_pred = calibration_curve(e.y_test, p, n_bins=5, strategy="uniform")
    np.testing.assert_allclose(held_out["y"], prob_true, rtol=1e-9)
    np.testing.assert_allclose(held_out["x"], prob_pred, rtol=1e-9)
    # calibration = what the best temperature saves (scipy's own 1-D minimum), the rest is the loss left there
    from scipy.optimize import minimize_scalar

    f = lambda t: log_loss(e.y_test, 1 / (1 + np.exp(-z / math.exp(t))), labels=[0, 1])  # noqa: E731
    lowest = minimize_scalar(f, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).fun
    assert num(metric(at, "…of which calibration")) == pytest.approx(log_loss(e.y_test, p) - lowest, rel=2e-3)
    assert num(metric(at, "…left after recalibrating")) == pytest.approx(lowest, rel=1e-3)


def test_temperature_best_t_is_the_minimum_scipy_finds_and_the_slider_moves_the_loss():
    from scipy.optimize import minimize_scalar
    from sklearn.metrics import log_loss

    at = open_page(CAL, {"temp": "2.8"})
    e, z = _calibration_run()
    f = lambda t: log_loss(e.y_test, 1 / (1 + np.exp(-z / math.exp(t))), labels=[0, 1])  # noqa: E731
    ref = math.exp(minimize_scalar(f, bounds=(-5, 5), method="bounded", options={"xatol": 1e-10}).x)
    assert num(metric(at, "Best T")) == pytest.approx(ref, rel=2e-3)
    assert num(metric(at, "Held-out log loss at T = 2.8")) == pytest.approx(f(math.log(2.8)), rel=1e-3)


@pytest.mark.parametrize("t", ["0.3", "0.5", "0.8"])
def test_threshold_moves_accuracy_precision_recall_but_not_log_loss(t):
    from sklearn.metrics import accuracy_score, log_loss, precision_score, recall_score

    at = open_page(CAL, {"thr": t})
    e, z = _calibration_run()
    p = 1 / (1 + np.exp(-z))
    pred = (p >= float(t)).astype(int)
    assert num(metric(at, "Accuracy")) == pytest.approx(100 * accuracy_score(e.y_test, pred), abs=0.06)
    assert num(metric(at, "Precision")) == pytest.approx(100 * precision_score(e.y_test, pred), abs=0.06)
    assert num(metric(at, "Recall")) == pytest.approx(100 * recall_score(e.y_test, pred), abs=0.06)
    assert num(metric(at, "Log loss (any t)")) == pytest.approx(log_loss(e.y_test, p), rel=1e-3)
    from sklearn.metrics import confusion_matrix

    tn, fp, fn, tp = confusion_matrix(e.y_test, pred, labels=[0, 1]).ravel()
    table = next(m.value for m in at.markdown if m.value.startswith("| at t = "))
    assert f"| truly 1 | {tp} | {fn} |" in table and f"| truly 0 | {fp} | {tn} |" in table


def test_calibration_sentence_is_computed_from_the_diagram():
    at = open_page(CAL)
    e, z = _calibration_run()
    sentence = next(m.value for m in at.markdown if m.value.startswith("Calibration costs"))
    held_out = next(tr for tr in chart(at, "reliability")["data"] if tr["name"] == "held-out points")
    gaps = np.abs(held_out["y"] - held_out["x"])
    counts = np.array(held_out["customdata"])
    k = int(np.argmax(np.where(counts >= 3, gaps, -1)))
    ones = round(held_out["y"][k] * counts[k])
    assert f"where it says {held_out['x'][k]:.2f} on average, {ones} of the {counts[k]} held-out points" in sentence


def test_calibration_bad_link_values_fall_back_with_notices():
    at = open_page(CAL, {"temp": "99", "thr": "7", "cal_data": "spirals"})
    assert len([w for w in at.warning if "not valid" in w.value]) == 3
    assert num(metric(at, "Held-out log loss at T = 1")) > 0


# ------------------------------------------------------------------------------------------- the race (issue 14)
RACE = {"train_with": "both (a race)", "start": "confidently wrong", "noise": "0.0", "lr": "0.3", "steps": "100"}


def test_race_sentence_and_frames_agree_with_a_textbook_run_of_both_losses():
    from tests.test_logistic import _textbook

    at = open_page(GD, RACE)
    X, y = _points(at)                                   # the training points the chart draws (float32)
    u = X[y == 1].mean(0) - X[y == 0].mean(0)
    w0 = -5 * u / np.linalg.norm(u)
    acc = {}
    for name, squared in (("bce", False), ("squared", True)):
        w, b = _textbook(X, y, w0, 0.0, 0.3, 100, squared)
        acc[name] = 100 * np.mean(((X @ w + b) >= 0) == (y == 1))
    sentence = next(i.value for i in at.info if i.value.startswith("After 100 steps"))
    assert f"the BCE run classifies {acc['bce']:.1f}%" in sentence
    assert f"the squared-error run {acc['squared']:.1f}%" in sentence
    assert acc["bce"] > 99 and acc["squared"] < 5
    fig = chart(at, "gd")
    last = fig["frames"][-1]
    assert last["traces"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]   # both runs animate on the same frames
    rx, ry = np.asarray(last["data"][6]["x"]), np.asarray(last["data"][6]["y"])
    w, b = _textbook(X, y, w0, 0.0, 0.3, 100, True)
    z = w[0] * rx + w[1] * ry + b
    np.testing.assert_allclose(z[np.isfinite(z)], 0.0, atol=2e-3)   # the squared run's boundary is its z = 0
    # each run's hatched class-1 side (issue 29: the two lines lay on each other, opposite ways round): the area
    # the textbook run scores z ≥ 0, so the class-1 points fall in the BCE run's side and not in the squared one's
    from scipy.spatial import Delaunay

    for trace, squared, holds_class_1 in ((9, False, True), (10, True, False)):
        w, b = _textbook(X, y, w0, 0.0, 0.3, 100, squared)
        side = np.column_stack([last["data"][trace]["x"], last["data"][trace]["y"]])  # a convex polygon
        inside = Delaunay(side[:-1]).find_simplex(X) >= 0
        z = X @ w + b
        clear = np.abs(z) > 1e-3  # points on the line itself may fall either way
        np.testing.assert_array_equal(inside[clear], (z >= 0)[clear])
        assert np.mean(inside[y == 1]) == (1.0 if holds_class_1 else 0.0)
    assert fig["data"][9]["name"].startswith("BCE run calls this side class 1")
    assert len(at.get("plotly_chart")[0].proto.spec) < 1_000_000  # both runs within the animation budget


def test_squared_error_alone_shows_its_own_objective_and_no_gap_to_bces_optimum():
    at = open_page(GD, {"train_with": "squared error"})
    assert not any(m.label == "Gap to optimum" for m in at.metric)
    # the chart's title, its text alternative and the metric name one number "train BCE"
    title = chart(at, "gd")["layout"]["title"]["text"]
    bce = metric(at, "Train BCE (step 200)")
    assert f"train BCE {float(num(bce)):.4g}" in title
    assert f"train BCE {bce} nats" in at.get("plotly_chart")[0].proto.alt
    assert any(r"y_i(1-p_i)^2" in x.value for x in at.latex)
    assert any(r"\frac{2}{n}\,p_i(1-p_i)" in x.value for x in at.latex)


def test_own_points_upload_good_bad_and_too_big_keeps_what_was_loaded():
    at = open_page(GD, {"dataset": "Your own points"})
    good = b"x1,x2,y\n" + b"".join(b"%d,%d,%d\n" % (i, (i * 7) % 5, int(i >= 6)) for i in range(12))
    at.file_uploader[0].set_value(("p.csv", good, "text/csv")).run()
    assert not at.error
    X, y = _points(at)
    assert len(y) == 12 and y.sum() == 6
    # standardized: the chart draws mean 0, standard deviation 1 (float32 coordinates)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(X.std(axis=0), 1, rtol=1e-5)
    for bad, why in ((b"x1,x2,y\n1,2,7\n", "line 2: y = 7"), (b"x1,x2,y\n" + b"1,2,1\n" * 20_000, "100 KB")):
        at.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
        assert any(why in shown(e.value) and "unchanged" in e.value for e in at.error), [e.value for e in at.error]
        assert len(_points(at)[1]) == 12                 # the points loaded before are kept
        assert not at.file_uploader[0].value             # and the box does not show the refused file as attached
    at.file_uploader[0].set_value(("p.csv", good.replace(b"\n0,", b"\n0.5,"), "text/csv")).run()  # the new box works
    assert not at.error and len(_points(at)[1]) == 12


def test_loss_explorer_refused_upload_leaves_the_box_empty_and_the_table_kept():
    at = open_page(LOSS)
    at.file_uploader[0].set_value(("t.csv", b"y,p\n1,0.9\n0,0.2\n", "text/csv")).run()
    assert metric(at, "Samples in the mean") == "2 of 2" and at.file_uploader[0].value
    at.file_uploader[0].set_value(("big.csv", b"y,p\n" + b"1,0.5\n" * 30_000, "text/csv")).run()
    assert any("100 KB" in e.value and "unchanged" in e.value for e in at.error), [e.value for e in at.error]
    assert metric(at, "Samples in the mean") == "2 of 2"
    assert not at.file_uploader[0].value  # issue 29: the refused file still looked attached


# ------------------------------------------------------------------------------------------- exercise links
def test_exercise_link_locks_and_hides_controls_and_says_so():
    from urllib.parse import parse_qs, urlsplit

    at = open_page(GD, {"lr": "3.0", "opt": "Momentum", "lock": "lr", "hide": "opt,compare"})
    assert at.select_slider(key="lr").disabled and at.select_slider(key="lr").value == 3.0
    assert at.selectbox(key="opt").disabled and at.selectbox(key="opt").value == "Momentum"  # applied, not shown
    assert not at.select_slider(key="steps").disabled
    notice = next(i.value for i in at.info if i.value.startswith("**Exercise:**"))
    assert "Learning rate η set by your teacher" in notice and "2 controls hidden" in notice
    # the student's own share link keeps the lesson
    query = parse_qs(urlsplit(_share_link(at)).query)
    assert query["lock"] == ["lr"] and query["hide"] == ["compare,opt"]
    # the momentum run really trained at η = 3 (the locked value), by its update rule
    assert any(r"\theta \leftarrow \theta - 3\,v" in x.value for x in at.latex)


def _block_keys(at) -> list[str]:
    """The ids of every keyed container on the page (a keyed block's id ends with its key)."""
    found, todo = [], [at._tree]
    while todo:
        node = todo.pop()
        block_id = getattr(getattr(node, "proto", None), "id", "")
        if isinstance(block_id, str) and block_id:
            found.append(block_id)
        todo.extend(getattr(node, "children", {}).values())
    return found


@pytest.mark.parametrize("kind", ["lock", "hide"])
def test_an_exercise_link_locks_or_hides_a_quiz_answer_like_any_control(kind):
    """Issue 30: answer() skipped the placement every other control goes through, so a lesson that locked or hid
    it flagged it as "not a control" and left it free."""
    at = open_page(CM, {"answer_Q1": "A: p = 0.6", kind: "answer_Q1"})
    assert not [w.value for w in at.warning if "not a control" in w.value]
    answer = at.radio(key="answer_Q1")
    assert answer.disabled and answer.value == "A: p = 0.6"  # fixed at the link's value
    assert any(b.endswith(f"{'locked' if kind == 'lock' else 'hidden'}-ctl-answer_Q1") for b in _block_keys(at))
    notice = next(i.value for i in at.info if i.value.startswith("**Exercise:**"))
    assert ("Your answer set by your teacher" if kind == "lock" else "1 control hidden") in notice


@pytest.mark.parametrize("kind", ["lock", "hide"])
def test_an_exercise_link_locks_or_hides_tabs_and_the_tab_it_chose_stays(kind):
    """Issue 30: tabs() skipped the placement too. Tabs cannot be disabled: a locked or hidden tab bar keeps the
    link's tab, chosen again at every run, and shows its content."""
    def one_sample_charts(at):
        return {k for k in ("terms_p", "terms_z", "grads") if any(k in el.proto.id for el in at.get("plotly_chart"))}

    at = open_page(LOSS, {"view": "Gradients", kind: "view"})
    assert not [w.value for w in at.warning if "not a control" in w.value]
    assert any(b.endswith(f"{'locked' if kind == 'lock' else 'hidden'}-tabs-view") for b in _block_keys(at))
    assert one_sample_charts(at) == {"grads"}
    notice = next(i.value for i in at.info if i.value.startswith("**Exercise:**"))
    assert ("View set by your teacher" if kind == "lock" else "1 control hidden") in notice
    chosen_by_a_click = {}
    for lesson in ({}, {kind: "view"}):  # a click on another tab, without and with the lesson
        at = open_page(LOSS, lesson)
        at.session_state["view"] = "Gradients"
        at.run()
        chosen_by_a_click[bool(lesson)] = one_sample_charts(at)
    assert chosen_by_a_click == {False: {"grads"}, True: {"terms_p"}}  # the lesson's tab (the first) stays


def test_exercise_link_with_unknown_keys_is_flagged_and_ignored():
    at = open_page(GD, {"lock": "zzz,lr", "hide": "<script>"})
    warnings = " ".join(w.value for w in at.warning)
    assert "`zzz`" in warnings and "`<script>`" in warnings and "ignored" in warnings
    assert at.select_slider(key="lr").disabled


def test_the_readme_lessons_open_cleanly_and_lock_what_they_say():
    import re
    from urllib.parse import parse_qs, urlsplit

    from tests.conftest import ROOT

    links = re.findall(r"`…/gradient_descent\?([^`]+)`", (ROOT / "README.md").read_text())
    assert len(links) >= 2
    for query in links:
        params = {k: v[0] for k, v in parse_qs(urlsplit("?" + query).query).items()}
        at = open_page(GD, params)
        assert not at.warning, (query, [w.value for w in at.warning])
        assert any(i.value.startswith("**Exercise:**") for i in at.info)


@pytest.mark.parametrize("lesson, fixed", [({}, False), ({"lock": "l2"}, True), ({"hide": "l2"}, True)])
def test_separable_note_asks_for_l2_only_where_the_student_can_set_it(lesson, fixed):
    """Issue 29: a lesson that locks or hides L2 said "With L2 above 0 …" as if the student could turn it on."""
    at = open_page(GD, {"noise": "0.0", **lesson})
    note = next(i.value for i in at.info if "linearly separable and L2 is 0" in i.value)
    assert note.endswith("this exercise keeps L2 at 0.") == fixed, note


@pytest.mark.parametrize("query", [{"lr": "100.0"}, {"lr": "100.0", "l2": "0.3"}])
def test_too_large_learning_rate_is_not_advised_lower_when_the_lesson_locks_it(query):
    said = " ".join(w.value for w in open_page(GD, query).warning)
    assert "too large" in said and "ower the learning rate" in said
    said = " ".join(w.value for w in open_page(GD, {**query, "lock": "lr"}).warning)
    assert "too large" in said and "ower the learning rate" not in said and "exercise fixes the learning rate" in said
