"""The README's scikeras table is the one peer/'s lists generate."""

from peer import migration_table


def test_the_readme_table_matches_the_peer_lists():
    assert migration_table.readme_block(migration_table.README.read_text()) == migration_table.render(), (
        "README's scikeras table is stale: run python -m peer.migration_table --write"
    )


def test_every_deviation_names_a_feature_that_differs(tmp_path, monkeypatch):
    (tmp_path / "scikeras_features.toml").write_text('[[feature]]\nname = "x"\nstatus = "supported"\n')
    (tmp_path / "scikeras_deviations.toml").write_text('[[deviation]]\ntest = "t"\nfeature = "x"\nreason = "r"\n')
    (tmp_path / "scikeras_exclusions.toml").write_text("")
    monkeypatch.setattr(migration_table, "HERE", tmp_path)
    try:
        migration_table.check()
    except ValueError as err:
        assert "not a 'differs' feature" in str(err)
    else:
        raise AssertionError("a deviation under a supported feature passed the check")
