#include "common/identity/dev_token_issuer.h"

#include <fcntl.h>
#include <jwt.h>
#include <openssl/err.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/identity/openssl_util.h"
#include "common/status/status_macros.h"

namespace samepage::identity {
namespace {

// A PEM EC key is a few hundred bytes; anything far larger is not our file.
constexpr off_t kMaxKeyFileBytes = 64 * 1024;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

// Closes a file descriptor on every path out of a function.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  // Closes now so that the caller can see close()'s error.
  int Close() {
    int rc = close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string KeyPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kDevSigningKeyFile).string();
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("no development signing key at ", path,
                       "; start the server in development mode with this data folder "
                       "once to create it"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, ": ", ErrnoText(error)));
  }
  struct stat info;
  if (fstat(fd.get(), &info) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot stat ", path, ": ", ErrnoText(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  // Anyone who can read this key can sign in as anyone, so refuse a key that
  // has been exposed rather than keep using it silently.
  if ((info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s is accessible to other users (mode %04o); run chmod 600 on it, "
                        "or delete it to have a new key made",
                        path, info.st_mode & 07777));
  }
  if (info.st_size > kMaxKeyFileBytes) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is too large to be a signing key"));
  }
  std::string contents(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = read(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read ", path, ": ", ErrnoText(errno)));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  contents.resize(done);
  return contents;
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(ErrnoText(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Makes a new key file at `path` unless one appears there first. The key is
// written to a private temporary file and then hard-linked into place:
// link() never replaces an existing file, so a concurrent creator cannot
// overwrite a key whose tokens are already in use, and nobody ever sees a
// half-written key.
absl::Status CreateKeyFile(const std::string& data_dir, const std::string& path) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data folder ", data_dir, ": ", ec.message()));
  }
  if (created) {
    // Only a folder we made ourselves: an existing one's mode is the
    // operator's choice.
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot restrict data folder ", data_dir, ": ", ec.message()));
    }
  }

  ASSIGN_OR_RETURN(internal::EvpPkeyPtr key, internal::GenerateEcP256Key());
  ASSIGN_OR_RETURN(std::string pem, internal::PrivateKeyPem(*key));

  std::string temp_path = path + ".tmp.XXXXXX";
  ScopedFd fd(mkstemp(temp_path.data()));  // mode 0600
  if (fd.get() < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create a file in ", data_dir, ": ", ErrnoText(errno)));
  }
  absl::Status written = WriteAll(fd.get(), pem);
  if (written.ok() && fsync(fd.get()) != 0) {
    written = absl::InternalError(ErrnoText(errno));
  }
  if (fd.Close() != 0 && written.ok()) {
    written = absl::InternalError(ErrnoText(errno));
  }
  int link_rc = 0;
  int link_errno = 0;
  if (written.ok()) {
    link_rc = link(temp_path.c_str(), path.c_str());
    link_errno = errno;
    // Some file systems have no hard links; there, give up the race-proofing
    // rather than development mode.
    if (link_rc != 0 && (link_errno == EPERM || link_errno == ENOTSUP)) {
      link_rc = rename(temp_path.c_str(), path.c_str());
      link_errno = errno;
    }
  }
  unlink(temp_path.c_str());
  if (!written.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", temp_path, ": ", written.message()));
  }
  // EEXIST: another process created the key first; its key is the one to use.
  if (link_rc != 0 && link_errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", ErrnoText(link_errno)));
  }
  // Make the new name durable too; best effort, the key is already written.
  ScopedFd dir(open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) fsync(dir.get());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DevTokenIssuer>> DevTokenIssuer::FromPrivateKeyPem(
    const std::string& path, const std::string& pem) {
  auto in_file = [&path](const absl::Status& status) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", status.message()));
  };
  absl::StatusOr<internal::EvpPkeyPtr> key = internal::ParsePrivateKeyPem(pem);
  if (!key.ok()) return in_file(key.status());
  absl::StatusOr<std::string> algorithm = internal::JwsAlgorithmForKey(**key);
  if (!algorithm.ok()) return in_file(algorithm.status());
  if (*algorithm != "ES256") {
    return in_file(absl::InvalidArgumentError("not an EC P-256 key"));
  }
  absl::StatusOr<std::string> public_pem = internal::PublicKeyPem(**key);
  if (!public_pem.ok()) return in_file(public_pem.status());
  return std::unique_ptr<DevTokenIssuer>(new DevTokenIssuer(pem, *std::move(public_pem)));
}

absl::StatusOr<std::unique_ptr<DevTokenIssuer>> DevTokenIssuer::Load(const std::string& data_dir) {
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: must not be empty");
  }
  std::string path = KeyPath(data_dir);
  ASSIGN_OR_RETURN(std::string pem, ReadKeyFile(path));
  return FromPrivateKeyPem(path, pem);
}

absl::StatusOr<std::unique_ptr<DevTokenIssuer>> DevTokenIssuer::LoadOrCreate(
    const std::string& data_dir) {
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: must not be empty");
  }
  absl::StatusOr<std::unique_ptr<DevTokenIssuer>> loaded = Load(data_dir);
  if (!absl::IsNotFound(loaded.status())) return loaded;
  RETURN_IF_ERROR(CreateKeyFile(data_dir, KeyPath(data_dir)));
  return Load(data_dir);
}

absl::StatusOr<std::string> DevTokenIssuer::Issue(const std::string& subject,
                                                  const std::vector<std::string>& scopes,
                                                  absl::Duration ttl, absl::Time now,
                                                  const std::string& audience) const {
  if (subject.empty()) {
    return absl::InvalidArgumentError("subject: must not be empty");
  }
  if (audience.empty()) {
    return absl::InvalidArgumentError("audience: must not be empty");
  }
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ttl: must be positive");
  }
  for (const std::string& scope : scopes) {
    if (scope.empty() || absl::StrContains(scope, ' ')) {
      return absl::InvalidArgumentError(
          absl::StrCat("scopes: \"", scope, "\" must be non-empty and hold no space"));
    }
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("jwt_new");
  JwtPtr jwt(raw);
  const long issued_at = static_cast<long>(absl::ToUnixSeconds(now));
  const long expires = static_cast<long>(absl::ToUnixSeconds(now + ttl));
  int rc = 0;
  rc |= jwt_add_header(jwt.get(), "kid", kDevKeyId);
  rc |= jwt_add_grant(jwt.get(), "iss", kDevIssuer);
  rc |= jwt_add_grant(jwt.get(), "sub", subject.c_str());
  rc |= jwt_add_grant(jwt.get(), "aud", audience.c_str());
  rc |= jwt_add_grant_int(jwt.get(), "iat", issued_at);
  rc |= jwt_add_grant_int(jwt.get(), "nbf", issued_at);
  rc |= jwt_add_grant_int(jwt.get(), "exp", expires);
  if (!scopes.empty()) {
    rc |= jwt_add_grant(jwt.get(), "scope", absl::StrJoin(scopes, " ").c_str());
  }
  rc |= jwt_set_alg(jwt.get(), JWT_ALG_ES256,
                    reinterpret_cast<const unsigned char*>(private_key_pem_.data()),
                    static_cast<int>(private_key_pem_.size()));
  if (rc != 0) {
    return absl::InternalError("could not assemble the development token");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) {
    internal::TakeOpenSslErrors();
    return absl::InternalError("could not sign the development token");
  }
  std::string token(encoded);
  std::free(encoded);  // libjwt 1.10 allocates with malloc and has no jwt_free_str
  return token;
}

VerificationKey DevTokenIssuer::public_key() const {
  return VerificationKey{.key_id = kDevKeyId, .pem = public_key_pem_};
}

}  // namespace samepage::identity
