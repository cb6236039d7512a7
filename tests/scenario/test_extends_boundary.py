"""``extends:`` reaches only the folder of the file given, unless allowed; it never echoes a foreign file."""

from __future__ import annotations

import pytest
from texts import TINY

from simulator import ScenarioError, load_scenario
from simulator.cli import main

SECRET = "root:x:0:0:secret-entry:/root:/bin/bash\ndaemon:x:1:1:another-entry:/usr/sbin\n"


@pytest.fixture
def tree(tmp_path):
    """tmp/outside/{base.yaml, passwd}; tmp/project/{base.yaml, sub/base.yaml, link.yaml -> passwd}."""
    outside, project = tmp_path / "outside", tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "base.yaml").write_text(TINY)
    (outside / "passwd").write_text(SECRET)
    (project / "base.yaml").write_text(TINY)
    (project / "sub" / "base.yaml").write_text(TINY)
    (project / "link.yaml").symlink_to(outside / "passwd")
    return project


def _overlay(project, target, name="over.yaml"):
    path = project / name
    path.write_text(f"extends: {target}\nscenario: {{name: what-if}}\n")
    return path


@pytest.mark.parametrize("target", ["../outside/base.yaml", "{abs}", "link.yaml",
                                    "sub/../../outside/base.yaml"])
def test_extends_outside_the_folder_is_refused(tree, target):
    target = target.format(abs=tree.parent / "outside" / "base.yaml")
    with pytest.raises(ScenarioError, match="outside .*--allow-extends-outside") as info:
        load_scenario(_overlay(tree, target))
    assert info.value.line == 1 and info.value.path == "extends"
    assert "secret-entry" not in str(info.value)


def test_extends_inside_the_folder_and_below_works(tree):
    assert load_scenario(_overlay(tree, "sub/base.yaml")).scenario.name == "what-if"
    assert load_scenario(_overlay(tree, "./base.yaml")).scenario.name == "what-if"


def test_an_overlay_in_a_subfolder_may_extend_into_the_folder_given(tree):
    """The boundary is the folder of the file the user named, for the whole chain."""
    (tree / "sub" / "mid.yaml").write_text("extends: ../base.yaml\nscenario: {version: '2'}\n")
    sc = load_scenario(_overlay(tree, "sub/mid.yaml"))
    assert (sc.scenario.name, sc.scenario.version) == ("what-if", "2")
    with pytest.raises(ScenarioError, match="outside"):
        load_scenario(tree / "sub" / "mid.yaml")  # named directly, its folder is sub/


def test_the_explicit_option_allows_outside(tree, capsys):
    over = _overlay(tree, "../outside/base.yaml")
    assert load_scenario(over, allow_extends_outside=True).scenario.name == "what-if"
    assert main(["validate", str(over)]) == 2
    assert main(["validate", str(over), "--allow-extends-outside"]) == 0
    assert main(["run", str(over), "-n", "200", "--json", "--allow-extends-outside"]) == 0
    twin = over.with_name("twin.yaml")  # compare takes each file once
    twin.write_text(over.read_text())
    assert main(["compare", str(over), str(twin), "-n", "200", "--allow-extends-outside"]) == 0


@pytest.mark.parametrize("target", ["../outside/passwd", "link.yaml"])
def test_a_file_that_is_no_scenario_is_never_echoed(tree, capsys, target):
    over = _overlay(tree, target)
    assert main(["validate", str(over), "--allow-extends-outside"]) == 2
    err = capsys.readouterr().err
    assert "is not a scenario file" in err and "its content is not shown" in err
    for word in ("root:", "daemon", "secret-entry", "bin/bash"):
        assert word not in err.replace(str(tree.parent), "")


def test_a_broken_yaml_outside_is_not_echoed(tree, capsys):
    (tree.parent / "outside" / "bad.yaml").write_text("password: 'hunter2\nkey: [unclosed\n")
    over = _overlay(tree, "../outside/bad.yaml")
    assert main(["validate", str(over), "--allow-extends-outside"]) == 2
    err = capsys.readouterr().err
    assert "is not a scenario file" in err and "hunter2" not in err and "password" not in err
