"""veikart: Monte Carlo schedule risk for the national e-health roadmap.

The pipeline is ``load_scenario`` -> ``simulate`` -> ``Result``; see the README.

The names below are imported when first used, not with the package: the command line
starts without numpy, pandas, scipy and numba (``veikart --help`` in a tenth of the
time), and so can take a Ctrl-C while they load as it takes one during a run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Each public name and the module it comes from.
_HOME = {
    "Result": ".analysis.result", "Scenario": ".scenario", "ScenarioError": ".errors",
    "compare": ".api", "compile_scenario": ".scenario.compile", "load_scenario": ".scenario",
    "plan": ".api", "plan_table": ".analysis.planned", "prioritise": ".order_search",
    "simulate": ".api",
}

__all__ = [*sorted(_HOME), "__version__"]

if TYPE_CHECKING:  # what a type checker and an editor see: the eager imports
    from .analysis.planned import plan_table
    from .analysis.result import Result
    from .api import compare, plan, simulate
    from .errors import ScenarioError
    from .order_search import prioritise
    from .scenario import Scenario, load_scenario
    from .scenario.compile import compile_scenario


def __getattr__(name: str):
    """Import a public name on first use (PEP 562), and keep it."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    helpers = {"TYPE_CHECKING", "annotations", "importlib"}
    return sorted({*_HOME, "__version__", *(n for n in globals() if n[0] != "_" and n not in helpers)})
