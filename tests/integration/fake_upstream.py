"""A fake MS-WSUSSS upstream server for testing the downstream role (wsusd sync) against REAL shapes.

Every answer is built from the real WSUS upstream captures in ../shared/captures/wsus-m0-wsusss/exchanges (see
captures/PROVENANCE.md): the handshake answers are replayed byte for byte, revision lists and GetUpdateData answers
keep the captured envelopes with the lists swapped, the four captured ServerSyncUpdateData elements (CAB-compressed
and plain documents, file URLs) are replayed verbatim for their updates, and unknown updates get the captured
InternalServerError fault. Documents it has no captured element for travel as plain XmlUpdateBlob. Anchors keep the
real shape ("9438,2026-10-04 16:33:26.NNN") with a version number in the milliseconds.

Faults can be injected (HTTP status or SOAP fault for the next calls of an operation), the batch limit changed, and
a delay added per GetUpdateData (to kill a downstream in the middle of a sync). /Content/ serves files from memory or
disk with or without Range support, optionally after a delay, and records how many GETs it answered at once and when
the first began and the last ended (parallel downloads, bandwidth limit).
"""
import html
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import time
import xml.etree.ElementTree as ET

from wsusd_harness import capture, read_capture

EXCHANGES = ("wsus-m0-wsusss", "exchanges")
DOCS_DIR = capture("wsus-m0-wsusss", "docs")
SS_NS = "http://www.microsoft.com/SoftwareDistribution"
UPD_NS = "http://schemas.microsoft.com/msus/2002/12/Update"

# The update identities of the captured GetUpdateData answers (exchanges 000013 to 000016).
CAPTURED_UPDATE_DATA = ("000013", "000014", "000015", "000016")


def exchange(n, part):
    return read_capture(*EXCHANGES, n, part).decode("utf-8")


def anchor_of(version):
    return f"9438,2026-10-04 16:33:26.{version:03d}"


def version_of(anchor):
    m = re.fullmatch(r"9438,2026-10-04 16:33:26\.(\d{3})", anchor or "")
    return int(m.group(1)) if m else None


def doc_identity(xml):
    root = ET.fromstring(xml.encode("utf-8"))
    ident = root.find(f"{{{UPD_NS}}}UpdateIdentity")
    props = root.find(f"{{{UPD_NS}}}Properties")
    return (ident.get("UpdateID").lower(), int(ident.get("RevisionNumber")), props.get("UpdateType"))


def doc_files(xml):
    """(base64 SHA-1, file name) of each file of a document."""
    root = ET.fromstring(xml.encode("utf-8"))
    out = []
    for f in root.iter(f"{{{UPD_NS}}}File"):
        if (f.get("DigestAlgorithm") or "SHA1").upper() == "SHA1":
            out.append((f.get("Digest"), f.get("FileName")))
    return out


class Revision:
    def __init__(self, update_id, revision, is_config, element, files):
        self.update_id, self.revision, self.is_config = update_id, revision, is_config
        self.element = element  # the <ServerSyncUpdateData> element text
        self.files = files      # [(base64 sha1, name, MUUrl)]
        self.version = 0


class FakeUpstream:
    def __init__(self, max_updates_per_request=100):
        self.max_updates_per_request = max_updates_per_request
        self.revisions = {}  # (update_id, revision) -> Revision
        self.version = 1
        self.listed_unknown = []  # (update_id, revision) listed but not served (an upstream that lost them)
        self.calls = []  # (operation, request body text)
        self.faults = {}  # operation -> list of (http status, body) to answer next
        self.update_data_delay = 0.0
        self.content = {}  # "/content/xx/sha1.ext" lower -> bytes or path
        self.honor_range = True
        self.content_requests = []  # (path, range header)
        self.content_delay = 0.0  # seconds each content GET waits before answering (makes overlap observable)
        self.content_active = 0  # content GETs being answered now
        self.content_max_active = 0  # the most answered at once
        self.content_first_start = None  # time.monotonic() of the first content GET
        self.content_last_end = None  # ... and of the end of the last one
        self.deployments = None  # dict(groups=[...], deployments=[...], dead=[...], hidden=[...]) for GetDeployments
        self.lock = threading.Lock()
        self._server = None

    # --- catalog -------------------------------------------------------------------------------
    def add_captured(self, skip=()):
        """The four captured GetUpdateData elements plus the plain documents of docs/ they do not cover."""
        have = set()
        for n in CAPTURED_UPDATE_DATA:
            body = exchange(n, "response.body")
            element = re.search(r"<ServerSyncUpdateData>.*?</ServerSyncUpdateData>", body, re.S).group(0)
            uid = re.search(r"<UpdateID>([^<]+)</UpdateID>", element).group(1).lower()
            rev = int(re.search(r"<RevisionNumber>(\d+)</RevisionNumber>", element).group(1))
            urls = re.findall(r"<FileDigest>([^<]+)</FileDigest><MUUrl>([^<]*)</MUUrl>", body)
            have.add(uid)
            if uid in skip:
                continue
            is_config = uid == "56309036-4c77-4dd9-951a-99ee9c246a94"  # the captured category (Microsoft)
            self._add(Revision(uid, rev, is_config, element, [(d, "", u) for d, u in urls]))
        for name in sorted(os.listdir(DOCS_DIR)):
            with open(os.path.join(DOCS_DIR, name), encoding="utf-8") as f:
                xml = f.read()
            uid, rev, kind = doc_identity(xml)
            if uid in have or uid in skip:
                continue
            self.add_document(xml)

    def add_document(self, xml, mu_url_base="http://download.windowsupdate.invalid/d/"):
        uid, rev, kind = doc_identity(xml)
        files = [(d, n, mu_url_base + n) for d, n in doc_files(xml)]
        digests = "".join(f"<base64Binary>{d}</base64Binary>" for d, _, _ in files)
        element = (f"<ServerSyncUpdateData><Id><UpdateID>{uid}</UpdateID><RevisionNumber>{rev}</RevisionNumber></Id>"
                   + (f"<FileDigestList>{digests}</FileDigestList>" if files else "")
                   + f"<XmlUpdateBlob>{html.escape(xml, quote=False)}</XmlUpdateBlob></ServerSyncUpdateData>")
        self._add(Revision(uid, rev, kind in ("Category", "Detectoid"), element, files))
        return uid, rev

    def _add(self, r):
        with self.lock:
            self.version += 1
            r.version = self.version
            self.revisions[(r.update_id, r.revision)] = r

    def add_content(self, sha1_hex, ext, data):
        key = f"/content/{sha1_hex[-2:].lower()}/{sha1_hex.lower()}" + (f".{ext.lower()}" if ext else "")
        self.content[key] = data

    def add_content_dir(self, root):
        """Files laid out as <XX>/<SHA1>.<ext> (what `wsusd catalog generate --write-content` writes)."""
        for d, _, files in os.walk(root):
            for name in files:
                sha, _, ext = name.partition(".")
                self.add_content(sha, ext, os.path.join(d, name))

    def fail_next(self, operation, status=500, fault_code=None, times=1):
        body = ""
        if fault_code:
            body = exchange("000017", "response.body").replace("InternalServerError", fault_code)
        with self.lock:
            self.faults.setdefault(operation, []).extend([(status, body)] * times)

    def operations(self):
        with self.lock:
            return [op for op, _ in self.calls]

    def requested_update_ids(self):
        """Every (update id, revision) asked for with GetUpdateData, in order."""
        out = []
        with self.lock:
            for op, body in self.calls:
                if op == "GetUpdateData":
                    out += [(u.lower(), int(r)) for u, r in re.findall(
                        r"<UpdateID>([^<]+)</UpdateID><RevisionNumber>(\d+)</RevisionNumber>", body)]
        return out

    # --- server --------------------------------------------------------------------------------
    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
                action = (self.headers.get("SOAPAction") or "").strip('"')
                status, reply = fake.answer(self.path, action.rsplit("/", 1)[-1], body)
                data = reply.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                fake.serve_content(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a downstream killed mid-request (the fault-injection test) is expected

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- answers -------------------------------------------------------------------------------
    def answer(self, path, op, body):
        with self.lock:
            self.calls.append((op, body))
            queued = self.faults.get(op)
            if queued:
                status, fault = queued.pop(0)
                return status, fault or "<html><body>Service Unavailable</body></html>"
        if op == "GetAuthConfig":
            return 200, exchange("000001", "response.body")
        if op == "GetAuthorizationCookie":
            if not path.lower().startswith("/dssauthwebservice/"):
                return 404, "not here"
            return 200, exchange("000002", "response.body")
        if op == "GetCookie":
            return 200, exchange("000003", "response.body")
        if op == "GetConfigData":
            return 200, exchange("000005", "response.body").replace(
                "<MaxNumberOfUpdatesPerRequest>100<", f"<MaxNumberOfUpdatesPerRequest>{self.max_updates_per_request}<")
        if op == "GetRevisionIdList":
            return 200, self.revision_list(body)
        if op == "GetUpdateData":
            if self.update_data_delay:
                time.sleep(self.update_data_delay)
            return self.update_data(body)
        if op == "GetDeployments":
            return 200, self.deployment_data(body)
        return 500, exchange("000017", "response.body")

    def revision_list(self, body):
        get_config = re.search(r"<GetConfig>true</GetConfig>", body) is not None
        m = re.search(r"<Anchor>([^<]*)</Anchor>", body)
        since = version_of(m.group(1)) if m else 0
        if m and since is None:
            return exchange("000018", "response.body")  # InvalidParameters "filter" (a bad anchor)
        with self.lock:
            picked = [r for r in self.revisions.values() if r.is_config == get_config and r.version > since]
            unknown = [] if get_config else list(self.listed_unknown)
            version = self.version
        # Newest first: a bundle arrives before its members, an update before its prerequisites.
        picked.sort(key=lambda r: -r.version)
        ids = "".join(f"<UpdateIdentity><UpdateID>{r.update_id}</UpdateID><RevisionNumber>{r.revision}"
                      f"</RevisionNumber></UpdateIdentity>" for r in picked)
        ids += "".join(f"<UpdateIdentity><UpdateID>{u}</UpdateID><RevisionNumber>{n}</RevisionNumber>"
                       f"</UpdateIdentity>" for u, n in unknown)
        template = exchange("000006", "response.body")
        head = template[:template.index("<Anchor>")]
        tail = template[template.index("</GetRevisionIdListResult>"):]
        revisions = f"<NewRevisions>{ids}</NewRevisions>" if ids else "<NewRevisions />"
        return head + f"<Anchor>{anchor_of(version)}</Anchor>" + revisions + tail

    def update_data(self, body):
        wanted = [(u.lower(), int(r)) for u, r in
                  re.findall(r"<UpdateID>([^<]+)</UpdateID><RevisionNumber>(\d+)</RevisionNumber>", body)]
        if len(wanted) > self.max_updates_per_request:
            return 500, exchange("000018", "response.body").replace(">filter<", ">updateIds<").replace(
                "GetRevisionIdList", "GetUpdateData")
        with self.lock:
            found = [self.revisions.get(w) for w in wanted]
        if any(f is None for f in found):
            return 500, exchange("000017", "response.body")  # real WSUS: InternalServerError for the batch
        urls = "".join(f"<ServerSyncUrlData><FileDigest>{d}</FileDigest><MUUrl>{u}</MUUrl><UssUrl /></ServerSyncUrlData>"
                       for r in found for d, _, u in r.files)
        template = exchange("000015", "response.body")
        head = template[:template.index("<GetUpdateDataResult>") + len("<GetUpdateDataResult>")]
        tail = template[template.index("</GetUpdateDataResult>"):]
        return 200, (head + "<updates>" + "".join(r.element for r in found) + "</updates>"
                     + (f"<fileUrls>{urls}</fileUrls>" if urls else "<fileUrls />") + tail)

    def deployment_data(self, body):
        d = self.deployments or {}
        groups = "".join(
            f"<ServerSyncTargetGroup><TargetGroupID>{g['id']}</TargetGroupID><ParentGroupId>{g['parent']}"
            f"</ParentGroupId><Name>{html.escape(g['name'])}</Name><IsBuiltin>{str(g.get('builtin', False)).lower()}"
            f"</IsBuiltin></ServerSyncTargetGroup>" for g in d.get("groups", []))
        deps = "".join(
            f"<ServerSyncDeployment><UpdateId>{x['update_id']}</UpdateId><RevisionNumber>{x['revision']}</RevisionNumber>"
            f"<Action>{x.get('action', 0)}</Action><AdminName>{x.get('admin', 'admin')}</AdminName>"
            f"<Deadline>{x.get('deadline', '9999-12-31T23:59:59.9999999')}</Deadline><IsAssigned>true</IsAssigned>"
            f"<GoLiveTime>2026-10-04T16:00:00Z</GoLiveTime><DeploymentGuid>{x['guid']}</DeploymentGuid>"
            f"<TargetGroupId>{x['group']}</TargetGroupId><DownloadPriority>1</DownloadPriority></ServerSyncDeployment>"
            for x in d.get("deployments", []))
        guids = lambda items: "".join(f"<guid>{g}</guid>" for g in items)
        template = exchange("000015", "response.body")
        head = template[:template.index("<GetUpdateDataResponse")]
        tail = template[template.index("</GetUpdateDataResponse>") + len("</GetUpdateDataResponse>"):]
        return (head + f'<GetDeploymentsResponse xmlns="{SS_NS}"><GetDeploymentsResult>'
                + f"<Anchor>{d.get('anchor', 'dep-1')}</Anchor><Groups>{groups}</Groups>"
                + f"<Deployments>{deps}</Deployments><DeadDeployments>{guids(d.get('dead', []))}</DeadDeployments>"
                + f"<HiddenUpdates>{guids(d.get('hidden', []))}</HiddenUpdates><AcceptedEulas />"
                + "</GetDeploymentsResult></GetDeploymentsResponse>" + tail)

    def serve_content(self, h):
        with self.lock:
            self.content_active += 1
            self.content_max_active = max(self.content_max_active, self.content_active)
            if self.content_first_start is None:
                self.content_first_start = time.monotonic()
        try:
            if self.content_delay:
                time.sleep(self.content_delay)
            self._serve_content(h)
        finally:
            with self.lock:
                self.content_active -= 1
                self.content_last_end = time.monotonic()

    def _serve_content(self, h):
        key = h.path.lower()
        with self.lock:
            self.content_requests.append((h.path, h.headers.get("Range")))
            item = self.content.get(key)
        if item is None:
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if isinstance(item, str):
            with open(item, "rb") as f:
                item = f.read()
        start = 0
        rng = h.headers.get("Range")
        if rng and self.honor_range:
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            start = int(m.group(1)) if m else 0
        part = item[start:]
        h.send_response(206 if start else 200)
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(item) - 1}/{len(item)}")
        h.send_header("Content-Length", str(len(part)))
        h.end_headers()
        h.wfile.write(part)
