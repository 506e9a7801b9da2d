#include "serve/model_names.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::serve {

TEST(ModelNames, AcceptsPlainNames) {
  for (const char* name : {"digits", "digits_mlp", "cnn-2", "v1.2", "A"}) EXPECT_TRUE(is_valid_model_name(name)) << name;
}

TEST(ModelNames, RefusesNamesThatCouldLeaveTheRepository) {
  for (const char* name : {"", ".", "..", "../etc", "a/b", "a\\b", ".hidden", "sp ace", "%2F"})
    EXPECT_FALSE(is_valid_model_name(name)) << name;
  EXPECT_FALSE(is_valid_model_name(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_model_name(std::string(kMaxModelNameLength + 1, 'a')));
  EXPECT_TRUE(is_valid_model_name(std::string(kMaxModelNameLength, 'a')));
}

TEST(ModelNames, VersionsArePositiveNumbersWithoutLeadingZeros) {
  EXPECT_EQ(parse_version("1"), 1);
  EXPECT_EQ(parse_version("12"), 12);
  for (const char* text : {"", "0", "01", "-1", "1a", "a", " 1", "1.0", "99999999999999999999"})
    EXPECT_FALSE(parse_version(text).has_value()) << text;
}

}  // namespace nimbus::serve
