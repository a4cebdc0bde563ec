"""
Title: Class weights on imbalanced data: per-class recall with and without "balanced"
Run: python examples/class_weight.py [--data embedded|real] [--quick]

## Introduction
Keep every training image of five classes and only a few percent of the other five, then
train the classifier recipe twice with the same seed: once plain, once with
``class_weight="balanced"`` (scikit-learn's ``compute_class_weight``: each class weighs
n_samples / (n_classes * count)). The test set stays balanced, so per-class recall shows what
the weighting buys on the rare classes and what it costs on the common ones.
"""

## Setup
import argparse

import numpy as np
from sklearn.metrics import balanced_accuracy_score, recall_score

import multikeras
from multikeras.recipes import classifier_mlp
from multikeras.sklearn import recipe_estimator

SEED = 42
RARE_CLASSES = (5, 6, 7, 8, 9)
RARE_FRACTION = 0.05


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", choices=("embedded", "real"), default="embedded")
    parser.add_argument("--epochs", type=int, default=None, help="default: 10 (real), 30 (embedded)")
    parser.add_argument("--quick", action="store_true", help="2 epochs: a smoke run")
    return parser.parse_args()


## Prepare the data
def imbalanced(X, y, rng):
    """All samples of the common classes, RARE_FRACTION of each rare one."""
    keep = np.ones(len(y), bool)
    for label in RARE_CLASSES:
        rows = np.flatnonzero(y == label)
        keep[rng.choice(rows, size=len(rows) - max(2, int(len(rows) * RARE_FRACTION)), replace=False)] = False
    return X[keep], y[keep]


## Train with and without class weights
def recalls(X_train, y_train, X_test, y_test, epochs, class_weight):
    multikeras.set_seed(SEED)
    model = recipe_estimator(
        "classifier_mlp", epochs=epochs, batch_size=32, random_state=SEED, class_weight=class_weight, verbose=0
    )
    model.fit(X_train.reshape(len(X_train), -1), y_train)
    predicted = model.predict(X_test.reshape(len(X_test), -1))
    return recall_score(y_test, predicted, average=None), balanced_accuracy_score(y_test, predicted)


def main():
    args = parse_args()
    (X_train, y_train), _, (X_test, y_test) = classifier_mlp.load_data(args.data)
    X_train, y_train = imbalanced(X_train, y_train, np.random.default_rng(SEED))
    epochs = 2 if args.quick else args.epochs or (10 if args.data == "real" else 30)
    print(f"training on {len(y_train)} samples; counts per class: {np.bincount(y_train).tolist()}")
    plain, plain_score = recalls(X_train, y_train, X_test, y_test, epochs, None)
    balanced, balanced_score = recalls(X_train, y_train, X_test, y_test, epochs, "balanced")

    ## Results
    print(f"\n{'class':>5} {'recall plain':>13} {'recall balanced':>16}")
    for label, (a, b) in enumerate(zip(plain, balanced)):
        print(f"{label:>5}{'*' if label in RARE_CLASSES else ' '} {a:>12.3f} {b:>16.3f}")
    rare = list(RARE_CLASSES)
    print(f"\nrare classes (*), mean recall: plain {plain[rare].mean():.3f}, balanced {balanced[rare].mean():.3f}")
    print(f"balanced accuracy: plain {plain_score:.3f}, balanced {balanced_score:.3f}")


if __name__ == "__main__":
    main()
