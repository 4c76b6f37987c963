"""End-to-end notifications: a real SMTP server (aiosmtpd, with AUTH) and a webhook receiver that checks the
HMAC-SHA256 signature, both on loopback, receive the "new updates" notice and the status report the maintenance
timer sends; a dead mail server is retried and logged without holding up the webhook."""
import hashlib
import hmac
import http.server
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
TEMPLATES = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
SECRET = "hook-secret-42"


def run(args, timeout=120):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace"),
                              session.authenticated))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"wsusd" and auth_data.password == b"mail-pass"
    return AuthResult(success=ok)


class Hooks(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(want, self.headers.get("X-Wsusd-Signature", ""))
        Hooks.received.append((valid, json.loads(body)))
        self.send_response(204 if valid else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


class NotificationsTest(unittest.TestCase):
    def ctl(self, *args, expect=0):
        rc, out, err = run([WSUSCTL_BIN, "--data-dir", self.server.data_dir, "--token-file", self.token, *args])
        self.assertEqual(rc, expect, f"wsusctl {' '.join(args)}: {out}{err}")
        return out

    def import_catalog(self, seed):
        out = os.path.join(self.tmp.name, f"catalog{seed}")
        rc, so, se = run([WSUSD_BIN, "catalog", "generate", "--revisions", "80", "--seed", str(seed), "--templates",
                          TEMPLATES, out])
        self.assertEqual(rc, 0, so + se)
        rc, so, se = run([WSUSD_BIN, "catalog", "import", out, "--data-dir", self.server.data_dir, "--quiet"])
        self.assertEqual(rc, 0, so + se)

    def wait(self, predicate, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}; wsusd log:\n{self.server.log()[-4000:]}")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wsusd-notify-")
        self.mailbox = Mailbox()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                               auth_require_tls=False)
        self.smtp.start()
        Hooks.received = []
        self.hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
        threading.Thread(target=self.hooks.serve_forever, daemon=True).start()
        self.server = Wsusd(data_dir=os.path.join(self.tmp.name, "data"),
                            config_text="[admin]\nmaintenance_interval_seconds = 1\nnotify_retry_seconds = 1\n"
                                        "notify_max_attempts = 2\nnotify_timeout_seconds = 3\n")
        self.token = os.path.join(self.tmp.name, "t")
        rc, out, err = run([WSUSD_BIN, "token", "create", "ops", "--data-dir", self.server.data_dir, "--write",
                            self.token])
        self.assertEqual(rc, 0, out + err)
        self.server.start()
        self.server.wait_for_log("maintenance run done", timeout=20)

    def tearDown(self):
        self.server.close()
        self.smtp.stop()
        self.hooks.shutdown()
        self.tmp.cleanup()

    def configure(self, smtp_port):
        self.ctl("server", "config", "set", "notify.smtp_url", f"smtp://127.0.0.1:{smtp_port}")
        self.ctl("server", "config", "set", "notify.smtp_user", "wsusd")
        self.ctl("server", "config", "set", "notify.smtp_password", "mail-pass")
        self.ctl("server", "config", "set", "notify.mail_from", "wsusd@example.test")
        self.ctl("server", "config", "set", "notify.mail_to", "ops@example.test, lead@example.test")
        self.ctl("server", "config", "set", "notify.webhook_secret", SECRET)
        self.ctl("server", "config", "set", "notify.webhook_url",
                 f"http://127.0.0.1:{self.hooks.server_address[1]}/wsusd")

    def test_new_updates_by_mail_and_signed_webhook(self):
        self.configure(self.smtp.port)
        self.import_catalog(7)
        self.wait(lambda: self.mailbox.messages, "the mail")
        sender, rcpts, content, authenticated = self.mailbox.messages[0]
        self.assertEqual(sender, "<wsusd@example.test>".strip("<>"))
        self.assertEqual(sorted(rcpts), ["lead@example.test", "ops@example.test"])
        self.assertIn("new update(s)", content)
        self.assertTrue(authenticated, "the mail was sent with SMTP AUTH")
        self.wait(lambda: any(h[1]["event"] == "updates.new" for h in Hooks.received), "the webhook")
        valid, body = next(h for h in Hooks.received if h[1]["event"] == "updates.new")
        self.assertTrue(valid, "the X-Wsusd-Signature HMAC matches the body")
        self.assertTrue(body["data"]["updates"])
        self.assertIn("title", body["data"]["updates"][0])

    def test_status_report(self):
        self.configure(self.smtp.port)
        self.ctl("server", "config", "set", "notify.status_report_hours", "1")
        self.wait(lambda: any(h[1]["event"] == "status.report" for h in Hooks.received), "the status report")
        valid, body = next(h for h in Hooks.received if h[1]["event"] == "status.report")
        self.assertTrue(valid)
        self.assertIn(body["data"]["status"], ("ok", "degraded"))
        self.assertTrue(body["data"]["store"]["ok"])
        time.sleep(3)  # one report per period, not one per maintenance run
        self.assertEqual(sum(1 for h in Hooks.received if h[1]["event"] == "status.report"), 1)

    def test_dead_mail_server_is_retried_and_logged_webhook_still_delivered(self):
        self.configure(free_port())  # nothing listens there
        self.import_catalog(8)
        self.wait(lambda: any(h[1]["event"] == "updates.new" for h in Hooks.received), "the webhook")
        log = self.server.wait_for_log("giving up", timeout=30)
        self.assertIn("failed (attempt 1/2)", log)
        self.assertIn("retrying", log)
        self.assertIn("giving up", log)
        self.assertEqual(self.mailbox.messages, [])
        out = self.ctl("metrics")
        self.assertRegex(out, r"(?m)^wsusd_notifications_failed_total 1$")
        self.assertRegex(out, r"(?m)^wsusd_notifications_sent_total [1-9]")


if __name__ == "__main__":
    unittest.main()
