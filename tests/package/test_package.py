"""The .deb in a clean Debian 12 root: install (user, data directory, conffile, token), run the installed daemon
with the installed configuration and ask it GetConfig, make an administrator's data (catalog, group, approval),
upgrade to a newer build of the package with that data in place and find all of it again, remove (data and
configuration stay), purge (both go, and the system user).

The root is made with debootstrap (minbase) from a Debian mirror; the packages are made with cpack from the
build tree under test, whose install prefix must be /usr (scripts/test.sh configures it so). Needs root;
exits 77 (skipped) otherwise. Schema upgrades across versions are covered by tests/store/migration_upgrade_test;
here both packages carry the same schema and the upgrade exercises the maintainer scripts and dpkg.
Environment: WSUSD_BUILD_DIR (the build tree), WSUSD_SHARED_DIR, WSUSD_DEBIAN_MIRROR (optional)."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

BUILD_DIR = os.environ.get("WSUSD_BUILD_DIR", "build")
SHARED_DIR = os.environ.get("WSUSD_SHARED_DIR", os.path.join(os.path.dirname(__file__), "../../../shared"))
MIRROR = os.environ.get("WSUSD_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DOCS = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
GETCONFIG = os.path.join(SHARED_DIR, "captures", "wsus-m0-native", "scan", "000001", "request.body")
DATA = "/var/lib/wsusd"


def sh(*args, check=True, env=None, timeout=900):
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CleanRoot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="wsusd-pkgtest-")
        cls.root = os.path.join(cls.work, "root")
        cls.mounted = False
        cls.daemon_pid = None
        try:
            version = cls.project_version()
            cls.old_deb = cls.package(version, "old")
            cls.new_deb = cls.package(version + "+pkgtest1", "new")
            sh("debootstrap", "--variant=minbase", "bookworm", cls.root, MIRROR, timeout=1200)
            # apt and the maintainer scripts are happier with /proc; a container that forbids mounts still works.
            cls.mounted = subprocess.run(["mount", "-t", "proc", "proc", os.path.join(cls.root, "proc")]).returncode == 0
            shutil.copy("/etc/resolv.conf", os.path.join(cls.root, "etc/resolv.conf"))
            for deb in (cls.old_deb, cls.new_deb):
                shutil.copy(deb, os.path.join(cls.root, "tmp"))
            shutil.copytree(DOCS, os.path.join(cls.root, "tmp/docs"))
            cls.chroot("apt-get", "update")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stop_daemon()
        if cls.mounted:
            subprocess.run(["umount", "-l", os.path.join(cls.root, "proc")])
        shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def project_version(cls):
        with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
            cache = f.read()
        if "CMAKE_INSTALL_PREFIX:PATH=/usr\n" not in cache:
            raise AssertionError(f"{BUILD_DIR} is not configured with -DCMAKE_INSTALL_PREFIX=/usr")
        out = sh(os.path.join(BUILD_DIR, "src/app/wsusd"), "--version").stdout.split()
        return out[-1]

    @classmethod
    def package(cls, version, name):
        out = os.path.join(cls.work, name)
        sh("cpack", "-G", "DEB", "-B", out, "-D", f"CPACK_PACKAGE_VERSION={version}",
           "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"))
        debs = glob.glob(os.path.join(out, "*.deb"))
        assert len(debs) == 1, debs
        return debs[0]

    @classmethod
    def chroot(cls, *args, check=True):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", PATH="/usr/sbin:/usr/bin:/sbin:/bin")
        return sh("chroot", cls.root, *args, check=check, env=env)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    @classmethod
    def start_daemon(cls):
        cls.ports = {"http": free_port(), "https": free_port(), "admin": free_port()}
        ports_file = os.path.join(cls.root, DATA.lstrip("/"), "ports.json")
        if os.path.exists(ports_file):
            os.remove(ports_file)
        log = open(os.path.join(cls.work, "wsusd.log"), "ab")
        # setpriv execs (no intermediate process), so the pid in ports.json is the one to signal.
        cls.proc = subprocess.Popen(
            ["chroot", cls.root, "setpriv", "--reuid=wsusd", "--regid=wsusd", "--init-groups", "/usr/bin/wsusd",
             "serve", "--config", "/etc/wsusd/wsusd.toml", "--data-dir", DATA, "--bind", "127.0.0.1",
             "--http-port", str(cls.ports["http"]), "--https-port", str(cls.ports["https"]),
             "--admin-port", str(cls.ports["admin"])], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if cls.proc.poll() is not None:
                raise AssertionError(f"the installed wsusd exited with {cls.proc.returncode}:\n" + cls.daemon_log())
            try:
                with open(ports_file) as f:
                    info = json.load(f)
                cls.daemon_pid = info["pid"]
                return
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise AssertionError("the installed wsusd wrote no ports.json:\n" + cls.daemon_log())

    @classmethod
    def stop_daemon(cls):
        proc = getattr(cls, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        cls.proc = None

    @classmethod
    def daemon_log(cls):
        try:
            with open(os.path.join(cls.work, "wsusd.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def get_config(self):
        with open(GETCONFIG, "rb") as f:
            body = f.read()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['http']}/ClientWebService/client.asmx", data=body,
            headers={"Content-Type": "text/xml; charset=utf-8",
                     "SOAPAction": '"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"'})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()

    def wsusctl(self, *args):
        return self.chroot("wsusctl", "--data-dir", DATA, "--json", *args).stdout

    def test_lintian_reports_no_errors(self):
        r = sh("lintian", "--fail-on", "error", "--allow-root", self.old_deb, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("\nE: ", "\n" + r.stdout)

    def test_install_run_upgrade_remove_purge(self):
        # Install from a clean root: apt resolves the shared-library dependencies from the mirror.
        self.chroot("apt-get", "install", "-y", "--no-install-recommends", "/tmp/" + os.path.basename(self.old_deb))
        user = self.chroot("getent", "passwd", "wsusd").stdout
        self.assertIn("/usr/sbin/nologin", user)
        st = os.stat(self.path(DATA))
        self.assertEqual(st.st_mode & 0o777, 0o700)
        self.assertEqual(self.chroot("stat", "-c", "%U:%G", DATA).stdout.strip(), "wsusd:wsusd")
        token = self.path(DATA + "/admin.token")
        self.assertEqual(os.stat(token).st_mode & 0o777, 0o600)
        with open(token) as f:
            token_text = f.read()
        conffiles = self.chroot("dpkg-query", "-W", "-f=${Conffiles}", "wsusd").stdout
        self.assertIn("/etc/wsusd/wsusd.toml", conffiles)
        for installed in ("/usr/lib/systemd/system/wsusd.service", "/usr/share/man/man1/wsusctl.1.gz",
                          "/usr/share/man/man8/wsusd.8.gz", "/usr/share/bash-completion/completions/wsusctl",
                          "/usr/share/doc/wsusd/copyright"):
            self.assertTrue(os.path.exists(self.path(installed)), installed)
        self.chroot("wsusd", "config", "check", "--config", "/etc/wsusd/wsusd.toml")

        # An administrator's data: a catalog, a group, an approval.
        self.chroot("setpriv", "--reuid=wsusd", "--regid=wsusd", "--init-groups", "wsusd", "catalog", "import",
                    "--data-dir", DATA, "/tmp/docs")
        self.start_daemon()
        status, body = self.get_config()
        self.assertEqual(status, 200)
        self.assertIn("GetConfigResult", body)
        self.wsusctl("group", "create", "Ring 1")
        updates = json.loads(self.wsusctl("update", "list", "--approval", "any", "--limit", "500"))["updates"]
        software = [u for u in updates if u["type"] == "software" and not u["declined"]]
        self.assertTrue(software, updates)
        update_id = software[0]["id"]
        self.wsusctl("update", "approve", update_id, "--group", "Ring 1")
        before = json.loads(self.wsusctl("update", "show", update_id))
        self.assertIn("Ring 1", json.dumps(before["approved_for"]))
        self.stop_daemon()

        # Upgrade with data in place; a locally edited conffile survives.
        with open(self.path("/etc/wsusd/wsusd.toml"), "a") as f:
            f.write("\n# local change kept across upgrades\n")
        self.chroot("dpkg", "--force-confold", "-i", "/tmp/" + os.path.basename(self.new_deb))
        version = self.chroot("dpkg-query", "-W", "-f=${Version}", "wsusd").stdout
        self.assertTrue(version.endswith("+pkgtest1"), version)
        with open(self.path("/etc/wsusd/wsusd.toml")) as f:
            self.assertIn("# local change kept across upgrades", f.read())
        with open(token) as f:
            self.assertEqual(f.read(), token_text, "the upgrade keeps the admin token")
        self.start_daemon()
        self.assertEqual(self.get_config()[0], 200)
        groups = json.loads(self.wsusctl("group", "list"))["groups"]
        self.assertIn("Ring 1", [g["name"] for g in groups])
        after = json.loads(self.wsusctl("update", "show", update_id))
        self.assertEqual(after["approved_for"], before["approved_for"])
        listed = json.loads(self.wsusctl("update", "list", "--approval", "any", "--limit", "500"))["updates"]
        self.assertEqual(sorted(u["id"] for u in listed), sorted(u["id"] for u in updates))
        self.stop_daemon()

        # Remove keeps data and configuration; purge deletes both and the system user.
        self.chroot("apt-get", "remove", "-y", "wsusd")
        self.assertFalse(os.path.exists(self.path("/usr/bin/wsusd")))
        self.assertTrue(os.path.exists(self.path(DATA + "/wsusd.db")))
        self.assertTrue(os.path.exists(self.path("/etc/wsusd/wsusd.toml")))
        self.chroot("apt-get", "purge", "-y", "wsusd")
        self.assertFalse(os.path.exists(self.path(DATA)))
        self.assertFalse(os.path.exists(self.path("/etc/wsusd/wsusd.toml")))
        self.assertNotEqual(self.chroot("getent", "passwd", "wsusd", check=False).returncode, 0)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("test_package: needs root (debootstrap, chroot, mount); skipped")
        sys.exit(77)
    unittest.main()
