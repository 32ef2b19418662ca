#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/audit/audit_log.h"
#include "common/observe/prometheus_text.h"

namespace samepage::observe {

// Each service's audit trail: its entries, entries not yet synced, batches,
// and the time calls waited for their records (a summary: its sum over its
// count is the mean wait).
void AppendAuditMetrics(const std::vector<std::pair<std::string, const audit::AuditLog*>>& trails,
                        PrometheusText& page);

}  // namespace samepage::observe
