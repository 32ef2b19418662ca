#include "services/caseplan/plan_diff.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace samepage::caseplan {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The bytes of `m` with only `keep` set: equal bytes mean an equal field.
std::string FieldBytes(const Message& m, const FieldDescriptor* keep) {
  std::unique_ptr<Message> copy(m.New());
  copy->CopyFrom(m);
  const auto* descriptor = m.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (descriptor->field(i) != keep) {
      copy->GetReflection()->ClearField(copy.get(), descriptor->field(i));
    }
  }
  std::string out;
  copy->SerializeToString(&out);
  return out;
}

// The names of the fields that differ, in declaration order.
std::vector<std::string> ChangedFields(const Message& before, const Message& after) {
  std::vector<std::string> out;
  const auto* descriptor = before.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (FieldBytes(before, field) != FieldBytes(after, field)) out.push_back(field->name());
  }
  return out;
}

// Matches items by id and appends one change per difference to `out`.
template <typename Item, typename Change, typename IdFn, typename AddFn>
void DiffItems(const google::protobuf::RepeatedPtrField<Item>* before,
               const google::protobuf::RepeatedPtrField<Item>& after, IdFn id_of, AddFn add) {
  std::map<std::string, const Item*> old_by_id;
  if (before != nullptr) {
    for (const Item& item : *before) old_by_id.emplace(id_of(item), &item);
  }
  std::map<std::string, bool> seen;
  for (const Item& item : after) {
    const std::string id = id_of(item);
    seen[id] = true;
    auto it = old_by_id.find(id);
    if (it == old_by_id.end()) {
      Change* change = add();
      change->set_change_type(v1::CHANGE_TYPE_ADDED);
      *change->mutable_after() = item;
      continue;
    }
    std::vector<std::string> fields = ChangedFields(*it->second, item);
    if (fields.empty()) continue;
    Change* change = add();
    change->set_change_type(v1::CHANGE_TYPE_CHANGED);
    *change->mutable_before() = *it->second;
    *change->mutable_after() = item;
    for (std::string& f : fields) change->add_changed_fields(std::move(f));
  }
  if (before == nullptr) return;
  for (const Item& item : *before) {
    if (seen.count(id_of(item)) != 0) continue;
    Change* change = add();
    change->set_change_type(v1::CHANGE_TYPE_REMOVED);
    *change->mutable_before() = item;
  }
}

}  // namespace

v1::DiffPlanVersionsResponse DiffPlanVersions(const v1::PlanVersion* base,
                                              const v1::PlanVersion& target) {
  v1::DiffPlanVersionsResponse out;
  out.set_base_version_number(base != nullptr ? base->version_number() : 0);
  out.set_target_version_number(target.version_number());

  DiffItems<v1::Goal, v1::GoalChange>(
      base != nullptr ? &base->goals() : nullptr, target.goals(),
      [](const v1::Goal& g) { return g.goal_id(); }, [&] { return out.add_goal_changes(); });
  DiffItems<v1::Task, v1::TaskChange>(
      base != nullptr ? &base->tasks() : nullptr, target.tasks(),
      [](const v1::Task& t) { return t.task_id(); }, [&] { return out.add_task_changes(); });
  DiffItems<v1::RequiredStep, v1::RequiredStepChange>(
      base != nullptr ? &base->required_steps() : nullptr, target.required_steps(),
      [](const v1::RequiredStep& s) { return s.step_id(); },
      [&] { return out.add_required_step_changes(); });
  // The ids are set after the fact so that DiffItems stays generic.
  for (v1::GoalChange& c : *out.mutable_goal_changes()) {
    c.set_goal_id(c.has_after() ? c.after().goal_id() : c.before().goal_id());
  }
  for (v1::TaskChange& c : *out.mutable_task_changes()) {
    c.set_task_id(c.has_after() ? c.after().task_id() : c.before().task_id());
  }
  for (v1::RequiredStepChange& c : *out.mutable_required_step_changes()) {
    c.set_step_id(c.has_after() ? c.after().step_id() : c.before().step_id());
  }
  const std::string empty;
  out.set_family_summary_changed((base != nullptr ? base->family_summary() : empty) !=
                                 target.family_summary());
  return out;
}

}  // namespace samepage::caseplan
