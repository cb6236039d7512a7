"""ReportData: built from a Result, saved without pickle, loaded back equal, bad folders refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, simulate
from simulator.report.data import DATA_DIR, TABLES, ReportData, ReportDataError


def test_tables_hold_what_the_report_needs(tiny_result, tiny_data):
    net = tiny_result.network
    assert tiny_data.meta["target"] == "done" and tiny_data.meta["seed"] == tiny_result.seed
    assert list(dict.fromkeys(tiny_data.finishes["element"])) == ["sfm", "pll", "done"]
    for element in ("sfm", "pll", "done"):  # each finish counted on the day the summary gives it
        dates = tiny_result.network.to_dates(tiny_result.finish(element), finish=True)
        days, counts = np.unique(dates[~np.isnat(dates)], return_counts=True)
        rows = tiny_data.finishes[tiny_data.finishes["element"] == element]
        np.testing.assert_array_equal(rows["finish_date"].to_numpy().astype("datetime64[D]"), days)
        np.testing.assert_array_equal(rows["iterations"], counts)
        assert counts.sum() == tiny_result.iterations
    assert set(tiny_data.summary.index) == {*net.ids, *net.initiative_ids}
    assert list(tiny_data.risks.index) == ["vendor-integration", "late-sfm-release"] or \
        list(tiny_data.risks.index) == ["late-sfm-release", "vendor-integration"]
    assert tiny_data.risks["p80_gain"].is_monotonic_decreasing
    assert {"criticality", "ssi"} <= set(tiny_data.sensitivity.columns)
    assert list(tiny_data.drivers["kind"]) == ["impact", "delay"]


def test_another_target(tiny_result):
    data = ReportData.from_result(tiny_result, "sfm")
    assert data.meta["target"] == "sfm" and data.meta["target_name"] == "Sentral forskrivingsmodul"
    a_phase = ReportData.from_result(tiny_result, "pll-utproving")
    assert "pll-utproving" in set(a_phase.finishes["element"])
    assert a_phase.finish_days("pll-utproving").n == tiny_result.iterations


def test_to_dates_matches_the_network(tiny_result, tiny_data):
    t = np.array([0.0, 0.5, 1.0, 11.999, 12.0, 40.25, np.inf])
    np.testing.assert_array_equal(tiny_data.to_dates(t), tiny_result.network.to_dates(t, finish=True))
    np.testing.assert_array_equal(tiny_data.to_dates(t, finish=False), tiny_result.network.to_dates(t))


def test_is_frozen(tiny_data):
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny_data.meta = {}
    with pytest.raises(TypeError):
        tiny_data.meta["seed"] = 1


def test_save_and_load_round_trip(tiny_data, tmp_path):
    written = tiny_data.save(tmp_path)
    assert sorted(p.name for p in written) == sorted([*(f"{t}.parquet" for t in TABLES), "meta.json"])
    assert not list((tmp_path / DATA_DIR).glob("*.tmp"))
    back = ReportData.load(tmp_path)
    assert dict(back.meta) == dict(tiny_data.meta)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(back, table), getattr(tiny_data, table),
                                      check_index_type=False, check_dtype=False)
    assert back.finishes["iterations"].dtype == np.int64


def test_infinite_finishes_survive(late_data, tmp_path):
    late_data.save(tmp_path)
    back = ReportData.load(tmp_path)
    b = back.finish_days("b")
    assert 0 < b.within < b.n == back.meta["iterations"]
    rows = back.finishes[back.finishes["element"] == "b"]
    assert rows["finish_date"].isna().sum() == 1  # the last row counts those after the horizon
    assert rows["iterations"].iloc[-1] == b.n - b.within and pd.isna(rows["finish_date"].iloc[-1])
    assert back.summary["finish_date_p90"].isna().any()


def _saved(tiny_data, tmp_path):
    tiny_data.save(tmp_path)
    return tmp_path / DATA_DIR


def _append(path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "meta.json").unlink(), "meta.json: missing"),
    (lambda d: (d / "meta.json").write_text("{not json", encoding="utf-8"), "not valid JSON"),
    (lambda d: (d / "meta.json").write_text('{"format": 99, "meta": {}, "files": {}}'), "format 99"),
    (lambda d: (d / "meta.json").write_text('[1, 2]'), "format None"),
    (lambda d: (d / "meta.json").write_text('{"format": 2, "meta": {}, "files": {}}'),
     r"format 2, expected 3; written by an older version, rerun `veikart run FILE --out "),
    (lambda d: (d / "risks.parquet").unlink(), "risks.parquet: missing"),
    (lambda d: (d / "finishes.parquet").write_bytes(b"PAR1 truncated"), "checksum differs"),
    (lambda d: _append(d / "summary.parquet", b"\0"), "checksum differs"),
])
def test_damaged_folder_is_refused(tiny_data, tmp_path, damage, message):
    damage(_saved(tiny_data, tmp_path))
    with pytest.raises(ReportDataError, match=message):
        ReportData.load(tmp_path)


def test_unreadable_table_with_matching_checksum(tiny_data, tmp_path):
    folder = _saved(tiny_data, tmp_path)
    (folder / "drivers.parquet").write_bytes(b"not parquet")
    head = json.loads((folder / "meta.json").read_text())
    import hashlib
    head["files"]["drivers.parquet"] = hashlib.sha256(b"not parquet").hexdigest()
    (folder / "meta.json").write_text(json.dumps(_resealed(head)))
    with pytest.raises(ReportDataError, match="cannot be read"):
        ReportData.load(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(ReportDataError, match="no report data here"):
        ReportData.load(tmp_path / "nowhere")


def test_drivers_as_run_with_mitigation():
    from conftest import SCENARIOS
    sc = load_scenario(SCENARIOS / "veikart-22.1.yaml")
    plain = ReportData.from_result(simulate(sc, 200, seed=1), ranking=pd.DataFrame(),
                                   sensitivity=pd.DataFrame())
    mitigated = ReportData.from_result(simulate(sc, 200, seed=1, mitigated=True),
                                       ranking=pd.DataFrame(), sensitivity=pd.DataFrame())
    p, m = (d.drivers.set_index("id") for d in (plain, mitigated))
    assert p.at["epj-integrasjon", "probability"] == 0.6 and not p["mitigated"].any()
    assert m.at["epj-integrasjon", "probability"] == 0.35 and m.at["epj-integrasjon", "mitigated"]
    assert json.loads(m.at["steg2-finansiering", "distribution"])["grant_probability"] == 0.9
    assert np.isnan(m.at["steg2-finansiering", "probability"])
    assert not m.at["lokal-infrastruktur", "mitigated"]  # it has no mitigated values
    assert mitigated.meta["mitigated"] and not plain.meta["mitigated"]


def _resealed(head: dict) -> dict:
    from simulator.report.meta import seal
    return {**head, "sha256": seal(head)}


def _edit_meta(folder, resealed: bool, **changes) -> None:
    head = json.loads((folder / "meta.json").read_text())
    head["meta"].update(changes)
    (folder / "meta.json").write_text(json.dumps(_resealed(head) if resealed else head))


@pytest.mark.parametrize("changes", [{"deadline": "2030-12-31"}, {"iterations": 5},
                                     {"percentiles": [10, 50, 80, 95]}])
def test_a_changed_meta_json_is_refused(tiny_data, tmp_path, changes):
    _edit_meta(_saved(tiny_data, tmp_path), False, **changes)
    with pytest.raises(ReportDataError, match="meta.json: changed or corrupt"):
        ReportData.load(tmp_path)


@pytest.mark.parametrize("changes, message", [
    ({"seed": "x"}, r"meta\.seed: Input should be a valid integer"),
    ({"seed": -1}, r"meta\.seed: Input should be greater than or equal to 0"),
    ({"unit": "years"}, r"meta\.unit: Input should be 'days', 'weeks' or 'months'"),
    ({"deadline": "31.12.2026"}, r"meta\.deadline: Input should be a valid date"),
    ({"start": 20220101}, r"meta\.start: "),
    ({"percentiles": [0, 50]}, r"meta\.percentiles\[0\]: Input should be greater than 0"),
    ({"percentiles": []}, r"meta\.percentiles: "),
    ({"iterations": 7}, r"meta\.iterations: 7 but finishes\.parquet counts 2000 iterations of `sfm`"),
    ({"mitigated": "no"}, r"meta\.mitigated: Input should be a valid boolean"),
    ({"target": None}, r"meta\.target: Input should be a valid string"),
])
def test_malformed_meta_fields_are_named(tiny_data, tmp_path, changes, message):
    _edit_meta(_saved(tiny_data, tmp_path), True, **changes)
    with pytest.raises(ReportDataError, match=message):
        ReportData.load(tmp_path)


def test_meta_json_that_is_not_a_regular_file_is_refused(tiny_data, tmp_path):
    import os
    folder = _saved(tiny_data, tmp_path)
    (folder / "meta.json").unlink()
    (folder / "meta.json").symlink_to("/dev/zero")
    with pytest.raises(ReportDataError, match="not a regular file"):
        ReportData.load(tmp_path)
    (folder / "meta.json").unlink()
    os.mkfifo(folder / "meta.json")  # opening it for reading would block forever
    with pytest.raises(ReportDataError, match="not a regular file"):
        ReportData.load(tmp_path)


def test_a_table_that_is_not_a_regular_file_is_refused(tiny_data, tmp_path):
    import os
    folder = _saved(tiny_data, tmp_path)
    (folder / "finishes.parquet").unlink()
    os.mkfifo(folder / "finishes.parquet")
    with pytest.raises(ReportDataError, match="finishes.parquet: not a regular file"):
        ReportData.load(tmp_path)


def test_a_huge_meta_json_is_not_read_whole(tiny_data, tmp_path):
    folder = _saved(tiny_data, tmp_path)
    (folder / "meta.json").write_bytes(b" " * (2 << 20))
    with pytest.raises(ReportDataError, match="larger than"):
        ReportData.load(tmp_path)


def _replace_finishes(folder, edit) -> None:
    """Write an edited finishes table with a checksum and seal that match it: only the
    table's own check can refuse it."""
    import hashlib
    path = folder / "finishes.parquet"
    table = edit(pd.read_parquet(path))
    table.to_parquet(path, index=True)
    head = json.loads((folder / "meta.json").read_text())
    head["files"]["finishes.parquet"] = hashlib.sha256(path.read_bytes()).hexdigest()
    head.pop("sha256")
    (folder / "meta.json").write_text(json.dumps(_resealed(head)))


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.iloc[1:], r"meta\.iterations: 2000 but finishes\.parquet counts \d+ iterations of `sfm`"),
    (lambda t: t.assign(iterations=np.where(t.index == len(t) - 1, t["iterations"] + 1, t["iterations"])),
     r"meta\.iterations: 2000 but finishes\.parquet counts 2001 iterations of `done`"),
    (lambda t: t[t["element"] != "done"], r"meta\.target: `done` has no finishes in finishes\.parquet"),
    (lambda t: t.rename(columns={"iterations": "count"}),
     r"finishes\.parquet: columns \['element', 'finish_date', 'count'\], expected element"),
])
def test_a_finishes_table_that_does_not_count_the_run_is_refused(tiny_data, tmp_path, edit, message):
    _replace_finishes(_saved(tiny_data, tmp_path), edit)
    with pytest.raises(ReportDataError, match=message):
        ReportData.load(tmp_path)


def test_the_check_passes_a_table_rewritten_as_it_was(tiny_data, tmp_path):
    _replace_finishes(_saved(tiny_data, tmp_path), lambda t: t)
    assert ReportData.load(tmp_path).finish_days("done").n == 2000
