#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace samepage::storage {

// The file development mode keeps its data-encryption key in, in the data
// folder (next to the development signing key).
inline constexpr char kDevEncryptionKeysFile[] = "encryption.keys";

// Data-encryption keys: AES-256-GCM authenticated encryption of stored
// values, each sealed value naming the key that sealed it so that keys can
// rotate. New values are sealed with the active key; every listed key still
// opens what it sealed.
//
// Key file: one key per line, `<key id> <base64 of 32 random bytes>`, the
// first line the active key; blank lines and `#` comments are ignored. The
// file must not be readable by group or others (chmod 600).
class Keyring {
 public:
  ~Keyring();

  struct Key {
    std::string id;
    std::string bytes;  // 32
  };

  // Parses the key file format; `origin` names the file in errors.
  static absl::StatusOr<std::unique_ptr<Keyring>> Parse(absl::string_view text,
                                                        absl::string_view origin);
  static absl::StatusOr<std::unique_ptr<Keyring>> LoadFile(const std::string& path);
  // Development mode: <data_dir>/encryption.keys, made with one new key on
  // first use.
  static absl::StatusOr<std::unique_ptr<Keyring>> LoadOrCreateDev(const std::string& data_dir);
  // A new key file line: `<id> <base64>` with a random id and key.
  static std::string NewKeyLine();

  const std::string& active_id() const { return keys_.front().id; }

  // The sealed form of `plaintext`: envelope version (1 byte), key id length
  // (1 byte), key id, 12-byte random nonce, ciphertext, 16-byte tag. `aad`
  // (where the value is stored) is authenticated but not stored, so a value
  // moved to another place no longer opens.
  std::string Seal(absl::string_view plaintext, absl::string_view aad) const;
  // The plaintext of a sealed value; DATA_LOSS when it was altered, sealed
  // for another place, or is not a sealed value, FAILED_PRECONDITION when
  // its key is not in this keyring.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view aad) const;
  // The id of the key that sealed `sealed`, or empty when it is not a
  // well-formed sealed value.
  static std::string KeyIdOf(absl::string_view sealed);

 private:
  // AES-256-GCM contexts with one key's schedule set up, reused across
  // values: setting a key up per value cost more than sealing the value
  // (docs/PERFORMANCE.md). Each value still gets its own nonce.
  class Contexts;
  explicit Keyring(std::vector<Key> keys);
  // The index of key `id` in keys_, or -1.
  int Find(absl::string_view id) const;
  // Random bytes for nonces, drawn from OpenSSL's generator a block at a
  // time: fetching 12 bytes per value showed as 3% of a read run's CPU
  // (every call's audit entry is sealed). The same generator's output
  // either way; nonces are not secret, only never to repeat.
  class NonceSource {
   public:
    void Take(char* out, size_t n);

   private:
    absl::Mutex mu_;
    unsigned char block_[4092] ABSL_GUARDED_BY(mu_);  // 341 nonces
    size_t used_ ABSL_GUARDED_BY(mu_) = sizeof(block_);
  };
  std::vector<Key> keys_;
  // Per key (same index as keys_): for sealing and for opening.
  std::vector<std::unique_ptr<Contexts>> sealers_, openers_;
  mutable NonceSource nonces_;
};

}  // namespace samepage::storage
