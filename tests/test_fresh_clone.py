"""A newcomer's clone has no ../shared: the README's test command must still pass, telling in
one line what was not run and how to enable it; with CI=true the same clone must fail loudly.

The repository's tracked files are copied into a temporary folder (so work in progress is
checked too) and pytest runs there in a subprocess on a fast subset that includes tests which
need LINE's spec."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.optional_parts import line_messaging_spec

ROOT = Path(__file__).resolve().parents[1]
SUBSET = [
    "tests/channels/line/test_webhook.py",  # every test here needs LINE's webhook.yml
    "tests/channels/line/test_render.py",  # golden files only: runs without the spec
]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("newcomer") / "kyodo"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not (target.parent / "shared").exists()
    return target


def run_readme_command(clone: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "KYODO_LINE_SPEC"}}
    env.pop("KYODO_TEST_DATABASE_URL", None)  # the README's command runs on SQLite
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *SUBSET],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_fresh_clone_passes_and_says_what_was_not_run(clone):
    done = run_readme_command(clone)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    lines = [line for line in out.splitlines() if line.startswith("kyodo: ")]
    assert len(lines) == 1, out[-4000:]
    assert "not run" in lines[0] and "LINE's OpenAPI spec" in lines[0]
    assert "KYODO_LINE_SPEC" in lines[0] and "../shared/specs/line" in lines[0]
    assert " passed" in out and " deselected" in out
    assert "test_render.py" not in lines[0]


def test_on_ci_a_missing_spec_fails_the_run(clone):
    done = run_readme_command(clone, CI="true")
    out = done.stdout + done.stderr
    assert done.returncode != 0, out[-4000:]
    assert "CI=true" in out and "LINE's OpenAPI spec" in out
    assert " passed" not in out


@pytest.mark.line_spec
def test_a_spec_given_by_env_is_found(clone):
    spec = line_messaging_spec()  # this repo's spec, handed to the clone by KYODO_LINE_SPEC
    done = run_readme_command(clone, KYODO_LINE_SPEC=str(spec))
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "need LINE's OpenAPI spec" not in out
