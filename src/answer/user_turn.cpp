#include "answer/user_turn.hpp"

namespace raven::answer {
namespace {

std::string show(const message::Address& a) {
  if (a.name.empty()) return a.address;
  return a.name + " <" + a.address + ">";
}

std::string human_size(std::uint32_t bytes) {
  if (bytes >= 1024 * 1024) return std::to_string(bytes / (1024 * 1024)) + " MB";
  if (bytes >= 1024) return std::to_string(bytes / 1024) + " KB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string render_user_turn(const message::Request& r, std::size_t max_quoted_bytes) {
  std::string out;
  out.reserve(r.text.size() + 512);
  out += "From: " + show(r.from) + "\n";
  if (!r.subject.empty()) out += "Subject: " + r.subject + "\n";
  if (!r.date_raw.empty()) out += "Date: " + r.date_raw + "\n";
  if (!r.attachments.empty()) {
    out += "Attachments (not included):\n";
    for (const auto& a : r.attachments) {
      out += "- " + (a.filename.empty() ? std::string("(unnamed)") : a.filename) + " (" + a.content_type + ", " +
             human_size(a.size) + ")\n";
    }
  }
  out += "\n";
  out += r.text;
  if (r.truncated) out += "\n[The message was longer; the rest was cut.]";
  if (!r.quoted.empty()) {
    out += "\n\n[Earlier messages quoted below the new text:]\n";
    if (r.quoted.size() > max_quoted_bytes) {
      // Cut on a UTF-8 boundary.
      std::size_t cut = max_quoted_bytes;
      while (cut > 0 && (static_cast<unsigned char>(r.quoted[cut]) & 0xC0) == 0x80) --cut;
      out.append(r.quoted, 0, cut);
      out += "\n[…]";
    } else {
      out += r.quoted;
    }
  }
  return out;
}

}  // namespace raven::answer
