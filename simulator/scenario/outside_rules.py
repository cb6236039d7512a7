"""Rules for the outside view: the reference class and the plans' own dates."""

from __future__ import annotations

from ..errors import suggest
from . import models as m

Problems = list[tuple[tuple, str]]


def outside_view_problems(sc: m.Scenario, dist_problems) -> Problems:
    """Problems of ``reference_class`` and of ``planned`` dates in ``sc``.

    ``dist_problems`` is the support rule of :mod:`.rules`, passed in so that the
    two modules do not import each other.
    """
    out: Problems = []
    start = sc.scenario.start
    groups = (("initiatives", sc.initiatives), ("milestones", sc.milestones))
    for section, elements in groups:
        for k, el in enumerate(elements):
            if el.planned is not None and el.planned <= start:
                out.append(((section, k, "planned"), f"{el.planned} is not after the start date "
                            f"{start}: a plan's date must leave some time to run"))
    rc = sc.reference_class
    if rc is None:
        return out
    # a ratio of actual to planned duration is positive: 0 would be work done in no time
    out += dist_problems(rc.ratio, ("reference_class", "ratio"), floor=0, strict=True,
                         what="a ratio of actual to planned duration")
    known = [x.id for _, els in groups for x in els]
    for n, x in enumerate(rc.applies_to):
        if x not in known:
            out.append((("reference_class", "applies_to", n),
                        f"`{x}` is not an initiative or milestone{suggest(x, known)}"))
    return out
