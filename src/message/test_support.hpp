// Helpers shared by the message module's tests (not part of the library).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "message/gmime_ptr.hpp"
#include "message/init.hpp"

namespace raven::message::test {

inline std::string corpus_dir() {
  return RAVEN_CORPUS_DIR;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string read_corpus(const std::string& name) {
  return read_file(corpus_dir() + "/" + name);
}

// Parses bytes back with GMime (for checking what compose produced).
inline detail::GObjectPtr<GMimeMessage> gmime_parse(const std::string& bytes) {
  init();
  auto stream = detail::memory_stream(bytes);
  auto parser = detail::adopt(g_mime_parser_new_with_stream(stream.get()));
  return detail::adopt(g_mime_parser_construct_message(parser.get(), nullptr));
}

}  // namespace raven::message::test
