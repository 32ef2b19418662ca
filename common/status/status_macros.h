#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Early return on error, in the style of Abseil's internal macros.
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(auto value, ComputeValue());

#define SAMEPAGE_CONCAT_INNER_(a, b) a##b
#define SAMEPAGE_CONCAT_(a, b) SAMEPAGE_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status samepage_status_ = (expr);            \
    if (!samepage_status_.ok()) return samepage_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  SAMEPAGE_ASSIGN_OR_RETURN_IMPL_(SAMEPAGE_CONCAT_(samepage_statusor_, __LINE__), lhs, expr)

#define SAMEPAGE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
