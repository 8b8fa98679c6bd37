"""Building the grading images: wheels fetched on the host, then a docker build.

The build context is the course folder (``docker/``, ``cli/``, the course
material). Python packages are installed in the image from a folder of
wheels fetched here with ``pip download``, so the build itself needs no
network and works on an engine that cannot reach the package index. Each
image is stamped with the runner's digest, which the docker backend checks.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from tpgrade import paths
from tpgrade.errors import BuildError, SandboxUnavailable, TpgradeError
from tpgrade.sandbox.docker import CPU_IMAGE, CUDA_IMAGE, DIGEST_LABEL, connect, engine_errors, runner_digest

DOCKERFILE = "docker/Dockerfile"
DEFAULT_BASE = "python:3.11-slim-bookworm"
# The CUDA build of torch carries its CUDA runtime in its wheels (nvidia-*): any base serves.
TORCH_PINS = {"cpu": "torch==2.13.0", "cuda": "torch==2.14.1"}


@dataclass(frozen=True)
class ImagePlan:
    """What to build: which torch, from which base, with which wheels, under which tag."""

    kind: str  # "cpu" or "cuda"
    tag: str
    base_image: str | None  # None: the Dockerfile's default, DEFAULT_BASE
    wheels: Path  # inside the course folder (the build context)
    download: bool
    torch_index: str | None = None

    @property
    def torch(self) -> str:
        return TORCH_PINS[self.kind]


def plan(
    cuda: bool,
    tag: str | None,
    base_image: str | None,
    wheels: Path | None,
    download: bool,
    torch_index: str | None,
) -> ImagePlan:
    kind = "cuda" if cuda else "cpu"
    root = paths.course_root()
    folder = (wheels or root / "build" / f"wheels-{kind}").resolve()
    if not folder.is_relative_to(root):
        raise BuildError(
            f"the wheels folder {folder} must lie inside the course folder {root} (the build context)"
        )
    default_tag = CUDA_IMAGE if cuda else CPU_IMAGE
    return ImagePlan(kind, tag or default_tag, base_image, folder, download, torch_index)


def fetch_wheels(image: ImagePlan, say: Callable[[str], None]) -> None:
    """``pip download`` torch and tpgrade's dependencies into the wheels folder."""
    image.wheels.mkdir(parents=True, exist_ok=True)
    # One resolution for torch and the project, so that torch's pin holds for both.
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(image.wheels)]
    if image.torch_index:
        command += ["--extra-index-url", image.torch_index]
    command += [image.torch, str(paths.course_root())]
    say("$ " + " ".join(command[2:]))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError("fetching the wheels failed: " + " / ".join(tail))


def build(image: ImagePlan, say: Callable[[str], None], client: Any = None) -> str:
    """Build the image; returns its id. ``say`` receives the build's output line by line."""
    root = paths.course_root()
    if image.download:
        fetch_wheels(image, say)
    if not any(image.wheels.glob("*.whl")):
        raise BuildError(
            f"no wheels in {image.wheels}: drop --no-download, or fetch them there with pip download"
        )
    client = client or connect()
    context = build_context(root, image.wheels)
    args = {"WHEELS": str(image.wheels.relative_to(root)), "TORCH": image.torch}
    if image.base_image:
        args["BASE_IMAGE"] = image.base_image
    say(f"Building {image.tag} from {DOCKERFILE} (base {image.base_image or DEFAULT_BASE}, {image.torch})")
    built = ""
    try:
        for chunk in client.api.build(
            fileobj=context,
            custom_context=True,
            dockerfile=DOCKERFILE,
            tag=image.tag,
            buildargs=args,
            labels={DIGEST_LABEL: runner_digest()},
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "error" in chunk:
                raise BuildError(f"the image build failed: {str(chunk['error']).strip()}")
            if line := str(chunk.get("stream", "")).rstrip():
                say(line)
            if "aux" in chunk and "ID" in chunk["aux"]:
                built = str(chunk["aux"]["ID"])
    except TpgradeError:
        raise
    except engine_errors() as exc:
        raise SandboxUnavailable(f"the docker engine could not build {image.tag}: {str(exc)[:300]}") from None
    finally:
        context.close()
    return built


def build_context(root: Path, wheels: Path) -> IO[bytes]:
    """The build context as a tar: the course folder less what ``.dockerignore`` leaves out
    and less the other images' wheels (the CUDA image's are gigabytes)."""
    from docker.utils.build import tar

    ignore = root / ".dockerignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    exclude = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    exclude += [
        other.relative_to(root).as_posix()
        for other in sorted((root / "build").glob("wheels-*"))
        if other.is_dir() and other.resolve() != wheels
    ]
    return cast(IO[bytes], tar(str(root), exclude=exclude, dockerfile=(DOCKERFILE, None)))


@dataclass(frozen=True)
class ImageState:
    tag: str
    present: bool
    current: bool
    size_bytes: int


def inspect(tags: tuple[str, ...] = (CPU_IMAGE, CUDA_IMAGE), client: Any = None) -> list[ImageState]:
    """Whether each grading image exists, matches this tpgrade's runner, and its size."""
    client = client or connect()
    states = []
    for tag in tags:
        try:
            data = client.api.inspect_image(tag)
        except engine_errors():
            states.append(ImageState(tag, False, False, 0))
            continue
        labels = data["Config"].get("Labels") or {}
        states.append(ImageState(tag, True, labels.get(DIGEST_LABEL) == runner_digest(), int(data["Size"])))
    return states
