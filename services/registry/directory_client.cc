#include "services/registry/directory_client.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"

namespace samepage::registry {
namespace {

// A directory that cannot be reached is the registry's problem to report,
// not the caller's bad input.
absl::Status FromDirectory(const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (s.ok() || absl::IsNotFound(s) || absl::IsPermissionDenied(s)) return s;
  return absl::UnavailableError(absl::StrCat("directory: ", s.message()));
}

}  // namespace

absl::StatusOr<directory::v1::Person> DirectoryClient::GetPerson(const identity::Caller& caller,
                                                                 const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peers_->Channel("directory"));
  auto stub = directory::v1::Directory::NewStub(channel);
  directory::v1::GetPersonRequest req;
  req.set_name(name);
  directory::v1::Person person;
  auto ctx = rpc::PeerContext(caller);
  RETURN_IF_ERROR(FromDirectory(stub->GetPerson(ctx.get(), req, &person)));
  return person;
}

absl::StatusOr<directory::v1::Organization> DirectoryClient::GetOrganization(
    const identity::Caller& caller, const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peers_->Channel("directory"));
  auto stub = directory::v1::Directory::NewStub(channel);
  directory::v1::GetOrganizationRequest req;
  req.set_name(name);
  directory::v1::Organization org;
  auto ctx = rpc::PeerContext(caller);
  RETURN_IF_ERROR(FromDirectory(stub->GetOrganization(ctx.get(), req, &org)));
  return org;
}

}  // namespace samepage::registry
