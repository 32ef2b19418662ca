#pragma once

#include <string>

#include "absl/time/time.h"

namespace samepage::identity {

// Who is making a call, as established by a verified token.
struct Caller {
  // The token's "sub": "people/{id}" for directory people; anything else
  // (e.g. "service:registry") for non-person principals.
  std::string subject;
  // The token's "scope" (space-separated) contains "samepage.admin".
  bool platform_admin = false;
  // The scope contains "samepage.service": a SamePage service calling another.
  bool service = false;
  // The raw token, so that a service can forward the caller's identity to a
  // peer. A credential: never log it.
  std::string bearer_token;
  // The token's "exp".
  absl::Time expires;
  // The request this call serves (x-request-id), forwarded with the token on
  // calls made to peers on the caller's behalf so that logs can follow it.
  std::string request_id;

  // "people/{id}" when the subject names a directory person, else empty.
  std::string PersonName() const;
};

// The scopes that Caller's flags are derived from.
inline constexpr char kAdminScope[] = "samepage.admin";
inline constexpr char kServiceScope[] = "samepage.service";

}  // namespace samepage::identity
