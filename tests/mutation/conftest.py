"""The mutation run is a script, not a test module: pytest must not collect it."""

collect_ignore_glob = ["*.py"]
