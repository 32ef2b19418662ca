#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"
#include "samepage/updates/v1/updates_service.pb.h"
#include "services/updates/peers.h"

namespace samepage::updates {

// One update for one person's feed.
struct Addressed {
  std::string person;  // people/{person}
  v1::Update update;   // without name and sequence, which the feed assigns
};

// Decides who a domain event concerns and what each of them is told. Reads
// the current team and names from the peers; writes nothing. An error (a
// peer down) means "try this event again later".
class Fanout {
 public:
  explicit Fanout(Peers* peers) : peers_(peers) {}

  absl::StatusOr<std::vector<Addressed>> FromRegistry(const registry::v1::Event& event);
  absl::StatusOr<std::vector<Addressed>> FromCasePlan(const caseplan::v1::Event& event);
  absl::StatusOr<std::vector<Addressed>> FromSharing(const sharing::v1::Event& event);

 private:
  // The people on the case team at `when` (the event's time), so that who
  // hears of an event does not depend on how late it is processed: members
  // whose assignment was created by then (strictly before, with
  // `strictly_before`) and had not ended.
  absl::StatusOr<std::vector<std::string>> TeamAt(const std::string& case_name,
                                                  const google::protobuf::Timestamp& when,
                                                  bool strictly_before = false);
  // The people a consent or court order party stands for on the case.
  absl::StatusOr<std::vector<std::string>> Resolve(const std::string& case_name,
                                                   const sharing::v1::Party& party,
                                                   const google::protobuf::Timestamp& when);
  // "Dana Cruz", or the resource name when the directory does not know it.
  std::string DisplayName(const std::string& person);
  // "case 2026-0042", or the resource name.
  std::string CaseLabel(const std::string& case_name);

  Peers* peers_;
};

// `cases/{case}` from any name under it; empty when there is none.
std::string CaseOf(const std::string& name);

}  // namespace samepage::updates
