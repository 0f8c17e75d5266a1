"""requirements.lock pins every package the two README commands install, within the ranges the requirements files
allow, and the environment running the tests holds exactly those versions (scripts/setup.sh installs with it)."""
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def requirements(name: str) -> list[Requirement]:
    out = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            out.append(Requirement(line))
    return out


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            assert m, f"not an exact pin: {line}"
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_every_requirement_is_pinned_within_its_range():
    pins = locked()
    for req in requirements("requirements.txt") + requirements("requirements-dev.txt"):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock"
        assert req.specifier.contains(Version(pins[name]), prereleases=True), f"{req.name}=={pins[name]} not {req}"


def test_the_running_environment_matches_the_lock():
    drift = []
    for name, pinned in locked().items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            drift.append(f"{name} missing")
            continue
        if installed.public != Version(pinned).public:  # torch 2.13.0+cpu satisfies the pin 2.13.0
            drift.append(f"{name} {installed} != {pinned}")
    assert not drift, drift
