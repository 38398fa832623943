"""Clients that write and call through any node and record every operation's outcome.

An outcome is one of:
- "ok": acknowledged (200);
- "failed": a definite refusal (a 4xx, or a 503 the node gives only when no owner ran it);
- "uncertain": a 504, a time-out or a broken connection after the request was sent: it may
  have been applied, once.
A request that could not even be sent (the connection was refused or unreachable) is tried on
the next node with the same X-Request-Id; that is safe, since nothing received it.
"""

import http.client
import json
import random
import secrets
import select
import socket
import threading
import time

from nodes import HTTP_PORT, TOKEN

DEFINITE_FAILURES = {"noOwners", "unavailable", "notOffered", "overloaded", "badRequest", "noSuchService", "noSuchMethod"}


class NotSent(Exception):
    pass


def send(address, method, path, body, request_id, timeout):
    """(status, parsed body) or raises NotSent (never left) or OSError (sent, no answer)."""
    connection = http.client.HTTPConnection(address, HTTP_PORT, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError as error:
            raise NotSent(str(error))
        payload = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "X-Request-Id": request_id}
        try:
            connection.request(method, path, body=payload, headers=headers)
        except (BrokenPipeError, ConnectionResetError) as error:
            # Refused mid-send: the node closed before reading a byte of this request.
            raise NotSent(str(error))
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, parsed
    finally:
        connection.close()


def classify(status, body):
    if status == 200:
        return "ok"
    code = body.get("error") if isinstance(body, dict) else None
    if status == 504 or code in ("uncertain", "deadlineExceeded"):
        return "uncertain"
    if 400 <= status < 500 or code in DEFINITE_FAILURES:
        return "failed"
    return "uncertain"


class History:
    """Every operation, in the order it ended; written out as JSON lines."""

    def __init__(self):
        self.lock = threading.Lock()
        self.operations = []
        self.phase = "start"

    def record(self, **operation):
        with self.lock:
            operation["phase"] = self.phase
            self.operations.append(operation)

    def write(self, path):
        with open(path, "w") as file:
            for operation in self.operations:
                file.write(json.dumps(operation) + "\n")


class Client(threading.Thread):
    def __init__(self, name, addresses, history, stop, seed):
        super().__init__(daemon=True, name=name)
        self.addresses = addresses
        self.history = history
        self.stop_event = stop
        self.random = random.Random(seed)
        self.count = 0

    def run(self):
        while not self.stop_event.is_set():
            self.step()
            self.count += 1
            time.sleep(0.02)

    def nodes_in_order(self):
        order = list(self.addresses)
        self.random.shuffle(order)
        return order

    def write_once(self, kind, path, body, **fields):
        """One write, sent to the next node only while it was not sent anywhere."""
        request_id = secrets.token_hex(16)
        start = time.time()
        outcome, status, detail, via = "failed", None, "no node could be reached", None
        for address in self.nodes_in_order():
            via = address
            try:
                status, answer = send(address, "POST", path, body, request_id, timeout=6)
                outcome = classify(status, answer)
                detail = answer.get("error") if isinstance(answer, dict) else str(answer)[:80]
                if status == 503 and isinstance(answer, dict) and "has left the mesh" in answer.get("message", ""):
                    # A stopping node's refusal: nothing ran, the next node may take it.
                    continue
                break
            except NotSent as error:
                detail = f"not sent: {error}"
                continue
            except (OSError, http.client.HTTPException) as error:
                outcome, detail = "uncertain", f"no answer: {error.__class__.__name__}"
                break
        self.history.record(
            client=self.name, kind=kind, id=request_id, start=start, end=time.time(), via=via, status=status,
            outcome=outcome, detail=detail, **fields)


class CounterClient(Client):
    def __init__(self, *args, keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = keys

    def step(self):
        key = f"c-{self.random.randrange(self.keys)}"
        self.write_once("increment", f"/v1/state/counter/{key}/increment?level=quorum&timeout_ms=3000", {"by": 1}, key=key)


class SetClient(Client):
    def __init__(self, *args, keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = keys

    def step(self):
        key = f"s-{self.random.randrange(self.keys)}"
        element = f"{self.name}-{self.count}"
        self.write_once("add", f"/v1/state/set/{key}/add?level=quorum&timeout_ms=3000", {"elements": [element]}, key=key, element=element)


class CallClient(Client):
    """Routed calls to an idempotent service, falling back to another node on any failure."""

    def send(self, address, path, body, request_id):
        return send(address, "POST", path, body, request_id, timeout=5)

    def step(self):
        text = f"t{self.count}"
        start = time.time()
        first_error = None
        outcome, via = "failed", None
        for attempt, address in enumerate(self.nodes_in_order()):
            via = address
            try:
                status, answer = self.send(address, "/v1/call/echo/upper?timeout_ms=3000", {"text": text}, secrets.token_hex(16))
                if status == 200 and isinstance(answer, dict) and answer.get("text") == text.upper():
                    outcome = "ok"
                    break
                code = answer.get("error") if isinstance(answer, dict) else str(answer)[:60]
                # A 503 naming no owner that ran it is a refusal, as a closed port is.
                error = f"refused ({status} {code})" if status == 503 else f"{status} {code}"
            except NotSent as exception:
                error = f"refused ({exception})"
            except (OSError, http.client.HTTPException) as exception:
                error = f"cut off ({exception.__class__.__name__})"
            if first_error is None:
                first_error = error
        self.history.record(
            client=self.name, kind="call", start=start, end=time.time(), via=via, outcome=outcome, first_error=first_error)


def closed_by_server(connection):
    """Whether an idle kept-alive connection has been closed (or reset) by the server."""
    sock = connection.sock
    if sock is None:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class KeepAliveCallClient(CallClient):
    """The same calls over one kept-alive connection per node, as a pooling client makes them:
    a node that closes an idle connection just as a request goes out cuts that request off,
    so a stopping node must end its connections by answering with Connection: close first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = {}

    def send(self, address, path, body, request_id):
        connection = self.connections.get(address)
        if connection is not None and closed_by_server(connection):
            # As pooling clients (urllib3, Go's) do before reusing an idle connection: one the
            # server closed meanwhile (a node that stopped closes its idle ones) is dropped.
            connection.close()
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection(address, HTTP_PORT, timeout=5)
            try:
                connection.connect()
            except OSError as error:
                raise NotSent(str(error))
            self.connections[address] = connection
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "X-Request-Id": request_id}
        try:
            connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
            response = connection.getresponse()
            raw = response.read()
            if response.will_close:
                connection.close()
                del self.connections[address]
        except (OSError, http.client.HTTPException):
            connection.close()
            self.connections.pop(address, None)
            raise
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, parsed
