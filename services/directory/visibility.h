#pragma once

#include <optional>
#include <string>
#include <vector>

#include "samepage/directory/v1/resources.pb.h"

namespace samepage::directory {

// Who is looking at someone's contact points.
struct Viewer {
  // The viewer's directory record; null for callers who are not directory
  // people (services and platform administrators see everything).
  const v1::Person* person = nullptr;
  // The viewer's case roles on the case the contact is shown for, if any.
  std::vector<std::string> case_roles;
};

// Why `point` of `owner` is withheld from `viewer`, or nullopt when the
// viewer may see it. A person always sees their own contact points.
std::optional<std::string> WithheldReason(const v1::ContactPoint& point, const v1::Person& owner,
                                          const Viewer& viewer);

// Removes from `person` the contact points `viewer` may not see; returns the
// channels removed with the reason, for a roster that says what it withholds.
std::vector<std::pair<v1::ContactPoint::Channel, std::string>> RedactContactPoints(
    v1::Person& person, const Viewer& viewer);

}  // namespace samepage::directory
