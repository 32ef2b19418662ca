#include "services/directory/roster.h"

#include "common/status/status_macros.h"
#include "common/validation/validation.h"

namespace samepage::directory {

absl::StatusOr<v1::WhoIsWhoResponse> Roster::WhoIsWho(const identity::Caller& caller,
                                                      const v1::WhoIsWhoRequest& req) {
  (void)caller;
  RETURN_IF_ERROR(validation::ParseName("case", req.case_(), "cases").status());
  return absl::UnimplementedError(
      "WhoIsWho needs the case registry, which this server does not implement yet");
}

}  // namespace samepage::directory
