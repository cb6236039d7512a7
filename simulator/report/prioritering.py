"""The report's "Nytte" and "Prioritering" sections: benefits of the run, and what
``veikart prioritise --out DIR`` saved in DIR."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

from .text import fmt_number, fmt_percent

#: Files a prioritisation leaves in its output directory.
JSON_NAME, PLOT_NAME = "prioritisation.json", "tradeoff.png"
#: Every file ``veikart prioritise --out`` writes (besides a run's report.html it renders again).
PRIORITISE_FILES = (JSON_NAME, "prioritisation.csv", PLOT_NAME)

_VERDICT = {"nb": {"better": "bedre", "worse": "dårligere", "no clear difference": "ingen sikker forskjell"},
            "en": {"better": "better", "worse": "worse", "no clear difference": "no clear difference"}}
_OBJECTIVE_NB = {"npv": "nåverdi av nytte", "benefit-by-deadline": "nytte innen fristen",
                 "p-target": "sannsynlighet for målet innen fristen", "p80-target": "P80 for målets ferdigdato"}
_METHOD_NB = {"every candidate": "alle kandidater", "local search over swaps": "lokalt søk over bytter"}
_OVER = {"nb": {"scenario's order": "scenarioets egen rekkefølge", "plan-order": "planrekkefølgen"},
         "en": {"scenario's order": "the scenario's own order", "plan-order": "plan-order"}}


def load_prioritisation(directory: str | Path) -> dict | None:
    """The saved prioritisation of ``directory`` (its JSON and its plot as PNG bytes), or None."""
    d = Path(directory)
    if not (d / JSON_NAME).is_file():
        return None
    payload = json.loads((d / JSON_NAME).read_text(encoding="utf-8"))
    png = (d / PLOT_NAME).read_bytes() if (d / PLOT_NAME).is_file() else None
    return {"payload": payload, "png": png}


def _order_name(name: str, lang: str) -> str:
    """A candidate's name as the report's language says it (the scenario's own order is
    named in words; the rest are the user's names, order ids and rule ids)."""
    own = "scenario's order"
    return _OVER[lang][own] + name[len(own):] if name.startswith(own) else name


def _value(x, name: str, lang: str) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return fmt_percent(x, lang) if name == "p-target" else fmt_number(x, lang, 2)


def _signed(x, name: str, lang: str) -> str:
    if x is None:
        return "–"
    text = _value(abs(x), name, lang)
    return ("+" if x > 0 else "−" if x < 0 else "±") + text


def section(saved: dict | None, lang: str, top: int = 10) -> dict | None:
    """Template fields of the section, or None when no prioritisation was run."""
    if saved is None:
        return None
    p, name = saved["payload"], saved["payload"]["objective"]
    rows = []
    for r in p["candidates"][:top]:
        rows.append({"rank": "–" if r["rank"] is None else str(int(r["rank"])),
                     "name": _order_name(r["name"], lang),
                     "objective": f"{_value(r['objective'], name, lang)} [{_value(r['objective_lo'], name, lang)}, "
                                  f"{_value(r['objective_hi'], name, lang)}]",
                     "p_target": fmt_percent(r["p_target"], lang), "p_best": fmt_percent(r["p_best"], lang),
                     "gain": f"{_signed(r['gain'], name, lang)} [{_signed(r['gain_lo'], name, lang)}, "
                             f"{_signed(r['gain_hi'], name, lang)}]",
                     "verdict": _VERDICT[lang][r["verdict"]], "dropped": r["status"] != "finalist"})
    gains = [{"over": _OVER[lang].get(g["over"], g["over"]),
              "gain": f"{_signed(g['gain'], name, lang)} [{_signed(g['gain_lo'], name, lang)}, "
                      f"{_signed(g['gain_hi'], name, lang)}]",
              "verdict": _VERDICT[lang][g["verdict"]], "better": g["verdict"] == "better"}
             for g in p["gains"]]
    src = None if saved["png"] is None else "data:image/png;base64," + base64.b64encode(saved["png"]).decode()
    nb = lang == "nb"
    return {"objective": _OBJECTIVE_NB.get(name, p["objective_label"]) if nb else p["objective_label"],
            "unit": p.get("unit", ""), "seed": p["seed"],
            "iterations": fmt_number(p["iterations"], lang, 0),
            "method": _METHOD_NB.get(p["method"], p["method"]) if nb else p["method"],
            "orders": len(p["candidates"]), "recommended": _order_name(p["recommended"]["name"], lang),
            "p_best": fmt_percent(p["candidates"][0]["p_best"], lang), "gains": gains, "rows": rows,
            "src": src, "sure": any(g["better"] for g in gains)}


def benefits_section(benefits: dict | None, lang: str) -> dict | None:
    """Template fields of the benefits table (from the run's JSON ``benefits`` object), or None."""
    if not benefits:
        return None

    def cells(stat: dict) -> dict:
        f = lambda k: _value(stat.get(k), "", lang)  # noqa: E731
        return {"mean": f"{f('mean')} [{f('mean_lo')}, {f('mean_hi')}]",
                "p10": f("p10"), "p50": f("p50"), "p90": f("p90")}
    rows = [{"name": r["name"], "deadline": cells(r["by_deadline"]), "pv": cells(r["present_value"])}
            for r in benefits["rates"]]
    rows.append({"name": "Sum" if lang == "nb" else "Total", "deadline": cells(benefits["total"]["by_deadline"]),
                 "pv": cells(benefits["total"]["present_value"]), "total": True})
    return {"unit": benefits["unit"], "rate": fmt_percent(benefits["discount_rate"], lang, 1),
            "horizon": benefits["horizon"], "rows": rows, "note": benefits.get("note")}
