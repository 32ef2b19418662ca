#include "services/updates/peers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"

namespace samepage::updates {
namespace {

namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;

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

absl::StatusOr<reg::CheckCaseAccessResponse> GrpcPeers::CaseAccess(const std::string& case_name,
                                                                   const std::string& person) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  reg::CheckCaseAccessRequest req;
  req.set_case_(case_name);
  req.set_person(person);
  reg::CheckCaseAccessResponse resp;
  RETURN_IF_ERROR(FromPeer("case registry", reg::CaseRegistry::NewStub(channel)->CheckCaseAccess(
                                                rpc::PeerContext(token).get(), req, &resp)));
  return resp;
}

absl::StatusOr<reg::Case> GrpcPeers::GetCase(const std::string& case_name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  reg::GetCaseRequest req;
  req.set_name(case_name);
  reg::Case c;
  RETURN_IF_ERROR(FromPeer("case registry", reg::CaseRegistry::NewStub(channel)->GetCase(
                                                rpc::PeerContext(token).get(), req, &c)));
  return c;
}

absl::StatusOr<std::vector<reg::Assignment>> GrpcPeers::Assignments(
    const std::string& case_name, reg::Assignment::State state) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("registry"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  auto stub = reg::CaseRegistry::NewStub(channel);
  reg::ListAssignmentsRequest req;
  req.set_parent(case_name);
  req.set_state(state);
  req.set_page_size(500);
  std::vector<reg::Assignment> out;
  for (int page = 0; page < kMaxAssignmentPages; ++page) {
    reg::ListAssignmentsResponse resp;
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

absl::StatusOr<sh::CheckAccessResponse> GrpcPeers::CheckAccess(sh::CheckAccessRequest req) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  req.set_record(false);
  sh::CheckAccessResponse resp;
  RETURN_IF_ERROR(FromPeer("sharing", sh::Sharing::NewStub(channel)->CheckAccess(
                                          rpc::PeerContext(token).get(), req, &resp)));
  return resp;
}

absl::StatusOr<bool> GrpcPeers::DirectiveInForce(const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, channels_->Channel("sharing"));
  ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  auto stub = sh::Sharing::NewStub(channel);
  if (absl::StartsWith(name, "courtOrders/")) {
    sh::GetCourtOrderRequest req;
    req.set_name(name);
    sh::CourtOrder order;
    RETURN_IF_ERROR(
        FromPeer("sharing", stub->GetCourtOrder(rpc::PeerContext(token).get(), req, &order)));
    return order.state() == sh::CourtOrder::STATE_ACTIVE ||
           order.state() == sh::CourtOrder::STATE_PENDING;
  }
  sh::GetConsentRequest req;
  req.set_name(name);
  sh::ConsentDirective consent;
  RETURN_IF_ERROR(
      FromPeer("sharing", stub->GetConsent(rpc::PeerContext(token).get(), req, &consent)));
  return consent.state() == sh::ConsentDirective::STATE_ACTIVE ||
         consent.state() == sh::ConsentDirective::STATE_PENDING;
}

}  // namespace samepage::updates
