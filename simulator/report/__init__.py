"""The report layer: plots (one ``plot_*`` per file), ReportData, and the self-contained HTML report.

Plots take a finished :class:`~simulator.analysis.result.Result` or a
:class:`ReportData` and never run the simulation again. Names are imported on
first use, so ``simulator.report.contract`` (used by every ``Result.to_dict``)
does not pull in Matplotlib, seaborn and Jinja.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "DATA_DIR": "data", "ReportData": "data", "ReportDataError": "data",
    "REPORT_NAME": "html", "render_html": "html", "write_report": "html",
    "plot_criticality": "plot_criticality", "plot_prob_by_deadline": "plot_deadline",
    "plot_gantt": "plot_gantt", "plot_finish_histogram": "plot_histogram",
    "plot_scurves": "plot_scurves", "plot_tornado": "plot_tornado",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
