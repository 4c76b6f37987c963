"""End-to-end: the downstream server's filters (sync.products, sync.classifications, sync.drivers, sync.languages)
against a real wsusd upstream on loopback holding a generated catalog (shapes from the real documents, see
captures/PROVENANCE.md) and its files. Drivers stay upstream until sync.drivers is switched on; a classification
added later brings its updates with the next sync (Delta=false for the new id); a language setting leaves the files
of language-specific updates for other languages undownloaded, as WSUS does, while their metadata arrives.
The upstream's GetRevisionIdList answer for such a filter is validated against schema/ (test_uss.Downstream)."""
import base64
import hashlib
import os
import re
import tempfile
import unittest
import uuid

from fake_upstream import DOCS_DIR, doc_identity
from test_dss_sync import exported, history, wsusd
from test_uss import Downstream
from wsusd_harness import Wsusd

UPD = "http://schemas.microsoft.com/msus/2002/12/Update"


def read_docs(folder):
    out = {}
    for n in sorted(os.listdir(folder)):
        if n.endswith(".xml"):
            with open(os.path.join(folder, n), encoding="utf-8") as f:
                out[n] = f.read()
    return out


def category_id(docs, title, kind):
    for xml in docs.values():
        if f'CategoryType="{kind}"' in xml and f"<upd:Title>{title}</upd:Title>" in xml:
                return doc_identity(xml)[0]
    raise AssertionError(f"no {kind} category {title!r} in the generated catalog")


def language_specific(template, language, files_dir):
    """A copy of a generated software update with a new id, Properties/Language and a file of its own (written to
    files_dir in the <XX>/<SHA1>.<ext> layout): (update id, document, sha1 hex)."""
    uid = str(uuid.uuid4())
    data = f"{language} payload {uid}".encode() * 64
    sha1, sha256 = hashlib.sha1(data), hashlib.sha256(data)
    name = f"lp-{language}-{uid[:8]}.cab"
    xml = re.sub(r'UpdateID="[^"]+" RevisionNumber="(\d+)"', f'UpdateID="{uid}" RevisionNumber="200"', template, count=1)
    xml = re.sub(r"(<upd:Properties [^>]*?)(/?)>",
                 lambda m: m.group(1) + f"><upd:Language>{language}</upd:Language>" +
                 ("</upd:Properties>" if m.group(2) else ""), xml, count=1)
    xml = re.sub(r"<upd:Files>.*</upd:Files>",
                 f'<upd:Files><upd:File Digest="{base64.b64encode(sha1.digest()).decode()}" DigestAlgorithm="SHA1" '
                 f'FileName="{name}" Size="{len(data)}" Modified="2026-01-01T00:00:00Z"><upd:AdditionalDigest '
                 f'Algorithm="SHA256">{base64.b64encode(sha256.digest()).decode()}</upd:AdditionalDigest></upd:File>'
                 f"</upd:Files>", xml, count=1, flags=re.S)
    hexsha = sha1.hexdigest().upper()
    os.makedirs(os.path.join(files_dir, hexsha[-2:]), exist_ok=True)
    with open(os.path.join(files_dir, hexsha[-2:], hexsha + ".cab"), "wb") as f:
        f.write(data)
    return uid, xml, sha1.hexdigest()


def stored_files(data_dir):
    return {n.split(".")[0].lower() for _, _, names in os.walk(os.path.join(data_dir, "content")) for n in names
            if not n.startswith(".") and not n.endswith((".partial", ".len"))}


class DownstreamFilters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-filters-")
        catalog, files = cls.path("catalog"), cls.path("files")
        wsusd("catalog", "generate", catalog, "--revisions", "80", "--seed", "5", "--templates", DOCS_DIR,
              "--write-content", files)
        docs = read_docs(catalog)
        cls.driver_ids = {doc_identity(x)[0] for x in docs.values() if 'UpdateType="Driver"' in x}
        assert cls.driver_ids, "the generated catalog has no driver update"
        cls.security = category_id(docs, "Security Updates", "UpdateClassification")
        cls.updates = category_id(docs, "Updates", "UpdateClassification")
        template = next(x for x in docs.values() if 'UpdateType="Software"' in x and "<upd:Files>" in x
                        and "BundledUpdates" not in x and cls.updates in x)
        cls.lang = {}
        for language in ("de", "en"):
            uid, xml, sha = language_specific(template, language, files)
            with open(os.path.join(catalog, f"{uid}-r200.xml"), "w", encoding="utf-8") as f:
                f.write(xml)
            cls.lang[language] = (uid, sha)
        cls.docs = read_docs(catalog)
        cls.root = Wsusd(data_dir=cls.path("root", "data"), config_text="[upstream_role]\nlazy_sync = false\n")
        os.makedirs(cls.root.data_dir)
        wsusd("catalog", "import", catalog, "--data-dir", cls.root.data_dir, "--quiet")
        wsusd("content", "import", files, "--data-dir", cls.root.data_dir, "--quiet")
        cls.root.start()
        cls.root_docs = exported(cls.root.data_dir, cls.path("x"))

    @classmethod
    def tearDownClass(cls):
        cls.root.close()
        cls.tmp.cleanup()

    @classmethod
    def path(cls, *p):
        return os.path.join(cls.tmp.name, *p)

    def setUp(self):
        self.data = self.path("dss-" + self._testMethodName, "data")
        self.cfg = self.path("dss-" + self._testMethodName, "dss.toml")
        os.makedirs(os.path.dirname(self.cfg), exist_ok=True)

    def sync(self, **keys):
        lines = [f'upstream_url = "http://127.0.0.1:{self.root.ports["http"]}"', "retries = 1",
                 "retry_base_seconds = 0", "retry_max_seconds = 1", "rollup = false"]
        for k, v in keys.items():
            lines.append(f"{k} = " + (str(v).lower() if isinstance(v, bool) else
                                       f'"{v}"' if isinstance(v, str) else "[" + ", ".join(f'"{x}"' for x in v) + "]"))
        with open(self.cfg, "w") as f:
            f.write("[sync]\n" + "\n".join(lines) + "\n")
        r = wsusd("sync", "now", "--config", self.cfg, "--data-dir", self.data)
        self.assertIn("succeeded", r.stdout, r.stdout + r.stderr)
        return history(self.data)[0]

    def held(self):
        return {uid for uid, _ in exported(self.data, self.path("x"))}

    def classified(self, classification):
        return {doc_identity(x)[0] for x in self.docs.values()
                if classification in x and re.search(r'UpdateType="(Software|Driver)"', x)}

    def test_drivers_arrive_only_once_enabled(self):
        self.sync(content="none", drivers=False)
        held = self.held()
        self.assertFalse(self.driver_ids & held, "a driver update arrived with sync.drivers = false")
        self.assertTrue(self.classified(self.security) <= held)
        last = self.sync(content="none", drivers=True)
        self.assertTrue(self.driver_ids <= self.held(), "enabling sync.drivers did not bring the drivers")
        self.assertGreaterEqual(last["new"], len(self.driver_ids))
        # Everything else was already there: the next sync transfers only the drivers.
        self.assertEqual(self.held(), {uid for uid, _ in self.root_docs})

    def test_added_classification_arrives_with_the_next_sync(self):
        self.sync(content="none", classifications=[self.security])
        held = self.held()
        updates = self.classified(self.updates) - self.classified(self.security)
        self.assertTrue(self.classified(self.security) <= held)
        missing = updates - held
        self.assertTrue(missing, "the Updates classification arrived although the filter left it out")
        last = self.sync(content="none", classifications=[self.security, self.updates])
        self.assertTrue(updates <= self.held(), updates - self.held())
        self.assertGreaterEqual(last["new"], len(missing))
        # Only the newly included updates came: a third sync with the same filter brings nothing.
        self.assertEqual(self.sync(content="none", classifications=[self.security, self.updates])["new"], 0)

    def test_upstream_honours_a_classification_filter(self):
        """The upstream's GetRevisionIdList answer (schema-validated by Downstream.post) for every product and one
        classification, as the downstream asks: updates of that classification, no drivers."""
        products = [doc_identity(x)[0] for x in self.docs.values()
                    if re.search(r'CategoryType="(Product|ProductFamily)"', x)]
        dss = Downstream(self.root).handshake()
        _, listed = dss.revision_ids(categories=products, classifications=[self.security])
        ids = {u.lower() for u, _ in listed}
        self.assertTrue(ids & self.classified(self.security))
        self.assertFalse(ids & self.driver_ids)
        only_updates = self.classified(self.updates) - self.classified(self.security)
        # Bundle members come with their bundle whatever their classification; nothing else of "Updates" does.
        by_id = {doc_identity(x)[0]: x for x in self.docs.values()}
        members = set()
        for uid in ids:
            m = re.search(r"<upd:BundledUpdates>(.*?)</upd:BundledUpdates>", by_id.get(uid, ""), re.S)
            if m:
                members |= {u.lower() for u in re.findall(r'UpdateID="([^"]+)"', m.group(1))}
        self.assertFalse((ids & only_updates) - members, (ids & only_updates) - members)

    def test_language_setting_keeps_other_language_files_out(self):
        last = self.sync(content="upstream", drivers=True, languages=["en"])
        held = self.held()
        de_id, de_sha = self.lang["de"]
        en_id, en_sha = self.lang["en"]
        # Metadata of both arrives (WSUS lists them); only the wanted language's file is downloaded.
        self.assertIn(de_id, held)
        self.assertIn(en_id, held)
        files = stored_files(self.data)
        self.assertIn(en_sha, files)
        self.assertNotIn(de_sha, files)
        self.assertEqual(last["details"]["files"]["other_languages"], 1, last["details"]["files"])
        self.assertEqual(last["details"]["files"]["failed"], 0)
        # Without a language setting every file comes.
        self.sync(content="upstream", drivers=True)
        self.assertIn(de_sha, stored_files(self.data))


if __name__ == "__main__":
    unittest.main()
