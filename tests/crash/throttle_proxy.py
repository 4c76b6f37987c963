"""A TCP relay on loopback that slows the upstream's answers down to a set rate, so that a SIGKILL of the downstream
lands in the middle of a sync or of a file rather than after it. It also watches the requests going through: which
paths were asked for with which Range header, and how many answer bytes each path has received so far (the kill
trigger "N bytes into this file")."""
import re
import socket
import threading
import time

REQUEST_LINE = re.compile(rb"(GET|HEAD|POST) (\S+) HTTP/1\.[01]\r\n((?:[^\r\n]+\r\n)*)\r\n")
RANGE = re.compile(rb"(?im)^range:\s*bytes=(\d+)-")
# An update identity in a request body (GetUpdateData names the revisions it wants this way).
IDENTITY = re.compile(rb"<UpdateID>([0-9A-Fa-f-]{36})</UpdateID>\s*<RevisionNumber>(\d+)</RevisionNumber>")


class ThrottleProxy:
    def __init__(self, target_port, bytes_per_second=1 << 20):
        self.target_port = target_port
        self.rate = bytes_per_second
        self.lock = threading.Lock()
        self.requests = []        # (path, range start or None), in arrival order
        self.relayed = {}         # path -> answer bytes relayed while it was the connection's last request
        self.identities = []      # (update id, revision) named in request bodies, in arrival order
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self):
        return self._sock.getsockname()[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self._closed = True
        self._sock.close()

    def ranges_for(self, fragment):
        """Range starts (None: no Range header) of every request whose path contains fragment (case-insensitive)."""
        f = fragment.lower()
        with self.lock:
            return [start for path, start in self.requests if f in path.lower()]

    def requested_identities(self, since=0):
        """(update id, revision) pairs named by request bodies from index `since` on, and the next index."""
        with self.lock:
            return self.identities[since:], len(self.identities)

    def relayed_for(self, fragment):
        f = fragment.lower()
        with self.lock:
            return sum(n for path, n in self.relayed.items() if f in path.lower())

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            client.close()
            return
        state = {"path": None}
        threading.Thread(target=self._upward, args=(client, upstream, state), daemon=True).start()
        self._downward(upstream, client, state)

    def _upward(self, client, upstream, state):
        """Client to upstream, unthrottled; remembers each request's path and Range start."""
        pending, tail = b"", b""
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                scan = tail + data
                found = [(u.decode().lower(), int(r)) for u, r in IDENTITY.findall(scan)]
                tail = scan[-160:]  # an identity cut by a read boundary is found with the next read
                if found:
                    with self.lock:
                        self.identities += found
                pending += data
                end = 0
                for m in REQUEST_LINE.finditer(pending):
                    path = m.group(2).decode("latin-1")
                    rng = RANGE.search(m.group(3))
                    with self.lock:
                        self.requests.append((path, int(rng.group(1)) if rng else None))
                    state["path"] = path
                    end = m.end()
                # Seen heads are dropped; an incomplete one waits for its end (kept bounded: bodies pass through).
                pending = pending[end:][-16384:]
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            for s in (upstream, client):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _downward(self, upstream, client, state):
        """Upstream to client at the configured rate, in small slices so a kill can land anywhere."""
        slice_bytes = max(1024, self.rate // 50)
        try:
            while True:
                data = upstream.recv(slice_bytes)
                if not data:
                    break
                client.sendall(data)
                with self.lock:
                    p = state["path"] or ""
                    self.relayed[p] = self.relayed.get(p, 0) + len(data)
                time.sleep(len(data) / self.rate)
        except OSError:
            pass
        finally:
            for s in (upstream, client):
                try:
                    s.close()
                except OSError:
                    pass
