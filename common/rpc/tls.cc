#include "common/rpc/tls.h"

#include <arpa/inet.h>
#include <grpc/grpc_security_constants.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace samepage::rpc {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read \"", path, "\""));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

BioPtr MemoryBio(absl::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr FirstCertificate(absl::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN] = {};
  int family = ip->length == 4 ? AF_INET : ip->length == 16 ? AF_INET6 : -1;
  if (family < 0 || inet_ntop(family, ip->data, text, sizeof(text)) == nullptr) return "";
  return text;
}

// That `cert_pem` holds a certificate and `key_pem` its unencrypted key.
absl::Status CheckKeyPair(const std::string& cert_flag, const std::string& cert_pem,
                          const std::string& key_flag, const std::string& key_pem) {
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(cert_flag, ": holds no PEM certificate"));
  }
  BioPtr key_bio = MemoryBio(key_pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, const_cast<char*>("")));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": does not match the certificate in ", cert_flag));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> ClientChannel(const std::string& target,
                                                             const ClientTlsFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(files.cert_flag, " and ", files.key_flag, ": give both or neither"));
  }
  if (files.ca_file.empty()) {
    if (!files.cert_file.empty() || !files.server_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          files.ca_flag, ": needed to use TLS (the CA that signed the server's certificate)"));
    }
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions options;
  ASSIGN_OR_RETURN(options.pem_root_certs, ReadFile(files.ca_flag, files.ca_file));
  if (FirstCertificate(options.pem_root_certs) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(files.ca_flag, ": holds no PEM certificate"));
  }
  if (!files.cert_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_cert_chain, ReadFile(files.cert_flag, files.cert_file));
    ASSIGN_OR_RETURN(options.pem_private_key, ReadFile(files.key_flag, files.key_file));
    RETURN_IF_ERROR(CheckKeyPair(files.cert_flag, options.pem_cert_chain, files.key_flag,
                                 options.pem_private_key));
  }
  grpc::ChannelArguments args;
  if (!files.server_name.empty()) args.SetSslTargetNameOverride(files.server_name);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(options), args);
}

absl::StatusOr<std::vector<std::string>> CertificateNames(absl::string_view pem) {
  X509Ptr cert = FirstCertificate(pem);
  if (cert == nullptr) return absl::InvalidArgumentError("no PEM certificate");
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(dns->data), dns->length);
    } else if (name->type == GEN_IPADD) {
      std::string ip = IpText(name->d.iPAddress);
      if (!ip.empty()) names.push_back(ip);
    }
  }
  GENERAL_NAMES_free(sans);
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                       ASN1_STRING_length(cn));
  }
  return names;
}

absl::StatusOr<TlsConfig> TlsConfig::Load(const TlsFiles& files) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key: both are needed for TLS");
  }
  if (files.client_ca_file.empty()) {
    // SamePage services reach each other, even within one server, with
    // service tokens that are accepted only from a verified peer.
    return absl::InvalidArgumentError(
        "--tls_client_ca: needed with --tls_cert; services reach each other with mutual TLS");
  }
  TlsConfig config;
  auto read = [](const std::string& flag, const std::string& path,
                 std::string* out) -> absl::Status {
    absl::StatusOr<std::string> text = ReadFile(flag, path);
    if (!text.ok()) return text.status();
    *out = *std::move(text);
    return absl::OkStatus();
  };
  if (absl::Status s = read("--tls_cert", files.cert_file, &config.cert_pem_); !s.ok()) return s;
  if (absl::Status s = read("--tls_key", files.key_file, &config.key_pem_); !s.ok()) return s;
  if (absl::Status s = read("--tls_client_ca", files.client_ca_file, &config.client_ca_pem_);
      !s.ok()) {
    return s;
  }
  if (files.peer_ca_file.empty()) {
    config.peer_ca_pem_ = config.client_ca_pem_;
  } else if (absl::Status s = read("--tls_peer_ca", files.peer_ca_file, &config.peer_ca_pem_);
             !s.ok()) {
    return s;
  }
  for (const auto& [flag, pem] : {std::pair{"--tls_client_ca", &config.client_ca_pem_},
                                  std::pair{"--tls_peer_ca", &config.peer_ca_pem_}}) {
    if (FirstCertificate(*pem) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": holds no PEM certificate"));
    }
  }

  if (absl::Status s = CheckKeyPair("--tls_cert", config.cert_pem_, "--tls_key", config.key_pem_);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<std::string>> names = CertificateNames(config.cert_pem_);
  if (!names.ok()) return names.status();
  config.own_names_ = *std::move(names);
  return config;
}

std::shared_ptr<grpc::ServerCredentials> TlsConfig::ServerCredentials() const {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = client_ca_pem_;
  options.pem_key_cert_pairs.push_back({.private_key = key_pem_, .cert_chain = cert_pem_});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> TlsConfig::PeerCredentials() const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = peer_ca_pem_;
  options.pem_private_key = key_pem_;
  options.pem_cert_chain = cert_pem_;
  return grpc::SslCredentials(options);
}

std::vector<std::string> PeerCertificateNames(const grpc::AuthContext& auth) {
  std::vector<std::string> names;
  if (!auth.IsPeerAuthenticated()) return names;
  for (const char* property : {GRPC_X509_SAN_PROPERTY_NAME, GRPC_X509_CN_PROPERTY_NAME}) {
    for (const grpc::string_ref& value : auth.FindPropertyValues(property)) {
      names.emplace_back(value.data(), value.size());
    }
  }
  return names;
}

}  // namespace samepage::rpc
