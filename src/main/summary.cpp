#include "main/summary.hpp"

#include <sstream>

namespace raven::app {
namespace {

const char* tls_name(imap::Tls tls) {
  switch (tls) {
    case imap::Tls::implicit: return "implicit TLS";
    case imap::Tls::starttls: return "STARTTLS";
    case imap::Tls::none: return "no TLS";
  }
  return "?";
}

}  // namespace

std::string summary(const config::Config& c) {
  std::ostringstream out;
  out << "  imap:   " << c.imap.username << " at " << c.imap.host << ":" << c.imap.effective_port() << " ("
      << tls_name(c.imap.tls) << "), mailbox " << c.imap.mailbox << "\n";
  out << "  trust:  "
      << (!c.imap.pinned_sha256.empty() ? "pinned certificate"
          : c.imap.ca_file.empty()      ? "system trust store"
                                        : "CA file " + c.imap.ca_file)
      << "\n";
  out << "  intake: " << intake::to_string(c.intake.mode);
  if (c.intake.mode == intake::Mode::idle) {
    out << " (re-issued every " << log::Field::format_duration(c.intake.idle_refresh) << ")";
  } else {
    out << " (every " << log::Field::format_duration(c.intake.poll_interval) << ")";
  }
  out << "\n  filter: ";
  if (c.filter.senders.empty()) {
    out << "anyone may be answered";
  } else {
    out << c.filter.senders.size() << (c.filter.senders.size() == 1 ? " allowed sender" : " allowed senders");
  }
  if (!c.filter.subject.empty()) out << ", subject contains \"" << c.filter.subject << "\"";
  out << "\n";
  return out.str();
}

}  // namespace raven::app
