#include "common/storage/keyring.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace samepage::storage {
namespace {

constexpr char kEnvelopeVersion = '\x01';
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxKeyIdBytes = 64;
constexpr off_t kMaxKeyFileBytes = 64 * 1024;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdBytes) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // Without randomness no nonce is safe: fail loudly rather than reuse one.
    std::abort();
  }
  return out;
}

unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::StatusOr<std::string> ReadPrivateFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    int error = errno;
    if (error == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::FailedPreconditionError(
        absl::StrCat("cannot stat ", path, ": ", std::strerror(error)));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  // Whoever reads this file reads every record: refuse one that others can.
  if ((info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is accessible to other users (mode %04o); run chmod 600 on it", path,
        info.st_mode & 07777));
  }
  if (info.st_size > kMaxKeyFileBytes) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is too large to be a key file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::Parse(absl::string_view text,
                                                        absl::string_view origin) {
  std::vector<Key> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", line_number, ": ", why));
    };
    if (fields.size() != 2) return bad("expected `<key id> <base64 of 32 bytes>`");
    if (!ValidKeyId(fields[0])) {
      return bad("key id: 1 to 64 letters, digits, '-', '_' or '.'");
    }
    Key key{.id = std::string(fields[0])};
    if (!absl::Base64Unescape(fields[1], &key.bytes) || key.bytes.size() != kKeyBytes) {
      return bad("key: must be the base64 of exactly 32 bytes");
    }
    for (const Key& other : keys) {
      if (other.id == key.id) return bad(absl::StrCat("key id \"", key.id, "\" is listed twice"));
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return absl::InvalidArgumentError(absl::StrCat(origin, ": holds no key"));
  return std::unique_ptr<Keyring>(new Keyring(std::move(keys)));
}

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::LoadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadPrivateFile(path));
  return Parse(text, path);
}

std::string Keyring::NewKeyLine() {
  return absl::StrCat("k", absl::BytesToHexString(RandomBytes(6)), " ",
                      absl::Base64Escape(RandomBytes(kKeyBytes)));
}

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::LoadOrCreateDev(const std::string& data_dir) {
  if (data_dir.empty()) return absl::InvalidArgumentError("data_dir: must not be empty");
  std::string path = (std::filesystem::path(data_dir) / kDevEncryptionKeysFile).string();
  absl::StatusOr<std::unique_ptr<Keyring>> loaded = LoadFile(path);
  if (!absl::IsNotFound(loaded.status())) return loaded;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data folder ", data_dir, ": ", ec.message()));
  }
  // O_EXCL: a concurrent creator's key wins and is the one read back.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::string text = absl::StrCat(
        "# Development data-encryption keys (first line: active). Keep with the data.\n",
        NewKeyLine(), "\n");
    bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              fsync(fd) == 0;
    close(fd);
    if (!ok) {
      unlink(path.c_str());
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", path));
    }
  } else if (errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  return LoadFile(path);
}

class Keyring::Contexts {
 public:
  Contexts(const std::string& key, bool seal)
      // Fetched once: the implicit fetch behind EVP_aes_256_gcm() is
      // repeated on every initialisation in OpenSSL 3.
      : cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)), key_(key), seal_(seal) {}
  ~Contexts() {
    for (EVP_CIPHER_CTX* ctx : free_) EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher_);
  }

  // A context ready for a new value with `nonce`; null if OpenSSL fails.
  CipherCtxPtr Take(absl::string_view nonce) {
    CipherCtxPtr ctx;
    {
      absl::MutexLock lock(&mu_);
      if (!free_.empty()) {
        ctx.reset(free_.back());
        free_.pop_back();
      }
    }
    if (ctx == nullptr) {
      // First use (or more at once than ever before): set the key up.
      ctx.reset(EVP_CIPHER_CTX_new());
      if (ctx == nullptr || cipher_ == nullptr || Init(ctx.get(), cipher_, U(key_), nullptr) != 1) {
        return nullptr;
      }
    }
    // The key stays; only the nonce is new.
    if (Init(ctx.get(), nullptr, nullptr, U(nonce)) != 1) return nullptr;
    return ctx;
  }

  // Returns a context for reuse (kept up to a bound; the rest are freed).
  void Give(CipherCtxPtr ctx) {
    absl::MutexLock lock(&mu_);
    if (free_.size() < kMaxFree) free_.push_back(ctx.release());
  }

 private:
  static constexpr size_t kMaxFree = 64;

  int Init(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const unsigned char* key,
           const unsigned char* nonce) const {
    return seal_ ? EVP_EncryptInit_ex(ctx, cipher, nullptr, key, nonce)
                 : EVP_DecryptInit_ex(ctx, cipher, nullptr, key, nonce);
  }

  EVP_CIPHER* const cipher_;
  const std::string key_;
  const bool seal_;
  absl::Mutex mu_;
  std::vector<EVP_CIPHER_CTX*> free_ ABSL_GUARDED_BY(mu_);
};

Keyring::Keyring(std::vector<Key> keys) : keys_(std::move(keys)) {
  for (const Key& key : keys_) {
    sealers_.push_back(std::make_unique<Contexts>(key.bytes, /*seal=*/true));
    openers_.push_back(std::make_unique<Contexts>(key.bytes, /*seal=*/false));
  }
}

Keyring::~Keyring() = default;

int Keyring::Find(absl::string_view id) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

void Keyring::NonceSource::Take(char* out, size_t n) {
  absl::MutexLock lock(&mu_);
  if (used_ + n > sizeof(block_)) {
    if (RAND_bytes(block_, sizeof(block_)) != 1) {
      // Without randomness no nonce is safe: fail loudly rather than reuse one.
      std::abort();
    }
    used_ = 0;
  }
  std::memcpy(out, block_ + used_, n);
  used_ += n;
}

std::string Keyring::Seal(absl::string_view plaintext, absl::string_view aad) const {
  const Key& key = keys_.front();
  std::string nonce(kNonceBytes, '\0');
  nonces_.Take(nonce.data(), nonce.size());
  std::string out;
  out.reserve(2 + key.id.size() + kNonceBytes + plaintext.size() + kTagBytes);
  out.push_back(kEnvelopeVersion);
  out.push_back(static_cast<char>(key.id.size()));
  absl::StrAppend(&out, key.id, nonce);
  size_t header = out.size();
  out.resize(header + plaintext.size() + kTagBytes);

  CipherCtxPtr ctx = sealers_.front()->Take(nonce);
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) ==
                1 &&
            EVP_EncryptUpdate(ctx.get(), U(out) + header, &len, U(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), U(out) + header + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                U(out) + header + plaintext.size()) == 1;
  // Encryption of memory with a valid key cannot fail short of a broken
  // library; writing plaintext instead is not an option.
  if (!ok) std::abort();
  sealers_.front()->Give(std::move(ctx));
  return out;
}

std::string Keyring::KeyIdOf(absl::string_view sealed) {
  if (sealed.size() < 2 || sealed[0] != kEnvelopeVersion) return "";
  size_t id_size = static_cast<unsigned char>(sealed[1]);
  if (id_size == 0 || sealed.size() < 2 + id_size + kNonceBytes + kTagBytes) return "";
  return std::string(sealed.substr(2, id_size));
}

absl::StatusOr<std::string> Keyring::Open(absl::string_view sealed, absl::string_view aad) const {
  std::string id = KeyIdOf(sealed);
  if (id.empty()) return absl::DataLossError("not an encrypted value");
  int index = Find(id);
  if (index < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "value encrypted with key \"", id, "\", which is not in the encryption key file"));
  }
  absl::string_view nonce = sealed.substr(2 + id.size(), kNonceBytes);
  absl::string_view body = sealed.substr(2 + id.size() + kNonceBytes);
  absl::string_view ciphertext = body.substr(0, body.size() - kTagBytes);
  std::string tag(body.substr(ciphertext.size()));
  std::string out(ciphertext.size(), '\0');

  Contexts& openers = *openers_[index];
  CipherCtxPtr ctx = openers.Take(nonce);
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) ==
                1 &&
            EVP_DecryptUpdate(ctx.get(), U(out), &len, U(ciphertext),
                              static_cast<int>(ciphertext.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, U(tag)) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), U(out) + len, &len) == 1;
  // A context whose value failed authentication is as good as any other once
  // a new nonce is set.
  if (ctx != nullptr) openers.Give(std::move(ctx));
  if (!ok) {
    return absl::DataLossError(
        "encrypted value fails authentication: altered, or moved from another key");
  }
  return out;
}

}  // namespace samepage::storage
