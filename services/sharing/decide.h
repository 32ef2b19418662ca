#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::sharing {

// Where a directive or order stands at `now`. `case_closed` ends directives
// that expire with the case, and orders without an expiry.
v1::ConsentDirective::State ConsentStateAt(const v1::ConsentDirective& consent, absl::Time now,
                                           bool case_closed);
v1::CourtOrder::State CourtOrderStateAt(const v1::CourtOrder& order, absl::Time now,
                                        bool case_closed);

// What the decision knows about the requester.
struct RequesterFacts {
  // `people/{person}`.
  std::string person;
  // The registry's answer for (case, person): team membership, current case
  // roles, treating team, case state.
  registry::v1::CheckCaseAccessResponse access;
  // The requester's organisation (`organizations/{id}`, or empty); looked
  // up only when a directive or order names an organisation.
  std::function<std::string()> organization;
};

// Everything one decision reads; the caller gathers it from one read of the
// store and the peers, so a batch shares it.
struct DecisionInputs {
  const v1::CheckAccessRequest* request;  // requester already resolved
  const v1::Category* category;
  const RequesterFacts* requester;
  const std::vector<v1::ConsentDirective>* consents;  // every directive of the case
  const std::vector<v1::CourtOrder>* court_orders;    // every order of the case
  absl::Time now;
};

// The single check: PERMIT or DENY with the basis, the obligations and, when
// asked, the explanation and every directive and order considered. Bases in
// the contract's order: authorship, case-role default, court order, consent
// directive, treating team, mandated reporting. Denies by default.
v1::CheckAccessResponse Decide(const DecisionInputs& in);

// Plain words for a time in explanations: "2026-03-01 14:00 UTC".
std::string DescribeTime(absl::Time t);

}  // namespace samepage::sharing
