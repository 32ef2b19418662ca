#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samepage::rpc {

// Where a server's TLS material lives (PEM files).
struct TlsFiles {
  // This server's certificate chain and private key. It presents the same
  // certificate to clients and, as its client certificate, to its peers.
  std::string cert_file;
  std::string key_file;
  // CA certificates that client certificates must chain to. Mutual TLS:
  // every connection must present a certificate that verifies.
  std::string client_ca_file;
  // CA certificates that peers' server certificates must chain to; empty
  // means the client CA.
  std::string peer_ca_file;
};

// A server's TLS material, read and checked once at start.
class TlsConfig {
 public:
  // INVALID_ARGUMENT naming the file when one cannot be read, holds no
  // certificate, or the key does not match the certificate.
  static absl::StatusOr<TlsConfig> Load(const TlsFiles& files);

  // Requires and verifies client certificates against the client CA.
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;
  // Verifies the peer against the peer CA and presents our certificate.
  std::shared_ptr<grpc::ChannelCredentials> PeerCredentials() const;
  // The names our own certificate carries (DNS and IP subject alternative
  // names, then the common name): a peer connecting back to this server
  // presents them.
  const std::vector<std::string>& own_names() const { return own_names_; }

 private:
  std::string cert_pem_;
  std::string key_pem_;
  std::string client_ca_pem_;
  std::string peer_ca_pem_;
  std::vector<std::string> own_names_;
};

// What a client (the `samepage` CLI, `samepaged backup` and `health`) needs
// to reach a server that listens with TLS.
struct ClientTlsFiles {
  // CA certificates the server's certificate must chain to. Empty: the
  // client connects in plaintext (loopback, development) and the others
  // must be empty too.
  std::string ca_file;
  // The client's certificate chain and key, presented for mutual TLS (a
  // server started with --tls_client_ca requires one). Both or neither.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must carry when it is not the host
  // the client dials (e.g. dialling 127.0.0.1 on the server's machine).
  std::string server_name;
  // The option names the files came from, for error messages.
  std::string ca_flag = "--tls_ca";
  std::string cert_flag = "--tls_cert";
  std::string key_flag = "--tls_key";
};

// A channel to `target` with `files`: TLS (and a client certificate) when a
// CA file is given, else plaintext. INVALID_ARGUMENT naming the option when
// a file cannot be read, holds no certificate, the key does not match the
// certificate, or a certificate or server name is given without a CA.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ClientChannel(const std::string& target,
                                                             const ClientTlsFiles& files);

// The DNS and IP subject alternative names and the common name of the first
// certificate in `pem`. INVALID_ARGUMENT when there is none.
absl::StatusOr<std::vector<std::string>> CertificateNames(absl::string_view pem);

// The names in the verified client certificate of a call (subject
// alternative names and common name); empty without one.
std::vector<std::string> PeerCertificateNames(const grpc::AuthContext& auth);

}  // namespace samepage::rpc
