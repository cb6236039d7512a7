"""What Linux's cgroups allow this process: CPUs' worth of time and bytes of memory left.

Version 2 is read first, then version 1. Every reader returns None where there is nothing
to read (other platforms, no such controller, a file that cannot be read), which the
callers take as "no limit". Tests point :data:`PROC_CGROUP` and :data:`CGROUP_ROOT` at
fake trees.
"""

from __future__ import annotations

#: Where Linux says which cgroups a process is in, and where their files are.
PROC_CGROUP, CGROUP_ROOT = "/proc/self/cgroup", "/sys/fs/cgroup"


def _groups() -> list[tuple[str, str]]:
    """(controllers, path) of each line of :data:`PROC_CGROUP`; ``""`` is version 2's."""
    try:
        with open(PROC_CGROUP) as f:
            return [(parts[1], parts[2].strip()) for line in f
                    if len(parts := line.split(":", 2)) == 3]
    except OSError:
        return []


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except (OSError, ValueError):
        return None


def _cgroup_file(name: str) -> str | None:
    """The text of this process's cgroup version 2 file ``name``, or None where there is
    none (other platforms, cgroup version 1 alone). Only its own group's is read."""
    group = next((path for controllers, path in _groups() if controllers == ""), None)
    return None if group is None else _read(f"{CGROUP_ROOT}{group.rstrip('/')}/{name}")


def _cgroup_v1_file(controller: str, name: str) -> str | None:
    """The text of this process's cgroup version 1 file ``name`` of ``controller``: in its
    group's folder, or else at the controller's root, which is its group in a container
    that sees only its own; None where there is none."""
    group = next((path for controllers, path in _groups() if controller in controllers.split(",")),
                 None)
    if group is None:
        return None
    folder = f"{CGROUP_ROOT}/{controller}"
    return _read(f"{folder}{group.rstrip('/')}/{name}") or _read(f"{folder}/{name}")


def cpu_quota() -> float | None:
    """CPUs' worth of time the cgroup allows (version 2, else 1); None when unlimited."""
    v2 = (_cgroup_file("cpu.max") or "").split()
    quota, period = (v2 if len(v2) == 2 else
                     (_cgroup_v1_file("cpu", "cpu.cfs_quota_us"),
                      _cgroup_v1_file("cpu", "cpu.cfs_period_us")))
    try:
        quota, period = float(quota), float(period)
    except (TypeError, ValueError):  # "max", or no file
        return None
    return quota / period if quota > 0 and period > 0 else None  # v1 says -1 for none


def memory_left() -> int | None:
    """Bytes the cgroup (version 2, else 1) lets this process's group use beyond what it
    uses now; None when there is no limit to read. Version 1's "no limit" is a number far
    above any machine's memory, and is taken as such."""
    limit, used = _cgroup_file("memory.max"), _cgroup_file("memory.current")
    if limit is None:
        limit = _cgroup_v1_file("memory", "memory.limit_in_bytes")
        used = _cgroup_v1_file("memory", "memory.usage_in_bytes")
    try:
        return max(0, int(limit) - int(used))
    except (TypeError, ValueError):  # "max", or no file
        return None
