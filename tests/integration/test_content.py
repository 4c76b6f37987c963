"""End-to-end: update files served from the content store over HTTP(S) the way Windows clients fetch them.

A generated catalog (documents + content-manifest.tsv, shapes from ../shared/captures/wsus-m0-wsusss/docs, see
captures/PROVENANCE.md) is imported; `wsusd catalog generate --write-content` writes its files, whose digests match
the catalog, and `wsusd content import` stores them. A real Windows 11 client (Delivery Optimization) fetched a
204 MB file from real WSUS with a HEAD and 216 ranged GETs on one keep-alive connection; we do the same.
"""
import base64
import hashlib
import os
import re
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd, raw_request

DOCS = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
DO_AGENT = "Microsoft-Delivery-Optimization/10.1"


def run(*args, check=True):
    r = subprocess.run([WSUSD_BIN, *args], capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"wsusd {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def read_manifest(path):
    """content-manifest.tsv → [{sha1, sha256 (hex), size, name}]"""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            sha1_b64, sha256_b64, size, _seed, name = line.rstrip("\n").split("\t")
            out.append({"sha1": base64.b64decode(sha1_b64).hex(), "sha256": base64.b64decode(sha256_b64).hex(),
                        "size": int(size), "name": name})
    return out


def content_path(f):
    """The URL path real WSUS uses: /Content/<last two hex digits>/<SHA-1 upper case>.<ext>"""
    sha = f["sha1"].upper()
    ext = f["name"].rsplit(".", 1)[1].lower() if "." in f["name"] else ""
    return f"/Content/{sha[-2:]}/{sha}" + (f".{ext}" if ext else "")


def parse_multipart(content_type, body):
    """multipart/byteranges → [(content-range, content-type, bytes)], read by the lengths in Content-Range."""
    m = re.match(r"multipart/byteranges; boundary=(\S+)$", content_type)
    assert m, content_type
    delim = b"--" + m.group(1).encode()
    parts, pos = [], 0
    while True:
        start = body.index(delim, pos) + len(delim)
        if body[start:start + 2] == b"--":
            assert body[start + 2:] == b"\r\n", body[start:]
            return parts
        head_end = body.index(b"\r\n\r\n", start)
        headers = dict(line.split(": ", 1) for line in body[start + 2:head_end].decode().split("\r\n"))
        first, last = map(int, re.match(r"bytes (\d+)-(\d+)/\d+$", headers["Content-Range"]).groups())
        data = body[head_end + 4:head_end + 4 + last - first + 1]
        parts.append((headers["Content-Range"], headers["Content-Type"], data))
        pos = head_end + 4 + len(data)
        assert body[pos:pos + 2] == b"\r\n"


class ContentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-content-")
        catalog = os.path.join(cls.tmp.name, "catalog")
        cls.files_dir = os.path.join(cls.tmp.name, "files")
        run("catalog", "generate", "--revisions", "200", "--seed", "3", "--templates", DOCS, catalog,
            "--write-content", cls.files_dir)
        cls.server = Wsusd(data_dir=os.path.join(cls.tmp.name, "data"))
        os.makedirs(cls.server.data_dir)
        run("catalog", "import", catalog, "--data-dir", cls.server.data_dir, "--quiet")
        cls.import_output = run("content", "import", cls.files_dir, "--data-dir", cls.server.data_dir,
                                "--quiet").stdout
        cls.manifest = read_manifest(os.path.join(catalog, "content-manifest.tsv"))
        # Files stored less than two seconds ago are re-hashed on every request (file times are too coarse to
        # tell a same-tick change apart); wait that out so the many ranged GETs below measure serving only.
        time.sleep(2.1)
        cls.server.start()
        cls.big = max((f for f in cls.manifest if f["name"].endswith(".exe")), key=lambda f: f["size"])
        cls.cab = max((f for f in cls.manifest if f["name"].endswith(".cab")), key=lambda f: f["size"])

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def file_bytes(self, f):
        with open(os.path.join(self.files_dir, content_path(f)[len("/Content/"):]), "rb") as fh:
            return fh.read()

    def request(self, conn, method, path, headers=None):
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r, r.read()

    def test_import_stored_the_catalog_files(self):
        m = re.search(r"imported: (\d+) .*not in the catalog: (\d+), rejected: 0", self.import_output)
        self.assertTrue(m, self.import_output)
        self.assertEqual(int(m.group(1)) + int(m.group(2)), len(self.manifest))
        self.assertGreater(int(m.group(1)), 100)
        status = run("content", "status", "--data-dir", self.server.data_dir).stdout
        self.assertRegex(status, rf"{m.group(1)} catalog files, present: {m.group(1)}, missing: 0, partial: 0, "
                                 r"corrupt: 0")

    def test_head_like_delivery_optimization(self):
        conn = self.server.http()
        r, body = self.request(conn, "HEAD", content_path(self.big), {"User-Agent": DO_AGENT})
        self.assertEqual(r.status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(r.getheader("Content-Length"), str(self.big["size"]))
        self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")  # .exe, as real WSUS
        self.assertEqual(r.getheader("Accept-Ranges"), "bytes")
        self.assertEqual(r.getheader("ETag"), f'"{self.big["sha1"]}"')
        self.assertTrue(r.getheader("Last-Modified").endswith(" GMT"))
        # The connection is still in step after a bodiless answer.
        r, body = self.request(conn, "GET", content_path(self.cab), {"Range": "bytes=0-0"})
        self.assertEqual((r.status, len(body)), (206, 1))
        self.assertEqual(r.getheader("Content-Type"), "application/vnd.ms-cab-compressed")

    def test_ranged_download_on_one_keep_alive_connection(self):
        f, want = self.big, self.file_bytes(self.big)
        self.assertEqual(hashlib.sha1(want).hexdigest(), f["sha1"])
        size = f["size"]
        self.assertGreater(size, 1 << 20)
        conn = self.server.http(timeout=30)
        r, _ = self.request(conn, "HEAD", content_path(f), {"User-Agent": DO_AGENT})
        self.assertEqual(int(r.getheader("Content-Length")), size)
        sock = conn.sock
        chunk = -(-size // 250)  # 250 ranged GETs, the last one shorter, like the real client's
        got, requests = bytearray(), 0
        for first in range(0, size, chunk):
            last = min(first + chunk, size) - 1
            r, body = self.request(conn, "GET", content_path(f), {"User-Agent": DO_AGENT,
                                                                  "Range": f"bytes={first}-{last}"})
            requests += 1
            self.assertEqual(r.status, 206)
            self.assertEqual(r.getheader("Content-Range"), f"bytes {first}-{last}/{size}")
            self.assertEqual(r.getheader("Content-Length"), str(last - first + 1))
            self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")
            self.assertEqual(r.getheader("Accept-Ranges"), "bytes")
            self.assertEqual(r.getheader("ETag"), f'"{f["sha1"]}"')
            self.assertIsNotNone(r.getheader("Last-Modified"))
            self.assertIs(conn.sock, sock, f"the connection was not kept alive (request {requests})")
            got += body
        self.assertEqual(requests, 250)
        self.assertEqual(len(got), size)
        self.assertEqual(hashlib.sha1(got).hexdigest(), f["sha1"])
        self.assertEqual(hashlib.sha256(got).hexdigest(), f["sha256"])
        self.assertTrue(bytes(got) == want)
        # And in one piece, as BITS does when it can.
        r, body = self.request(conn, "GET", content_path(f))
        self.assertEqual(r.status, 200)
        self.assertTrue(body == want)
        self.assertIs(conn.sock, sock)

    def test_clients_that_reset_mid_file_leave_the_server_serving(self):
        # Plain HTTP sends file bodies with sendfile(2); a peer that resets mid-file must end that connection only
        # (a SIGPIPE once ended the daemon: every later connection was refused).
        f = self.big
        for _ in range(6):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the file cannot fit in flight
            s.connect(("127.0.0.1", self.server.ports["http"]))
            s.sendall(f"GET {content_path(f)} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            self.assertTrue(s.recv(1024))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
            s.close()
            time.sleep(0.05)
        time.sleep(0.2)
        self.assertIsNone(self.server.proc.poll(), "wsusd ended after clients reset mid-file")
        r, body = self.request(self.server.http(), "GET", content_path(f), {"Range": "bytes=0-99"})
        self.assertEqual((r.status, body), (206, self.file_bytes(f)[:100]))

    def test_https_ranges(self):
        f, want = self.cab, self.file_bytes(self.cab)
        conn = self.server.https()
        r, body = self.request(conn, "GET", content_path(f), {"Range": "bytes=-1000"})
        self.assertEqual(r.status, 206)
        self.assertEqual(body, want[-1000:])
        r, body = self.request(conn, "GET", content_path(f))
        self.assertEqual((r.status, body == want), (200, True))

    def test_multiple_ranges_are_multipart(self):
        f, want = self.big, self.file_bytes(self.big)
        size = f["size"]
        r, body = self.request(self.server.http(), "GET", content_path(f), {"Range": "bytes=0-99,1000-1999,-100"})
        self.assertEqual(r.status, 206)
        self.assertIsNone(r.getheader("Content-Range"))
        self.assertEqual(int(r.getheader("Content-Length")), len(body))
        parts = parse_multipart(r.getheader("Content-Type"), body)
        self.assertEqual([p[0] for p in parts], [f"bytes 0-99/{size}", f"bytes 1000-1999/{size}",
                                                 f"bytes {size - 100}-{size - 1}/{size}"])
        self.assertEqual([p[1] for p in parts], ["application/octet-stream"] * 3)
        self.assertEqual([p[2] for p in parts], [want[:100], want[1000:2000], want[-100:]])
        # Overlapping ranges are merged into one part.
        r, body = self.request(self.server.http(), "GET", content_path(f), {"Range": "bytes=0-99,50-149"})
        self.assertEqual((r.status, r.getheader("Content-Range"), body), (206, f"bytes 0-149/{size}", want[:150]))

    def test_unsatisfiable_and_invalid_ranges(self):
        f = self.cab
        conn = self.server.http()
        r, body = self.request(conn, "GET", content_path(f), {"Range": f"bytes={f['size']}-"})
        self.assertEqual(r.status, 416)
        self.assertEqual(r.getheader("Content-Range"), f"bytes */{f['size']}")
        r, body = self.request(conn, "GET", content_path(f), {"Range": "bytes=9-2"})  # invalid: ignored
        self.assertEqual((r.status, len(body)), (200, f["size"]))

    def test_conditional_requests(self):
        f = self.cab
        conn = self.server.http()
        r, _ = self.request(conn, "HEAD", content_path(f))
        etag, modified = r.getheader("ETag"), r.getheader("Last-Modified")
        r, body = self.request(conn, "GET", content_path(f), {"If-None-Match": etag})
        self.assertEqual((r.status, body), (304, b""))
        self.assertEqual(r.getheader("ETag"), etag)
        r, body = self.request(conn, "GET", content_path(f), {"If-Modified-Since": modified})
        self.assertEqual((r.status, body), (304, b""))
        r, body = self.request(conn, "GET", content_path(f), {"Range": "bytes=0-9", "If-Range": etag})
        self.assertEqual((r.status, len(body)), (206, 10))
        r, body = self.request(conn, "GET", content_path(f), {"Range": "bytes=0-9", "If-Range": '"changed"'})
        self.assertEqual((r.status, len(body)), (200, f["size"]))
        r, body = self.request(conn, "GET", content_path(f), {"If-Match": '"changed"'})
        self.assertEqual(r.status, 412)

    def test_paths(self):
        f = self.cab
        conn = self.server.http()
        path = content_path(f)
        r, body = self.request(conn, "GET", path.lower().replace(".cab", ".CAB"), {"Range": "bytes=0-3"})
        self.assertEqual(r.status, 206, "paths are case-insensitive, as on IIS")
        r, _ = self.request(conn, "HEAD", "//" + path.lstrip("/"))
        self.assertEqual(r.status, 200)
        sha = f["sha1"].upper()
        for bad in [path[:-4] + ".exe", path[:-4], f"/Content/{'00' if sha[-2:] != '00' else '01'}/{sha}.cab",
                    "/Content/" + "0" * 2 + "/" + "0" * 40 + ".cab", "/Content/"]:
            r, _ = self.request(conn, "GET", bad)
            self.assertEqual(r.status, 404, bad)
        r, _ = self.request(conn, "POST", path)
        self.assertEqual((r.status, r.getheader("Allow")), (405, "GET, HEAD"))
        # Nothing outside the exact pattern can name a file, whatever the encoding.
        for target in [b"/Content/../wsusd.db", b"/Content/%2e%2e/wsusd.db", b"/Content/AB/../../wsusd.db",
                       b"/Content/" + sha[-2:].encode() + b"/../../wsusd.db", b"/Content/..%2fwsusd.db",
                       b"/Content/AB/%2E%2E%2F%2E%2E%2Fports.json"]:
            answer = raw_request(self.server.ports["http"], b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
            self.assertTrue(answer.startswith(b"HTTP/1.1 404 "), (target, answer[:80]))

    def test_selfupdate_has_no_files(self):
        conn = self.server.http()
        for method, path in [("GET", "/selfupdate/wuident.cab"), ("HEAD", "/SelfUpdate/wuident.cab"),
                             ("GET", "/selfupdate/AU/x86/XP/en/wusetup.cab")]:
            r, _ = self.request(conn, method, path)
            self.assertEqual(r.status, 404, path)

    def test_corrupt_file_is_never_served(self):
        f = next(x for x in sorted(self.manifest, key=lambda x: x["size"]) if x["name"].endswith(".exe")
                 and x["size"] > 4096 and x is not self.big)
        path = content_path(f)
        stored = os.path.join(self.server.data_dir, "content", path[len("/Content/"):])
        conn = self.server.http()
        r, body = self.request(conn, "GET", path)
        self.assertEqual((r.status, body), (200, self.file_bytes(f)))
        with open(stored, "r+b") as fh:  # one flipped byte, same size: only the digest tells
            fh.seek(1000)
            b = fh.read(1)
            fh.seek(1000)
            fh.write(bytes([b[0] ^ 0xFF]))
        try:
            for method, headers in [("GET", {}), ("HEAD", {}), ("GET", {"Range": "bytes=0-99"})]:
                r, body = self.request(conn, method, path, headers)
                self.assertEqual(r.status, 404, (method, headers))
            self.assertRegex(self.server.log(), re.escape(f["sha1"].upper()) + r"\.exe is corrupt: SHA-1 ")
            status = run("content", "status", "--verify", "--data-dir", self.server.data_dir, check=False)
            self.assertEqual(status.returncode, 3, status.stdout + status.stderr)
            self.assertIn(", corrupt: 1 ", status.stdout)
            self.assertIn("corrupt " + f["sha1"], status.stdout)
        finally:
            # Importing again repairs it.
            out = run("content", "import", self.files_dir, "--data-dir", self.server.data_dir, "--quiet").stdout
            self.assertIn("imported: 1 ", out)
        r, body = self.request(self.server.http(), "GET", path)
        self.assertEqual((r.status, body), (200, self.file_bytes(f)))


if __name__ == "__main__":
    unittest.main()
