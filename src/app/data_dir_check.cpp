#include "app/data_dir_check.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace wsusd::app {

namespace fs = std::filesystem;

namespace {

std::string user_name(uid_t uid) {
    if (const passwd* pw = getpwuid(uid)) return pw->pw_name;
    return std::to_string(uid);
}

enum class Kind {
    directory,  ///< must not be writable by group or others
    store,      ///< the database and its WAL files: the same
    secret,     ///< also not readable by others (a group may read, as with ssl-cert)
};

Result<void> check(const fs::path& p, Kind kind, uid_t owner) {
    struct stat st {};
    // lstat: a symlink planted in the data directory must not redirect the daemon to someone else's file.
    if (::lstat(p.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return fail(Errc::io, "cannot inspect " + p.string() + ": " + std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        return fail(Errc::invalid_argument, p.string() + " is a symbolic link; wsusd keeps its store and secrets as "
                                                         "plain files in the data directory (replace the link with "
                                                         "the file it points to)");
    if (st.st_uid != owner)
        return fail(Errc::invalid_argument, p.string() + " is owned by " + user_name(st.st_uid) + ", not by " +
                                                user_name(owner) + " that wsusd runs as; fix with `chown " +
                                                user_name(owner) + " " + p.string() + "`");
    mode_t forbidden = S_IWGRP | S_IWOTH;
    if (kind == Kind::secret) forbidden |= S_IROTH;
    if ((st.st_mode & forbidden) != 0) {
        const char* fix = kind == Kind::secret ? "chmod 600" : kind == Kind::directory ? "chmod 700" : "chmod 600";
        return fail(Errc::invalid_argument,
                    p.string() + " is " + (kind == Kind::secret ? "readable or writable" : "writable") +
                        " by other users; fix with `" + fix + " " + p.string() + "`" +
                        (kind == Kind::secret ? " (and rotate the secret if it may have leaked)" : ""));
    }
    return {};
}

}  // namespace

Result<void> secure_data_dir(const fs::path& dir, uid_t owner) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        return fail(Errc::io, "cannot inspect data directory " + dir.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return fail(Errc::invalid_argument, "data directory " + dir.string() + " is not a directory");
    if (st.st_uid != owner)
        return fail(Errc::invalid_argument, "data directory " + dir.string() + " is owned by " + user_name(st.st_uid) +
                                                ", not by " + user_name(owner) + " that wsusd runs as; fix with `chown -R " +
                                                user_name(owner) + " " + dir.string() + "`");
    // Ours: tighten it rather than refuse, so that a directory created with the default umask just works.
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
        return fail(Errc::io, "cannot restrict permissions of " + dir.string() + ": " + ec.message() +
                                  " (chown it to the wsusd user)");
    const std::pair<const char*, Kind> items[] = {
        {"wsusd.db", Kind::store},          {"wsusd.db-wal", Kind::store},       {"wsusd.db-shm", Kind::store},
        {"keys", Kind::directory},          {"keys/cookie.keys", Kind::secret},  {"tls", Kind::directory},
        {"tls/server.key", Kind::secret},   {"tls/server.crt", Kind::store},     {"airgap", Kind::directory},
        {"airgap/signing.pem", Kind::secret},
    };
    for (const auto& [name, kind] : items)
        if (auto r = check(dir / name, kind, owner); !r) return r;
    return {};
}

}  // namespace wsusd::app
