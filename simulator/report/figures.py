"""The report's figures, drawn off-screen and embedded as base64 PNG data URLs."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

from ..executors import fork_map, shared
from .data import ReportData
from .plot_coverage import plot_coverage
from .plot_criticality import plot_criticality
from .plot_deadline import plot_prob_by_deadline
from .plot_gantt import gantt_rows, plot_gantt
from .plot_histogram import plot_finish_histogram
from .plot_scurves_grid import grid_shape, plot_scurves_grid
from .plot_tornado import plot_tornado
from .plot_utilisation import plot_utilisation
from .text import fmt_date

DPI = 96

_TEXT = {
    "nb": {
        "scurves": ("Når blir tiltakene ferdige?",
                    ("Hver kurve viser andelen simuleringer der tiltaket er ferdig innen en gitt dato. "
                     "Der kurven krysser 50 % (sirkel) er medianen, ved 80 % (firkant) er P80. "
                     "Den stiplede linjen er fristen {deadline}.")),
        "deadline": ("Sannsynlighet for ferdig innen fristen",
                     ("Søylen er sannsynligheten for at tiltaket er ferdig innen {deadline}; "
                      "streken viser 95 % konfidensintervall for simuleringens usikkerhet.")),
        "histogram": ("Fordeling av ferdigdato: {target}",
                      ("Hvor ofte {target} blir ferdig i hver periode, over alle simuleringer. "
                       "Heltrukken rød linje er medianen (P50), prikket er P80.")),
        "gantt": ("Fasene: planlagt og simulert ferdigdato",
                  ("Søylen spenner fra P10 til P90 av fasens ferdigdato, den svarte streken er "
                   "medianen og ruten er planen med mest sannsynlige varigheter og uten at noen "
                   "risiko inntreffer.")),
        "tornado": ("Risikoene som flytter {target} mest",
                    ("Hvor mye tidligere P80 for {target} ville vært om risikoen ble fjernet "
                     "(samme tilfeldige tall, bare denne risikoen slått av). Prikken er det samme for P50.")),
        "criticality": ("Fasene som oftest styrer {target}",
                        ("Kritikalitet er andelen simuleringer der fasen ligger på den styrende "
                         "veien til {target}. SSI veier dette med hvor mye fasens varighet varierer.")),
        "coverage": ("Utrulling: hvor stor andel er i bruk?",
                     ("Andelen av enhetene (vektet) som har tatt løsningen i bruk, måned for måned. "
                      "Linjen er gjennomsnittet, feltet spenner fra P10 til P90. "
                      "Den stiplede linjen er fristen {deadline}.")),
        "utilisation": ("Delt kapasitet: hvor mye er i bruk?",
                        ("Enheter av hver ressurs (team, leverandørkapasitet) i bruk, måned for måned: "
                         "gjennomsnitt (heltrukken) og P90 (prikket), mot kapasiteten (tykk linje). "
                         "Der bruken ligger på kapasiteten, venter arbeid i kø.")),
    },
    "en": {
        "scurves": ("When do the initiatives finish?",
                    ("Each panel is one initiative, lowest probability first; the curve shows the share "
                     "of iterations in which it has finished by a date. Where it crosses 50% (circle) "
                     "is the median, 80% (square) is P80. The dashed line is the deadline {deadline}; "
                     "the number at the top right is the probability of finishing by it, and the "
                     "colour follows the key findings.")),
        "deadline": ("Probability of finishing by the deadline",
                     ("The bar is the probability that the initiative is finished by {deadline}; "
                      "the whisker is the 95% confidence interval of the simulation's sampling error.")),
        "histogram": ("Finish date distribution: {target}",
                      ("How often {target} finishes in each period, over all iterations. "
                       "The solid red line is the median (P50), the dotted one P80.")),
        "gantt": ("The phases: planned and simulated finish",
                  ("The bar spans P10 to P90 of the phase's finish date, the black tick is the "
                   "median and the diamond is the plan with most-likely durations and no risk firing.")),
        "tornado": ("The risks that move {target} most",
                    ("How much earlier the P80 of {target} would be without the risk (the same random "
                     "numbers, only this risk switched off). The dot is the same for P50.")),
        "criticality": ("The phases that most often drive {target}",
                        ("Criticality is the share of iterations in which the phase is on the path "
                         "that drives {target}. SSI weighs this by how much the phase's duration varies.")),
        "coverage": ("Rollouts: what share is live?",
                     ("The share of units (weighted) that have taken the solution into use, month by "
                      "month. The line is the mean, the band spans P10 to P90. "
                      "The dashed line is the deadline {deadline}.")),
        "utilisation": ("Shared capacity: how much is in use?",
                        ("Units of each resource (teams, vendor capacity) in use, month by month: "
                         "mean (solid) and P90 (dotted), against the capacity (thick line). "
                         "Where use sits at the capacity, work waits in a queue.")),
    },
}


@dataclass(frozen=True)
class Picture:
    """One embedded figure: its anchor, title, caption, alt text and data URL."""

    key: str
    title: str
    caption: str
    src: str


def png_data_url(draw: Callable, figsize: tuple[float, float]) -> str:
    """Draw on a new off-screen Figure (no pyplot) and return it as a PNG data URL.

    The PNG carries no software or date metadata, so the same tables give
    the same bytes.
    """
    # here, not at the top: see simulator/report/__init__.py
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    draw(fig) if getattr(draw, "whole_figure", False) else draw(fig.add_subplot())
    # Lay the figure out once and then switch the layout engine off: with it on, savefig
    # draws the whole figure twice (once with drawing disabled, only to run the layout).
    FigureCanvasAgg(fig)
    try:
        fig.get_layout_engine().execute(fig)
    except ValueError:  # as Figure.draw does: a layout that cannot be met leaves the axes
        pass
    fig.set_layout_engine(None)  # None, not "none", which keeps a placeholder engine
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _whole_figure(draw: Callable) -> Callable:
    """Mark ``draw`` as one that takes the Figure (small multiples), not one Axes."""
    draw.whole_figure = True
    return draw


#: A large plan is summarised so that each figure stays readable and the report small.
MAX_PANELS = 24        # S-curve panels: the initiatives least likely to finish by the deadline
MAX_BARS = 40          # bars of P(by deadline): the lowest
MAX_GANTT_ROWS = 120   # Gantt rows (and headings): by initiative, or the most critical phases


def pictures(data: ReportData, lang: str, workers: int = 1) -> list[Picture]:
    """Every figure of the report, drawn from ``data`` in ``lang``; a large plan's figures
    are summarised (see :data:`MAX_PANELS`, :data:`MAX_BARS`, :data:`MAX_GANTT_ROWS`) and
    their captions say what is shown. With ``workers`` > 1 the figures are drawn by that
    many forked processes (where the platform forks), to the same bytes."""
    n_ini = int((data.summary["element"] == "initiative").sum())
    n_risk = min(len(data.risks), 10)
    rows, _ = grid_shape(min(n_ini, MAX_PANELS))
    gantt, mode, lines = gantt_rows(data.summary, max_rows=MAX_GANTT_ROWS)
    plots = [
        ("scurves", _whole_figure(lambda fig: plot_scurves_grid(data, fig=fig, lang=lang,
                                                               max_panels=MAX_PANELS)),
         (11, 0.6 + 1.9 * rows)),
        ("deadline", lambda ax: plot_prob_by_deadline(data, ax=ax, lang=lang, max_bars=MAX_BARS),
         (9, 1.2 + 0.3 * min(n_ini, MAX_BARS))),
        ("histogram", lambda ax: plot_finish_histogram(data, ax=ax, lang=lang), (9, 4)),
        ("tornado", lambda ax: plot_tornado(data, ax=ax, lang=lang, top=10),
         (9, 1.4 + 0.42 * max(n_risk, 1))),
        ("criticality", lambda ax: plot_criticality(data, ax=ax, lang=lang, top=15), (9, 6.5)),
        ("gantt", lambda ax: plot_gantt(data, ax=ax, lang=lang, max_rows=MAX_GANTT_ROWS),
         (11, 1.6 + 0.24 * lines)),
    ]
    if len(data.coverage):
        plots.insert(2, ("coverage", lambda ax: plot_coverage(data, ax=ax, lang=lang), (11, 5)))
    if len(data.utilisation):
        plots.insert(3, ("utilisation", lambda ax: plot_utilisation(data, ax=ax, lang=lang),
                         (11, 5)))
    fields = {"deadline": fmt_date(data.deadline, lang), "target": data.meta["target_name"]}
    n_phase = int((data.summary["element"] == "phase").sum())
    notes = {"scurves": (n_ini > MAX_PANELS, _SHOWN[lang]["scurves"].format(k=MAX_PANELS, n=n_ini)),
             "deadline": (n_ini > MAX_BARS, _SHOWN[lang]["deadline"].format(k=MAX_BARS, n=n_ini)),
             "gantt": (mode != "phases", _SHOWN[lang].get(f"gantt_{mode}", "").format(
                 k=len(gantt), n=n_phase))}
    out = []
    for (key, _, _), src in zip(plots, _draw_all(plots, workers)):
        title, caption = _TEXT[lang][key]
        shown, note = notes.get(key, (False, ""))
        caption = caption.format(**fields) + (" " + note if shown else "")
        out.append(Picture(key, title.format(**fields), caption, src))
    return out


#: Figures drawn with seaborn's palettes. Importing seaborn (and scipy.stats with it) takes
#: about a second, so one process draws them all instead of every process importing it.
SEABORN_FIGURES = ("gantt", "coverage", "utilisation")


def _draw_group(ks: list[int]) -> list[str]:
    plots = shared()
    return [png_data_url(plots[k][1], plots[k][2]) for k in ks]


def _draw_all(plots: list, workers: int) -> list[str]:
    """Each plot's data URL, in order; with ``workers`` > 1 on forked processes (drawings
    do not pickle): the seaborn figures as one unit of work, then the others alone, the
    largest first, so that the processes finish together."""
    import matplotlib.backends.backend_agg  # noqa: F401 - loaded once, before any fork
    if workers <= 1:
        groups = [list(range(len(plots)))]
    else:
        area = [plots[k][2][0] * plots[k][2][1] for k in range(len(plots))]
        together = [k for k in range(len(plots)) if plots[k][0] in SEABORN_FIGURES]
        alone = sorted((k for k in range(len(plots)) if k not in together), key=lambda k: -area[k])
        groups = ([together] if together else []) + [[k] for k in alone]
    drawn = {}
    for ks, urls in zip(groups, fork_map(_draw_group, groups, workers, plots)):
        drawn.update(zip(ks, urls))
    return [drawn[k] for k in range(len(plots))]


#: What a summarised figure shows, added to its caption.
_SHOWN = {
    "nb": {"scurves": "Viser de {k} av {n} tiltak med lavest sannsynlighet for å nå fristen.",
           "deadline": "Viser de {k} av {n} tiltak med lavest sannsynlighet.",
           "gantt_initiatives": "Planen har {n} faser; her er én rad per tiltak (tiltakets ferdigdato).",
           "gantt_critical": ("Planen har {n} faser; her er de {k} som oftest ligger på den "
                              "styrende veien, under sine tiltak.")},
    "en": {"scurves": "Showing the {k} of {n} initiatives least likely to meet the deadline.",
           "deadline": "Showing the {k} of {n} initiatives with the lowest probability.",
           "gantt_initiatives": "The plan has {n} phases; here is one row per initiative (its finish).",
           "gantt_critical": ("The plan has {n} phases; here are the {k} most often on the driving "
                              "path, under their initiatives.")},
}
