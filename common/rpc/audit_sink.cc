#include "common/rpc/audit_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace samepage::rpc {
namespace {

constexpr size_t kMaxResourceBytes = 512;

std::string StringField(const google::protobuf::Message& message, const char* field_name) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(field_name);
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace

std::string AuditedResource(const google::protobuf::Message& request,
                            const google::protobuf::Message* response) {
  std::string resource;
  for (const char* field : {"name", "parent", "case"}) {
    resource = StringField(request, field);
    if (!resource.empty()) break;
  }
  if (resource.empty() && response != nullptr) resource = StringField(*response, "name");
  if (resource.size() > kMaxResourceBytes) resource.resize(kMaxResourceBytes);
  return resource;
}

void FinishAudited(const AuditPoint& audit, grpc::ServerUnaryReactor* reactor,
                   std::string subject, std::string resource, grpc::Status status) {
  if (audit.sink == nullptr) {
    reactor->Finish(status);
    return;
  }
  AuditRecord record{.subject = std::move(subject),
                     .method = audit.method,
                     .resource = std::move(resource),
                     .code = status.error_code()};
  audit.sink->Record(std::move(record), [reactor, status](absl::Status recorded) {
    if (recorded.ok()) {
      reactor->Finish(status);
    } else {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   absl::StrCat("the audit trail cannot be written; nothing is "
                                                "returned without a record: ",
                                                recorded.message())));
    }
  });
}

}  // namespace samepage::rpc
