// An output stream over a C FILE that remembers why it failed. A std::ofstream only sets its
// failbit, and by the time the caller looks, errno may no longer say "No space left on device";
// this buffer keeps the errno of the first failed write, flush or close.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <streambuf>
#include <string>

namespace lkflow::detail {

/// The text of an errno value, for error messages.
inline std::string errno_text(int error) {
  return error != 0 ? std::string(std::strerror(error)) : std::string("unknown error");
}

/// The reason of the last failed C library or stream call, for error messages.
inline std::string last_error_text() { return errno_text(errno); }

/// A std::streambuf writing to a C FILE, which it owns and closes. Writes go straight to the
/// FILE (it has a buffer of its own). After the first failure every later write fails too, and
/// error() keeps that failure's errno (EIO if the C library set none).
class CFileBuffer : public std::streambuf {
 public:
  explicit CFileBuffer(std::FILE* file) : file_(file) {}
  CFileBuffer(const CFileBuffer&) = delete;
  CFileBuffer& operator=(const CFileBuffer&) = delete;
  ~CFileBuffer() override { close(); }

  /// Flushes and closes the file (once); true when no write, flush or close ever failed.
  bool close() {
    if (file_ != nullptr) {
      errno = 0;
      if (std::fflush(file_) != 0) note_error();
      errno = 0;
      if (std::fclose(file_) != 0) note_error();
      file_ = nullptr;
    }
    return error_ == 0;
  }

  /// The errno of the first failure, 0 if none.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return xsputn(&byte, 1) == 1 ? c : traits_type::eof();
  }

  std::streamsize xsputn(const char* data, std::streamsize n) override {
    if (file_ == nullptr || error_ != 0 || n <= 0) return 0;
    errno = 0;
    const std::size_t written = std::fwrite(data, 1, static_cast<std::size_t>(n), file_);
    if (written < static_cast<std::size_t>(n)) note_error();
    return static_cast<std::streamsize>(written);
  }

  int sync() override {
    if (file_ == nullptr || error_ != 0) return -1;
    errno = 0;
    if (std::fflush(file_) == 0) return 0;
    note_error();
    return -1;
  }

 private:
  void note_error() {
    if (error_ == 0) error_ = errno != 0 ? errno : EIO;
  }

  std::FILE* file_;
  int error_ = 0;
};

}  // namespace lkflow::detail
