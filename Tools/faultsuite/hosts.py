"""Test hosts: one Linux network namespace per node on one bridge, addresses from 198.18.0.0/24.

The kernel here has no netem, so faults are routes (`unreachable`, `blackhole`, `prohibit`),
links set down, and signals. Everything made here is named with PREFIX and removed by cleanup(),
also what an earlier run left behind.
"""

import os
import signal
import subprocess
import time

PREFIX = "pelf"
BRIDGE = PREFIX + "br0"
SUBNET = "198.18.0"
BRIDGE_ADDRESS = SUBNET + ".254"


def run(*args, check=True):
    result = subprocess.run(list(args), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result


class Host:
    def __init__(self, number):
        self.number = number
        self.namespace = f"{PREFIX}-h{number}"
        self.veth = f"{PREFIX}v{number}"
        self.address = f"{SUBNET}.{number}"

    def __repr__(self):
        return f"h{self.number}"

    def ip(self, *args, check=True):
        return run("ip", "-n", self.namespace, *args, check=check)

    def exec_args(self, *command):
        return ["ip", "netns", "exec", self.namespace, *command]

    # Faults, each undone by its counterpart.
    def cut_route(self, other, kind="unreachable"):
        self.ip("route", "add", kind, f"{other.address}/32")

    def restore_route(self, other, kind="unreachable"):
        self.ip("route", "del", kind, f"{other.address}/32", check=False)

    def link_down(self):
        self.ip("link", "set", "eth0", "down")

    def link_up(self):
        self.ip("link", "set", "eth0", "up")


def unavailable_reason():
    """Why namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "not root"
    try:
        probe = f"{PREFIX}-probe"
        run("ip", "netns", "add", probe)
        run("ip", "netns", "del", probe)
    except (RuntimeError, FileNotFoundError) as error:
        return f"cannot make a network namespace: {error}"
    return None


def cleanup():
    """Removes every namespace and link this suite makes, killing what runs inside."""
    listed = run("ip", "netns", "list", check=False).stdout.split("\n")
    for line in listed:
        name = line.split(" ")[0]
        if not name.startswith(PREFIX + "-"):
            continue
        pids = run("ip", "netns", "pids", name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run("ip", "netns", "del", name, check=False)
    # A namespace's veth goes with it, but the kernel frees it a moment later: remove the
    # root ends here and wait until they are gone, or the next run cannot make them.
    for attempt in range(50):
        links = [line.split(":")[1].strip().split("@")[0] for line in run("ip", "-o", "link", "show", check=False).stdout.splitlines()
                 if ":" in line and line.split(":")[1].strip().startswith(PREFIX)]
        if not links:
            break
        for link in links:
            run("ip", "link", "del", link, check=False)
        time.sleep(0.1)


def make_hosts(count):
    """Makes `count` hosts on one bridge; the bridge's own address lets this process reach them."""
    cleanup()
    run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "add", f"{BRIDGE_ADDRESS}/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    hosts = []
    for number in range(1, count + 1):
        host = Host(number)
        run("ip", "netns", "add", host.namespace)
        run("ip", "link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
        run("ip", "link", "set", host.veth, "master", BRIDGE)
        run("ip", "link", "set", host.veth, "up")
        host.ip("addr", "add", f"{host.address}/24", "dev", "eth0")
        host.ip("link", "set", "eth0", "up")
        host.ip("link", "set", "lo", "up")
        hosts.append(host)
    # The bridge forwards only once its ports have settled.
    time.sleep(0.5)
    return hosts
