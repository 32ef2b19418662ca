#include "common/observe/audit_metrics.h"

#include <algorithm>
#include <cstdint>
#include <functional>

namespace samepage::observe {

void AppendAuditMetrics(const std::vector<std::pair<std::string, const audit::AuditLog*>>& trails,
                        PrometheusText& page) {
  std::vector<std::pair<std::string, audit::AuditLog::Progress>> progress;
  for (const auto& [service, log] : trails) progress.emplace_back(service, log->progress());
  // One sample per trail of a counter or gauge family.
  auto family = [&](const char* name, const char* type, const char* help,
                    const std::function<double(const audit::AuditLog::Progress&)>& value) {
    page.Family(name, type, help);
    for (const auto& [service, p] : progress) page.Sample(name, {{"service", service}}, value(p));
  };
  family("samepage_audit_entries_total", "counter",
         "Entries in a service's audit trail (the newest entry's sequence number).",
         [](const auto& p) { return static_cast<double>(p.written); });
  family("samepage_audit_unsynced_entries", "gauge",
         "Audit entries written but not yet known to be synced to disk (bounded by "
         "--audit_sync_interval).",
         [](const auto& p) { return static_cast<double>(std::max<int64_t>(0, p.written - p.synced)); });
  family("samepage_audit_batches_total", "counter",
         "Batches the audit writer wrote (each holds every record queued meanwhile).",
         [](const auto& p) { return static_cast<double>(p.batches); });
  page.Family("samepage_audit_wait_seconds", "summary",
              "Time calls waited for their audit record to be written before they could finish.");
  for (const auto& [service, p] : progress) {
    page.Sample("samepage_audit_wait_seconds_sum", {{"service", service}},
                absl::ToDoubleSeconds(p.waited));
    page.Sample("samepage_audit_wait_seconds_count", {{"service", service}},
                static_cast<double>(p.waits));
  }
}

}  // namespace samepage::observe
