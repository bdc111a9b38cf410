"""`[pipeline] runner = "dask"`: the batch tasks on a real dask.distributed cluster (a local one
of two worker processes) store, row for row, what the default runner stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner_corpus import corpus_rows, import_scenario

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.timeout(600)]


def test_an_import_on_a_local_dask_cluster_stores_what_the_default_runner_stores(
    tmp_path: Path,
) -> None:
    default_url, default_counts = import_scenario(tmp_path / "default", "processes")
    dask_url, dask_counts = import_scenario(tmp_path / "dask", "dask")

    assert dask_counts == default_counts
    assert (dask_counts[0]["new"], dask_counts[1]["new_versions"]) == (16, 2)
    assert corpus_rows(dask_url) == corpus_rows(default_url)
