"""ReportData: the tables a report is drawn from, built once from a Result and saved beside it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.daycount import FinishDays
from ..scenario.network import UNIT_DAYS, times_to_dates

if TYPE_CHECKING:
    from ..analysis.result import Result

#: The folder, inside a run's output directory, that holds the report data.
DATA_DIR = "report-data"
#: Bumped when the saved layout changes, so an old folder gives a clear error.
FORMAT = 3
#: meta.json is small; more than this is not a report-data header.
_META_MAX_BYTES = 1 << 20
TABLES = ("summary", "finishes", "sensitivity", "risks", "drivers", "coverage", "utilisation", "why")
_DATES = ("start", "deadline", "horizon")


class ReportDataError(ValueError):
    """A report-data folder is missing, incomplete or corrupt."""


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything a report shows, with no simulation left to run.

    Attributes
    ----------
    meta : Mapping
        Scenario header (name, version, start, deadline, unit, horizon,
        percentiles), run settings (seed, iterations, sampling, engine,
        mitigated, scenario_sha256) and the sensitivity ``target`` with its
        ``target_name``.
    summary : DataFrame
        ``Result.summary("wide")``: one row per phase, milestone and initiative.
    finishes : DataFrame
        How many iterations finish on each day, for every initiative, milestone and
        the target: columns ``element``, ``finish_date`` (NaT: after the horizon) and
        ``iterations``, one row per element and day (:meth:`finish_days` reads it).
    sensitivity : DataFrame
        Per-activity sensitivity to the target, indexed by id (criticality, SSI, ...).
    risks : DataFrame
        The risk ranking by exclusion, best gain first.
    drivers : DataFrame
        The risks as run (mitigated values in place when used): one row per
        risk, its distribution and selector as JSON text.
    coverage : DataFrame
        :func:`~simulator.analysis.rollouts.coverage_table`: each rollout's
        weighted share live per month (mean, P10, P50, P90); empty without rollouts.
    utilisation : DataFrame
        :func:`~simulator.analysis.rollouts.utilisation`: units held per resource
        and month (mean, P90) and the capacity; empty without resources.
    why : DataFrame
        Each initiative's own top risk drivers (the risk ranking by exclusion
        with that initiative as target), as :func:`simulator.analysis.why.top_drivers`.
    """

    meta: Mapping[str, Any]
    summary: pd.DataFrame
    finishes: pd.DataFrame
    sensitivity: pd.DataFrame
    risks: pd.DataFrame
    drivers: pd.DataFrame
    coverage: pd.DataFrame
    utilisation: pd.DataFrame
    why: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # --- dates ----------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        """The data date: time 0."""
        return self.meta["start"]

    @property
    def deadline(self) -> dt.date:
        """The date P(by deadline) refers to."""
        return self.meta["deadline"]

    @property
    def unit_days(self) -> float:
        """Days in one time unit."""
        return UNIT_DAYS[self.meta["unit"]]

    def to_dates(self, t: np.ndarray, *, finish: bool = True) -> np.ndarray:
        """Times to ``datetime64[D]`` as :meth:`Network.to_dates` does; NaT after the horizon."""
        return times_to_dates(t, self.start, self.unit_days, finish=finish)

    def finish_days(self, element: str) -> FinishDays:
        """``element``'s finishes per day, as the run counted them.

        Raises
        ------
        KeyError
            When the report data has no finishes of ``element``.
        """
        if element not in self._finish_days:
            known = ", ".join(self._finish_days)
            raise KeyError(f"no finish dates of `{element}` in this report data (has {known})")
        return self._finish_days[element]

    @cached_property
    def _finish_days(self) -> dict[str, FinishDays]:
        """Every element's FinishDays, read from the table in one pass (a figure asks for
        one element's several times)."""
        t = self.finishes
        dates = t["finish_date"].to_numpy().astype("datetime64[D]")
        days = (dates - np.datetime64(self.start, "D")).astype(np.int64)
        dated, counts = ~np.isnat(dates), t["iterations"].to_numpy(np.int64)
        n = int(self.meta["iterations"])
        return {element: FinishDays(days[rows][dated[rows]], counts[rows][dated[rows]], n)
                for element, rows in t.groupby("element", sort=False).indices.items()}

    def name(self, element: str) -> str:
        """The display name of an element, or its id when it has none."""
        if element in self.summary.index:
            value = self.summary.at[element, "name"]
            if isinstance(value, str) and value:
                return value
        return element

    # --- build, save, load ----------------------------------------------------

    @classmethod
    def from_result(cls, result: Result, target: str | None = None, *,
                    ranking: pd.DataFrame | None = None,
                    sensitivity: pd.DataFrame | None = None, workers: int = 1) -> ReportData:
        """Collect a report's tables from a finished run.

        Parameters
        ----------
        result : Result
        target : str, optional
            The milestone, phase or initiative the sensitivity refers to;
            default the scenario's target.
        ranking, sensitivity : DataFrame, optional
            Already computed ``risk_ranking`` and ``activity_sensitivity`` tables
            for ``target``; computed here when not given.
        workers : int
            Processes for the risk ranking, and threads for the activities' cruciality
            (the tables do not depend on it).
        """
        from ..analysis import sensitivity as sens
        from ..analysis.rollouts import coverage_table, utilisation
        from ..analysis.why import top_drivers
        target = target or result.target
        net = result.network
        # one pass ranks the risks for every initiative (the report's "why") and the target
        rankings = sens.risk_rankings(result, list(dict.fromkeys(
            [*net.initiative_ids, *([target] if ranking is None else [])])), workers=workers)
        if ranking is None:
            ranking = rankings[target]
        if sensitivity is None:
            sensitivity = sens.activity_sensitivity(result, target=target, workers=workers)
        summary = result.summary("wide").join(planned_columns(result))
        cols = [*net.initiative_ids, *[i for i, k in zip(net.ids, net.kinds) if k == "milestone"]]
        if target not in cols:
            cols.append(target)
        days = {c: result.finish_days(c) for c in cols}
        meta = {
            "name": net.name, "version": net.version, "start": net.start, "deadline": net.deadline,
            "unit": net.unit, "horizon": net.start + dt.timedelta(days=net.horizon * net.unit_days),
            "percentiles": [float(p) for p in net.percentiles],
            "seed": int(result.seed), "iterations": int(result.iterations),
            "sampling": result.sampling, "engine": result.engine, "mitigated": bool(result.mitigated),
            "scenario_sha256": result.scenario_hash, "target": target,
            "target_name": _name(summary, target),
            "ranked_iterations": int(ranking.attrs.get("iterations", result.iterations)),
        }
        from ..analysis.benefits import benefits_dict
        if benefits := benefits_dict(result).get("benefits"):  # the JSON object, for the report
            meta["benefits"] = benefits
        return cls(meta=meta, summary=summary, finishes=finishes_table(days, net.start),
                   sensitivity=sensitivity.copy(), risks=ranking.copy(),
                   drivers=drivers_table(result), coverage=coverage_table(result),
                   utilisation=_named(utilisation(result), result),
                   why=top_drivers({i: rankings[i] for i in net.initiative_ids}))

    def save(self, out: str | Path) -> list[Path]:
        """Write the tables (Parquet) and ``meta.json`` into ``out/report-data``.

        Each file is written atomically; ``meta.json`` comes last and records a
        checksum of every table, so a folder whose writing was cut short, or
        whose files were changed since, is refused by :meth:`load`.

        Returns
        -------
        list of Path
            The files written.
        """
        from ..output import atomic_path, dumps, write_text
        folder = Path(out) / DATA_DIR
        written, sums = [], {}
        for table in TABLES:
            target = folder / f"{table}.parquet"
            with atomic_path(target) as tmp:
                getattr(self, table).to_parquet(tmp, index=True)
                sums[target.name] = _sha256(tmp)
            written.append(target)
        from .meta import seal
        meta = {k: (v.isoformat() if k in _DATES else v) for k, v in self.meta.items()}
        head = {"format": FORMAT, "meta": meta, "files": sums}
        write_text(folder / "meta.json", dumps({**head, "sha256": seal(head)}))
        return [*written, folder / "meta.json"]

    @classmethod
    def load(cls, out: str | Path) -> ReportData:
        """Read what :meth:`save` wrote into ``out``.

        Raises
        ------
        ReportDataError
            When the folder, ``meta.json`` or a table is missing, unreadable,
            from another format version, or changed since it was written.
        """
        folder = Path(out) / DATA_DIR
        head = _read_meta(folder)
        tables = {}
        for table in TABLES:
            path = folder / f"{table}.parquet"
            if not path.is_file():
                what = "not a regular file" if path.exists() else "missing"
                raise ReportDataError(f"{path}: {what}; rerun `veikart run FILE --out {out}`")
            if _sha256(path) != head["files"].get(path.name):
                raise ReportDataError(f"{path}: changed or corrupt since it was written "
                                      f"(checksum differs); rerun `veikart run FILE --out {out}`")
            try:
                tables[table] = pd.read_parquet(path)
            except Exception as exc:  # noqa: BLE001 -- pyarrow raises several types for a damaged file
                raise ReportDataError(f"{path}: cannot be read ({exc})") from None
        from .meta import validate_meta
        meta, problem = validate_meta(head["meta"])
        if problem is None:
            problem = _count_problem(meta, tables["finishes"])
        if problem:
            raise ReportDataError(f"{folder / 'meta.json'}: {problem}")
        return cls(meta=meta, **tables)


def finishes_table(days: Mapping[str, FinishDays], start: dt.date) -> pd.DataFrame:
    """The ``finishes`` table of :class:`ReportData`: each element's iterations per finish
    day, the days ascending, and a last row with a NaT date for those after the horizon."""
    frames = []
    for element, d in days.items():
        dates, counts = d.dates(start), d.counts
        if d.within < d.n:
            dates = np.append(dates, np.datetime64("NaT", "D"))
            counts = np.append(counts, d.n - d.within)
        frames.append(pd.DataFrame({"element": element, "finish_date": dates.astype("datetime64[ms]"),
                                    "iterations": counts.astype(np.int64)}))
    return pd.concat(frames, ignore_index=True)  # never empty: the target is one element


def _count_problem(meta: Mapping, finishes: pd.DataFrame) -> str | None:
    """Why the finishes table does not count ``meta.iterations`` for each element, or None."""
    if list(finishes.columns) != ["element", "finish_date", "iterations"]:
        return f"finishes.parquet: columns {list(finishes.columns)}, expected element, finish_date, iterations"
    sums = finishes.groupby("element", sort=False)["iterations"].sum()
    for element, total in sums.items():
        if total != meta["iterations"]:
            return (f"meta.iterations: {meta['iterations']} but finishes.parquet counts "
                    f"{total} iterations of `{element}`")
    if meta["target"] not in sums.index:
        return f"meta.target: `{meta['target']}` has no finishes in finishes.parquet"
    return None


def _named(table: pd.DataFrame, result: Result) -> pd.DataFrame:
    """The utilisation table with each resource's display name."""
    names = {r.id: r.name for r in result.network.resources}
    return table.assign(name=[names.get(x, x) for x in table["resource"]])


def _sha256(path: Path) -> str:
    from ..outdir import file_sha256
    return file_sha256(path)


def _read_meta(folder: Path) -> dict:
    path = folder / "meta.json"
    if folder.parent.is_file():  # `veikart report scenario.yaml`: the folder was meant
        raise ReportDataError(f"{folder.parent} is a file; `veikart report` takes the folder "
                              "a run wrote with `veikart run FILE --out DIR`")
    if not folder.is_dir():
        raise ReportDataError(f"{folder}: no report data here; write it with "
                              f"`veikart run FILE --out {folder.parent}`")
    if not path.exists():
        raise ReportDataError(f"{path}: missing; the run that wrote {folder} did not finish")
    if not path.is_file():  # a FIFO would block, /dev/zero would never end
        raise ReportDataError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_META_MAX_BYTES + 1)
        if len(raw) > _META_MAX_BYTES:
            raise ReportDataError(f"{path}: larger than {_META_MAX_BYTES:,} bytes; not a report-data header")
        head = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportDataError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        found = head.get("format") if isinstance(head, dict) else None
        again = (f"; written by an older version, rerun `veikart run FILE --out {folder.parent}`"
                 if isinstance(found, int) and not isinstance(found, bool) and 0 < found < FORMAT else "")
        raise ReportDataError(f"{path}: report-data format {found!r}, expected {FORMAT}{again}")
    if not isinstance(head.get("meta"), dict) or not isinstance(head.get("files"), dict):
        raise ReportDataError(f"{path}: 'meta' or 'files' is missing")
    from .meta import seal
    if head.get("sha256") != seal(head):
        raise ReportDataError(f"{path}: changed or corrupt since it was written (checksum differs); "
                              f"rerun `veikart run FILE --out {folder.parent}`")
    return head


def _name(summary: pd.DataFrame, element: str) -> str:
    value = summary["name"].get(element) if element in summary.index else None
    return value if isinstance(value, str) and value else element


def drivers_table(result: Result) -> pd.DataFrame:
    """The scenario's risks as they were run: mitigated values in place when used.

    Returns
    -------
    DataFrame
        Columns id, name, category, kind (impact/delay/funding), probability
        (NaN for funding gates), distribution (JSON text: the impact or delay
        distribution, or the funding decisions and grant probability),
        applies_to (JSON text) and mitigated (whether mitigated values replaced
        any of the risk's own in this run).
    """
    rows = []
    for r in result.scenario.risks:
        mit = r.mitigated if result.mitigated and r.mitigated is not None else None
        kind = "funding" if r.funding is not None else "impact" if r.impact is not None else "delay"
        model = getattr(mit, kind, None) or getattr(r, kind)
        prob = None if kind == "funding" else (
            mit.probability if mit is not None and mit.probability is not None else r.probability)
        if kind == "funding":
            spec = {**model.decisions.model_dump(exclude_defaults=True, mode="json"),
                    "grant_probability": model.grant_probability}
        else:
            spec = model.model_dump(by_alias=True, exclude_defaults=False, mode="json")
        rows.append({
            "id": r.id, "name": r.name or r.id, "category": r.category, "kind": kind,
            "probability": np.nan if prob is None else float(prob),
            "distribution": json.dumps(spec, ensure_ascii=False),
            "applies_to": json.dumps(r.applies_to.model_dump(exclude_defaults=True), ensure_ascii=False),
            "mitigated": mit is not None,
        })
    cols = ["id", "name", "category", "kind", "probability", "distribution", "applies_to", "mitigated"]
    return pd.DataFrame(rows, columns=cols)


def planned_columns(result: Result) -> pd.DataFrame:
    """The outside-view columns of the report's summary, by element id: the planned date
    and P(by it), the slip P50/P85/P90 and the ratio actual/planned beside the reference
    class's (see :mod:`simulator.analysis.calibrate`)."""
    from ..analysis import calibrate as cal
    planned = cal.planned_dates(result).drop(columns=["element"])
    # milliseconds, which Parquet keeps: a column with NaT must come back as it went in
    planned["planned_date"] = planned["planned_date"].astype("datetime64[ms]")
    ratio = cal.calibration(result)
    cols = ratio[["inside_p50", "inside_p80", "inside_p90", "reference_p80"]].rename(
        columns=lambda c: c.replace("inside_", "ratio_"))
    # a float flag: NaN where no ratio was computed, which Parquet keeps apart from False
    cols["optimistic"] = ratio["optimistic"].astype(float)
    return planned.join(cols, how="outer")

