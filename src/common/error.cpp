#include "common/error.hpp"

namespace raven {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::transient: return "transient";
    case ErrorKind::permanent: return "permanent";
    case ErrorKind::fatal: return "fatal";
  }
  return "unknown";
}

}  // namespace raven
