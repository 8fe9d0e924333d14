#include "file_pattern.hpp"

#include <stdexcept>
#include <utility>

namespace lkflow_app {

FilePattern::FilePattern(std::string pattern) : pattern_(std::move(pattern)) {
  auto fail = [&](const std::string& reason) {
    throw std::invalid_argument("the pattern " + pattern_ + " " + reason);
  };
  std::string* out = &prefix_;
  for (std::size_t i = 0; i < pattern_.size(); ++i) {
    const char c = pattern_[i];
    if (c != '%') {
      *out += c;
      continue;
    }
    if (i + 1 == pattern_.size()) fail("ends with a lone %; write %% for a percent sign");
    if (pattern_[i + 1] == '%') {
      *out += '%';
      ++i;
      continue;
    }
    const std::size_t start = i++;
    bool zero = false;
    if (pattern_[i] == '0') {
      zero = true;
      ++i;
    }
    int width = 0;
    while (i < pattern_.size() && pattern_[i] >= '0' && pattern_[i] <= '9') {
      width = 10 * width + (pattern_[i] - '0');
      if (width > 64) fail("has a field wider than 64 digits");
      ++i;
    }
    if (i == pattern_.size() || (pattern_[i] != 'd' && pattern_[i] != 'i' && pattern_[i] != 'u'))
      fail("has the field " + pattern_.substr(start, i + 1 - start) +
           ": only one integer field like %d or %05d is allowed (%% for a percent sign)");
    if (numbered_) fail("has two number fields; it must have one");
    numbered_ = true;
    width_ = width;
    zero_pad_ = zero;
    out = &suffix_;
  }
}

std::string FilePattern::format(long k) const {
  if (!numbered()) return prefix_;
  std::string digits = std::to_string(k);
  if (digits.size() < std::size_t(width_))
    digits.insert(0, std::size_t(width_) - digits.size(), zero_pad_ ? '0' : ' ');
  return prefix_ + digits + suffix_;
}

}  // namespace lkflow_app
