"""Your own points: lib.datasets.read_points_csv and lib.tables.check_points, bounded and naming each bad line."""
import numpy as np
import pytest

from lib import datasets, experiment, tables


def _csv(rows, header="x1,x2,y"):
    return (header + "\n" + "\n".join(",".join(str(c) for c in r) for r in rows) + "\n").encode()


GOOD = [(i * 0.5, -i, i % 2) for i in range(12)]


def test_a_good_file_gives_the_points_back_exactly():
    X, y = datasets.read_points_csv(_csv(GOOD))
    np.testing.assert_array_equal(X, [[a, b] for a, b, _ in GOOD])
    np.testing.assert_array_equal(y, [c for _, _, c in GOOD])
    X2, _ = datasets.read_points_csv(_csv([(c, b, a) for a, b, c in GOOD], header="y, X2 ,x1"))  # any order, case
    np.testing.assert_array_equal(X2, X)


@pytest.mark.parametrize("data, message", [
    (_csv(GOOD + [(1, 2, 7)]), r"line 14: y = 7 is not 0 or 1$"),  # a label is 0 or 1, not "in [0, 1]"
    (_csv(GOOD + [(1, 2, -1)]), r"line 14: y = -1 is not 0 or 1$"),
    (_csv(GOOD + [(1, 2, 0.5)]), r"line 14: y = 0.5 is not 0 or 1"),
    (_csv([GOOD[0], ("a", 1, 0)] + GOOD[1:]), r"line 3: x1 is not a number \('a'\)"),
    (_csv(GOOD + [(1e9, 0, 1)]), r"line 14: x1 = 1e\+09 is outside"),
    (_csv(GOOD + [("", 0, 1)]), r"line 14: x1 is empty"),
    (_csv(GOOD, header="a,b,c"), r"line 1 \(the header\) needs columns x1, x2 and y; it lacks x1, x2, y"),
    (_csv(GOOD[:5]), r"5 points; at least 10"),
    (_csv([(i, i, 1) for i in range(12)]), "same label"),
    (b"", "empty"),
    (b"\xff\xfe\x00\x01", "UTF-8"),
    (b"x1,x2,y\n" + b"1,2,1\n" * 20_000, "limit is 100 KB"),
    (b"x1,x2,y\n" + b"1,2,1\n0,1,0\n" * 600, "more than 1000 points"),
])
def test_a_bad_file_is_refused_naming_the_line_and_why(data, message):
    with pytest.raises(ValueError, match=message):
        datasets.read_points_csv(data)


def test_every_bad_line_is_named_up_to_five():
    bad = GOOD + [(1, 2, 3)] * 7
    with pytest.raises(ValueError) as err:
        datasets.read_points_csv(_csv(bad))
    assert str(err.value).count("line ") == 5 and "(and 2 more)" in str(err.value)


def test_custom_points_are_standardized_for_training():
    X, y = datasets.read_points_csv(_csv([(100 + 10 * a, -50 + 3 * b, c) for a, b, c in GOOD]))
    e = experiment.run(experiment.Settings(dataset="custom", points=tuple(map(tuple, np.column_stack([X, y])))))
    np.testing.assert_allclose(e.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(e.X_train.std(axis=0), 1, rtol=1e-12)
    assert tables.write_points_csv(X, y).splitlines()[1] == "100,-50,0"


def test_both_csv_readers_skip_blank_lines_keep_line_numbers_and_read_a_short_row_as_empty_cells():
    """Points and samples are read by one loop (``tables.read_records``): a blank line is no row but still a line,
    so the bad line after two blank ones is named by its line in the file; a row short of a column gives ""."""
    data = _csv(GOOD).replace(b"\n", b"\n\n \n", 1) + b"1,2,5\n"  # header, 2 blank lines, 12 points, a bad one
    with pytest.raises(ValueError, match=r"^line 16: y = 5 is not 0 or 1$"):
        datasets.read_points_csv(data)
    assert tables.read_csv(b"p, y\n 0.25 , 1\n\n0.5\n") == [("1", "0.25"), ("", "0.5")]
    with pytest.raises(tables.TableError, match="more than 500 rows; the limit is 500"):
        tables.read_csv(b"y,p\n" + b"1,0.5\n" * 501)
