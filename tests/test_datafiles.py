from pathlib import Path

import pytest

from multikeras import datafiles


def test_data_dir_prefers_argument_then_environment_then_keras_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("MULTIKERAS_DATA_DIR", str(tmp_path / "env"))
    assert datafiles.data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert datafiles.data_dir() == tmp_path / "env"
    monkeypatch.delenv("MULTIKERAS_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert datafiles.data_dir() == tmp_path / "kh" / "datasets"


@pytest.mark.fault(
    "data files missing, offline",
    "DataFilesMissing naming the files, the folder, MULTIKERAS_OFFLINE and MULTIKERAS_DATA_DIR",
)
def test_missing_files_offline_name_the_files_and_folder(tmp_path):
    with pytest.raises(datafiles.DataFilesMissing) as info:
        datafiles.locate(datafiles.FASHION_MNIST, tmp_path)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and str(tmp_path / "fashion-mnist") in message
    assert "MULTIKERAS_OFFLINE" in message and "MULTIKERAS_DATA_DIR" in message


@pytest.mark.fault(
    "a download that fails (connection refused)", "DataFilesMissing: download failed: ConnectionRefusedError: ..."
)
def test_failed_download_is_reported_not_raised_raw(monkeypatch, tmp_path):
    monkeypatch.setenv("MULTIKERAS_OFFLINE", "0")

    def refuse(name, remote, folder):
        raise ConnectionRefusedError("no route to host")

    monkeypatch.setattr(datafiles, "_download", refuse)
    with pytest.raises(datafiles.DataFilesMissing, match="download failed: ConnectionRefusedError: no route"):
        datafiles.locate(datafiles.TIMESERIES, tmp_path, names=["airline-passengers.csv"])


def test_download_places_the_file_where_later_loads_find_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MULTIKERAS_OFFLINE", "0")
    calls = []

    def fake(name, remote, folder):
        calls.append(remote.url)
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_text('"Month","Passengers"\r\n"1949-01",112')

    monkeypatch.setattr(datafiles, "_download", fake)
    paths = datafiles.locate(datafiles.TIMESERIES, tmp_path, names=["airline-passengers.csv"])
    assert paths["airline-passengers.csv"].is_file() and calls[0].endswith("airline-passengers.csv")
    datafiles.locate(datafiles.TIMESERIES, tmp_path, names=["airline-passengers.csv"])
    assert len(calls) == 1  # present files are not fetched again
