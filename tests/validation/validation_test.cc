#include "common/validation/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace samepage::validation {
namespace {

using ::testing::HasSubstr;

TEST(ValidationTest, RequiredAndLengthsNameTheField) {
  EXPECT_TRUE(Required("x", "a").ok());
  absl::Status empty = Required("person.display_name", "  ");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(empty.message()), HasSubstr("person.display_name: must not be empty"));
  // Limits count characters, not bytes.
  EXPECT_TRUE(MaxLength("f", "\xc3\xa9\xc3\xa9\xc3\xa9", 3).ok());
  EXPECT_FALSE(MaxLength("f", "abcd", 3).ok());
  EXPECT_FALSE(MaxCount("list", 21, 20).ok());
}

TEST(ValidationTest, ResourceIdsAndNames) {
  EXPECT_TRUE(ResourceId("id", "dana-1").ok());
  EXPECT_FALSE(ResourceId("id", "Dana").ok());
  EXPECT_FALSE(ResourceId("id", "1dana").ok());
  EXPECT_FALSE(ResourceId("id", "ab").ok());
  EXPECT_FALSE(ResourceId("id", std::string(64, 'a')).ok());
  auto id = ParseName("person", "people/dana", "people");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "dana");
  EXPECT_FALSE(ParseName("person", "dana", "people").ok());
  EXPECT_FALSE(ParseName("person", "people/", "people").ok());
  EXPECT_FALSE(ParseName("person", "people/a/b", "people").ok());
  EXPECT_THAT(std::string(ParseName("person", "", "people").status().message()),
              HasSubstr("person: must not be empty"));
}

TEST(ValidationTest, TimestampsAndMasks) {
  google::protobuf::Timestamp t;
  EXPECT_FALSE(RequiredTimestamp("when", t, false).ok());
  t.set_seconds(253402300800);  // year 10000
  EXPECT_FALSE(ValidTimestamp("when", t).ok());
  t.set_seconds(0);
  t.set_nanos(-1);
  EXPECT_FALSE(ValidTimestamp("when", t).ok());

  google::protobuf::FieldMask mask;
  EXPECT_FALSE(FieldMaskPaths("update_mask", mask, {"a"}).ok());
  mask.add_paths("a");
  EXPECT_TRUE(FieldMaskPaths("update_mask", mask, {"a", "b"}).ok());
  EXPECT_TRUE(MaskHas(mask, "a"));
  EXPECT_FALSE(MaskHas(mask, "b"));
  mask.add_paths("c");
  EXPECT_THAT(std::string(FieldMaskPaths("update_mask", mask, {"a", "b"}).message()),
              HasSubstr("\"c\" cannot be updated"));
}

}  // namespace
}  // namespace samepage::validation
