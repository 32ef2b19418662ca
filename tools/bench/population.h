#pragma once

// A realistic population built through the public API of a running server:
// agencies, clinics and a court; their staff; cases with a child and a
// caregiver and a team of three; notes (one case with many, one with few);
// Part 2 consents and requests for information.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/identity/dev_token_issuer.h"

namespace samepage::bench {

struct PopulationSize {
  int64_t cases = 100000;
  int64_t notes = 1000000;
  // Cases 0 and 1: the many-notes case and the few-notes case.
  int64_t big_case_notes = 10000;
  int64_t small_case_notes = 10;
  // One case in `consent_every` gets a consent, and one in
  // `request_every` a request for information.
  int consent_every = 10;
  int request_every = 10;
  int agencies = 10;
  int caseworkers = 600;
  int supervisors = 100;
  int therapists = 300;
  int concurrency = 32;
};

// The names the load uses: who is on case i's team.
struct Population {
  PopulationSize size;
  static std::string CaseId(int64_t i) { return "case-" + std::to_string(i); }
  std::string Caseworker(int64_t case_index) const;
  std::string Supervisor(int64_t case_index) const;
  std::string Therapist(int64_t case_index) const;
};

// Tokens minted with the server's development key, cached per subject.
class Tokens {
 public:
  explicit Tokens(std::unique_ptr<identity::DevTokenIssuer> issuer) : issuer_(std::move(issuer)) {}
  static absl::StatusOr<std::unique_ptr<Tokens>> Load(const std::string& data_dir);
  std::string Admin();
  std::string Service();
  // `person` is an id; the token's subject is people/<id>.
  std::string Person(const std::string& person);

 private:
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  absl::Mutex mu_;
  std::map<std::string, std::string> cache_ ABSL_GUARDED_BY(mu_);
  std::string Get(const std::string& subject, std::vector<std::string> scopes);
};

// Creates everything in `size` on the server behind `channel`; prints
// progress with rates. Records that exist already (a rerun) count as
// created. `progress_file` (empty: none) remembers how far each step got,
// so that a rerun resumes there (see population_progress.h).
absl::StatusOr<Population> Populate(const std::shared_ptr<grpc::Channel>& channel, Tokens& tokens,
                                    const PopulationSize& size, bool verbose,
                                    const std::string& progress_file = "");

}  // namespace samepage::bench
