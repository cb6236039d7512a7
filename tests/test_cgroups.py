"""A container's cgroup (version 2, else 1) bounds the CPUs and the memory a run takes by
default: read from fake /proc/self/cgroup files and cgroup trees."""

from __future__ import annotations

import os

import pytest

import simulator.cgroups as cg
import simulator.parallel as par


def _cgroups(tmp_path, monkeypatch, lines, files, mountinfo=None):
    """A fake /proc/self/cgroup with ``lines`` and cgroup files under a fake root; a fake
    /proc/self/mountinfo with ``mountinfo`` (``{root}`` stands for the fake root), else none."""
    (tmp_path / "cgroup").write_text("".join(f"{line}\n" for line in lines))
    if mountinfo is not None:
        (tmp_path / "mountinfo").write_text(
            "".join(f"{line}\n" for line in mountinfo).replace("{root}", str(tmp_path / "fs")))
    monkeypatch.setattr(cg, "PROC_MOUNTINFO", str(tmp_path / "mountinfo"))
    for rel, text in files.items():
        (tmp_path / "fs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / rel).write_text(f"{text}\n")
    monkeypatch.setattr(cg, "PROC_CGROUP", str(tmp_path / "cgroup"))
    monkeypatch.setattr(cg, "CGROUP_ROOT", str(tmp_path / "fs"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    return cg


def test_a_containers_cgroup_limits_the_cpus_and_the_memory(tmp_path, monkeypatch):
    """A container's CPU quota and memory limit (cgroup version 2) bound what a run takes
    by default, below the host's CPUs and MemAvailable."""
    monkeypatch.setattr(cg, "PROC_CGROUP", str(tmp_path / "missing"))
    host = par.available_memory()
    _cgroups(tmp_path, monkeypatch, ["0::/box"], {
        "box/cpu.max": "150000 100000", "box/memory.max": 8 * 2**30,
        "box/memory.current": 3 * 2**30})
    assert par.available_cpus() == 2                      # 1.5 CPUs of quota: 2 processes
    left = 5 * 2**30                                      # 8 GiB limit, 3 GiB used
    near = 512 * 2**20  # MemAvailable moves between two reads
    got = par.available_memory()
    assert got == left if host is None or host > left + near else abs(got - min(host, left)) < near
    _cgroups(tmp_path, monkeypatch, ["0::/box"], {"box/cpu.max": "max 100000", "box/memory.max": "max"})
    assert par.available_cpus() == 64
    assert host is None and par.available_memory() is None or abs(par.available_memory() - host) < near


V1 = ["9:name=systemd:/", "4:memory:/box", "3:cpu,cpuacct:/box", "0::/"]


@pytest.mark.parametrize("folder", ["box/", ""])  # its group's folder; a container's root
def test_a_cgroup_v1_limits_the_cpus_and_the_memory(tmp_path, monkeypatch, folder):
    cg = _cgroups(tmp_path, monkeypatch, V1, {
        f"memory/{folder}memory.limit_in_bytes": 6 * 2**30,
        f"memory/{folder}memory.usage_in_bytes": 5 * 2**30,
        f"cpu/{folder}cpu.cfs_quota_us": 250000, f"cpu/{folder}cpu.cfs_period_us": 100000})
    assert cg.memory_left() == 2**30 and cg.cpu_quota() == 2.5
    assert par.available_cpus() == 3
    assert par.available_memory() <= 2**30


def test_an_unlimited_cgroup_v1_leaves_the_host_figures(tmp_path, monkeypatch):
    cg = _cgroups(tmp_path, monkeypatch, V1, {
        "memory/box/memory.limit_in_bytes": 9223372036854771712,
        "memory/box/memory.usage_in_bytes": 5 * 2**30,
        "cpu/box/cpu.cfs_quota_us": -1, "cpu/box/cpu.cfs_period_us": 100000})
    assert cg.cpu_quota() is None and par.available_cpus() == 64
    assert cg.memory_left() > 2**62


def test_cgroup_v2_is_read_before_v1(tmp_path, monkeypatch):
    cg = _cgroups(tmp_path, monkeypatch, ["4:memory:/box", "0::/two"], {
        "two/memory.max": 4 * 2**30, "two/memory.current": 2**30, "two/cpu.max": "max 100000",
        "memory/box/memory.limit_in_bytes": 2**30, "memory/box/memory.usage_in_bytes": 0})
    assert cg.memory_left() == 3 * 2**30 and cg.cpu_quota() is None


def test_no_cgroup_files_mean_no_limits(tmp_path, monkeypatch):
    cg = _cgroups(tmp_path, monkeypatch, ["0::/"], {})
    assert cg.memory_left() is None and cg.cpu_quota() is None
    monkeypatch.setattr(cg, "PROC_CGROUP", str(tmp_path / "missing"))
    assert cg.memory_left() is None and par.available_cpus() == 64


#: /proc/self/cgroup in a Docker container on a hybrid host: cpuset and cpuacct come before
#: the combined cpu,cpuacct line, at other paths, and the paths end with a slash.
HYBRID = ["12:cpuset:/", "11:cpuacct:/other/", "10:memory:/docker/abc/", "9:cpu,cpuacct:/docker/abc/",
          "1:name=systemd:/docker/abc", "0::/docker/abc"]


def test_a_controller_is_found_by_its_name_not_a_prefix(tmp_path, monkeypatch):
    """``cpu`` is read in the cpu,cpuacct group, not cpuset's nor cpuacct's; the host's
    root says no limit, as a v1 host does (-1, and 9223372036854771712 bytes)."""
    cg = _cgroups(tmp_path, monkeypatch, HYBRID, {
        "cpu/cpu.cfs_quota_us": -1, "cpu/cpu.cfs_period_us": 100000,
        "cpu/other/cpu.cfs_quota_us": 400000, "cpu/other/cpu.cfs_period_us": 100000,
        "cpu/docker/abc/cpu.cfs_quota_us": 150000, "cpu/docker/abc/cpu.cfs_period_us": 100000,
        "memory/memory.limit_in_bytes": 9223372036854771712,
        "memory/memory.usage_in_bytes": 7 * 2**30,
        "memory/docker/abc/memory.limit_in_bytes": 3 * 2**30,
        "memory/docker/abc/memory.usage_in_bytes": 2**30})
    assert cg.cpu_quota() == 1.5 and par.available_cpus() == 2
    assert cg.memory_left() == 2 * 2**30


#: cgroup version 1 with cpu and cpuacct mounted together: /sys/fs/cgroup/cpu,cpuacct, and
#: no ``cpu`` symlink to it. CentOS 7 lists the pair the other way round in
#: /proc/self/cgroup (``cpuacct,cpu``) than the folder it mounts them in.
@pytest.mark.parametrize("listed", ["cpu,cpuacct", "cpuacct,cpu"])
def test_a_v1_controller_mounted_with_others_is_read_in_their_folder(tmp_path, monkeypatch, listed):
    lines = ["11:memory,hugetlb:/docker/abc", f"4:{listed}:/docker/abc", "0::/"]
    cg = _cgroups(tmp_path, monkeypatch, lines, {
        "cpu,cpuacct/cpu.cfs_quota_us": -1, "cpu,cpuacct/cpu.cfs_period_us": 100000,
        "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": 150000,
        "cpu,cpuacct/docker/abc/cpu.cfs_period_us": 100000,
        "hugetlb,memory/docker/abc/memory.limit_in_bytes": 3 * 2**30,
        "hugetlb,memory/docker/abc/memory.usage_in_bytes": 2**30})
    assert cg.cpu_quota() == 1.5 and par.available_cpus() == 2  # the group's, not the root's
    assert cg.memory_left() == 2 * 2**30


def test_a_v1_combined_folder_falls_back_to_its_root(tmp_path, monkeypatch):
    """A container that sees only its own group sees it at the combined folder's root."""
    cg = _cgroups(tmp_path, monkeypatch, ["4:cpu,cpuacct:/docker/abc", "3:memory:/docker/abc"], {
        "cpu,cpuacct/cpu.cfs_quota_us": 50000, "cpu,cpuacct/cpu.cfs_period_us": 100000})
    assert cg.cpu_quota() == 0.5 and par.available_cpus() == 1


def test_a_v2_limit_on_a_parent_group_binds_the_process(tmp_path, monkeypatch):
    """The smallest room left at any level from the group up to the root: here the
    parent's, 4 GiB less its 3 GiB in use, though the group itself has no limit."""
    cg = _cgroups(tmp_path, monkeypatch, ["0::/a/b/c"], {
        "a/memory.max": 4 * 2**30, "a/memory.current": 3 * 2**30,
        "a/b/memory.max": "max", "a/b/memory.current": 2**30,
        "a/b/c/memory.max": "max", "a/b/c/memory.current": 2**29})
    assert cg.memory_left() == 2**30
    (tmp_path / "fs/a/b/c/memory.max").write_text(f"{2**30}\n")  # now its own is smallest
    assert cg.memory_left() == 2**29
    (tmp_path / "fs/a/b/c/memory.max").unlink()  # no memory controller in the group's own folder
    assert cg.memory_left() == 2**30


def test_only_a_v2_groups_own_and_its_ancestors_limits_bind_it(tmp_path, monkeypatch):
    """A container's root limit binds; a sibling's or a child's does not; "max" at every
    level is no limit."""
    cg = _cgroups(tmp_path, monkeypatch, ["0::/"], {
        "memory.max": 6 * 2**30, "memory.current": 2**30,
        "other/memory.max": 2**20, "other/memory.current": 0})
    assert cg.memory_left() == 5 * 2**30
    (tmp_path / "two").mkdir()
    cg = _cgroups(tmp_path / "two", monkeypatch, ["0::/a/b"], {
        "a/memory.max": "max", "a/memory.current": 2**30,
        "a/b/memory.max": "max", "a/b/memory.current": 2**30,
        "a/b/c/memory.max": 2**20, "a/b/c/memory.current": 0})
    assert cg.memory_left() is None


@pytest.mark.parametrize("own, hierarchical, left", [
    (9223372036854771712, 3 * 2**30, 2 * 2**30),   # the parent's limit, through memory.stat
    (2 * 2**30, 3 * 2**30, 2**30),                 # the group's own, smaller
    (9223372036854771712, 9223372036854771712, 9223372036854771712 - 2**30)])  # none
def test_a_v1_limit_on_a_parent_group_is_read_from_memory_stat(tmp_path, monkeypatch, own,
                                                               hierarchical, left):
    cg = _cgroups(tmp_path, monkeypatch, V1, {
        "memory/box/memory.limit_in_bytes": own, "memory/box/memory.usage_in_bytes": 2**30,
        "memory/box/memory.stat": f"cache 0\nrss {2**30}\nhierarchical_memory_limit {hierarchical}\n"
                                  f"hierarchical_memsw_limit 9223372036854771712\ntotal_cache 0"})
    assert cg.memory_left() == left


def test_v2_file_cache_the_kernel_can_reclaim_is_room(tmp_path, monkeypatch):
    """memory.current counts the page cache; its inactive file part (memory.stat's
    inactive_file, as docker stats subtracts) is room, at each level up the tree."""
    cg = _cgroups(tmp_path, monkeypatch, ["0::/a/b"], {
        "a/memory.max": 16 * 2**30, "a/memory.current": 12 * 2**30,
        "a/memory.stat": f"anon {2**30}\nfile {11 * 2**30}\nactive_file {2**30}\n"
                         f"inactive_file {10 * 2**30}\nslab_reclaimable 0",
        "a/b/memory.max": 4 * 2**30, "a/b/memory.current": 3 * 2**30,
        "a/b/memory.stat": f"anon {2**29}\nfile {5 * 2**29}\nactive_file {2**29}\n"
                           f"inactive_file {2**31}"})
    assert cg.memory_left() == 4 * 2**30 - (3 * 2**30 - 2**31)  # below the parent's 14 GiB
    (tmp_path / "fs/a/memory.max").write_text(f"{4 * 2**30}\n")
    assert cg.memory_left() == 4 * 2**30 - (12 * 2**30 - 10 * 2**30)


@pytest.mark.parametrize("usage, inactive, left", [
    (5 * 2**30, 4 * 2**30, 5 * 2**30),   # 1 GiB in use beyond the cache
    (2**30, 2 * 2**30, 6 * 2**30),       # more cache than usage (two reads apart): none in use
    (7 * 2**30, 0, 0)])                  # over the limit: no room, not a negative one
def test_v1_file_cache_the_kernel_can_reclaim_is_room(tmp_path, monkeypatch, usage, inactive, left):
    """memory.usage_in_bytes counts the page cache: memory.stat's total_inactive_file (the
    group's and its children's, as docker stats subtracts), not inactive_file (its own)."""
    cg = _cgroups(tmp_path, monkeypatch, V1, {
        "memory/box/memory.limit_in_bytes": 6 * 2**30, "memory/box/memory.usage_in_bytes": usage,
        "memory/box/memory.stat": f"cache {usage}\ninactive_file {2**20}\n"
                                  f"hierarchical_memory_limit 9223372036854771712\n"
                                  f"total_cache {usage}\ntotal_inactive_file {inactive}"})
    assert cg.memory_left() == left


def test_a_v2_cpu_quota_on_a_parent_group_binds_the_process(tmp_path, monkeypatch):
    """The smallest quota from the group up to the root: a pod's or a slice's 1.5 CPUs bind
    a container whose own group says "max"; a smaller one of its own binds first; a
    sibling's does not."""
    cg = _cgroups(tmp_path, monkeypatch, ["0::/pod/box"], {
        "cpu.max": "max 100000", "pod/cpu.max": "150000 100000", "pod/box/cpu.max": "max 100000",
        "pod/other/cpu.max": "10000 100000"})
    assert cg.cpu_quota() == 1.5 and par.available_cpus() == 2
    (tmp_path / "fs/pod/box/cpu.max").write_text("50000 100000\n")
    assert cg.cpu_quota() == 0.5 and par.available_cpus() == 1
    (tmp_path / "fs/pod/box/cpu.max").unlink()  # no cpu controller in the group's own folder
    assert cg.cpu_quota() == 1.5
    (tmp_path / "fs/pod/cpu.max").write_text("max 100000\n")
    assert cg.cpu_quota() is None and par.available_cpus() == 64


@pytest.mark.parametrize("files, quota", [
    # a pod's 1 CPU binds a container that has 2 of its own, under a node's 3
    ({"kube/cpu.max": "300000 100000", "kube/pod/cpu.max": "100000 100000",
      "kube/pod/box/cpu.max": "200000 100000"}, 1.0),
    # the topmost binds, above a level that says "max"
    ({"kube/cpu.max": "50000 100000", "kube/pod/cpu.max": "max 100000",
      "kube/pod/box/cpu.max": "200000 100000"}, 0.5),
    # CPUs are quota over period: 100000 per 50000 (2 CPUs) is more than 150000 per 100000
    ({"kube/pod/cpu.max": "100000 50000", "kube/pod/box/cpu.max": "150000 100000"}, 1.5),
])
def test_the_smallest_v2_cpu_quota_from_the_group_up_binds(tmp_path, monkeypatch, files, quota):
    cg = _cgroups(tmp_path, monkeypatch, ["0::/kube/pod/box"], files)
    assert cg.cpu_quota() == quota


#: /proc/self/mountinfo of a host with cgroup version 1 mounted where nothing guesses it
#: (under /cg, the cpu folder named "sched"), one path with a space, and the version 2
#: hierarchy and unrelated mounts around them.
MOUNTINFO = [
    "22 1 0:20 / /proc rw,nosuid - proc proc rw",
    "30 25 0:26 / {root}/unified rw,nosuid shared:8 - cgroup2 cgroup2 rw",
    "31 25 0:27 / {root}/cg/sched rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct",
    "32 25 0:28 / {root}/cg/mem\\040ory rw,nosuid shared:10 - cgroup cgroup rw,memory",
    "33 25 0:29 / {root}/cg/pids rw,nosuid shared:11 - cgroup cgroup rw,pids",
]


def test_v1_groups_are_found_where_mountinfo_says_the_controllers_are(tmp_path, monkeypatch):
    cg = _cgroups(tmp_path, monkeypatch, ["5:pids:/box", "4:memory:/box", "3:cpu,cpuacct:/box", "0::/"], {
        "cg/sched/box/cpu.cfs_quota_us": 50000, "cg/sched/box/cpu.cfs_period_us": 100000,
        "cg/mem ory/box/memory.limit_in_bytes": 3 * 2**30,
        "cg/mem ory/box/memory.usage_in_bytes": 2**30,
        # the usual places hold other numbers, which must not be read
        "cpu/box/cpu.cfs_quota_us": 400000, "cpu/box/cpu.cfs_period_us": 100000,
        "memory/box/memory.limit_in_bytes": 2**40, "memory/box/memory.usage_in_bytes": 0},
        mountinfo=MOUNTINFO)
    assert cg.cpu_quota() == 0.5 and par.available_cpus() == 1
    assert cg.memory_left() == 2 * 2**30


def test_a_v1_mount_whose_root_is_the_containers_group_is_that_group(tmp_path, monkeypatch):
    """In a container the mount's root is its own group: the group's files are at the mount
    point, not at the mount point plus the group's path."""
    info = ["40 35 0:31 /docker/abc {root}/k/cpu rw - cgroup cgroup rw,cpu",
            "41 35 0:32 /docker/abc {root}/k/memory rw - cgroup cgroup rw,memory"]
    cg = _cgroups(tmp_path, monkeypatch, ["4:memory:/docker/abc", "3:cpu:/docker/abc"], {
        "k/cpu/cpu.cfs_quota_us": 150000, "k/cpu/cpu.cfs_period_us": 100000,
        "k/memory/memory.limit_in_bytes": 4 * 2**30, "k/memory/memory.usage_in_bytes": 2**30},
        mountinfo=info)
    assert cg.cpu_quota() == 1.5 and cg.memory_left() == 3 * 2**30


def test_a_v1_mount_of_a_group_whose_name_is_a_prefix_is_not_this_groups(tmp_path, monkeypatch):
    """A mount whose root is /docker/ab holds group /docker/ab and its children, not
    /docker/abc: that group is read where the usual folders have it."""
    info = ["40 35 0:31 /docker/ab {root}/k/cpu rw - cgroup cgroup rw,cpu"]
    cg = _cgroups(tmp_path, monkeypatch, ["3:cpu:/docker/abc"], {
        "k/cpuc/cpu.cfs_quota_us": 50000, "k/cpuc/cpu.cfs_period_us": 100000,
        "cpu/docker/abc/cpu.cfs_quota_us": 150000, "cpu/docker/abc/cpu.cfs_period_us": 100000},
        mountinfo=info)
    assert cg.cpu_quota() == 1.5
