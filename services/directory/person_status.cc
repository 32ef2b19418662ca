#include "services/directory/person_status.h"

#include "common/clock/time_util.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"

namespace samepage::directory {
namespace {

std::optional<absl::Time> Departure(const v1::Person& person) {
  if (person.state() != v1::Person::STATE_DEPARTED) return std::nullopt;
  return FromProtoTime(person.departure().effective_time());
}

}  // namespace

absl::StatusOr<std::optional<absl::Time>> LocalPersonStatus::DepartureTime(
    const std::string& person) {
  absl::StatusOr<v1::Person> found = directory_->LookupPerson(person);
  if (absl::IsNotFound(found.status())) return std::nullopt;
  if (!found.ok()) return found.status();
  return Departure(*found);
}

absl::StatusOr<std::optional<absl::Time>> GrpcPersonStatus::DepartureTime(
    const std::string& person) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peers_->Channel("directory"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  v1::GetPersonRequest req;
  req.set_name(person);
  v1::Person found;
  // Short: this runs while a call waits to be admitted.
  grpc::Status status = v1::Directory::NewStub(channel)->GetPerson(
      rpc::PeerContext(token, absl::Seconds(3)).get(), req, &found);
  absl::Status s = FromGrpcStatus(status);
  if (absl::IsNotFound(s) || absl::IsInvalidArgument(s)) return std::nullopt;
  if (!s.ok()) return s;
  return Departure(found);
}

}  // namespace samepage::directory
