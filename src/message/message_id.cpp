#include "message/message_id.hpp"

#include <glib.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

#include "common/text.hpp"
#include "message/gmime_ptr.hpp"

namespace raven::message {
namespace {

constexpr std::size_t kMaxMessageId = 250;
// 128 bits of the hash: collisions are out of reach, the id stays short.
constexpr std::size_t kHexDigits = 32;

std::string hex(const std::array<std::uint32_t, 4>& words) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint32_t w : words) {
    for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(w >> shift) & 0xF];
  }
  return out;
}

}  // namespace

std::string clean_message_id(std::string_view id) {
  id = trim(id);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  if (id.empty() || id.size() > kMaxMessageId) return {};
  for (char c : id) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == '"' || c == '\\') {
      return {};
    }
  }
  return std::string(id);
}

std::string message_id_domain(std::string_view address) {
  const std::size_t at = address.rfind('@');
  const std::string_view domain = at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
  std::string out;
  for (char c : domain) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
      out += c;
    }
  }
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  while (!out.empty() && out.back() == '.') out.pop_back();
  if (out.empty() || out.size() > 200) return "raven.invalid";
  return ascii_lower(out);
}

std::string derive_reply_message_id(std::string_view original_message_id, std::string_view domain) {
  const std::string original = clean_message_id(original_message_id);
  if (original.empty()) return new_message_id(domain);
  // Domain-separated input, so the id cannot collide with another use of the hash.
  std::string input = "raven reply\n";
  input += original;
  input += '\n';
  input += domain;
  const std::string digest = detail::take_string(g_compute_checksum_for_data(
      G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(input.data()), input.size()));
  return "raven-" + digest.substr(0, kHexDigits) + "@" + std::string(domain);
}

std::string random_hex128() {
  std::array<std::uint32_t, 4> words{};
  // getrandom(2): one system call, no file to open (std::random_device and
  // GMime's own boundaries open /dev/urandom each time).
  auto* bytes = reinterpret_cast<unsigned char*>(words.data());
  std::size_t got = 0;
  while (got < sizeof words) {
    const ssize_t n = ::getrandom(bytes + got, sizeof words - got, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof words) {
    std::random_device rd;
    words = {rd(), rd(), rd(), rd()};
  }
  return hex(words);
}

std::string new_message_id(std::string_view domain) {
  return "raven-" + random_hex128() + "@" + std::string(domain);
}

std::vector<std::string> reply_references(const Request& original, std::size_t max) {
  std::vector<std::string> ids;
  auto add = [&](const std::string& raw) {
    const std::string id = clean_message_id(raw);
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  if (!original.references.empty()) {
    for (const std::string& id : original.references) add(id);
  } else if (!original.in_reply_to.empty()) {
    add(original.in_reply_to);
  }
  add(original.message_id);
  if (max == 0) return {};
  if (ids.size() <= max) return ids;
  std::vector<std::string> kept;
  kept.push_back(ids.front());
  kept.insert(kept.end(), ids.end() - static_cast<std::ptrdiff_t>(max - 1), ids.end());
  return kept;
}

}  // namespace raven::message
