"""Peloton node processes, one per host, and their HTTP API."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

GOSSIP_PORT = 7946
HTTP_PORT = 7980
TOKEN = "fault-suite-token-0123456789"


def http(address, method, path, body=None, headers=None, timeout=5.0):
    """One request; returns (status, parsed JSON or text, headers). Raises OSError on transport failure."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{address}:{HTTP_PORT}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _decode(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, _decode(error.read()), dict(error.headers)


def _decode(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


class Node:
    """The node on one host: its data directory survives restarts, as a real one's would."""

    def __init__(self, host, binary, workdir, hosts):
        self.host = host
        self.binary = binary
        self.data = os.path.join(workdir, f"node-{host.number}")
        self.log_path = os.path.join(workdir, f"node-{host.number}.log")
        self.seeds = ",".join(f"{other.address}:{GOSSIP_PORT}" for other in hosts if other is not host)
        self.process = None
        self.exit_reason = None
        # Exits this suite caused: (returncode, why); anything else is a defect.
        self.expected_exits = []
        self.unexpected_exits = []

    def start(self):
        log = open(self.log_path, "a")
        log.write(f"--- start at {time.strftime('%H:%M:%S')}\n")
        log.flush()
        command = self.host.exec_args(
            self.binary, "node", "--data", self.data,
            "--bind", f"{self.host.address}:{GOSSIP_PORT}", "--http", f"{self.host.address}:{HTTP_PORT}",
            "--seed", self.seeds, "--services", "echo,counter", "--http-token-file", os.path.join(os.path.dirname(self.data), "token"),
            "--state-sync-ms", "1000", "--drain-grace-ms", "5000")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, number):
        if self.is_running():
            os.kill(self.process.pid, number)

    def wait_exit(self, seconds):
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def expect_exit(self, why):
        """The next exit is this suite's doing (a kill, a SIGTERM)."""
        self.exit_reason = why

    def kill9(self):
        self.expect_exit("kill -9")
        self.signal(signal.SIGKILL)
        self.process.wait()
        self.check_alive()

    def check_alive(self):
        """Accounts for an exit, expected or not; True while the node runs."""
        if self.process is None:
            return False
        if self.process.poll() is None:
            return True
        if self.exit_reason is None:
            self.unexpected_exits.append((self.process.returncode, self.log_tail()))
        else:
            self.expected_exits.append((self.process.returncode, self.exit_reason))
        self.process = None
        self.exit_reason = None
        return False

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def metric(self, name_prefix):
        """The sum of every series of a metric whose line starts with `name_prefix`."""
        try:
            status, text, _ = http(self.host.address, "GET", "/metrics", timeout=3)
        except OSError:
            return None
        if status != 200 or not isinstance(text, str):
            return None
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name_prefix):
                try:
                    total += float(line.rsplit(" ", 1)[1])
                except ValueError:
                    pass
        return total


def make_credentials(binary, workdir, hosts):
    os.makedirs(workdir, exist_ok=True)
    authority = os.path.join(workdir, "authority.key")
    subprocess.run([binary, "keygen", "--authority", "--out", authority], check=True, capture_output=True)
    for host in hosts:
        subprocess.run(
            [binary, "keygen", "--node", f"node-{host.number}", "--authority-key", authority, "--out", os.path.join(workdir, f"node-{host.number}")],
            check=True, capture_output=True)
    token = os.path.join(workdir, "token")
    with open(token, "w") as file:
        file.write(TOKEN + "\n")
    os.chmod(token, 0o600)


def view(node):
    """(alive member names, ring checksum) as `node` sees them, or None when it does not answer."""
    try:
        status, members, _ = http(node.host.address, "GET", "/v1/members", timeout=3)
        ring_status, ring, _ = http(node.host.address, "GET", "/v1/ring", timeout=3)
    except OSError:
        return None
    if status != 200 or ring_status != 200:
        return None
    alive = sorted(member["name"] for member in members["members"] if member["status"] == "alive")
    return alive, ring["checksum"]


def wait_agreement(nodes, seconds):
    """Seconds until every node sees every node alive and all share one ring, or None."""
    start = time.time()
    names = sorted(f"node-{node.host.number}" for node in nodes)
    while time.time() - start < seconds:
        views = [view(node) for node in nodes]
        if all(v is not None and v[0] == names for v in views) and len({v[1] for v in views}) == 1:
            return time.time() - start
        time.sleep(0.5)
    return None
