"""Resident memory of a process group (a server and its workers), for the load test and the benchmark."""

import os
from pathlib import Path


def rss_kib(pgid: int) -> int:
    """Sum of VmRSS over the processes in process group `pgid` (Linux /proc)."""
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getpgid(int(proc.name)) == pgid:
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total
