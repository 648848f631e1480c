"""Images for the throwaway dockerd, made on this machine: there is no image registry.

The base image is ``debootstrap --variant=minbase`` of the host's Debian release with python3,
python3-venv and postgresql-client, from the mirror apt is configured with, tarred and
``docker import``-ed. The tarball is cached in the system temp folder under a key of everything
that went into it, so only a machine's first run pays for debootstrap. The example project's
requirements come as a wheelhouse (``pip download`` for the image's Python, through pip's own
configuration), cached the same way.

    image = import_base_image(docker_server)   # BaseImage("schema-safety-base:bookworm", ...)
    context = cms_build_context(folder, wheelhouse(CMS_REQUIREMENTS, image))
    docker_server.run("compose", "-f", str(context / CMS_COMPOSE), "build")
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .base import ServerError, find_program, log_tail
from .dockerd import DockerServer, unmount_below

RECIPE = 2  # bump when the steps below change what goes into the base image
VARIANT = "minbase"
# pg_dump and psql: a Compose release's backups and rehearsals run in its image.
PACKAGES = ("python3", "python3-venv", "postgresql-client")
IMAGE_NAME = "schema-safety-base"

REPOSITORY = Path(__file__).resolve().parents[2]
CMS = Path("examples/cms")
CMS_REQUIREMENTS = REPOSITORY / CMS / "requirements.txt"
CMS_COMPOSE = CMS / "compose.yaml"
# What a release of the example project holds for its image (the rest of a checkout is not
# needed, and the repository's .dockerignore leaves it out of a real build context too).
CMS_SOURCES = (Path("schema_safety"), CMS, Path(".dockerignore"))
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "static", "media", ".env")

# Asked of the image's own python3 once it is installed: the wheelhouse must suit it.
PROBE = (
    "import json, platform, sys;"
    "print(json.dumps({'python': '%d.%d' % sys.version_info[:2],"
    " 'glibc': platform.libc_ver()[1], 'machine': platform.machine()}))"
)


@dataclass(frozen=True)
class BaseImage:
    """An imported base image: its name, and the Python and C library inside it."""

    name: str
    python: str
    glibc: str
    machine: str


def debian_codename() -> str:
    """The host's Debian release: its keyring and apt sources serve that suite."""
    fields = {}
    for line in Path("/etc/os-release").read_text().splitlines():
        key, _, value = line.partition("=")
        fields[key] = value.strip().strip('"')
    if fields.get("ID") != "debian" or not fields.get("VERSION_CODENAME"):
        raise ServerError("the base image is debootstrapped from the host's Debian release")
    return fields["VERSION_CODENAME"]


def apt_mirror(codename: str) -> str:
    """The mirror apt is configured with for ``codename`` (whatever the sources' format)."""
    argv = ["apt-get", "indextargets", "--format", "$(SITE) $(RELEASE) $(TARGET_OF)"]
    listed = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    for line in listed.splitlines():
        site, release, kind = (line.split() + ["", "", ""])[:3]
        if release == codename and kind == "deb":
            return site
    raise ServerError(f"apt has no source for {codename}: run apt-get update")


def recipe() -> dict[str, object]:
    """Everything that goes into the base image."""
    codename = debian_codename()
    architecture = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        "recipe": RECIPE,
        "suite": codename,
        "architecture": architecture,
        "variant": VARIANT,
        "packages": list(PACKAGES),
        "mirror": apt_mirror(codename),
    }


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``: another test run on the machine may be making the
    same cached file, and waiting for it is cheaper than making it twice."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_base_tarball() -> tuple[Path, dict[str, str]]:
    """The base image's root file system as a tarball, and what its python3 reported."""
    what = recipe()
    stem = Path(tempfile.gettempdir()) / f"{IMAGE_NAME}-{what['suite']}-{digest(what)}"
    tarball, probe = stem.with_suffix(".tar"), stem.with_suffix(".json")
    with locked(stem.with_suffix(".lock")):
        if not (tarball.exists() and probe.exists()):
            build_base_tarball(what, tarball, probe)
    return tarball, json.loads(probe.read_text())


def build_base_tarball(what: dict, tarball: Path, probe: Path) -> None:
    """debootstrap into a temporary folder, ask its python3, tar it; the files appear whole."""
    work = Path(tempfile.mkdtemp(prefix=f"{IMAGE_NAME}-build-"))
    root, log = work / "root", work / "debootstrap.log"
    try:
        debootstrap = find_program("debootstrap", extra_dirs=["/usr/sbin"])
        include = ",".join(what["packages"])
        argv = [debootstrap, f"--variant={what['variant']}", f"--arch={what['architecture']}"]
        argv += [f"--include={include}", what["suite"], str(root), what["mirror"]]
        run_logged(argv, log, "debootstrap")
        found = run_logged(["chroot", str(root), "python3", "-c", PROBE], log, "python3")
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            remove_files_below(root / cache)
        partial = tarball.with_suffix(".tar.partial")
        tar = ["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."]
        run_logged(tar, log, "tar")
        probe.write_text(json.dumps({**json.loads(found), "suite": what["suite"]}))
        partial.rename(tarball)
    finally:
        unmount_below(work)
        shutil.rmtree(work, ignore_errors=True)


def run_logged(argv: list[str], log: Path, what: str) -> str:
    """Run ``argv`` with its stderr in ``log``; its stdout, or ``ServerError`` with the log tail."""
    with log.open("ab") as errors:
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=errors, check=False)
    if result.returncode != 0:
        tail = log_tail(log)
        raise ServerError(f"{what} failed ({result.returncode}) making the base image:\n{tail}")
    return result.stdout.decode()


def remove_files_below(folder: Path) -> None:
    """Remove the regular files below ``folder`` (apt's downloads and lists: not needed to run)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.unlink()


def import_base_image(server: DockerServer) -> BaseImage:
    """Import the (cached) base image into ``server`` as ``schema-safety-base:<suite>``."""
    tarball, found = cached_base_tarball()
    name = f"{IMAGE_NAME}:{found['suite']}"
    server.run("import", "--change", 'CMD ["python3"]', str(tarball), name)
    return BaseImage(name, found["python"], found["glibc"], found["machine"])


def wheelhouse(requirements: Path, image: BaseImage) -> Path:
    """A folder of wheels for ``requirements`` that install on ``image``'s Python (cached)."""
    platforms = manylinux_platforms(image.glibc, image.machine)
    what = [requirements.read_text(), image.python, platforms]
    folder = Path(tempfile.gettempdir()) / f"schema-safety-wheels-{digest(what)}"
    with locked(folder.with_suffix(".lock")):
        if not folder.exists():
            download_wheels(requirements, image.python, platforms, folder)
    return folder


def manylinux_platforms(glibc: str, machine: str) -> list[str]:
    """Every manylinux tag a C library of version ``glibc`` runs: pip does not widen a
    ``--platform`` it is given to the older ones."""
    major, minor = (int(part) for part in glibc.split(".")[:2])
    tags = [f"manylinux_{major}_{older}_{machine}" for older in range(minor, 4, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    return tags + [f"{name}_{machine}" for since, name in legacy.items() if minor >= since]


def download_wheels(requirements: Path, python: str, platforms: list[str], folder: Path) -> None:
    partial = Path(tempfile.mkdtemp(prefix=f"{folder.name}-", dir=folder.parent))
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
    argv += ["--python-version", python, "--implementation", "cp"]
    argv += [option for platform in platforms for option in ("--platform", platform)]
    argv += ["--dest", str(partial), "--requirement", str(requirements)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise ServerError(f"pip download failed for {requirements.name}:\n{result.stderr}")
    partial.rename(folder)


def cms_build_context(folder: Path, wheels: Path) -> Path:
    """``folder`` laid out as a release of the example project, with ``wheels/``: the build
    context of examples/cms/Dockerfile (compose.yaml names it)."""
    for source in CMS_SOURCES:
        target = folder / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPOSITORY / source).is_dir():
            shutil.copytree(REPOSITORY / source, target, ignore=SKIPPED)
        else:
            shutil.copyfile(REPOSITORY / source, target)
    shutil.copytree(wheels, folder / "wheels")
    return folder
