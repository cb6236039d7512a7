"""Scenario texts and builders shared by several test modules."""

import yaml

TINY = """\
scenario:
  name: tiny
  version: "1"
  start: 2022-01-01
  deadline: 2026-12-31
  unit: months
initiatives:
  - id: sfm
    name: Sentral forskrivingsmodul
    phases:
      - id: sfm-utvikling
        kind: utvikling
        duration: {dist: pert, min: 8, mode: 12, max: 22}
      - id: sfm-utproving
        kind: utproving
        duration: {dist: triangular, min: 6, mode: 9, max: 18}
  - id: pll
    name: Pasientens legemiddelliste
    phases:
      - id: pll-utproving
        kind: utproving
        after: [sfm-utproving]
        duration: {dist: triangular, min: 9, mode: 12, max: 24}
      - id: pll-innforing
        kind: innforing
        after: [{id: sfm-utproving, type: SS, lag: 3}]
        duration: {dist: uniform, min: 24, max: 48}
milestones:
  - id: done
    after: [pll-innforing, sfm]
risks:
  - id: vendor-integration
    category: vendor
    probability: 0.6
    impact: {dist: triangular, min: 1.1, mode: 1.3, max: 1.8}
    applies_to: {kinds: [utproving]}
  - id: late-sfm-release
    category: dependency
    probability: 0.3
    delay: {dist: uniform, min: 2, max: 6}
    applies_to: {ids: [pll-utproving]}
"""


def scenario_text(body: dict, unit: str = "days", start: str = "2022-01-01",
                  deadline: str = "2026-12-31") -> str:
    """A scenario file's text from its sections (initiatives, milestones, risks, ...)."""
    header = {"scenario": {"name": "test", "version": "1", "start": start, "deadline": deadline,
                           "unit": unit}}
    return yaml.safe_dump(header) + yaml.dump(body, Dumper=_NoAliases, sort_keys=False)


class _NoAliases(yaml.SafeDumper):
    """Writes a shared object out in full each time: scenario files refuse aliases."""

    def ignore_aliases(self, data):
        return True




def phase(pid: str, dist: dict, kind: str = "utvikling", **extra) -> dict:
    """One phase entry."""
    return {"id": pid, "kind": kind, "duration": dist, **extra}


def chain(iid: str, *phases: dict) -> dict:
    """One initiative whose phases follow each other."""
    return {"id": iid, "phases": list(phases)}
