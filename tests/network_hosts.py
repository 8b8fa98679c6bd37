"""Hosts of their own on this machine: network namespaces joined by veth pairs.

Each host is a namespace with one veth to the root namespace, on a /24 of its
own, its default route through the root side; the root namespace forwards
between them, so a worker in one namespace reaching PostgreSQL in another
goes through two real network interfaces. Needs root and ``ip``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Hosts:
    def __init__(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise RuntimeError("network namespaces need root and iproute2")
        self.tag = f"{os.getpid() % 10000:04d}"
        self.octet = 100 + os.getpid() % 100  # 10.<octet>.<host>.0/24
        self.names: list[str] = []
        self._forwarding = Path("/proc/sys/net/ipv4/ip_forward")
        self._was_forwarding = self._forwarding.read_text().strip()
        self._forwarding.write_text("1\n")
        self._accept = [
            "FORWARD",
            "-s",
            f"10.{self.octet}.0.0/16",
            "-d",
            f"10.{self.octet}.0.0/16",
            "-j",
            "ACCEPT",
        ]
        self._iptables = shutil.which("iptables")
        if self._iptables:  # a docker engine sets the FORWARD policy to DROP
            subprocess.run(
                [self._iptables, "-I", *self._accept], check=False, capture_output=True, timeout=30
            )

    def add(self) -> tuple[str, str]:
        """A new host: its namespace's name and its address."""
        index = len(self.names) + 1
        name = f"tpg{self.tag}h{index}"
        outside, inside = f"th{self.tag}{index}", f"tn{self.tag}{index}"
        _ip("netns", "add", name)
        self.names.append(name)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", name)
        _ip("addr", "add", f"10.{self.octet}.{index}.1/24", "dev", outside)
        _ip("link", "set", outside, "up")
        address = f"10.{self.octet}.{index}.2"
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", inside)
        _ip("-n", name, "link", "set", inside, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "route", "add", "default", "via", f"10.{self.octet}.{index}.1")
        return name, address

    @staticmethod
    def inside(name: str) -> list[str]:
        """The prefix that runs a command on that host."""
        return ["ip", "netns", "exec", name]

    def close(self) -> None:
        for name in self.names:  # its veth pair goes with it
            subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True, timeout=30)
        if self._iptables:
            subprocess.run(
                [self._iptables, "-D", *self._accept], check=False, capture_output=True, timeout=30
            )
        self._forwarding.write_text(f"{self._was_forwarding}\n")
