#include "services/caseplan/peers.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"

namespace samepage::caseplan {
namespace {

namespace reg = ::samepage::registry::v1;

// A peer that fails for its own reasons is UNAVAILABLE to our caller; only
// "no such thing" passes through.
absl::Status FromPeer(absl::string_view peer, const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (s.ok() || absl::IsNotFound(s)) return s;
  return absl::UnavailableError(absl::StrCat(peer, ": ", s.message()));
}

// On the caller's behalf, the sharing service's answer about the caller
// (not theirs, already fulfilled, malformed) is the caller's answer; only the
// service failing for its own reasons is UNAVAILABLE.
absl::Status FromPeerForCaller(absl::string_view peer, const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (s.ok() || absl::IsNotFound(s) || absl::IsPermissionDenied(s) ||
      absl::IsFailedPrecondition(s) || absl::IsInvalidArgument(s) || absl::IsAborted(s)) {
    return s;
  }
  return absl::UnavailableError(absl::StrCat(peer, ": ", s.message()));
}

// A team larger than this is not a case team; stop rather than loop.
constexpr int kMaxAssignmentPages = 20;
constexpr char kRegistry[] = "case registry";
constexpr char kSharing[] = "sharing service";

}  // namespace

absl::StatusOr<reg::CheckCaseAccessResponse> GrpcPeers::CaseAccess(const std::string& case_name,
                                                                   const std::string& person) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  reg::CheckCaseAccessRequest req;
  req.set_case_(case_name);
  req.set_person(person);
  reg::CheckCaseAccessResponse resp;
  RETURN_IF_ERROR(FromPeer(kRegistry, reg::CaseRegistry::NewStub(channel)->CheckCaseAccess(
                                          rpc::PeerContext(token).get(), req, &resp)));
  return resp;
}

absl::StatusOr<reg::Case> GrpcPeers::GetCase(const std::string& case_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  reg::GetCaseRequest req;
  req.set_name(case_name);
  reg::Case c;
  RETURN_IF_ERROR(FromPeer(kRegistry, reg::CaseRegistry::NewStub(channel)->GetCase(
                                          rpc::PeerContext(token).get(), req, &c)));
  return c;
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::CurrentAssignments(
    const std::string& case_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  auto stub = reg::CaseRegistry::NewStub(channel);
  reg::ListAssignmentsRequest req;
  req.set_parent(case_name);
  req.set_state(reg::Assignment::STATE_CURRENT);
  req.set_page_size(500);
  std::vector<reg::Assignment> out;
  for (int page = 0; page < kMaxAssignmentPages; ++page) {
    reg::ListAssignmentsResponse resp;
    RETURN_IF_ERROR(
        FromPeer(kRegistry, stub->ListAssignments(rpc::PeerContext(token).get(), req, &resp)));
    out.insert(out.end(), resp.assignments().begin(), resp.assignments().end());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

absl::StatusOr<reg::CaseRole> GrpcPeers::GetCaseRole(const std::string& role_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  reg::GetCaseRoleRequest req;
  req.set_name(absl::StrCat("caseRoles/", role_id));
  reg::CaseRole role;
  RETURN_IF_ERROR(FromPeer(kRegistry, reg::CaseRegistry::NewStub(channel)->GetCaseRole(
                                          rpc::PeerContext(token).get(), req, &role)));
  return role;
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

absl::StatusOr<sharing::v1::Category> GrpcPeers::GetCategory(const std::string& category_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  sharing::v1::GetCategoryRequest req;
  req.set_name(absl::StrCat("categories/", category_id));
  sharing::v1::Category category;
  RETURN_IF_ERROR(FromPeer(kSharing, sharing::v1::Sharing::NewStub(channel)->GetCategory(
                                         rpc::PeerContext(token).get(), req, &category)));
  return category;
}

absl::StatusOr<std::vector<sharing::v1::CheckAccessResponse>> GrpcPeers::BatchCheckAccess(
    const std::vector<sharing::v1::CheckAccessRequest>& checks) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  sharing::v1::BatchCheckAccessRequest req;
  for (const sharing::v1::CheckAccessRequest& check : checks) *req.add_requests() = check;
  sharing::v1::BatchCheckAccessResponse resp;
  RETURN_IF_ERROR(FromPeer(kSharing, sharing::v1::Sharing::NewStub(channel)->BatchCheckAccess(
                                         rpc::PeerContext(token).get(), req, &resp)));
  if (resp.responses_size() != static_cast<int>(checks.size())) {
    return absl::UnavailableError(absl::StrCat(kSharing, ": answered ", resp.responses_size(),
                                               " of ", checks.size(), " access checks"));
  }
  return std::vector<sharing::v1::CheckAccessResponse>(resp.responses().begin(),
                                                       resp.responses().end());
}

absl::StatusOr<sharing::v1::InformationRequest> GrpcPeers::GetInformationRequest(
    const identity::Caller& caller, const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  sharing::v1::GetInformationRequestRequest req;
  req.set_name(name);
  sharing::v1::InformationRequest out;
  RETURN_IF_ERROR(
      FromPeerForCaller(kSharing, sharing::v1::Sharing::NewStub(channel)->GetInformationRequest(
                                      rpc::PeerContext(caller).get(), req, &out)));
  return out;
}

absl::StatusOr<sharing::v1::InformationRequest> GrpcPeers::FulfillInformationRequest(
    const identity::Caller& caller, const std::string& name, const std::string& resource) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  sharing::v1::FulfillInformationRequestRequest req;
  req.set_name(name);
  req.mutable_fulfillment()->set_resource(resource);
  sharing::v1::InformationRequest out;
  RETURN_IF_ERROR(
      FromPeerForCaller(kSharing, sharing::v1::Sharing::NewStub(channel)->FulfillInformationRequest(
                                      rpc::PeerContext(caller).get(), req, &out)));
  return out;
}

}  // namespace samepage::caseplan
