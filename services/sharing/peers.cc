#include "services/sharing/peers.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"

namespace samepage::sharing {
namespace {

// A peer that fails for its own reasons is UNAVAILABLE to our caller; only
// "no such thing" passes through.
absl::Status FromPeer(absl::string_view peer, const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (s.ok() || absl::IsNotFound(s)) return s;
  return absl::UnavailableError(absl::StrCat(peer, ": ", s.message()));
}

// A team larger than this is not a case team; stop rather than loop.
constexpr int kMaxAssignmentPages = 20;

}  // namespace

absl::StatusOr<registry::v1::CheckCaseAccessResponse> GrpcPeers::CaseAccess(
    const std::string& case_name, const std::string& person) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  registry::v1::CheckCaseAccessRequest req;
  req.set_case_(case_name);
  req.set_person(person);
  registry::v1::CheckCaseAccessResponse resp;
  RETURN_IF_ERROR(
      FromPeer("case registry", registry::v1::CaseRegistry::NewStub(channel)->CheckCaseAccess(
                                    rpc::PeerContext(token).get(), req, &resp)));
  return resp;
}

absl::StatusOr<registry::v1::Case> GrpcPeers::GetCase(const std::string& case_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  registry::v1::GetCaseRequest req;
  req.set_name(case_name);
  registry::v1::Case c;
  RETURN_IF_ERROR(FromPeer("case registry", registry::v1::CaseRegistry::NewStub(channel)->GetCase(
                                                rpc::PeerContext(token).get(), req, &c)));
  return c;
}

absl::StatusOr<std::vector<registry::v1::Assignment>> GrpcPeers::CurrentAssignments(
    const std::string& case_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  auto stub = registry::v1::CaseRegistry::NewStub(channel);
  registry::v1::ListAssignmentsRequest req;
  req.set_parent(case_name);
  req.set_state(registry::v1::Assignment::STATE_CURRENT);
  req.set_page_size(500);
  std::vector<registry::v1::Assignment> out;
  for (int page = 0; page < kMaxAssignmentPages; ++page) {
    registry::v1::ListAssignmentsResponse resp;
    RETURN_IF_ERROR(FromPeer("case registry",
                             stub->ListAssignments(rpc::PeerContext(token).get(), req, &resp)));
    out.insert(out.end(), resp.assignments().begin(), resp.assignments().end());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

absl::StatusOr<directory::v1::Person> GrpcPeers::GetPerson(const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("directory"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  directory::v1::GetPersonRequest req;
  req.set_name(name);
  directory::v1::Person person;
  RETURN_IF_ERROR(FromPeer("directory", directory::v1::Directory::NewStub(channel)->GetPerson(
                                            rpc::PeerContext(token).get(), req, &person)));
  return person;
}

}  // namespace samepage::sharing
