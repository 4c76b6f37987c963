"""The five kinds of work the crash harness interrupts. Each scenario prepares its servers, starts its work, is told
when to SIGKILL wsusd, checks the store right after the kill, restarts, and at the end lets the work complete and
checks that it did. Violations are strings; an empty list after every step is the pass condition."""
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid

import invariants as inv
from throttle_proxy import ThrottleProxy
from fake_upstream import DOCS_DIR
from wsusd_harness import WSUSD_BIN, Wsusd, soap_post

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
SEED_BIN = os.environ.get("WSUSD_SEED_BIN", "build/tests/integration/wsusd-test-seed")
CHECKPOINT_BYTES = 8 << 20  # ContentStore checkpoints a partial download every 8 MiB (sync/content_download.h)


def wsusd(*args, check=True, timeout=600):
    r = subprocess.run([WSUSD_BIN, *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"wsusd {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def seed_tool(data_dir, *args):
    r = subprocess.run([SEED_BIN, data_dir, *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"seed {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout.strip()


def catalog_names(folder):
    """{(update id, revision)} of a generated catalog, from its file names (<id>-r<rev>.xml)."""
    out = set()
    for n in os.listdir(folder):
        if n.endswith(".xml"):
            uid, _, rev = n[:-4].rpartition("-r")
            out.add((uid.lower(), int(rev)))
    return out


def latest_of(pairs):
    best = {}
    for uid, rev in pairs:
        best[uid] = max(rev, best.get(uid, rev))
    return set(best.items())


def dependency_chunks(folder, first_share, chunks):
    """Moves the documents of a catalog folder into sub-folders part0, part1, ...: part0 holds first_share of them,
    the rest is cut into `chunks` parts. Documents are ordered so that each follows what it needs (prerequisites,
    bundle members), so every prefix of parts is a catalog closed under its dependencies, as a real upstream's is."""
    names = sorted(n for n in os.listdir(folder) if n.endswith(".xml"))
    by_update, needs, bundles_of = {}, {}, {}
    for n in names:
        with open(os.path.join(folder, n), encoding="utf-8") as f:
            xml = f.read()
        by_update.setdefault(n[:-4].rpartition("-r")[0].lower(), []).append(n)
        rel = re.search(r"<upd:Relationships>(.*?)</upd:Relationships>", xml, re.S)
        needs[n] = [u.lower() for u in re.findall(r'UpdateID="([^"]+)"', rel.group(1))] if rel else []
        bundled = re.search(r"<upd:BundledUpdates>(.*?)</upd:BundledUpdates>", xml, re.S)
        for u in re.findall(r'UpdateID="([^"]+)"', bundled.group(1)) if bundled else []:
            bundles_of.setdefault(u.lower(), []).append(n)
    order, state = [], {}

    def place(n):
        stack = [(n, iter(needs[n]))]
        state[n] = "visiting"
        while stack:
            doc, it = stack[-1]
            for u in it:
                nxt = next((d for d in by_update.get(u, []) if d not in state), None)
                if nxt:
                    state[nxt] = "visiting"
                    stack.append((nxt, iter(needs[nxt])))
                    break
            else:
                state[doc] = "placed"
                order.append(doc)
                stack.pop()
    for n in names:
        if n not in state:
            place(n)
    first = int(len(order) * first_share)
    size = max(1, -(-(len(order) - first) // chunks))
    part_of = {n: 0 if i < first else 1 + (i - first) // size for i, n in enumerate(order)}
    # A bundle member travels with its first bundle: an upstream offers members through their bundles (they carry
    # no classification of their own), so a member published alone would never be listed.
    for n in order:
        bundles = bundles_of.get(n[:-4].rpartition("-r")[0].lower())
        if bundles:
            part_of[n] = max(part_of[n], min(part_of[b] for b in bundles))
    parts = [[n for n in order if part_of[n] == i] for i in range(max(part_of.values()) + 1)]
    parts = [p for p in parts if p]
    out = []
    for i, part in enumerate(parts):
        d = os.path.join(folder, f"part{i}")
        os.makedirs(d)
        for n in part:
            os.rename(os.path.join(folder, n), os.path.join(d, n))
        out.append(d)
    return out


def read_db(data_dir, fn):
    db = inv.connect(data_dir)
    try:
        return fn(db)
    finally:
        db.close()


def big_update_document(update_id, sha1_b64, sha256_b64, size, name, categories):
    """A minimal software update naming one large file: the file a kill lands in the middle of."""
    rel = "".join(f'<upd:AtLeastOne IsCategory="true"><upd:UpdateIdentity UpdateID="{c}" /></upd:AtLeastOne>'
                  for c in categories)
    return ('<upd:Update xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update">'
            f'<upd:UpdateIdentity UpdateID="{update_id}" RevisionNumber="100" />'
            '<upd:Properties UpdateType="Software" DefaultPropertiesLanguage="en" />'
            '<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>en</upd:Language>'
            '<upd:Title>wsusd crash harness: large payload</upd:Title></upd:LocalizedProperties>'
            '</upd:LocalizedPropertiesCollection>'
            f'<upd:Relationships><upd:Prerequisites>{rel}</upd:Prerequisites></upd:Relationships>'
            f'<upd:Files><upd:File Digest="{sha1_b64}" DigestAlgorithm="SHA1" FileName="{name}" Size="{size}" '
            f'Modified="2026-10-04T09:39:26Z"><upd:AdditionalDigest Algorithm="SHA256">{sha256_b64}'
            '</upd:AdditionalDigest></upd:File></upd:Files></upd:Update>')


class Scenario:
    name = ""

    def __init__(self, tmp, rng, smoke):
        self.tmp = os.path.join(tmp, self.name)
        os.makedirs(self.tmp)
        self.rng = rng
        self.smoke = smoke
        self.kills = 0
        self.mid_work = 0       # kills that interrupted work in progress (not an idle server)
        self.violations = []
        self.notes = []
        self.completed = False

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def violate(self, where, items):
        self.violations += [f"{where}: {v}" for v in items]

    # Overridden per scenario.
    def setup(self): ...
    def start_work(self): ...
    def wait_and_kill(self): ...
    def after_kill(self): ...
    def restart(self): ...
    def complete(self): ...
    def teardown(self): ...


def sync_config(upstream_url, content):
    return f"""
[sync]
upstream_url = "{upstream_url}"
content = "{content}"
drivers = true
retries = 2
retry_base_seconds = 0
retry_max_seconds = 1
jitter_minutes = 0
[upstream_role]
lazy_sync = false
"""


# ---------------------------------------------------------------------------------------------------------------------
class CatalogImport(Scenario):
    """(a) `wsusd catalog import` of a generated catalog, killed and run again until it finishes."""
    name = "catalog_import"

    def setup(self):
        self.catalog = self.path("catalog")
        wsusd("catalog", "generate", self.catalog, "--revisions", "1200" if self.smoke else "2500",
              "--seed", str(self.rng.randrange(1 << 30)), "--templates", DOCS_DIR)
        self.expected = catalog_names(self.catalog)
        self.reference_ids = {u for u, _ in self.expected}
        self.data = self.path("data")
        os.makedirs(self.data)
        # Kill delays span one whole uninterrupted import (timed once here): parsing first, then the batches.
        scratch = self.path("calibration")
        os.makedirs(scratch)
        t0 = time.time()
        wsusd("catalog", "import", self.catalog, "--data-dir", scratch, "--quiet")
        self.run_seconds = time.time() - t0
        shutil.rmtree(scratch)
        self.notes.append(f"an uninterrupted import takes {self.run_seconds:.1f} s")
        self.proc = None

    def start_work(self):
        self.started = time.time()
        self.proc = subprocess.Popen([WSUSD_BIN, "catalog", "import", self.catalog, "--data-dir", self.data, "--quiet"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_and_kill(self):
        delay = self.rng.uniform(0.05, self.run_seconds)
        try:
            self.proc.wait(timeout=delay)
            self.run_seconds = max(self.run_seconds, time.time() - self.started)
        except subprocess.TimeoutExpired:
            self.mid_work += 1
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def after_kill(self):
        if not os.path.exists(os.path.join(self.data, "wsusd.db")):
            return
        self.violate(f"kill {self.kills}", read_db(self.data, lambda db: inv.store_integrity(db) +
                                                   inv.half_visible(db, self.reference_ids)))

    def restart(self):
        pass  # the next start_work is the restart

    def complete(self):
        wsusd("catalog", "import", self.catalog, "--data-dir", self.data, "--quiet")
        got = read_db(self.data, lambda db: (inv.store_integrity(db) + inv.half_visible(db, self.reference_ids),
                                             set(db.execute("SELECT update_id, revision_number FROM revision"))))
        self.violate("after completion", got[0])
        missing, extra = self.expected - got[1], got[1] - self.expected
        if missing or extra:
            self.violate("after completion",
                         [f"store differs from the catalog: {len(missing)} missing, {len(extra)} extra"])
        self.completed = not missing and not extra


# ---------------------------------------------------------------------------------------------------------------------
class DssMetadataSync(Scenario):
    """(b) a downstream wsusd synchronizing metadata from a root wsusd (USS) on loopback, the downstream killed."""
    name = "dss_metadata_sync"
    content = "none"
    rate = 256 << 10
    revisions = (250, 600)  # smoke, full
    part_count = (4, 18)

    def setup(self):
        self.catalog = self.path("catalog")
        wsusd("catalog", "generate", self.catalog, "--revisions", str(self.revisions[0 if self.smoke else 1]),
              "--seed", str(self.rng.randrange(1 << 30)), "--templates", DOCS_DIR, *self.generate_extra())
        # Small batches: many commit points for a kill to fall between.
        self.root = Wsusd(data_dir=self.path("root", "data"),
                          config_text="[upstream_role]\nlazy_sync = false\nmax_updates_per_request = 10\n")
        os.makedirs(self.root.data_dir)
        # The upstream grows while the downstream is killed: whenever the downstream has caught up, the next part of
        # the catalog is published at the root, so later kills still land in the middle of a sync.
        self.parts = dependency_chunks(self.catalog, 0.5, self.part_count[0 if self.smoke else 1])
        wsusd("catalog", "import", self.parts.pop(0), "--data-dir", self.root.data_dir, "--quiet")
        self.prepare_root()
        self.root.start()
        self.refresh_upstream()
        self.proxy = ThrottleProxy(self.root.ports["http"], self.rate)
        self.dss = Wsusd(data_dir=self.path("dss", "data"), config_text=sync_config(self.proxy.url, self.content))
        self.dss.start()
        self.run_seconds = 3.0
        self.progress = []  # revisions stored at each kill
        self.published = 0  # parts published at the root after the start
        self.fetched = []   # per run: revisions fetched + of those, already stored when it started (must be 0)

    def generate_extra(self):
        return []

    def refresh_upstream(self):
        self.upstream_latest = read_db(self.root.data_dir, inv.latest_set)
        self.reference_ids = {u for u, _ in self.upstream_latest}

    def upstream_at(self, version):
        """The root's latest revisions stamped at or before a catalog version (what an anchor of it covers)."""
        return read_db(self.root.data_dir, lambda db: set(db.execute(
            "SELECT update_id, revision_number FROM revision WHERE is_latest = 1 AND change_seq <= ?", (version,))))

    def publish_next_part(self):
        """Publishes the next part of the catalog at the root once the downstream holds everything the root has."""
        if not self.parts or not self.upstream_latest <= read_db(self.dss.data_dir, inv.latest_set):
            return
        wsusd("catalog", "import", self.parts.pop(0), "--data-dir", self.root.data_dir, "--quiet")
        self.after_publish()
        self.refresh_upstream()
        self.published += 1

    def after_publish(self):
        pass

    def prepare_root(self):
        pass

    def last_run_id(self):
        return read_db(self.dss.data_dir, lambda db: db.execute("SELECT COALESCE(MAX(id), 0) FROM sync_history")
                       .fetchone()[0])

    def start_work(self):
        self.publish_next_part()
        self.mark_resume_point()
        self.started = time.time()
        self.runs_before = self.last_run_id()
        r = wsusd("sync", "now", "--no-wait", "--data-dir", self.dss.data_dir, check=False, timeout=60)
        if r.returncode != 0:
            self.notes.append(f"sync now --no-wait exited {r.returncode}: {r.stderr.strip()[:200]}")

    def running(self):
        """Whether the run this cycle started is still going."""
        return read_db(self.dss.data_dir, lambda db: db.execute(
            "SELECT COUNT(*) FROM sync_history WHERE result = 0 AND id > ?", (self.runs_before,)).fetchone()[0] > 0)

    def mark_resume_point(self):
        self.had = read_db(self.dss.data_dir,
                           lambda db: set(db.execute("SELECT update_id, revision_number FROM revision")))
        _, self.identity_index = self.proxy.requested_identities()

    def check_resumed(self, where):
        """Resumed, not restarted: a run never asks the upstream again for a revision an earlier (killed) run
        committed. The relay sees every GetUpdateData request."""
        asked, _ = self.proxy.requested_identities(self.identity_index)
        again = set(asked) & self.had
        self.fetched.append(f"{len(set(asked))}+{len(again)}")
        if again:
            self.violate(where, [f"the run fetched {len(again)} revisions committed before it started (it did not "
                                 f"resume), first {sorted(again)[:2]}"])

    def stored_count(self):
        return read_db(self.dss.data_dir, lambda db: len(inv.latest_set(db) & self.upstream_latest))

    def wait_and_kill(self):
        if self.rng.random() < 0.3:
            time.sleep(self.rng.uniform(0.05, 1.0))  # early: authorization, configuration, the first batch
        else:
            # Somewhere in the rest of the list: once a random number of further revisions is committed, plus a
            # random part of the next batch's transfer.
            now, total = self.stored_count(), len(self.upstream_latest)
            target = self.rng.randrange(now, now + max(1, (total - now) * 3 // 5)) if now < total else total
            deadline, next_look = time.time() + 60, 0
            while time.time() < deadline:
                if time.time() > next_look:
                    if self.stored_count() >= target or not self.running():
                        break
                    next_look = time.time() + 0.05
                time.sleep(0.01)
            time.sleep(self.rng.uniform(0, 0.3))
        self.kill()

    def kill(self):
        was_running = self.running()
        self.dss.stop(signal.SIGKILL)
        self.kills += 1
        if was_running:
            self.mid_work += 1
        else:
            self.run_seconds = max(self.run_seconds, time.time() - self.started)

    def after_kill(self):
        self.check_resumed(f"kill {self.kills}")
        stored = self.stored_count()
        self.progress.append(f"{stored}/{len(self.upstream_latest)}")
        self.violate(f"kill {self.kills}", read_db(self.dss.data_dir, lambda db: inv.store_integrity(db) +
                                                   inv.half_visible(db, self.reference_ids) +
                                                   inv.anchors(db, self.upstream_at)))

    def restart(self):
        self.dss.start()

    def complete(self):
        self.mark_resume_point()
        r = wsusd("sync", "now", "--data-dir", self.dss.data_dir, check=False)
        self.check_resumed("completion")
        if "succeeded" not in r.stdout:
            self.violate("completion", [f"the last sync did not succeed: {r.stdout.strip()[-300:]} "
                                        f"{r.stderr.strip()[-300:]}"])

        def final(db):
            out = inv.store_integrity(db) + inv.half_visible(db, self.reference_ids) + inv.anchors(db, self.upstream_at)
            got = inv.latest_set(db)
            if got != self.upstream_latest:
                out.append(f"downstream store differs from the upstream's: {len(self.upstream_latest - got)} missing, "
                           f"{len(got - self.upstream_latest)} extra")
            dups = db.execute("SELECT update_id, revision_number FROM revision GROUP BY 1, 2 HAVING COUNT(*) > 1").fetchall()
            if dups:
                out.append(f"duplicate revisions: {dups[:3]}")
            running = db.execute("SELECT COUNT(*) FROM sync_history WHERE result = 0").fetchone()[0]
            if running:
                out.append(f"{running} sync runs still marked running after completion")
            return out
        v = read_db(self.dss.data_dir, final)
        self.violate("after completion", v)
        self.completed = "succeeded" in r.stdout and not v
        self.notes.append("revisions stored at each kill (of the root's at that time): " + " ".join(self.progress) +
                          f"; {self.published} catalog parts published at the root during the run; revisions "
                          "fetched per run (+ fetched again): " + " ".join(self.fetched))
        self.complete_extra()

    def complete_extra(self):
        pass

    def teardown(self):
        for s in ("dss", "root"):
            if hasattr(self, s):
                getattr(self, s).close()
        if hasattr(self, "proxy"):
            self.proxy.close()


# ---------------------------------------------------------------------------------------------------------------------
class ContentDownload(DssMetadataSync):
    """(e) the downstream downloads update files from the root through a slowed link and is killed mid-file. The first
    kill lands deterministically past the first checkpoint of a large file, so resuming from it is proven every run."""
    name = "content_download"
    content = "upstream"
    rate = 6 << 20
    revisions = (100, 400)
    part_count = (2, 18)
    big_size = 20 << 20

    def generate_extra(self):
        self.files = self.path("files")
        return ["--write-content", self.files]

    def prepare_root(self):
        import base64
        import hashlib
        data = random.Random(self.rng.randrange(1 << 30)).randbytes(self.big_size)
        sha1, sha256 = hashlib.sha1(data).digest(), hashlib.sha256(data).digest()
        self.big_sha1 = sha1.hex().upper()
        folder = os.path.join(self.files, self.big_sha1[-2:])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, self.big_sha1 + ".cab"), "wb") as f:
            f.write(data)
        doc = self.path("big-update.xml")
        # In a product and classification the generated catalog uses, so the upstream offers it like the others.
        product, classification = read_db(self.root.data_dir, lambda db: db.execute(
            "SELECT p.category_id, c.category_id FROM revision_category p JOIN revision_category c "
            "ON c.revision_id = p.revision_id AND c.kind = 2 WHERE p.kind = 1 LIMIT 1").fetchone())
        self.big_update_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        with open(doc, "w", encoding="utf-8") as f:
            f.write(big_update_document(self.big_update_id, base64.b64encode(sha1).decode(),
                                        base64.b64encode(sha256).decode(), self.big_size, "crash-large-payload.cab",
                                        (product, classification)))
        wsusd("catalog", "import", doc, "--data-dir", self.root.data_dir, "--quiet")
        if self.big_update_id not in read_db(self.root.data_dir, inv.update_ids):
            raise RuntimeError("the root did not import the large update")
        self.after_publish()
        self.resumed_past_checkpoint = False

    def after_publish(self):
        """The root stores the files of what it just published (content import takes those its catalog names)."""
        wsusd("content", "import", self.files, "--data-dir", self.root.data_dir, "--quiet")
        self.upstream_files = read_db(self.root.data_dir, lambda db: {r[0] for r in db.execute("SELECT sha1 FROM file")})
        self.content_bytes = read_db(self.root.data_dir,
                                     lambda db: db.execute("SELECT SUM(size) FROM file").fetchone()[0])

    def content_root(self):
        return os.path.join(self.dss.data_dir, "content")

    def wait_until(self, condition, timeout):
        """Polls condition; gives up when the sync this cycle started is over (nothing left to interrupt)."""
        deadline, next_look = time.time() + timeout, time.time() + 0.5
        while not condition() and time.time() < deadline:
            if time.time() > next_look:
                if not self.running():
                    return
                next_look = time.time() + 0.5
            time.sleep(0.005)

    def wait_and_kill(self):
        before_all = self.proxy.relayed_for("/content/")
        if self.kills == 0:
            # Past the large file's first checkpoint, before its end.
            before, want = self.proxy.relayed_for(self.big_sha1), CHECKPOINT_BYTES + (2 << 20)
            self.wait_until(lambda: self.proxy.relayed_for(self.big_sha1) - before >= want, 120)
        elif self.rng.random() < 0.7:
            # A random number of bytes into what this run still has to download.
            stored, _ = inv.content_files(self.content_root())
            remaining = self.content_bytes - sum(os.path.getsize(p) for p in stored.values())
            want = self.rng.randrange(1, max(2, remaining))
            self.wait_until(lambda: self.proxy.relayed_for("/content/") - before_all >= want, 60)
        else:
            time.sleep(self.rng.uniform(0.05, self.run_seconds))  # any phase, metadata included
        self.kill()

    def after_kill(self):
        super().after_kill()
        self.violate(f"kill {self.kills}", inv.content_digests(self.content_root()))

    def restart(self):
        super().restart()
        # A partial file is never served: its URL answers 404 until the download completed and was verified.
        _, partial = inv.content_files(self.content_root())
        for p in partial:
            name = os.path.basename(p)[:-len(".partial")]
            conn = self.dss.http()
            conn.request("GET", f"/Content/{name[38:40]}/{name}")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200 and inv.hashlib.sha1(body).hexdigest() != name.split(".")[0].lower():
                self.violate(f"kill {self.kills}", [f"partial file {name} served with wrong bytes"])
            elif resp.status not in (404, 200):
                self.notes.append(f"GET of partial {name}: HTTP {resp.status}")

    def complete_extra(self):
        stored, partial = inv.content_files(self.content_root())
        missing = {s.lower() for s in self.upstream_files} - set(stored)
        if missing:
            self.violate("after completion", [f"{len(missing)} files missing from the downstream's content store"])
            self.completed = False
        if partial:
            self.violate("after completion", [f"partial files left: {partial[:3]}"])
        self.violate("after completion", inv.content_digests(self.content_root()))
        starts = [s for s in self.proxy.ranges_for(self.big_sha1) if s]
        self.resumed_past_checkpoint = any(s >= CHECKPOINT_BYTES for s in starts)
        if not self.resumed_past_checkpoint:
            self.violate("after completion", [f"the large file was not resumed from its checkpoint (Range starts {starts})"])
            self.completed = False
        self.notes.append(f"large file resumed at {starts}")


# ---------------------------------------------------------------------------------------------------------------------
class EventIngestion(Scenario):
    """(c) a fleet of clients posting ReportEventBatch while wsusd is killed; a batch whose answer was lost is posted
    again with the same event instance ids, as the Windows Update agent does."""
    name = "event_ingestion"
    clients = 6
    events_per_batch = 20

    def setup(self):
        from test_reporting import EVENTS
        from wusp_client import register
        with open(EVENTS) as f:
            self.samples = [e for b in json.load(f)["batches"] for e in b["events"]]
        self.server = Wsusd(data_dir=self.path("data"))
        os.makedirs(self.server.data_dir)
        self.server.start()
        self.fleet = []
        for i in range(self.clients):
            cid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            c = register(self.server.http(), cid, f"crash-{i}.example.test")
            self.fleet.append(c)
        self.lock = threading.Lock()
        self.sent = []          # (client id, [instance ids]) of every batch posted at least once
        self.acked = set()      # indexes into sent
        self.odd_answers = []
        self.stop = threading.Event()
        self.threads = []

    def batch_body(self, client, events):
        from test_reporting import batch_request, event_xml
        return batch_request(client, "".join(event_xml(e, iid) for e, iid in events))

    def client_loop(self, client, rng):
        import soapcheck
        from test_reporting import REPORTING_PATH, SD
        while not self.stop.is_set():
            events = [(rng.choice(self.samples), str(uuid.UUID(int=rng.getrandbits(128), version=4)))
                      for _ in range(self.events_per_batch)]
            body = self.batch_body(client, events).encode()
            with self.lock:
                self.sent.append((client.client_id, [iid for _, iid in events]))
                index = len(self.sent) - 1
            while True:  # until answered: the server may be dead or restarting
                try:
                    status, _, data = soap_post(self.server.http(timeout=10), REPORTING_PATH, body, SD + "/ReportEventBatch")
                except (OSError, KeyError, ValueError):
                    time.sleep(0.05)
                    continue
                try:
                    payload = soapcheck.validate(data, reporting=True)
                except Exception as e:  # an invalid answer is a finding, not a reason to stop
                    with self.lock:
                        self.odd_answers.append(f"HTTP {status}: invalid SOAP: {e}")
                    time.sleep(0.05)
                    continue
                if status == 200 and payload.findtext(f"{{{SD}}}ReportEventBatchResult") == "true":
                    with self.lock:
                        self.acked.add(index)
                    break
                with self.lock:
                    self.odd_answers.append(f"HTTP {status}: {payload.findtext('detail/ErrorCode')}")
                time.sleep(0.05)

    def start_work(self):
        if not self.threads:
            for c in self.fleet:
                t = threading.Thread(target=self.client_loop, args=(c, random.Random(self.rng.getrandbits(64))),
                                     daemon=True)
                t.start()
                self.threads.append(t)

    def wait_and_kill(self):
        time.sleep(self.rng.uniform(0.1, 1.0))
        self.server.stop(signal.SIGKILL)
        self.kills += 1
        self.mid_work += 1  # the fleet posts without pause

    def stored_counts(self, db):
        """{instance id: rows} of every stored event."""
        return dict(db.execute("SELECT instance_id, COUNT(*) FROM client_event GROUP BY instance_id"))

    def batch_violations(self, db, final):
        counts = self.stored_counts(db)
        with self.lock:
            sent, acked = list(self.sent), set(self.acked)
        out = []
        for i, (cid, iids) in enumerate(sent):
            n = [counts.get(iid.lower(), counts.get(iid, 0)) for iid in iids]
            if any(c > 1 for c in n):
                out.append(f"batch {i} of {cid}: events stored twice")
            stored = sum(1 for c in n if c)
            if stored not in (0, len(iids)):
                out.append(f"batch {i} of {cid}: {stored} of {len(iids)} events stored (half a batch)")
            if i in acked and stored != len(iids):
                out.append(f"batch {i} of {cid} was acknowledged but {len(iids) - stored} events are missing")
        if final:
            total = sum(len(iids) for _, iids in sent)
            rows = db.execute("SELECT COUNT(*) FROM client_event").fetchone()[0]
            if rows != total:
                out.append(f"{rows} events stored, {total} sent")
        return out

    def after_kill(self):
        self.violate(f"kill {self.kills}", read_db(self.server.data_dir, lambda db: inv.store_integrity(db) +
                                                   self.batch_violations(db, final=False)))

    def restart(self):
        self.server.start()

    def complete(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)
        alive = [t for t in self.threads if t.is_alive()]
        v = read_db(self.server.data_dir, lambda db: inv.store_integrity(db) + self.batch_violations(db, final=True))
        if alive:
            v.append(f"{len(alive)} clients never got their last batch acknowledged")
        self.violate("after completion", v)
        with self.lock:
            self.completed = not v and len(self.acked) == len(self.sent)
            self.notes.append(f"{len(self.sent)} batches, {len(self.odd_answers)} unexpected answers "
                              f"{self.odd_answers[:3]}")

    def teardown(self):
        if hasattr(self, "stop"):
            self.stop.set()
        if hasattr(self, "server"):
            self.server.close()


# ---------------------------------------------------------------------------------------------------------------------
class ApprovalChanges(Scenario):
    """(d) an administrator approving and withdrawing updates through wsusctl (admin API) while wsusd is killed. A
    change wsusctl saw succeed must survive the kill; an unanswered one is either whole (with its audit entry) or
    absent; retried, the end state is the last change asked for each (update, group)."""
    name = "approval_changes"
    groups = ("Crash Ring A", "Crash Ring B", "Crash Ring C")

    def setup(self):
        catalog = self.path("catalog")
        wsusd("catalog", "generate", catalog, "--revisions", "200", "--seed", str(self.rng.randrange(1 << 30)),
              "--templates", DOCS_DIR)
        self.server = Wsusd(data_dir=self.path("data"))
        os.makedirs(self.server.data_dir)
        wsusd("catalog", "import", catalog, "--data-dir", self.server.data_dir, "--quiet")
        self.group_ids = {g: seed_tool(self.server.data_dir, "group", g) for g in self.groups}
        self.token = self.path("token")
        wsusd("token", "create", "crash", "--data-dir", self.server.data_dir, "--write", self.token)
        # Updates nothing else needs and that need no other update (detectoids and categories are not approved along):
        # approving one changes exactly its own rows.
        self.updates = read_db(self.server.data_dir, lambda db: [r[0] for r in db.execute(
            "SELECT r.update_id FROM revision r WHERE r.is_latest = 1 AND r.update_type = 0 AND r.is_bundle = 0 "
            "AND NOT EXISTS (SELECT 1 FROM revision_prerequisite p JOIN revision q ON q.update_id = p.update_id "
            "WHERE p.revision_id = r.id AND q.update_type IN (0, 1)) "
            "AND r.update_id NOT IN (SELECT update_id FROM revision_prerequisite) "
            "AND r.update_id NOT IN (SELECT member_update_id FROM revision_bundle) ORDER BY r.update_id")])
        if len(self.updates) < 3:
            raise RuntimeError(f"the generated catalog has only {len(self.updates)} independent updates")
        self.server.start()
        self.lock = threading.Lock()
        self.acked = {}        # (update, group) -> action of the last change wsusctl saw succeed
        self.inflight = None   # ((update, group), action) being sent
        self.refused = []
        self.stop = threading.Event()
        self.thread = None
        self.done_ops = 0

    def ctl(self, *args):
        return subprocess.run([WSUSCTL_BIN, "--data-dir", self.server.data_dir, "--token-file", self.token, "--json",
                               *args], capture_output=True, text=True, timeout=60)

    def admin_loop(self, rng):
        while not self.stop.is_set():
            key = (rng.choice(self.updates), rng.choice(self.groups))
            action = "install" if rng.random() < 0.7 else "not-approved"
            with self.lock:
                self.inflight = (key, action)
            while True:
                r = self.ctl("update", "approve", key[0], "--group", key[1], "--action", action, "--accept-eula")
                if r.returncode == 0:
                    break
                if r.returncode == 1:  # refused by a live server: a finding (every change asked for is valid)
                    with self.lock:
                        self.refused.append(r.stderr.strip()[:200])
                    break
                time.sleep(0.05)  # unreachable or no ports.json: the server is down or restarting
            with self.lock:
                if r.returncode == 0:
                    self.acked[key] = action
                self.inflight = None
                self.done_ops += 1

    def start_work(self):
        if self.thread is None:
            self.thread = threading.Thread(target=self.admin_loop, args=(random.Random(self.rng.getrandbits(64)),),
                                           daemon=True)
            self.thread.start()

    def wait_and_kill(self):
        time.sleep(self.rng.uniform(0.1, 1.2))
        self.server.stop(signal.SIGKILL)
        self.kills += 1
        self.mid_work += 1

    def state_violations(self, db, final):
        rows = {(u, g): a for u, g, a in db.execute("SELECT update_id, group_id, action FROM deployment")}
        audited = {r[0] for r in db.execute("SELECT DISTINCT target FROM audit_log WHERE action = 'approve'")}
        with self.lock:
            acked, inflight = dict(self.acked), self.inflight
        out = []
        for (u, gname), action in acked.items():
            g = self.group_ids[gname]
            want = {0} if action == "install" else {2, None}
            allowed = set(want)
            if inflight and inflight[0] == (u, gname) and not final:
                allowed |= {0} if inflight[1] == "install" else {2, None}
            if rows.get((u, g)) not in allowed:
                out.append(f"approval of {u} for {gname}: stored action {rows.get((u, g))}, last acknowledged {action}")
        for (u, g), a in rows.items():
            if u not in audited:
                out.append(f"deployment of {u} in group {g} has no audit entry")
        return out

    def after_kill(self):
        self.violate(f"kill {self.kills}", read_db(self.server.data_dir, lambda db: inv.store_integrity(db) +
                                                   self.state_violations(db, final=False)))

    def restart(self):
        self.server.start()

    def complete(self):
        time.sleep(1.0)  # a few changes against the live server after the last restart
        self.stop.set()
        self.thread.join(timeout=120)
        v = read_db(self.server.data_dir, lambda db: inv.store_integrity(db) + self.state_violations(db, final=True))
        if self.thread.is_alive():
            v.append("the last change never got through")
        if self.refused:
            v.append(f"{len(self.refused)} valid changes refused: {self.refused[:2]}")
        self.violate("after completion", v)
        self.completed = not v
        self.notes.append(f"{self.done_ops} changes, {len(self.acked)} (update, group) pairs")

    def teardown(self):
        if hasattr(self, "stop"):
            self.stop.set()
        if hasattr(self, "server"):
            self.server.close()


ALL = {s.name: s for s in (CatalogImport, DssMetadataSync, EventIngestion, ApprovalChanges, ContentDownload)}
SHORT = {"a": "catalog_import", "b": "dss_metadata_sync", "c": "event_ingestion", "d": "approval_changes",
         "e": "content_download"}
