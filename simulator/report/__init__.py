"""The report layer: plots (one ``plot_*`` per file), ReportData, and the self-contained HTML report.

Plots take a finished :class:`~simulator.analysis.result.Result` or a
:class:`ReportData` and never run the simulation again. Matplotlib and
seaborn are imported only when a plot is drawn (inside the functions that
draw), so a run that draws nothing (``--json``, ``--no-report``) does not pay
the second their import costs.
"""

from .data import DATA_DIR, ReportData, ReportDataError
from .html import REPORT_NAME, render_html, write_report
from .plot_coverage import plot_coverage
from .plot_compare import plot_compare
from .plot_criticality import plot_criticality
from .plot_deadline import plot_prob_by_deadline
from .plot_gantt import plot_gantt
from .plot_histogram import plot_finish_histogram
from .plot_scurves import plot_scurves
from .plot_scurves_grid import plot_scurves_grid
from .plot_tornado import plot_tornado
from .plot_tradeoff import plot_tradeoff
from .plot_utilisation import plot_utilisation

__all__ = ["DATA_DIR", "REPORT_NAME", "ReportData", "ReportDataError", "plot_compare",
           "plot_coverage", "plot_criticality", "plot_finish_histogram", "plot_gantt",
           "plot_prob_by_deadline", "plot_scurves", "plot_scurves_grid", "plot_tornado",
           "plot_tradeoff", "plot_utilisation", "render_html", "write_report"]
