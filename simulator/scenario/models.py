"""Frozen, typed models of the scenario format (v1): the only shape a scenario can take."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator,
                      model_validator)
from pydantic_core import PydanticCustomError

from .frozen import FrozenMap, ReadOnlyDict
from .text_types import Prose, Text

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80,
                          description="Unique id, letters, digits, '-', '_' and '.'")]
Kind = Literal["konsept", "utvikling", "tilpasning", "utproving", "innforing", "ny-praksis"]
# Strict: a quoted "12" or a boolean is a mistake in a scenario file, not a number.
# Bounded so that no arithmetic downstream can overflow: a million days is 2,700 years.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e6, le=1e6)]
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class Model(BaseModel):
    """Base of every scenario model: frozen, and no unknown keys.

    Frozen all the way down: sequences are tuples and mappings are read-only
    (:mod:`.frozen`), so a validated scenario stays valid.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False,
                              populate_by_name=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False):
        """A copy; with ``update``, validated again (pydantic's own would store the values as given).

        So a copy holds tuples and read-only mappings too, and a bad value raises
        pydantic's ValidationError instead of being kept.
        """
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate(_fields(self) | dict(update))


# --- distributions ---------------------------------------------------------

def _broken(field: str, message: str) -> PydanticCustomError:
    """A parameter rule broken; the loader points at ``field`` and prints ``message``.

    Checked here, with the shape, so that a bad parameter is reported together
    with every other structural problem of the file.
    """
    return PydanticCustomError("parameter", "{message}", {"field": field, "message": message})


def _check_range(d) -> None:
    if not d.min < d.max:
        raise _broken("max", f"{d.max:g} is not above min {d.min:g} (min < max)")
    if d.mode < d.min:
        raise _broken("mode", f"{d.mode:g} is below min {d.min:g} (min <= mode <= max)")
    if d.mode > d.max:
        raise _broken("mode", f"{d.mode:g} is above max {d.max:g} (min <= mode <= max)")


class Fixed(Model):
    dist: Literal["fixed"]
    value: Number


class Uniform(Model):
    dist: Literal["uniform"]
    min: Number
    max: Number

    @model_validator(mode="after")
    def _rules(self) -> "Uniform":
        if not self.min < self.max:
            raise _broken("max", f"{self.max:g} is not above min {self.min:g} (min < max)")
        return self


class Triangular(Model):
    dist: Literal["triangular"]
    min: Number
    mode: Number
    max: Number

    @model_validator(mode="after")
    def _rules(self) -> "Triangular":
        _check_range(self)
        return self


class Pert(Model):
    dist: Literal["pert"]
    min: Number
    mode: Number
    max: Number
    lambda_: Number = Field(4, alias="lambda", description="shape; 4 is the classic PERT")

    @model_validator(mode="after")
    def _rules(self) -> "Pert":
        _check_range(self)
        if self.lambda_ < 0:  # 0 is allowed: Beta(1, 1), a uniform
            raise _broken("lambda", f"{self.lambda_:g} is negative (lambda >= 0)")
        return self


class Normal(Model):
    dist: Literal["normal"]
    mean: Number
    sd: Number

    @model_validator(mode="after")
    def _rules(self) -> "Normal":
        if self.sd <= 0:
            raise _broken("sd", f"{self.sd:g} is not positive (sd > 0)")
        return self


class Lognormal(Model):
    dist: Literal["lognormal"]
    p50: Number
    p90: Number

    @model_validator(mode="after")
    def _rules(self) -> "Lognormal":
        if self.p50 <= 0:
            raise _broken("p50", f"{self.p50:g} is not positive (0 < p50 < p90)")
        if not self.p50 < self.p90:
            raise _broken("p90", f"{self.p90:g} is not above p50 {self.p50:g} (0 < p50 < p90)")
        return self


Distribution = Annotated[Union[Fixed, Uniform, Triangular, Pert, Normal, Lognormal],
                         Field(discriminator="dist")]


# --- network ---------------------------------------------------------------

class Link(Model):
    """A dependency on another activity."""

    id: Id
    type: Literal["FS", "SS", "FF", "SF"] = "FS"
    lag: Number = Field(0, description="in the scenario unit; negative is a lead")
    done: Number | None = Field(None, description="on a rollout: wait until this weighted "
                                "share of its units is live (0 < done <= 1), instead of the last")


AfterItem = Annotated[
    Union[Annotated[Id, Tag("id")], Annotated[Link, Tag("link")]],
    Discriminator(lambda v: "id" if isinstance(v, str) else "link"),
]


Count = Annotated[int, Field(strict=True, ge=0, le=100_000)]


class Readiness(Model):
    """Extra predecessors for the rollout units whose attributes match ``when``."""

    when: ReadOnlyDict[str, tuple[str, ...]] = Field(description="attribute -> values; all must match")
    after: tuple[AfterItem, ...] = Field(min_length=1)


class Rollout(Model):
    """An innforing phase taken into use unit by unit; ``duration`` is each unit's."""

    over: Id = Field(description="the `units:` table to roll out over")
    where: ReadOnlyDict[str, tuple[str, ...]] = Field(default_factory=FrozenMap,
                                                      description="attribute -> values; default every unit")
    order: Literal["listed", "weight"] | tuple[Id, ...] | ReadOnlyDict[Literal["by"], str] = Field(
        "listed", description="listed, weight (heaviest first), {by: attribute}, or unit ids first")
    ready: tuple[Readiness, ...] = Field(default_factory=tuple)


class Phase(Model):
    id: Id
    name: Text | None = None
    kind: Kind
    duration: Distribution
    after: tuple[AfterItem, ...] = Field(default_factory=tuple)
    not_before: dt.date | None = None
    tags: tuple[Text, ...] = Field(default_factory=tuple)
    uses: ReadOnlyDict[Id, Count] = Field(default_factory=FrozenMap,
                                          description="resource id -> units held while it runs")
    rollout: Rollout | None = None


class Initiative(Model):
    id: Id
    name: Text | None = None
    tags: tuple[Text, ...] = Field(default_factory=tuple)
    phases: tuple[Phase, ...] = Field(min_length=1)
    planned: dt.date | None = Field(None, description="the plan's own finish date (the roadmap's); "
                                    "default the deterministic plan")


class Milestone(Model):
    id: Id
    name: Text | None = None
    after: tuple[AfterItem, ...] = Field(min_length=1)
    not_before: dt.date | None = None
    tags: tuple[Text, ...] = Field(default_factory=tuple)
    planned: dt.date | None = Field(None, description="the plan's own date; default the "
                                    "deterministic plan")


class Selector(Model):
    """Picks phases (and milestones) by id, kind, initiative or tag; the union of all given."""

    ids: tuple[Id, ...] = Field(default_factory=tuple)
    kinds: tuple[Kind, ...] = Field(default_factory=tuple)
    initiatives: tuple[Id, ...] = Field(default_factory=tuple)
    tags: tuple[Text, ...] = Field(default_factory=tuple)


# --- risks -----------------------------------------------------------------

class Decisions(Model):
    """Budget decision dates: yearly on a month-day, or an explicit list."""

    yearly: str | None = Field(None, description="MM-DD, e.g. '12-15' for the adopted state budget")
    first: int | None = Field(None, description="year of the first yearly decision")
    dates: tuple[dt.date, ...] = Field(default_factory=tuple)

    @field_validator("yearly")
    @classmethod
    def _month_day(cls, v: str | None) -> str | None:
        if v is not None:
            check_month_day(v)
        return v


class Funding(Model):
    """A funding gate: the phases wait for the first budget decision that grants."""

    decisions: Decisions
    grant_probability: Number | tuple[Number, ...] = Field(
        description="chance each decision grants (one number, or one per decision)")


class Mitigated(Model):
    """Values that replace the risk's own when a run uses mitigated values."""

    probability: Number | None = None
    impact: Distribution | None = None
    delay: Distribution | None = None
    funding: Funding | None = None


class Risk(Model):
    id: Id
    name: Text | None = None
    category: Literal["financing", "vendor", "dependency", "other"]
    probability: Number | None = Field(None, description="chance the driver fires per iteration")
    impact: Distribution | None = Field(None, description="factor multiplying affected durations")
    delay: Distribution | None = Field(None, description="time added to affected durations")
    funding: Funding | None = None
    applies_to: Selector
    mitigated: Mitigated | None = None
    scope: Literal["shared", "initiative", "unit"] = Field(
        "shared", description="one draw for all targets, one per initiative, or one per "
        "rollout unit (a phase that is no rollout counts as its own unit)")


# --- calendar and correlation ----------------------------------------------

class Window(Model):
    start: str = Field(alias="from", description="MM-DD, first day without progress")
    until: str = Field(description="MM-DD, last day without progress (may wrap the year)")

    @field_validator("start", "until")
    @classmethod
    def _month_day(cls, v: str) -> str:
        check_month_day(v)
        return v


class Blackout(Model):
    id: Id
    name: Text | None = None
    window: Window
    applies_to: Selector


class Correlation(Model):
    id: Id
    applies_to: Selector
    rank_correlation: Number = Field(description="Spearman rank correlation between members")


# --- capacity, priorities and rollout units ---------------------------------

class CapacityStep(Model):
    start: dt.date = Field(alias="from", description="first day of this capacity")
    units: Count


class Resource(Model):
    """Units (teams, vendor slots) that phases hold while they run, non-preemptively."""

    id: Id
    name: Text | None = None
    capacity: Count | tuple[CapacityStep, ...] = Field(
        description="units at once, or steps [{from: date, units: n}] in date order")
    applies_to: Selector | None = Field(None, description="phases that use it, `claim` units each")
    claim: Count = Field(1, description="units each phase picked by `applies_to` holds")


class Priorities(Model):
    """Who goes first when phases wait for the same resource."""

    order: tuple[str, ...] = Field(default_factory=tuple,
                                   description="initiative or phase ids, or tags; first goes first")
    rule: str = Field("plan-order", description="then: plan-order, shortest-first, ...")


class Unit(Model):
    """One organisation or area a rollout reaches."""

    id: Id
    name: Text | None = None
    weight: Number = Field(1, description="population, users or 1; coverage is weighted by it")
    attributes: ReadOnlyDict[str, str] = Field(default_factory=FrozenMap)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, v: object) -> object:
        # Inline units write attributes as plain keys, like the columns of a units file.
        if isinstance(v, dict):
            known = {"id", "name", "weight", "attributes"}
            extra = {k: v[k] for k in v if k not in known}
            if extra:
                v = {k: v[k] for k in v if k in known}
                v["attributes"] = {**v.get("attributes", {}), **extra}
        return v

    @field_validator("attributes", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x
                    for k, x in v.items()}
        return v


class UnitFile(Model):
    """A unit table kept in a CSV file: a header row with `id` (and `name`, `weight`, any
    attributes), one unit per row. The path is relative to the scenario file."""

    file: str


# A table is a list of units, or a file not read yet; the tag keeps the errors of a bad unit
# to the list branch instead of also saying that a list is no mapping.
UnitTable = Annotated[
    Union[Annotated[tuple[Unit, ...], Tag("list")], Annotated[UnitFile, Tag("file")]],
    Discriminator(lambda v: "file" if isinstance(v, (Mapping, UnitFile)) else "list"),
]

# --- benefits ----------------------------------------------------------------

class BenefitRate(Model):
    """Value that flows once an initiative (or a rollout, unit by unit) is in use."""

    of: Id = Field(description="an initiative (in use when it finishes) or a rollout phase "
                   "(in use in proportion to its weighted coverage)")
    name: Text | None = None
    per_month: Number = Field(description="value per month once fully in use (a rollout: at "
                              "full coverage), in the benefits' unit")
    ramp_up: Number = Field(0, description="months from going live to the full rate (linear)")

    @model_validator(mode="after")
    def _rules(self) -> "BenefitRate":
        if self.ramp_up < 0:
            raise _broken("ramp_up", f"{self.ramp_up:g} is negative (ramp_up >= 0)")
        return self


class Benefits(Model):
    """Benefit rates and how they are valued: discounted to the start date over a horizon."""

    unit: Text = Field("MNOK", description="unit of value, e.g. MNOK")
    discount_rate: Number = Field(0.04, description="real discount rate per year (4 % is the "
                                  "rate of Norwegian social-economic analysis)")
    horizon: dt.date | None = Field(None, description="last day valued; default the scenario's horizon")
    note: Prose | None = Field(None, description="where the rates come from, e.g. illustrative assumptions")
    rates: tuple[BenefitRate, ...] = Field(default_factory=tuple)

    @model_validator(mode="after")
    def _rules(self) -> "Benefits":
        if not -1 < self.discount_rate < 1:
            raise _broken("discount_rate", f"{self.discount_rate:g} is not within (-1, 1)")
        return self

# --- the outside view -------------------------------------------------------

class ReferenceClass(Model):
    """How long comparable projects took against their plan: the outside view."""

    name: Text
    source: Prose = Field(description="where the figures come from")
    ratio: Distribution = Field(description="distribution of actual / planned duration")
    applies_to: tuple[Id, ...] = Field(default_factory=tuple, description="initiative or "
                                       "milestone ids it is held against; default every initiative")


# --- the scenario ----------------------------------------------------------

class Header(Model):
    name: Text
    version: Text
    start: dt.date
    deadline: dt.date
    unit: Literal["days", "weeks", "months"]
    horizon: dt.date | None = Field(None, description="last date simulated; default start + 30 years")
    percentiles: tuple[Number, ...] = Field(default_factory=lambda: (10, 50, 80, 90))
    target: Id | None = Field(None, description="default target of sensitivity analysis")

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


class Scenario(Model):
    """A whole scenario, after overlays are merged."""

    scenario: Header
    initiatives: tuple[Initiative, ...] = Field(min_length=1)
    milestones: tuple[Milestone, ...] = Field(default_factory=tuple)
    risks: tuple[Risk, ...] = Field(default_factory=tuple)
    blackouts: tuple[Blackout, ...] = Field(default_factory=tuple)
    correlations: tuple[Correlation, ...] = Field(default_factory=tuple)
    resources: tuple[Resource, ...] = Field(default_factory=tuple)
    priorities: Priorities = Field(default_factory=Priorities)
    units: ReadOnlyDict[Id, UnitTable] = Field(
        default_factory=FrozenMap, description="unit tables: name -> units, inline or {file: x.csv}")
    benefits: Benefits | None = None

    reference_class: ReferenceClass | None = None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False):
        """A copy; with ``update``, a variant validated like a loaded file.

        Shape and rules (unique ids, known references, ...) are checked again, so
        ``sc.model_copy(update={"risks": [...]})`` cannot make a scenario that
        :func:`~simulator.simulate` would run wrongly. :func:`~simulator.scenario.derive`
        changes elements by id, in the shape of an overlay.

        Raises
        ------
        ScenarioError
            Naming ``<model_copy>`` and the field of every problem.
        """
        if not update:
            return super().model_copy(deep=deep)
        from .check import build_scenario  # check validates with these models
        from .yamlio import SourceMap
        return build_scenario(_fields(self) | dict(update), SourceMap(), "<model_copy>")[0]


def _fields(model: BaseModel) -> dict[str, Any]:
    """A model's fields by name, holding the validated values as they are."""
    return {name: getattr(model, name) for name in type(model).model_fields}


def check_month_day(text: str) -> tuple[int, int]:
    """Parse ``MM-DD`` and raise ValueError when it is not a real day."""
    m = _MONTH_DAY.match(text)
    if not m:
        raise ValueError(f"'{text}' is not a month-day in the form MM-DD")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        dt.date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise ValueError(f"'{text}' is not a day of the year") from None
    return month, day
