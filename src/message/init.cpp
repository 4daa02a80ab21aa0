#include "message/init.hpp"

#include <gmime/gmime.h>
#include <libxml/parser.h>

#include <mutex>

namespace raven::message {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    xmlInitParser();
  });
}

}  // namespace raven::message
