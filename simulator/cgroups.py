"""What Linux's cgroups allow this process: CPUs' worth of time and bytes of memory left.

Version 2 is read first, then version 1. Every reader returns None where there is nothing
to read (other platforms, no such controller, a file that cannot be read), which the
callers take as "no limit". Tests point :data:`PROC_CGROUP` and :data:`CGROUP_ROOT` at
fake trees.
"""

from __future__ import annotations

#: Where Linux says which cgroups a process is in, where they are mounted, and where their
#: files usually are.
PROC_CGROUP, PROC_MOUNTINFO, CGROUP_ROOT = "/proc/self/cgroup", "/proc/self/mountinfo", "/sys/fs/cgroup"


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


def _number(text: str | None) -> int | None:
    """The integer ``text`` holds; None for version 2's "max", an empty file or none."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _stat(folder: str | None) -> dict[str, int]:
    """The ``key value`` lines of ``folder``'s ``memory.stat``; empty where there is none."""
    text = None if folder is None else _read(f"{folder}/memory.stat")
    return {parts[0]: int(parts[1]) for line in (text or "").splitlines()
            if len(parts := line.split()) == 2 and parts[1].isdigit()}


def _v2_group() -> str | None:
    """This process's version 2 group (``/`` in a container that sees only its own)."""
    return next((path for controllers, path in _groups() if controllers == ""), None)


def _v2_levels(group: str) -> list[str]:
    """The folders of ``group`` and of each of its ancestors, up to :data:`CGROUP_ROOT`."""
    parts = [p for p in group.split("/") if p]
    return [CGROUP_ROOT + "".join(f"/{p}" for p in parts[:k]) for k in range(len(parts), -1, -1)]


def _unescape(field: str) -> str:
    """A path of :data:`PROC_MOUNTINFO`, where space, tab, newline and backslash are written
    as octal escapes (``\\040``)."""
    for code in ("040", "011", "012", "134"):
        field = field.replace("\\" + code, chr(int(code, 8)))
    return field


def _v1_mounts(controller: str) -> list[tuple[str, str]]:
    """(root within the hierarchy, mount point) of each version 1 mount of ``controller``,
    as :data:`PROC_MOUNTINFO` lists them."""
    try:
        with open(PROC_MOUNTINFO) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        head, sep, tail = line.partition(" - ")
        fields, more = head.split(), tail.split()
        if sep and len(fields) >= 5 and len(more) >= 3 and more[0] == "cgroup" \
                and controller in more[2].split(","):
            mounts.append((_unescape(fields[3]), _unescape(fields[4])))
    return mounts


def _v1_folders(controller: str) -> list[str]:
    """The folders where this process's version 1 group of ``controller`` may be, in order.

    First where :data:`PROC_MOUNTINFO` says the controller is mounted: the group's path
    below the mount's root (a container's mount has its own group as root, so the group
    is the mount point itself). Then the usual places, for a /proc without mountinfo: a
    controller is mounted alone (``cpu``) or with others in one folder named by their list
    (``cpu,cpuacct``), often with a symlink per name but not always; the list in
    :data:`PROC_CGROUP` may be in another order than the folder's name (``cpuacct,cpu`` on
    CentOS 7), so its sorted order is tried too. In each, the group's folder comes first,
    then the root: a container that sees only its own group sees it there.
    """
    found = next(((c, path) for c, path in _groups() if controller in c.split(",")), None)
    if found is None:
        return []
    controllers, group = found
    group = group.rstrip("/")
    mounted = []
    for root, point in _v1_mounts(controller):
        root = root.rstrip("/")
        if group == root or group.startswith(root + "/"):
            mounted.append(point.rstrip("/") + group[len(root):])
    mounts = [f"{CGROUP_ROOT}/{m}" for m in dict.fromkeys(
        [controller, controllers, ",".join(sorted(controllers.split(",")))])]
    return list(dict.fromkeys(mounted + [m + group for m in mounts] + mounts))


def _v1_folder(controller: str, name: str) -> str | None:
    """The first of :func:`_v1_folders` that holds a readable file ``name``."""
    return next((f for f in _v1_folders(controller) if _read(f"{f}/{name}") is not None), None)


def _ratio(quota: str | None, period: str | None) -> float | None:
    """``quota / period`` CPUs; None for version 2's "max", version 1's -1, or no file."""
    try:
        quota_, period_ = float(quota), float(period)
    except (TypeError, ValueError):
        return None
    return quota_ / period_ if quota_ > 0 and period_ > 0 else None


def _v2_cpu_quota(group: str) -> tuple[bool, float | None]:
    """(whether any level has a ``cpu.max`` file, the smallest quota among them).

    A quota on an ancestor (a pod's, a systemd slice's) binds this group as much as its own.
    """
    texts = [t.split() for t in (_read(f"{f}/cpu.max") for f in _v2_levels(group)) if t is not None]
    quotas = [q for q in (_ratio(*t) if len(t) == 2 else None for t in texts) if q is not None]
    return bool(texts), min(quotas, default=None)


def cpu_quota() -> float | None:
    """CPUs' worth of time this process's cgroup allows (version 2, else 1).

    Version 2 when the group or an ancestor has a ``cpu.max`` file: the smallest quota
    from the group up to the root. Else version 1's quota of the group.

    Returns
    -------
    float or None
        Quota over period, e.g. 1.5; None when unlimited or unknown.
    """
    group = _v2_group()
    if group is not None:
        found, quota = _v2_cpu_quota(group)
        if found:
            return quota
    folder = _v1_folder("cpu", "cpu.cfs_quota_us")  # both from the folder that has the quota
    return None if folder is None else _ratio(_read(f"{folder}/cpu.cfs_quota_us"),
                                              _read(f"{folder}/cpu.cfs_period_us"))


def _room(limit: int | None, used: int | None, cache: int) -> int | None:
    """Bytes left under ``limit`` when ``used`` are in use, of which ``cache`` bytes are
    file cache the kernel reclaims when it needs them (as ``docker stats`` counts); never
    below 0. None when either number is missing."""
    if limit is None or used is None:
        return None
    return max(0, limit - max(0, used - cache))


def _v2_memory_left(group: str) -> tuple[bool, int | None]:
    """(whether any level has a ``memory.max`` file, the smallest room left under them).

    A limit on an ancestor binds this group as much as its own: each level's room is its
    ``memory.max`` less its ``memory.current`` beyond the inactive file cache.
    """
    levels = [(folder, _read(f"{folder}/memory.max")) for folder in _v2_levels(group)]
    rooms = [_room(_number(limit), _number(_read(f"{folder}/memory.current")),
                   _stat(folder).get("inactive_file", 0))
             for folder, limit in levels if limit is not None]
    return bool(rooms), min((r for r in rooms if r is not None), default=None)


def _v1_memory_left() -> int | None:
    """Room left under the version 1 memory limit: the smaller of the group's
    ``memory.limit_in_bytes`` and ``memory.stat``'s ``hierarchical_memory_limit`` (its
    ancestors' too), less ``memory.usage_in_bytes`` beyond the inactive file cache."""
    folder = _v1_folder("memory", "memory.limit_in_bytes")
    if folder is None:
        return None
    stat = _stat(folder)
    limit = _number(_read(f"{folder}/memory.limit_in_bytes"))
    if limit is not None and "hierarchical_memory_limit" in stat:
        limit = min(limit, stat["hierarchical_memory_limit"])
    return _room(limit, _number(_read(f"{folder}/memory.usage_in_bytes")),
                 stat.get("total_inactive_file", 0))


def memory_left() -> int | None:
    """Bytes the cgroup lets this process's group use beyond what it uses now.

    Version 2 when the group or an ancestor has a ``memory.max`` file, else version 1.
    Page cache the kernel can reclaim (the inactive file cache) is not counted as used.

    Returns
    -------
    int or None
        The smallest room left under any limit that binds the group; None when there
        is no limit to read. Version 1's "no limit" is a number far above any machine's
        memory, and is returned as such.
    """
    group = _v2_group()
    if group is not None:
        found, left = _v2_memory_left(group)
        if found:
            return left
    return _v1_memory_left()
