// File names numbered by a printf-style integer field, as the sequence mode's outputs are
// (`flows/%05d.flo` names pair k's flow flows/00012.flo for k = 12). Only one integer field is
// accepted (%d, %i or %u with an optional 0 flag and width) and %% for a literal percent sign;
// the pattern is parsed here rather than handed to printf, so that a %s or %n in a user's
// pattern can never read or write memory.
#pragma once

#include <string>

namespace lkflow_app {

class FilePattern {
 public:
  /// Parses `pattern`. Throws std::invalid_argument naming the problem: a conversion other than
  /// one integer field, two fields, a width above 64, or a lone % at the end.
  explicit FilePattern(std::string pattern);

  /// True when the pattern has an integer field, i.e. names a different file for every k.
  bool numbered() const { return numbered_; }
  /// The pattern as given.
  const std::string& text() const { return pattern_; }
  /// The name for number k (k >= 0); the pattern itself, with %% as %, when it is not numbered.
  std::string format(long k) const;

 private:
  std::string pattern_;
  std::string prefix_, suffix_;  // the text around the field, %% already made %
  bool numbered_ = false;        // the pattern has its integer field
  int width_ = 0;                // minimum digits
  bool zero_pad_ = false;        // pad with zeros rather than spaces
};

}  // namespace lkflow_app
