"""Tests run as root, for whom every folder is writable: "unwritable" here is a path under a file."""

import pytest

from multikeras.app.output_paths import OutputPathError, check_file, check_folder


def test_new_paths_in_writable_folders_pass_and_nothing_is_created(tmp_path):
    assert check_file("--save", tmp_path / "a" / "b" / "model.keras") == tmp_path / "a" / "b" / "model.keras"
    assert check_folder("--out", tmp_path / "runs" / "x") == tmp_path / "runs" / "x"
    assert list(tmp_path.iterdir()) == []


def test_existing_targets_of_the_right_kind_pass(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"")
    check_file("--save", tmp_path / "model.keras")
    check_folder("--out", tmp_path)


@pytest.mark.fault(
    "a file flag given an existing folder", "OutputPathError naming the flag: it is a folder; name a file"
)
def test_a_file_flag_naming_a_folder_says_so(tmp_path):
    with pytest.raises(OutputPathError, match=r"^--checkpoint '.*' is a folder; name a file"):
        check_file("--checkpoint", tmp_path)


@pytest.mark.fault(
    "a folder flag given an existing file", "OutputPathError naming the flag: it is a file, not a folder"
)
def test_a_folder_flag_naming_a_file_says_so(tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(OutputPathError, match=r"^--backup-dir '.*taken' is a file, not a folder"):
        check_folder("--backup-dir", tmp_path / "taken")


@pytest.mark.fault("a path below an existing file", "OutputPathError: cannot be created, naming the file in the way")
def test_a_path_under_a_file_cannot_be_created(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(
        OutputPathError, match=r"cannot be created: '.*notes.txt' is a file, not a folder; choose a path outside it"
    ):
        check_file("--plot", tmp_path / "notes.txt" / "sub" / "curves.png")
    with pytest.raises(OutputPathError, match=r"^--out .*notes.txt' is a file"):
        check_folder("--out", tmp_path / "notes.txt" / "sub")


@pytest.mark.fault(
    "a path in a folder this user cannot write", "OutputPathError: this user may not write there; choose another place"
)
def test_an_unwritable_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr("os.access", lambda path, mode: False)  # as a user without write permission sees it
    with pytest.raises(
        OutputPathError, match=r"cannot be written: this user may not write in '.*'; choose another place"
    ):
        check_folder("--tensorboard", tmp_path / "logs")
