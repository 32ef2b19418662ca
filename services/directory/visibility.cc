#include "services/directory/visibility.h"

#include <algorithm>

namespace samepage::directory {

std::optional<std::string> WithheldReason(const v1::ContactPoint& point, const v1::Person& owner,
                                          const Viewer& viewer) {
  if (viewer.person == nullptr) return std::nullopt;
  if (viewer.person->name() == owner.name()) return std::nullopt;
  for (const std::string& role : viewer.case_roles) {
    if (std::find(point.hidden_from_case_roles().begin(), point.hidden_from_case_roles().end(),
                  role) != point.hidden_from_case_roles().end()) {
      return "withheld from the " + role + " role on this case";
    }
  }
  switch (point.visibility()) {
    case v1::ContactPoint::VISIBILITY_PROFESSIONALS:
      if (viewer.person->kind() == v1::Person::KIND_CAREGIVER) {
        return std::string("shown to professionals only");
      }
      break;
    case v1::ContactPoint::VISIBILITY_OWN_ORGANIZATION:
      if (owner.organization().empty() || viewer.person->organization() != owner.organization()) {
        return std::string("shown to the person's own organisation only");
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::vector<std::pair<v1::ContactPoint::Channel, std::string>> RedactContactPoints(
    v1::Person& person, const Viewer& viewer) {
  std::vector<std::pair<v1::ContactPoint::Channel, std::string>> withheld;
  google::protobuf::RepeatedPtrField<v1::ContactPoint> kept;
  for (const v1::ContactPoint& point : person.contact_points()) {
    std::optional<std::string> reason = WithheldReason(point, person, viewer);
    if (reason.has_value()) {
      withheld.emplace_back(point.channel(), *std::move(reason));
    } else {
      *kept.Add() = point;
    }
  }
  person.mutable_contact_points()->Swap(&kept);
  return withheld;
}

}  // namespace samepage::directory
