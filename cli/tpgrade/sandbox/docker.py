"""The docker backend: each runner in a fresh container of the grading image.

The judge stays on the host; only the runner (student code) runs in the
container, as the image's unprivileged ``runner`` user, with no network, a
read-only root, no capabilities, ``no-new-privileges``, memory, process and
CPU limits, and a size-capped tmpfs for scratch. Nothing of the host is
mounted. The image holds the graders and references too (for in-image use),
owned by another user and unreadable by the runner.

Requests and answers travel over the container's attached stdin/stdout,
demultiplexed here into pipes so that the session reads them like a local
process. Containers are started with ``auto_remove`` and carry a label of
their sandbox: killing a runner removes its container, ``close()`` removes
any left, and if tpgrade itself dies, the runner sees its stdin close and
exits, which removes the container; the container's PID 1, a small
supervisor (:mod:`tpgrade.runner.supervisor`), caps its lifetime in any case.
PID 1 is not dumpable, so the runner cannot ptrace it or write its memory to
stop that cap. The judge's own deadlines, which kill the container from
outside, stay the authority.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from tpgrade.errors import SandboxUnavailable
from tpgrade.paths import PACKAGE_DIR
from tpgrade.sandbox.base import RUNNER_ENV, CappedBuffer, RunnerProcess, Sandbox, count_descendants
from tpgrade.wire.limits import Limits

CPU_IMAGE = "tpgrade-cpu"
CUDA_IMAGE = "tpgrade-cuda"
DIGEST_LABEL = "org.tpgrade.runner-digest"
SANDBOX_LABEL = "org.tpgrade.sandbox"
OWNER_LABEL = "org.tpgrade.owner"  # host name and pid of the tpgrade process that started it
RUNNER_USER = "10002:10002"
LIFETIME_SECONDS = 3600
RUNNER_BOOT = "from tpgrade.runner.server import main; main()"
SUPERVISOR_BOOT = "from tpgrade.runner.supervisor import main; main()"
# RLIMIT_AS is set by the runner's first line, not as a container ulimit: runc's
# own start-up needs more address space than a small limit leaves.
ADDRESS_SPACE_BOOT = "import resource; resource.setrlimit(resource.RLIMIT_AS, ({size}, {size})); "
# What runs inside the sandbox: a change in these packages needs a rebuilt image.
RUNNER_PACKAGES = ("runner", "wire")


def runner_files() -> list[str]:
    """The files of the sandbox's side, relative to the package (derived, not listed by hand)."""
    return sorted(
        str(path.relative_to(PACKAGE_DIR))
        for package in RUNNER_PACKAGES
        for path in (PACKAGE_DIR / package).rglob("*.py")
    )


def runner_digest() -> str:
    """A digest of the runner's code, stamped on images so that a stale image is refused."""
    digest = hashlib.sha256()
    for name in runner_files():
        digest.update(name.encode())
        digest.update((PACKAGE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def engine_errors() -> tuple[type[BaseException], ...]:
    """What a call to the docker engine raises when the engine refuses or goes away: the SDK's
    own errors, those of the HTTP libraries under it, socket errors, and an answer of an
    unexpected shape. Caught here, at the boundary, and nowhere else by a broad ``except``."""
    errors: list[type[BaseException]] = [OSError, KeyError, TypeError, ValueError]
    for module, name in (
        ("docker.errors", "DockerException"),
        ("requests.exceptions", "RequestException"),
        ("urllib3.exceptions", "HTTPError"),
    ):
        with contextlib.suppress(ImportError, AttributeError):
            errors.append(getattr(importlib.import_module(module), name))
    return tuple(errors)


@contextlib.contextmanager
def engine_call(doing: str) -> Iterator[None]:
    """An engine error inside becomes one :class:`SandboxUnavailable` line: what was being done, and why."""
    try:
        yield
    except engine_errors() as exc:
        raise SandboxUnavailable(f"the docker engine could not {doing}: {_engine_problem(exc)}") from None


def connect(timeout: float = 10.0) -> Any:
    """A docker client whose engine answers, or :class:`SandboxUnavailable` saying why not."""
    try:
        # Imported by name: mypy would take the repository's docker/ folder for this package.
        docker: Any = importlib.import_module("docker")
    except ImportError:
        raise SandboxUnavailable("the docker Python package is not installed (pip install docker)") from None
    _reach_unix_socket(timeout)
    client = None
    try:
        client = docker.from_env(timeout=timeout, max_pool_size=64)
        client.ping()
    except engine_errors() as exc:
        if client is not None:
            with contextlib.suppress(*engine_errors()):
                client.close()  # the socket it opened
        raise SandboxUnavailable(f"no docker engine answers ({_engine_problem(exc)})") from None
    return client


def _reach_unix_socket(timeout: float) -> None:
    """Try the engine's unix socket first: the SDK leaves its socket open when it cannot connect."""
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if not host.startswith("unix://"):
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.connect(host.removeprefix("unix://"))
        except OSError as exc:
            raise SandboxUnavailable(f"no docker engine answers ({_engine_problem(exc)})") from None


def _engine_problem(exc: BaseException) -> str:
    """Why the engine did not answer, in words rather than the client library's nested reprs."""
    text = str(exc)
    where = os.environ.get("DOCKER_HOST") or "/var/run/docker.sock"
    if "FileNotFoundError" in text or "No such file" in text:
        return f"no engine socket at {where}: start dockerd, or set DOCKER_HOST"
    if "Permission denied" in text or "PermissionError" in text:
        return f"permission denied on {where}: join the docker group, or run as root"
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return f"connection refused at {where}: is dockerd running?"
    if "timed out" in text.lower() or "Timeout" in text:
        return f"no answer from {where} in time"
    if "could not select device driver" in text:
        return (
            "it gives containers no GPU (no NVIDIA container toolkit, or no GPU on this machine): "
            "install nvidia-container-toolkit and restart dockerd, or grade with --device cpu"
        )
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class ContainerRunner(RunnerProcess):
    """A runner in a started container, seen through pipes like a local process."""

    def __init__(self, api: Any, container_id: str) -> None:
        self._api = api
        self.container_id = container_id
        self._stderr = CappedBuffer()
        self._status: int | None = None
        self._ended = threading.Event()
        self._pid = 0
        self._socket: socket.socket | None = None
        self._attached: Any = None
        self._in_read, self._in_write = os.pipe()
        self._out_read, self._out_write = os.pipe()
        self._threads = [threading.Thread(target=self._wait_removed, daemon=True)]
        self._threads[0].start()

    def attach_and_start(self) -> None:
        attached = self._api.attach_socket(
            self.container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        )
        # Keep the SDK's object: once it is collected, its HTTP connection goes back to the
        # client's pool and another request would be written into this container's stdin.
        self._attached = attached
        self._socket = attached._sock
        self._api.start(self.container_id)
        for target in (self._demultiplex, self._pump_stdin):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        with contextlib.suppress(*engine_errors()):
            self._pid = int(self._api.inspect_container(self.container_id)["State"]["Pid"])

    # -- threads --------------------------------------------------------------
    def _wait_removed(self) -> None:
        try:
            self._status = int(self._api.wait(self.container_id, condition="removed")["StatusCode"])
        except engine_errors():  # removed before the wait began, or the engine went away
            self._status = self._status if self._status is not None else 137
        self._ended.set()

    def _read_exactly(self, size: int) -> bytes:
        assert self._socket is not None
        data = bytearray()
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                break
            data.extend(chunk)
        return bytes(data)

    def _demultiplex(self) -> None:
        """Split the attach stream: frames of stdout go to the pipe, of stderr to the cap."""
        try:
            while len(header := self._read_exactly(8)) == 8:
                payload = self._read_exactly(int.from_bytes(header[4:], "big"))
                if header[0] == 1:
                    view = memoryview(payload)
                    while view:
                        view = view[os.write(self._out_write, view) :]
                else:
                    self._stderr.add(payload)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                os.close(self._out_write)

    def _pump_stdin(self) -> None:
        assert self._socket is not None
        try:
            while chunk := os.read(self._in_read, 1 << 16):
                self._socket.sendall(chunk)
            self._socket.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            # The judge's next write then fails at once instead of filling the pipe.
            with contextlib.suppress(OSError):
                os.close(self._in_read)

    # -- RunnerProcess ----------------------------------------------------------
    @property
    def stdin_fd(self) -> int:
        return self._in_write

    @property
    def stdout_fd(self) -> int:
        return self._out_read

    def descendants(self) -> int:
        if self._pid and os.path.exists(f"/proc/{self._pid}"):
            return count_descendants(self._pid)
        try:  # the engine runs elsewhere: ask it
            return max(0, len(self._api.top(self.container_id)["Processes"]) - 1)
        except engine_errors():
            return 0

    def stderr_text(self) -> str:
        return self._stderr.text()

    def kill(self) -> None:
        if not self._ended.is_set():
            with contextlib.suppress(*engine_errors()):
                self._api.kill(self.container_id)
            if not self._ended.wait(30):
                with contextlib.suppress(*engine_errors()):
                    self._api.remove_container(self.container_id, force=True)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        started = len(self._threads) > 1
        ends = (
            (self._in_write, self._out_read)
            if started
            else (self._in_write, self._out_read, self._in_read, self._out_write)
        )
        for fd in ends:
            with contextlib.suppress(OSError):
                os.close(fd)
        for thread in self._threads:
            thread.join(timeout=5)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        if self._attached is not None:
            with contextlib.suppress(OSError):
                self._attached.close()  # the SDK's stream around the socket holds it too

    def wait(self, timeout: float) -> int | None:
        self._ended.wait(timeout)
        return self.exit_code()

    def exit_code(self) -> int | None:
        return self._status if self._ended.is_set() else None


class DockerSandbox(Sandbox):
    name = "docker"
    isolated = True

    def __init__(self, image: str | None = None, device: str = "cpu", client: Any = None) -> None:
        self.device = device
        self.image = image or (CUDA_IMAGE if device == "cuda" else CPU_IMAGE)
        self._own_client = client is None  # closed with the sandbox; a client passed in is the caller's
        self.client = client or connect()
        self.label = uuid.uuid4().hex
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._check_image()
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Remove containers left by a tpgrade of this host that was killed (SIGKILL, power loss)."""
        host = socket.gethostname()
        with contextlib.suppress(*engine_errors()):
            for found in self.client.api.containers(all=True, filters={"label": OWNER_LABEL}):
                owner_host, _, pid = str(found["Labels"].get(OWNER_LABEL, "")).rpartition(":")
                if owner_host == host and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                    with contextlib.suppress(*engine_errors()):
                        self.client.api.remove_container(found["Id"], force=True)

    def _check_image(self) -> None:
        try:
            labels = self.client.api.inspect_image(self.image)["Config"].get("Labels") or {}
        except engine_errors() as exc:
            raise SandboxUnavailable(
                f"the grading image {self.image} is not available ({_short(exc)}): "
                f"build it with `tpgrade image build{' --cuda' if self.device == 'cuda' else ''}`"
            ) from None
        built, wanted = labels.get(DIGEST_LABEL), runner_digest()
        if built != wanted:
            raise SandboxUnavailable(
                f"the grading image {self.image} was built for another version of tpgrade's runner "
                f"({built or 'unlabelled'}, this tpgrade needs {wanted}): rebuild it with `tpgrade image build`"
            )

    def describe(self) -> str:
        return f"docker ({self.image})"

    def host_config(self, limits: Limits) -> dict[str, Any]:
        from docker.types import DeviceRequest, LogConfig, Ulimit

        ulimits = [
            Ulimit(name="cpu", soft=limits.cpu_seconds, hard=limits.cpu_seconds),
            Ulimit(name="fsize", soft=limits.file_bytes, hard=limits.file_bytes),
            Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
            Ulimit(name="core", soft=0, hard=0),
        ]
        requests = []
        if self.device == "cuda":
            requests.append(DeviceRequest(count=-1, capabilities=[["gpu"]]))
        return dict(
            network_mode="none",
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=limits.memory_bytes,
            memswap_limit=limits.memory_bytes,
            pids_limit=limits.processes,
            nano_cpus=int(limits.cpus * 1e9),
            tmpfs={"/tmp": f"size={limits.scratch_bytes},mode=1777,nosuid,nodev"},
            ulimits=ulimits,
            ipc_mode="private",
            auto_remove=True,
            log_config=LogConfig(type="none"),
            device_requests=requests,
        )

    def runner_command(self, limits: Limits) -> list[str]:
        boot = RUNNER_BOOT
        if self.device != "cuda":  # CUDA reserves far more address space than it uses
            boot = ADDRESS_SPACE_BOOT.format(size=limits.memory_bytes) + boot
        supervisor = ["python3", "-I", "-B", "-c", SUPERVISOR_BOOT, str(LIFETIME_SECONDS)]
        return [*supervisor, "python3", "-I", "-B", "-c", boot]

    def launch(self, limits: Limits, slot: int = 0) -> RunnerProcess:
        api = self.client.api
        environment = dict(RUNNER_ENV, TPGRADE_DEVICE=self.device)
        with engine_call("create a container"):
            created = api.create_container(
                self.image,
                command=self.runner_command(limits),
                entrypoint=[],
                user=RUNNER_USER,
                working_dir="/tmp",
                environment=environment,
                stdin_open=True,
                network_disabled=True,
                labels={SANDBOX_LABEL: self.label, OWNER_LABEL: self.owner, "org.tpgrade.slot": str(slot)},
                host_config=api.create_host_config(**self.host_config(limits)),
            )
            runner = ContainerRunner(api, created["Id"])
        try:
            with engine_call("start a container"):
                runner.attach_and_start()
        except SandboxUnavailable:
            runner.kill()
            raise
        return runner

    def _ours(self, api: Any) -> list[str]:
        found = api.containers(all=True, filters={"label": f"{SANDBOX_LABEL}={self.label}"})
        return [str(c["Id"]) for c in found]

    def _remove_ours(self, api: Any) -> None:
        with contextlib.suppress(*engine_errors()):
            for container_id in self._ours(api):
                with contextlib.suppress(*engine_errors()):
                    api.remove_container(container_id, force=True)

    def leftovers(self) -> list[str]:
        return [container_id[:12] for container_id in self._ours(self.client.api)]

    def abandon(self) -> None:
        # A client of its own: the interrupted code may hold a connection of the shared one.
        with contextlib.suppress(SandboxUnavailable), contextlib.closing(connect()) as client:
            self._remove_ours(client.api)

    def close(self) -> None:
        self._remove_ours(self.client.api)
        if self._own_client:
            with contextlib.suppress(*engine_errors()):
                self.client.close()  # its connections to the engine
