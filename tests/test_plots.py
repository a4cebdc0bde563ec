import matplotlib.image
import pytest

from multikeras.plots import learning_curves

PNG = b"\x89PNG\r\n\x1a\n"


def test_one_panel_per_metric_for_several_runs(tmp_path):
    runs = {
        "torch": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]},
        "jax": {"loss": [1.2, 0.4], "accuracy": [0.4, 0.9]},
    }
    path = learning_curves(runs, tmp_path / "c.png", title="mlp")
    height, width = matplotlib.image.imread(path).shape[:2]
    assert path.read_bytes()[:8] == PNG and width > 1.8 * height  # two panels side by side


@pytest.mark.fault("learning_curves of an empty history", "ValueError: no metrics to plot")
def test_a_single_history_dict_and_an_empty_one(tmp_path):
    assert learning_curves({"loss": [3.0, 2.0, 1.0]}, tmp_path / "one.png").exists()
    with pytest.raises(ValueError, match="no metrics to plot"):
        learning_curves({}, tmp_path / "none.png")


def test_a_strip_plot_per_backend_with_the_books_line(tmp_path):
    from multikeras.plots import seed_strip

    values = {"torch": [0.884, 0.887, 0.881], "jax": [0.886, 0.883, 0.888], "tensorflow": []}
    path = seed_strip(
        values, tmp_path / "seeds" / "classifier_mlp.png", "accuracy", title="classifier_mlp", reference=0.8864
    )
    height, width = matplotlib.image.imread(path).shape[:2]
    assert path.read_bytes()[:8] == PNG and width > height
    assert seed_strip({"torch": [0.5]}, tmp_path / "one.png", "rmse").exists()  # one seed, no reference
    bracketed = seed_strip(
        values,
        tmp_path / "bracketed.png",
        "accuracy",
        title="classifier_mlp",
        reference=0.8864,
        intervals={"torch": (0.878, 0.890), "jax": (None, None)},
    )
    assert (matplotlib.image.imread(bracketed) != matplotlib.image.imread(path)).any()  # the interval is drawn


@pytest.mark.fault("seed_strip with no backend holding a value", "ValueError: no seed's value to plot")
def test_a_strip_plot_needs_a_value(tmp_path):
    from multikeras.plots import seed_strip

    with pytest.raises(ValueError, match="no seed's value to plot"):
        seed_strip({"torch": []}, tmp_path / "none.png", "rmse")
