"""Where the published data files live, and fetching them when they are missing.

The data directory is, in order: the ``data_dir`` argument, ``MULTIKERAS_DATA_DIR``, then
Keras's cache (``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``). Inside it each
data set has a folder (``fashion-mnist/``, ``california-housing/``, ``timeseries/``) holding
the files exactly as published. Missing files are downloaded from their canonical source
with a bounded timeout; ``MULTIKERAS_OFFLINE=1`` turns downloading off.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .switches import is_on

__all__ = ["DataSet", "DataFilesMissing", "FASHION_MNIST", "CALIFORNIA_HOUSING", "TIMESERIES", "data_dir", "locate"]

DOWNLOAD_TIMEOUT_S = 30


class DataFilesMissing(FileNotFoundError):
    """The files are not in the data directory and could not be downloaded."""


@dataclass(frozen=True)
class Remote:
    url: str
    sha256: str | None = None
    member: str | None = None  # path inside a .tgz archive, when the file ships in one


@dataclass(frozen=True)
class DataSet:
    title: str
    folder: str
    files: dict = field(default_factory=dict)  # file name -> Remote


_FMNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_MNIST = DataSet(
    "Fashion-MNIST",
    "fashion-mnist",
    {
        "train-images-idx3-ubyte.gz": Remote(
            _FMNIST_URL + "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        "train-labels-idx1-ubyte.gz": Remote(
            _FMNIST_URL + "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        "t10k-images-idx3-ubyte.gz": Remote(
            _FMNIST_URL + "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        "t10k-labels-idx1-ubyte.gz": Remote(
            _FMNIST_URL + "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    },
)
# The StatLib archive that sklearn.datasets.fetch_california_housing downloads.
CALIFORNIA_HOUSING = DataSet(
    "California housing",
    "california-housing",
    {
        "cal_housing.data": Remote(
            "https://ndownloader.figshare.com/files/5976036",
            "aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681",
            member="CaliforniaHousing/cal_housing.data",
        ),
    },
)
_SERIES_URL = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/"
TIMESERIES = DataSet(
    "monthly time series",
    "timeseries",
    {
        "airline-passengers.csv": Remote(
            _SERIES_URL + "airline-passengers.csv", "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621"
        ),
        "monthly-sunspots.csv": Remote(
            _SERIES_URL + "monthly-sunspots.csv", "c4ec8cc57d9f6fb6ecdb3e1f37f25b6f4badd5124c55931052b0cd2fc3bc71f3"
        ),
    },
)


def data_dir(data_dir=None) -> Path:
    """The directory data sets are read from (see the module docstring for the order)."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get("MULTIKERAS_DATA_DIR"):
        return Path(os.environ["MULTIKERAS_DATA_DIR"]).expanduser()
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    return keras_home / "datasets"


def _offline() -> bool:
    return is_on(os.environ.get("MULTIKERAS_OFFLINE"))


@contextlib.contextmanager
def _socket_timeout(seconds):
    """keras.utils.get_file has no timeout of its own; bound every socket it opens."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _download(name: str, remote: Remote, folder: Path) -> None:
    import keras

    folder.mkdir(parents=True, exist_ok=True)
    with _socket_timeout(DOWNLOAD_TIMEOUT_S), tempfile.TemporaryDirectory(dir=folder) as tmp:
        fetched = keras.utils.get_file(
            fname=Path(remote.url).name or name,
            origin=remote.url,
            file_hash=remote.sha256,
            cache_dir=tmp,
            cache_subdir=".",
        )
        if remote.member is None:
            os.replace(fetched, folder / name)
            return
        with tarfile.open(fetched) as archive:
            source = archive.extractfile(remote.member)
            if source is None:
                raise OSError(f"{remote.member} is not a file in {remote.url}")
            partial = Path(tmp) / name
            partial.write_bytes(source.read())
        os.replace(partial, folder / name)


def locate(dataset: DataSet, data_dir_arg=None, names=None) -> dict:
    """Return {file name: path} for ``dataset``'s files, downloading any that are missing."""
    folder = data_dir(data_dir_arg) / dataset.folder
    wanted = list(names or dataset.files)
    missing = [n for n in wanted if not (folder / n).is_file()]
    failure = "downloading is off (MULTIKERAS_OFFLINE is set)" if _offline() else None
    for name in missing if failure is None else ():
        try:
            _download(name, dataset.files[name], folder)
        except Exception as err:  # any network, hash or disk failure ends in the same advice
            failure = f"download failed: {type(err).__name__}: {err}"
            break
    still_missing = [n for n in wanted if not (folder / n).is_file()]
    if still_missing:
        sources = "; ".join(dataset.files[n].url for n in still_missing)
        raise DataFilesMissing(
            f"{dataset.title}: {', '.join(still_missing)} not found in {folder} and {failure}. "
            f"Put the published files there (sources: {sources}), or point MULTIKERAS_DATA_DIR "
            f"or data_dir= at a directory holding {dataset.folder}/."
        )
    return {n: folder / n for n in wanted}
