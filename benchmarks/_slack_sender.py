"""Slack's side of the gateway benchmark, in a process of its own (as Slack is a machine of its own): reads
``{"port": ..., "deliveries": [[body, headers], ...]}`` as JSON on stdin, sends every delivery at once over
loopback HTTP, and writes ``[[milliseconds, status], ...]`` as JSON on stdout."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def fire(port: int, deliveries: list[tuple[str, dict[str, str]]]) -> list[tuple[float, int]]:
    """Send all deliveries concurrently; each one's time from send to the response's last byte, and its status."""
    # aiohttp, not httpx: httpx's pool spends O(n^2) time assigning hundreds of concurrent requests.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector) as http:

        async def deliver(body: str, headers: dict[str, str]) -> tuple[float, int]:
            started = time.perf_counter()
            async with http.post("/slack/events", data=body.encode(), headers=headers) as response:
                await response.read()
            return (time.perf_counter() - started) * 1000, response.status

        return await asyncio.gather(*(deliver(b, h) for b, h in deliveries))


if __name__ == "__main__":
    job = json.load(sys.stdin)
    results = asyncio.run(fire(job["port"], job["deliveries"]))
    json.dump(results, sys.stdout)
