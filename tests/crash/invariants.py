"""The store invariants the crash harness checks after every SIGKILL and after the interrupted work completed.
Each check returns a list of violations (strings naming the table and the rows); an empty list means it holds.
The orphan queries follow the tables of src/store/schema.h (migrations 1 to 8)."""
import hashlib
import os
import sqlite3


def connect(data_dir):
    """Opens the store the way wsusd does after a crash: a writable connection replays or discards the WAL."""
    db = sqlite3.connect(os.path.join(data_dir, "wsusd.db"), timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    return db


# (what is orphaned, query returning its rows). Rows the foreign keys already cover are checked again by name, so a
# violation says which table broke; the others (no foreign key by design) are only checked here.
ORPHANS = [
    ("revision without its XML", "SELECT r.id FROM revision r LEFT JOIN revision_xml x ON x.revision_id = r.id "
                                 "WHERE x.revision_id IS NULL"),
    ("revision without its core fragment",
     "SELECT r.id FROM revision r WHERE NOT EXISTS (SELECT 1 FROM revision_fragment f WHERE f.revision_id = r.id "
     "AND f.kind = 0)"),
    ("revision_xml without revision",
     "SELECT revision_id FROM revision_xml WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_fragment without revision",
     "SELECT revision_id FROM revision_fragment WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_category without revision",
     "SELECT revision_id FROM revision_category WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_prerequisite without revision",
     "SELECT revision_id FROM revision_prerequisite WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_bundle without revision",
     "SELECT bundle_revision_id FROM revision_bundle WHERE bundle_revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_supersedes without revision",
     "SELECT revision_id FROM revision_supersedes WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_file without revision",
     "SELECT revision_id FROM revision_file WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("revision_file without file", "SELECT file_id FROM revision_file WHERE file_id NOT IN (SELECT id FROM file)"),
    ("file no revision names", "SELECT id FROM file WHERE id NOT IN (SELECT file_id FROM revision_file)"),
    ("driver without revision", "SELECT id FROM driver WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("update without exactly one latest revision",
     "SELECT update_id FROM revision GROUP BY update_id HAVING SUM(is_latest) <> 1"),
    ("deployment without revision", "SELECT id FROM deployment WHERE revision_id NOT IN (SELECT id FROM revision)"),
    ("deployment without group", "SELECT id FROM deployment WHERE group_id NOT IN (SELECT id FROM target_group)"),
    ("deployment of another update than its revision's",
     "SELECT d.id FROM deployment d JOIN revision r ON r.id = d.revision_id WHERE r.update_id <> d.update_id"),
    ("live deployment without exactly one live GUID",
     "SELECT d.id FROM deployment d WHERE d.action <> 2 AND (SELECT COUNT(*) FROM deployment_guid g "
     "WHERE g.deployment_id = d.id AND g.dead_seq IS NULL) <> 1"),
    ("live deployment GUID without its deployment",
     "SELECT guid FROM deployment_guid WHERE dead_seq IS NULL AND deployment_id NOT IN "
     "(SELECT id FROM deployment WHERE action <> 2)"),
    ("target_group with a missing parent",
     "SELECT id FROM target_group WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM target_group)"),
    ("computer_group without computer or group",
     "SELECT computer_id FROM computer_group WHERE computer_id NOT IN (SELECT id FROM computer) "
     "OR group_id NOT IN (SELECT id FROM target_group)"),
    ("client_event without computer", "SELECT id FROM client_event WHERE computer_id NOT IN (SELECT id FROM computer)"),
    ("update_status without computer",
     "SELECT computer_id FROM update_status WHERE computer_id NOT IN (SELECT id FROM computer)"),
    ("rollup_computer without computer",
     "SELECT computer_id FROM rollup_computer WHERE computer_id NOT IN (SELECT id FROM computer)"),
    ("upstream_deployment without group",
     "SELECT guid FROM upstream_deployment WHERE group_id NOT IN (SELECT id FROM target_group)"),
    ("eula_acceptance without revision",
     "SELECT update_id FROM eula_acceptance WHERE revision_id NOT IN (SELECT id FROM revision)"),
    # Sequences: a row stamped beyond its counter means the counter's update was lost without the row's.
    ("revision stamped beyond catalog_version",
     "SELECT id FROM revision WHERE change_seq > (SELECT value FROM counter WHERE name = 'catalog_version')"),
    ("deployment stamped beyond deployment_seq",
     "SELECT id FROM deployment WHERE change_seq > (SELECT value FROM counter WHERE name = 'deployment_seq')"),
]


def store_integrity(db):
    """PRAGMA integrity_check and foreign_key_check, then every orphan query."""
    out = []
    rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        out.append("integrity_check: " + "; ".join(rows[:5]))
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        out.append(f"foreign_key_check: {len(fk)} rows, first {fk[:3]}")
    for what, sql in ORPHANS:
        bad = db.execute(sql).fetchall()
        if bad:
            out.append(f"{what}: {len(bad)} rows, first {[b[0] for b in bad[:3]]}")
    return out


def latest_set(db):
    """{(update id, revision number)} of the latest revisions."""
    return set(db.execute("SELECT update_id, revision_number FROM revision WHERE is_latest = 1"))


def update_ids(db):
    return {r[0] for r in db.execute("SELECT DISTINCT update_id FROM revision")}


def half_visible(db, reference_ids):
    """Updates a client could be offered while something they need is missing: a bundle member, or every update of a
    prerequisite group. Only what the finished work will bring counts (reference_ids: the update ids the completed
    store holds); a reference the whole catalog lacks is not the crash's doing."""
    have = update_ids(db)
    out = []
    for bundle, member in db.execute(
            "SELECT r.update_id, b.member_update_id FROM revision_bundle b "
            "JOIN revision r ON r.id = b.bundle_revision_id "
            "WHERE r.is_latest = 1 AND r.declined = 0"):
        if member not in have and member in reference_ids:
            out.append(f"bundle {bundle} is stored without its member {member}")
    groups = {}
    for uid, rid, gi, need in db.execute(
            "SELECT r.update_id, r.id, p.group_index, p.update_id FROM revision_prerequisite p JOIN revision r "
            "ON r.id = p.revision_id WHERE r.is_latest = 1 AND r.declined = 0"):
        groups.setdefault((uid, rid, gi), []).append(need)
    for (uid, _, gi), needs in groups.items():
        if not any(n in have for n in needs) and any(n in reference_ids for n in needs):
            out.append(f"update {uid} is stored without any of its prerequisites {needs}")
    return out


def anchors(db, upstream_at):
    """An anchor is written with the last batch of its list: once a metadata anchor naming the upstream's catalog
    version V is stored, every revision the upstream had at V is stored too. upstream_at(V) gives that set (wsusd
    anchors are "<catalog version>,<time>", services/server_sync_service.h)."""
    out = []
    kinds = dict(db.execute("SELECT kind, anchor FROM sync_anchor"))
    anchor = kinds.get("metadata")
    if anchor:
        try:
            version = int(anchor.split(",")[0])
        except ValueError:
            return [f"metadata anchor {anchor!r} is not in the upstream's format"]
        missing = upstream_at(version) - set(db.execute("SELECT update_id, revision_number FROM revision"))
        if missing:
            out.append(f"metadata anchor {anchor!r} stored while {len(missing)} upstream revisions it covers are "
                       f"missing, first {sorted(missing)[:3]}")
    return out


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_files(content_root):
    """(stored files {sha1: path}, partial files [path]) under a content store (<XX>/<SHA1>.<ext>)."""
    stored, partial = {}, []
    for d, _, names in os.walk(content_root):
        for n in names:
            p = os.path.join(d, n)
            if n.endswith(".partial"):
                partial.append(p)
            elif n.startswith(".") or n.endswith((".len", ".tmp")):
                continue
            else:
                stored[n.split(".")[0].lower()] = p
    return stored, partial


def content_digests(content_root):
    """Every stored (renamed into place) file must hash to the SHA-1 its name carries."""
    stored, _ = content_files(content_root)
    return [f"content file {p} does not match its SHA-1" for sha, p in stored.items() if sha1_file(p) != sha]
