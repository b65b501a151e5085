"""Gradient descent: logistic regression learns a toy dataset by minimizing BCE, animated in the browser."""
from dataclasses import asdict

import numpy as np
import pandas as pd
import streamlit as st

import ui
from lib import charts, claims, datasets, experiment, logistic, tables

page = ui.Page("Gradient descent", "Notice how each step moves the boundary and lowers the loss — and how the "
               "learning rate, the loss trained and the start change the path.")

OPT = logistic.OPTIMIZERS


def _new_sample():
    st.session_state["seed"] = int(st.session_state.get("seed", 0)) % 9999 + 1


def _example_points() -> list[tuple[str, str, str]]:
    """The table's first rows: 20 points of two blobs (made only when someone opens "Your own points")."""
    d = datasets.make("blobs", 20, noise=0.4, seed=3)
    return [(f"{a:.2f}", f"{b:.2f}", f"{c:g}") for (a, b), c in zip(d.X, d.y, strict=True)]


def _points_from_csv(data: bytes) -> list[tuple[str, str, str]]:
    """An uploaded file's points as the table's rows (``lib.datasets.read_points_csv``)."""
    X, y = datasets.read_points_csv(data)
    return [(repr(float(a)), repr(float(b)), f"{c:g}") for (a, b), c in zip(X, y, strict=True)]


def _own_points(test_fraction: float):
    """The user's points: an upload or the table as edited, checked row by row (``lib.tables.check_points``)."""
    checked = ui.table_editor(page, "points", columns=tables.POINT_COLUMNS, read_file=_points_from_csv,
                              check=tables.check_points, limit=datasets.MAX_POINTS, noun="points",
                              max_bytes=tables.MAX_CSV_BYTES, editor_key="points", uploader_key="points_upload",
                              first_rows=_example_points, height=180).checked
    st.caption(claims.own_points_caption(test_fraction))
    st.download_button("Download the points as CSV", lambda: tables.write_points_csv(checked.X, checked.y),
                       file_name="points.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
    if len(checked.y) < datasets.MIN_POINTS or len(np.unique(checked.y)) < 2:
        st.info(f"Training needs at least {datasets.MIN_POINTS} valid points of both classes; there are "
                f"{len(checked.y)}.", icon=":material/edit_note:")
        return None
    return tuple(tuple(row) for row in np.column_stack([checked.X, checked.y]).tolist())


@ui.cached(max_entries=128)
def _run(key: str, _fields: dict, fixed: frozenset[str] = frozenset()):
    """The run (shared with every page, ``ui.run_experiment``) and what it shows a student, once per settings
    (``key``: the settings' repr, every field exactly) and controls the exercise fixes (``fixed``)."""
    e = ui.run_experiment(key, _fields)
    ui.RUN_LOCK.checkpoint()  # between the run and its sentences: others' moves may go
    return e, claims.diagnosis(e, fixed), claims.what_to_notice(e)


@ui.cached(max_entries=512)
def _figure(key: str, _fields: dict, log_axis: bool, dark: bool, stacked: bool) -> charts.EncodedFigure:
    """The animated figure of a run, opening on its last step."""
    e = _run(key, _fields)[0]
    ui.RUN_LOCK.checkpoint()  # building the figure is ~50 ms of one piece: others' moves may go before it
    spec = charts.gradient_descent_figure(e, log_loss_axis=log_axis, dark=dark, stacked=stacked).to_dict()
    ui.RUN_LOCK.checkpoint()
    # themed once here, not on every rerun (frames hold no colour); kept as its JSON, encoded once
    return charts.EncodedFigure(charts.for_theme(spec, dark, frames=False))


def _controls():
    """The three tabs of controls: the run's settings and the loss axis, or None while the user's own points can't
    be trained on (the table says why)."""
    data_group, model_group, race_group = page.control_groups(["Data", "Model and optimizer", "Loss and start"],
                                                              "controls")
    with data_group:
        row = page.row()
        name = page.select("Dataset", "dataset", datasets.DATASETS | {"custom": "Your own points"}, "blobs",
                           container=row)
        custom = name == "custom"
        n = page.slider("Points", "n", 20, experiment.MAX_TOY_POINTS, 200, step=10, container=row) \
            if not custom else 200
        noise = page.slider("Noise", "noise", 0.0, 1.0, 0.3, step=0.05, container=row,
                            help="Spread of the blobs, jitter of the other shapes (the separable set ignores it).") \
            if not custom else 0.3
        balance = page.slider("Share of class 1", "balance", 0.1, 0.9, 0.5, step=0.05, container=row) \
            if not custom else 0.5
        row = page.row()
        seed = page.number("Seed", "seed", 0, 9999, 0, step=1, fmt_str="%d", container=row)
        page.button_for("seed", "New sample", _new_sample, icon=":material/casino:", container=row)
        test_fraction = page.choice_slider("Test share", "test", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], 0.0, container=row,
                                           help="Points held out of training; their loss is drawn dashed.")
        features = page.toggle("Feature map x₁², x₂², x₁·x₂", "features", container=row,
                               help="Lets the linear model draw curved boundaries: circles and XOR become learnable.")
        log_axis = page.toggle("Log-scale loss axis", "logloss", container=row)

    with model_group:
        row = page.row()
        optimizer = page.select("Optimizer", "opt", OPT, "gd", container=row)
        lr = page.choice_slider("Learning rate η", "lr", list(experiment.LEARNING_RATES), 0.3, container=row,
                                help="Log-spaced; large values show oscillation and divergence.")
        steps = page.choice_slider("Steps", "steps", list(experiment.STEP_COUNTS), 200, container=row)
        batch = page.choice_slider("Batch size (SGD)", "batch", list(experiment.BATCH_SIZES), 16, container=row) \
            if optimizer == "sgd" else 16
        row = page.row()
        l2 = page.choice_slider("L2 strength λ", "l2", list(experiment.L2_STRENGTHS), 0.0, container=row)
        pos_weight = page.choice_slider("pos_weight", "pw", list(experiment.POS_WEIGHTS), 1.0, container=row)
        compare = page.multi("Compare paths with", "compare", {k: v for k, v in OPT.items() if k != optimizer}, [],
                             container=row,
                             help="Other optimizers from the same start, same η, drawn on the landscape.")

    with race_group:
        row = page.row()
        objective = page.select("Train with", "train_with", experiment.TRAIN_WITH, "bce", kind="segmented",
                                container=row,
                                help="Squared error of the probabilities is what TensorFlow Playground trains with; "
                                     "both races the two from the same start, on the same frames.")
        start = page.select("Start", "start", experiment.STARTS, "zero", kind="segmented", container=row,
                            help="Confidently wrong: w₀ points from class 1 to class 0, so most points start with p "
                                 "near the wrong edge — where squared error's gradient vanishes.")

    points = ()
    if custom:
        with data_group:
            points = _own_points(float(test_fraction))
        if points is None:
            return None
    compare = [c for c in compare if c != optimizer]
    n_train = round((len(points) if custom else int(n)) * (1 - float(test_fraction)))
    affordable = experiment.paths_within_budget(n_train, int(steps), objective == "both", tuple(compare))
    if len(affordable) < len(compare):  # the run's time grows with points × steps × paths: say what was left out
        left_out = ", ".join(OPT[c] for c in compare[len(affordable):])
        model_group.caption(f"Compared paths capped at {len(affordable)} for {n_train} training points and {steps} "
                            f"steps, to keep a move quick on a shared server: {left_out} not drawn. Fewer points or "
                            "steps bring them back.")
    compare = list(affordable)
    settings = experiment.Settings(dataset=name, n=int(n), noise=float(noise), balance=float(balance), seed=int(seed),
                                   test_fraction=float(test_fraction), features=bool(features), optimizer=optimizer,
                                   batch_size=int(batch), lr=float(lr), steps=int(steps), l2=float(l2),
                                   pos_weight=float(pos_weight), compare=tuple(c for c in compare if c != optimizer),
                                   objective=objective, start=start, points=points or ())
    return settings, bool(log_axis)


def _lesson(s: experiment.Settings, log_axis: bool, chart_area) -> None:
    """What the run of settings ``s`` shows: the sentences computed from it, the animation, the numbers at the
    frame shown, the formulas with the user's numbers, and the run as CSV."""
    fields, run_key = asdict(s), repr(s)
    e, notes, notice = _run(run_key, fields, page.fixed & {"lr", "l2"})  # the keys its advice names
    # the sentences right under the chart, so the lesson reads chart, Play, step, sentence before any control
    chart_slot, sentences, caption_slot = (chart_area.container() for _ in range(3))
    with sentences:
        st.info(f"**{datasets.DATASETS.get(s.dataset, 'Your own points')}.** {notice}", icon=":material/visibility:")
        race = claims.race(e)
        if race:
            st.info(race, icon=":material/sports_score:")
        for kind, text in notes:
            (st.warning if kind == "warning" else st.info)(text)

    # One "now": the chart's. Its Play, Pause, Reset and step slider move it in the browser and its title carries
    # that step's numbers; everything below the chart is the run's end, labelled so (a second, server-side step
    # control could only ever disagree with the chart's after a scrub).
    t = e.last_step  # a diverged run's numbers are its last good step's, and say so
    with chart_slot:
        page.chart(charts.FigureSpec(_figure(run_key, fields, log_axis, page.dark, page.phone)),
                   key="gd", alt=claims.describe(e, t), themed=True)
        st.html(charts.ANIMATION_KEYS, unsafe_allow_javascript=True)  # static: Tab reaches Play and the slider
    with caption_slot:
        st.caption(
            "▶ Play animates the run in your browser; drag the step slider (or Tab to it and use ← →) to go to any "
            f"step — the chart's title gives that step's numbers. The numbers below are the run's end, step {t}. "
            + claims.point_sizes(e, t) + " " + claims.landscape(s.objective, s.l2))

    squared = s.objective == "squared"
    numbers = page.row()  # the run's end; the chart's title has the step it shows
    trained = "squared error" if squared else "loss" if s.l2 == 0 else "BCE + L2"  # what traj.loss is
    numbers.metric(f"Train {trained} at the end (step {t})", ui.fmt(e.traj.loss[t]))
    numbers.metric(f"Test {'BCE' if squared or s.l2 else 'loss'}", ui.fmt(e.test_loss[t]) if len(e.test_loss) else "—",
                   help="Held-out points' mean BCE, without the L2 term." if s.l2 else None)
    numbers.metric("Accuracy", f"{100 * e.train_accuracy[t]:.1f}%")
    numbers.metric("‖w‖", ui.fmt(e.w_norm[t], 3))
    numbers.metric("Gradient norm ‖∇J‖", ui.fmt(e.traj.grad_norm[t], 3))
    if squared:  # the number the chart's title calls the train loss of a squared-error run
        numbers.metric(f"Train BCE (step {t})", ui.fmt(e.train_bce[t]), help=claims.gap_help(e.optimum, "squared"))
    else:
        gap = e.traj.loss[t] - e.optimum.loss
        gap = 0.0 if abs(gap) <= 1e-12 * (1 + abs(e.optimum.loss)) else gap  # at the optimum to rounding
        numbers.metric("Gap to optimum", ui.fmt(gap, 3) if e.optimum.converged else "no optimum",
                       help=claims.gap_help(e.optimum, s.objective))

    pw, l2, lr = s.pos_weight, s.l2, s.lr
    if squared:
        page.latex(rf"J(w, b) = \frac{{1}}{{{len(e.y_train)}}}\sum_i \Bigl[{pw:g}\,y_i(1-p_i)^2 + (1-y_i)\,p_i^2"
                   rf"\Bigr] + \frac{{{l2:g}}}{{2}}\lVert w\rVert^2", r"p_i = \sigma(w\cdot x_i + b)")
    else:
        page.latex(rf"J(w, b) = \frac{{1}}{{{len(e.y_train)}}}\sum_i \Bigl[{pw:g}\,y_i\log\frac{{1}}{{p_i}}",
                   rf"+ (1-y_i)\log\frac{{1}}{{1-p_i}}\Bigr] + \frac{{{l2:g}}}{{2}}\lVert w\rVert^2",
                   r"p_i = \sigma(w\cdot x_i + b)")
    page.latex(*(piece.format(lr=f"{lr:g}", batch=s.batch_size) for piece in logistic.UPDATE_RULES[s.optimizer]))
    bce_grad = r"(p_i - y_i)" if pw == 1 else rf"\bigl[(1-y_i)\,p_i - {pw:g}\,y_i\,(1-p_i)\bigr]"
    if squared:
        st.latex(rf"\frac{{\partial J}}{{\partial z_i}} = \frac{{2}}{{n}}\,p_i(1-p_i)\,{bce_grad}")
    else:
        st.latex(rf"\frac{{\partial J}}{{\partial z_i}} = \frac{{1}}{{n}}\,{bce_grad}")
    st.markdown(claims.step_sentence(s.optimizer, lr, s.objective, pw))

    def run_csv() -> str:
        """The whole run as CSV, built only when someone downloads it."""
        table = pd.DataFrame({"step": np.arange(e.final + 1), "train_loss": e.traj.loss, "accuracy": e.train_accuracy,
                              "w_norm": e.w_norm, "grad_norm": e.traj.grad_norm, "b": e.traj.b}
                             | {f"w_{name}": e.traj.w[:, j] for j, name in enumerate(e.feature_names)}
                             | ({"test_loss": e.test_loss} if len(e.test_loss) else {}))
        return table.to_csv(index=False)

    st.download_button("Download the run as CSV", run_csv, file_name="gradient_descent_run.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore")


@ui.section
def gradient_descent_section() -> None:
    """Everything below the header. A control reruns only this part (a fragment), not the navigation, header and
    sidebar around it: the whole lesson depends on every control, so there is nothing finer to split."""
    # the animated chart first in every room: Play must show the boundary moving on the first screen
    chart_area, controls = page.chart_and_controls(stacked=True, chart_always_first=True)
    with controls:
        chosen = _controls()
    if chosen is not None:
        _lesson(*chosen, chart_area)


gradient_descent_section()
page.done()
