"""Starts real wsusd processes on loopback ports for end-to-end tests and talks to them over HTTP(S).

Environment (set by CTest): WSUSD_BIN (the daemon), WSUSD_SCHEMA_DIR (schema/), WSUSD_SHARED_DIR (../shared).
"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time

WSUSD_BIN = os.environ.get("WSUSD_BIN", "build/src/app/wsusd")
SHARED_DIR = os.environ.get("WSUSD_SHARED_DIR", os.path.join(os.path.dirname(__file__), "../../../shared"))
CAPTURES = os.path.join(SHARED_DIR, "captures")

CLIENT_PATH = "/ClientWebService/client.asmx"
CLIENT_NS = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"


def capture(*parts):
    """Path of a file under ../shared/captures (see captures/PROVENANCE.md)."""
    return os.path.join(CAPTURES, *parts)


def read_capture(*parts):
    with open(capture(*parts), "rb") as f:
        return f.read()


class Wsusd:
    """One wsusd process with its own data directory and free ports."""

    def __init__(self, data_dir=None, config_text=None, extra_args=()):
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="wsusd-e2e-")
            data_dir = os.path.join(self._tmp.name, "data")
        self.data_dir = data_dir
        self.config_text = config_text
        self.extra_args = list(extra_args)
        self.proc = None
        self.ports = {}
        self.log_path = None

    def start(self, timeout=20):
        os.makedirs(os.path.dirname(self.data_dir) or ".", exist_ok=True)
        ports_file = os.path.join(self.data_dir, "ports.json")
        if os.path.exists(ports_file):
            os.remove(ports_file)
        args = [WSUSD_BIN, "serve", "--data-dir", self.data_dir, "--http-port", "0", "--https-port", "0",
                "--admin-port", "0", "--bind", "127.0.0.1"]
        if self.config_text is not None:
            cfg = os.path.join(os.path.dirname(self.data_dir), "wsusd-test.toml")
            with open(cfg, "w") as f:
                f.write(self.config_text)
            args += ["--config", cfg]
        args += self.extra_args
        self.log_path = os.path.join(os.path.dirname(self.data_dir), "wsusd.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wsusd exited with {self.proc.returncode} during start:\n{self.log()}")
            try:
                with open(ports_file) as f:
                    info = json.load(f)
                if info.get("pid") == self.proc.pid:
                    self.ports = info
                    return self
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"wsusd did not write ports.json within {timeout}s:\n{self.log()}")

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_for_log(self, text, timeout=10):
        """Returns the log once it contains text; the server may log after it has acted (closed a socket)."""
        deadline = time.time() + timeout
        while True:
            current = self.log()
            if text in current or time.time() > deadline:
                return current
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the process and returns its exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def close(self):
        try:
            self.stop()
        finally:
            if getattr(self, "_log", None):
                self._log.close()
            if self._tmp:
                self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- clients -------------------------------------------------------------------------------
    def http(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.ports["http"], timeout=timeout)

    def https(self, timeout=10):
        # Verify against the certificate the server generated on first start.
        ctx = ssl.create_default_context(cafile=os.path.join(self.data_dir, "tls", "server.crt"))
        ctx.check_hostname = True
        return http.client.HTTPSConnection("localhost", self.ports["https"], timeout=timeout, context=ctx)

    def admin(self, timeout=10):
        """The admin listener: HTTPS with the server's certificate unless admin.tls or HTTPS is off."""
        if not self.ports.get("admin_tls"):
            return http.client.HTTPConnection("127.0.0.1", self.ports["admin"], timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.ports["admin_certificate"])
        ctx.check_hostname = False  # the certificate names the host, the test connects to 127.0.0.1
        return http.client.HTTPSConnection("127.0.0.1", self.ports["admin"], timeout=timeout, context=ctx)


def soap_post(conn, path, body, action=None, soap12=False, headers=None):
    """POSTs a SOAP body and returns (status, headers dict lower-cased, body bytes)."""
    h = {}
    if soap12:
        ct = "application/soap+xml; charset=utf-8"
        if action:
            ct += f'; action="{action}"'
        h["Content-Type"] = ct
    else:
        h["Content-Type"] = "text/xml; charset=utf-8"
        if action:
            h["SOAPAction"] = f'"{action}"'
    h.update(headers or {})
    conn.request("POST", path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def raw_request(port, data, read_timeout=5):
    """Sends raw bytes on a fresh TCP connection and returns everything the server answers."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks)
    finally:
        s.close()
