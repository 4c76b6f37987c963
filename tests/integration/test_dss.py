"""End-to-end hierarchy: an upstream wsusd (A) with the real update documents, a downstream autonomous wsusd (B)
that synchronizes from A, and a replica (C) of B that also copies B's groups, approvals and declines. Each sync
is a real `wsusd sync now` over HTTP against a running server; changes upstream are followed by a second sync
that must bring exactly them. A client of the replica is offered what B approved."""
import json
import os
import time
import subprocess
import tempfile
import unittest
import uuid

from test_uss import DOCS, LEAF, small_document
from wsusd_harness import WSUSD_BIN, Wsusd
from wusp_client import full_scan, register

SEED_BIN = os.environ.get("WSUSD_SEED_BIN", "build/tests/integration/wsusd-test-seed")
WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
OTHER = "7366a74a-ef29-44e1-b738-570b516aca1f"


def run(args, timeout=120):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r.stdout


def exported(data_dir, tmp):
    out = os.path.join(tmp, "export-" + uuid.uuid4().hex)
    run([WSUSD_BIN, "catalog", "export", out, "--data-dir", data_dir])
    return sorted(os.listdir(out))


class HierarchyTest(unittest.TestCase):
    def test_uss_to_autonomous_to_replica(self):
        with tempfile.TemporaryDirectory(prefix="wsusd-chain-") as tmp:
            a = Wsusd(data_dir=os.path.join(tmp, "a", "data"))
            os.makedirs(a.data_dir)
            run([WSUSD_BIN, "catalog", "import", DOCS, "--data-dir", a.data_dir, "--quiet"])
            with a:
                b_cfg = os.path.join(tmp, "b.toml")
                with open(b_cfg, "w") as f:
                    f.write(f'[sync]\nupstream_url = "http://127.0.0.1:{a.ports["http"]}"\naccount_name = "b.example.test"\n')
                b_dir = os.path.join(tmp, "b", "data")
                out = run([WSUSD_BIN, "sync", "now", "--config", b_cfg, "--data-dir", b_dir])
                self.assertIn("3 new", out)
                self.assertEqual(exported(b_dir, tmp), exported(a.data_dir, tmp), "B holds A's catalog")
                # Nothing changed: nothing new.
                self.assertIn("0 new, 0 revised, 0 categories", run([WSUSD_BIN, "sync", "now", "--config", b_cfg,
                                                                       "--data-dir", b_dir]))
                # Changes on A: a new update and a new revision reach B, and nothing else.
                new_id = str(uuid.uuid4())
                folder = os.path.join(tmp, "new")
                os.makedirs(folder)
                with open(os.path.join(folder, "new.xml"), "w") as f:
                    f.write(small_document(new_id))
                with open(os.path.join(folder, "rev.xml"), "w") as f:
                    doc = open(os.path.join(DOCS, f"{LEAF}-r200.xml"), encoding="utf-8").read()
                    f.write(doc.replace('RevisionNumber="200"', 'RevisionNumber="201"', 1))
                run([WSUSD_BIN, "catalog", "import", folder, "--data-dir", a.data_dir, "--quiet"])
                out = run([WSUSD_BIN, "sync", "now", "--config", b_cfg, "--data-dir", b_dir])
                self.assertIn("1 new, 1 revised", out)
                self.assertEqual(exported(b_dir, tmp), exported(a.data_dir, tmp))

                # B serves C, a replica; B's own approvals and declines go down to C.
                b = Wsusd(data_dir=b_dir, config_text=open(b_cfg).read())
                with b:
                    # The administrator's "Synchronize Now" goes through the admin API to B's timer thread.
                    b_token = os.path.join(tmp, "b.token")
                    run([WSUSD_BIN, "token", "create", "ops", "--data-dir", b_dir, "--write", b_token])
                    b_ctl = [WSUSCTL_BIN, "--data-dir", b_dir, "--token-file", b_token, "--json"]
                    self.assertTrue(json.loads(run(b_ctl + ["sync", "start"]))["started"])
                    for _ in range(100):
                        runs = json.loads(run(b_ctl + ["sync", "history"]))["runs"]
                        if runs[0]["id"] == 4 and runs[0]["result"] != "running":
                            break
                        time.sleep(0.1)
                    self.assertEqual((runs[0]["id"], runs[0]["result"], runs[0]["new"]), (4, "succeeded", 0))
                    run([SEED_BIN, b_dir, "group", "Ring 1"])
                    run([SEED_BIN, b_dir, "group", "Ring 1.1", "Ring 1"])
                    run([SEED_BIN, b_dir, "approve", LEAF, "Ring 1", "install"])
                    run([SEED_BIN, b_dir, "approve", new_id, "Ring 1", "install"])
                    run([SEED_BIN, b_dir, "decline", OTHER])
                    c_cfg = os.path.join(tmp, "c.toml")
                    with open(c_cfg, "w") as f:
                        f.write(f'[sync]\nupstream_url = "http://127.0.0.1:{b.ports["http"]}"\nreplica = true\n')
                    c_dir = os.path.join(tmp, "c", "data")
                    out = run([WSUSD_BIN, "sync", "now", "--config", c_cfg, "--data-dir", c_dir])
                    self.assertIn("2 approvals", out)
                    c = Wsusd(data_dir=c_dir, config_text=open(c_cfg).read())
                    token = os.path.join(tmp, "c.token")
                    run([WSUSD_BIN, "token", "create", "ops", "--data-dir", c_dir, "--write", token])
                    with c:
                        ctl = [WSUSCTL_BIN, "--data-dir", c_dir, "--token-file", token, "--json"]
                        groups = {g["name"]: g["parent"] for g in json.loads(run(ctl + ["group", "list"]))["groups"]}
                        self.assertEqual(groups.get("Ring 1.1"), "Ring 1")
                        shown = json.loads(run(ctl + ["update", "show", LEAF]))
                        self.assertEqual([(x["group"], x["action"]) for x in shown["approved_for"]], [("Ring 1", "install")])
                        self.assertTrue(json.loads(run(ctl + ["update", "show", OTHER]))["declined"])
                        # A computer of the replica in the child group is offered B's approval (the update without
                        # prerequisites: the captured ones need detectoids this small catalog lacks).
                        pc = str(uuid.uuid4())
                        register(c.http(), pc, "pc.example.test")
                        self.assertNotIn(new_id, full_scan(c.http(), pc))
                        run([SEED_BIN, c_dir, "member", pc, "Ring 1.1"])
                        self.assertEqual(full_scan(c.http(), pc).get(new_id), "Install")
                        # The replica refuses local approvals.
                        r = subprocess.run(ctl + ["update", "approve", LEAF, "--group", "Ring 1"], capture_output=True,
                                           text=True, timeout=60)
                        self.assertEqual(r.returncode, 1)
                    # B changes its mind: the approval becomes uninstall, the decline is lifted.
                    run([SEED_BIN, b_dir, "approve", LEAF, "Ring 1", "uninstall"])
                    run([WSUSD_BIN, "sync", "now", "--config", c_cfg, "--data-dir", c_dir])
                    with c:
                        shown = json.loads(run(ctl + ["update", "show", LEAF]))
                        self.assertEqual([(x["group"], x["action"]) for x in shown["approved_for"]],
                                         [("Ring 1", "uninstall")])
                    # An unreachable upstream fails cleanly and is recorded.
                    bad_cfg = os.path.join(tmp, "bad.toml")
                    with open(bad_cfg, "w") as f:
                        f.write('[sync]\nupstream_url = "http://127.0.0.1:9"\nretries = 0\ntimeout_seconds = 5\n')
                    r = subprocess.run([WSUSD_BIN, "sync", "now", "--config", bad_cfg, "--data-dir", c_dir],
                                       capture_output=True, text=True, timeout=60)
                    self.assertEqual(r.returncode, 1)
                    self.assertIn("cannot reach", r.stderr)


if __name__ == "__main__":
    unittest.main()
