"""veikart: Monte Carlo schedule risk for the national e-health roadmap.

The pipeline is ``load_scenario`` -> ``simulate`` -> ``Result``; see the README.
"""

from .analysis.planned import plan_table
from .analysis.result import Result
from .api import compare, plan, simulate
from .errors import ScenarioError
from .prioritise import prioritise
from .scenario import Scenario, load_scenario
from .scenario.compile import compile_scenario

__version__ = "0.1.0"

__all__ = ["Result", "Scenario", "ScenarioError", "compare", "compile_scenario", "load_scenario", "plan",
           "plan_table", "prioritise", "simulate", "__version__"]
