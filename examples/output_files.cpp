#include "output_files.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <lkflow/file_error.hpp>

namespace lkflow_app {
namespace {

namespace fs = std::filesystem;

fs::path folder_of(const fs::path& path) {
  return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  const bool a_exists = fs::exists(fs::status(a, ec));
  const bool b_exists = fs::exists(fs::status(b, ec));
  if (a_exists && b_exists) return fs::equivalent(a, b, ec) && !ec;
  if (a_exists || b_exists) return false;
  const fs::path path_a(a), path_b(b);
  return path_a.filename() == path_b.filename() &&
         fs::equivalent(folder_of(path_a), folder_of(path_b), ec) && !ec;
}

void check_distinct(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs) {
  auto refuse = [](const NamedFile& output, const NamedFile& other, const char* why) {
    throw UsageError(output.label + " and " + other.label + " name the same file (" + output.path +
                     ", " + other.path + ")" + why);
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].path.empty()) continue;
    for (const NamedFile& input : inputs)
      if (!input.path.empty() && same_file(outputs[i].path, input.path))
        refuse(outputs[i], input, ": an output may not replace an input");
    for (std::size_t j = i + 1; j < outputs.size(); ++j)
      if (!outputs[j].path.empty() && same_file(outputs[i].path, outputs[j].path))
        refuse(outputs[i], outputs[j], "");
  }
}

OutputFiles::OutputFiles(const std::vector<NamedFile>& outputs) {
  for (const NamedFile& name : outputs) {
    if (name.path.empty()) continue;
    try {
      outputs_.push_back(
          {name, std::make_unique<lkflow::detail::StagedFile>("OutputFiles", name.path)});
    } catch (const lkflow::FileError& e) {
      fail(name, e.reason());
    }
  }
}

bool OutputFiles::has(const std::string& label) const {
  for (const Output& output : outputs_)
    if (output.name.label == label) return true;
  return false;
}

const OutputFiles::Output& OutputFiles::find(const std::string& label) const {
  for (const Output& output : outputs_)
    if (output.name.label == label) return output;
  throw std::logic_error("lkflow_app::OutputFiles: no output " + label);
}

void OutputFiles::write(const std::string& label, const std::function<void(std::ostream&)>& write) {
  const Output& output = find(label);
  try {
    write(output.file->stream());
    output.file->finish();
  } catch (const lkflow::FileError& e) {
    fail(output.name, e.reason());
  }
}

void OutputFiles::commit() {
  std::vector<lkflow::detail::StagedFile*> files;
  for (const Output& output : outputs_) files.push_back(output.file.get());
  try {
    lkflow::detail::commit_all("OutputFiles", files);
  } catch (const lkflow::FileError& e) {
    for (const Output& output : outputs_)
      if (output.file->target() == e.path()) fail(output.name, e.reason());
    throw DataError(std::string("cannot write the outputs: ") + e.what());
  }
}

void OutputFiles::fail(const NamedFile& name, const std::string& reason) const {
  throw DataError("cannot write " + name.label + " " + name.path + ": " + reason);
}

}  // namespace lkflow_app
