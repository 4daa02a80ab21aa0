// Authentication-Results (RFC 8601) parsing and rule 3 of issue 6; see
// authentication.hpp for what counts and why.
#include "policy/authentication.hpp"

#include <algorithm>

#include "common/text.hpp"

namespace raven::policy {
namespace {

// Bounds on what one field may make us keep (DESIGN.md: limits on everything
// read from outside). A real border MTA writes a handful of each.
constexpr std::size_t kMaxResults = 64;
constexpr std::size_t kMaxProperties = 32;
constexpr std::size_t kMaxOtherIds = 8;
// Evidence shows header values, which come from outside: keep each short.
constexpr std::size_t kMaxEvidenceValue = 200;

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// RFC 2045 §5.1 tspecials.
bool is_tspecial(char c) noexcept {
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

// A token character (RFC 2045 §5.1): not a control, space or tspecial.
bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7F && !is_tspecial(c);
}

// Keyword = ldh-str (RFC 8601 §2.2, RFC 5321 §4.1.2). '_' is accepted too:
// some mailers write it in property names, and it is harmless.
bool is_keyword_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
}

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string cut(std::string_view value) {
  if (value.size() <= kMaxEvidenceValue) return std::string(value);
  std::size_t n = kMaxEvidenceValue;
  while (n > 0 && (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80) --n;
  return std::string(value.substr(0, n)) + "…";
}

// A reader over one field value, following RFC 8601 §2.2's ABNF.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool at_end() const noexcept { return i_ >= s_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : s_[i_]; }
  std::size_t pos() const noexcept { return i_; }

  // CFWS (RFC 5322 §3.2.2): white space and comments, nested, with
  // quoted-pairs. An unterminated comment runs to the end of the value.
  void skip_cfws() noexcept {
    while (!at_end()) {
      const char c = s_[i_];
      if (is_space(c)) {
        ++i_;
      } else if (c == '(') {
        skip_comment();
      } else {
        return;
      }
    }
  }

  bool eat(char c) noexcept {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

  // 1*token-char.
  std::string token() {
    const std::size_t start = i_;
    while (!at_end() && is_token_char(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  // A Keyword, lower-case.
  std::string keyword() {
    const std::size_t start = i_;
    while (!at_end() && is_keyword_char(s_[i_])) ++i_;
    return ascii_lower(s_.substr(start, i_ - start));
  }

  std::string digits() {
    const std::size_t start = i_;
    while (!at_end() && is_digit(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  // A quoted-string at the cursor ('"' next), its content unescaped;
  // nullopt when unterminated.
  std::optional<std::string> quoted_string() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (!at_end()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\' && !at_end()) {
        out += s_[i_++];
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

  // value = token / quoted-string (RFC 2045 §5.1); nullopt when neither.
  std::optional<std::string> value() {
    if (peek() == '"') return quoted_string();
    std::string t = token();
    if (t.empty()) return std::nullopt;
    return t;
  }

  // pvalue (RFC 8601 §2.2): a value, or [[local-part] "@"] domain-name. Read
  // leniently: a quoted local-part, then everything up to white space, ';'
  // or a comment, so that "user@example.com", "@example.com" and base64 such
  // as "Ab/+c=" all come through whole. nullopt when empty or unterminated.
  std::optional<std::string> pvalue() {
    std::string out;
    if (peek() == '"') {
      auto q = quoted_string();
      if (!q) return std::nullopt;
      out = std::move(*q);
    }
    while (!at_end()) {
      const char c = s_[i_];
      if (is_space(c) || c == ';' || c == '(') break;
      if (c == '"') {
        auto q = quoted_string();
        if (!q) return std::nullopt;
        out += *q;
        continue;
      }
      out += c;
      ++i_;
    }
    if (out.empty()) return std::nullopt;
    return out;
  }

  // Moves past the next ';' outside quotes and comments (or to the end), so
  // that parsing resumes at the next resinfo.
  void skip_to_semicolon() noexcept {
    while (!at_end()) {
      const char c = s_[i_];
      if (c == ';') return;
      if (c == '(') {
        skip_comment();
      } else if (c == '"') {
        ++i_;
        while (!at_end() && s_[i_] != '"') i_ += (s_[i_] == '\\') ? 2 : 1;
        if (!at_end()) ++i_;
      } else {
        ++i_;
      }
    }
  }

 private:
  void skip_comment() noexcept {
    int depth = 0;
    while (!at_end()) {
      const char c = s_[i_++];
      if (c == '\\') {
        if (!at_end()) ++i_;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) return;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// resinfo after its ';' (RFC 8601 §2.2):
//   methodspec [CFWS reasonspec] [CFWS 1*propspec]
// nullopt (with `error`) when it cannot be read; the caller skips to the next ';'.
std::optional<AuthResult> parse_resinfo(Cursor& c, std::string& error) {
  AuthResult r;
  c.skip_cfws();
  r.method = c.keyword();
  if (r.method.empty()) {
    error = "a result without a method";
    return std::nullopt;
  }
  c.skip_cfws();
  if (c.eat('/')) {
    c.skip_cfws();
    r.method_version = c.digits();
    if (r.method_version.empty()) {
      error = r.method + ": a method version that is not a number";
      return std::nullopt;
    }
    c.skip_cfws();
  }
  if (!c.eat('=')) {
    error = r.method + ": no \"=result\"";
    return std::nullopt;
  }
  c.skip_cfws();
  r.result = c.keyword();
  if (r.result.empty()) {
    error = r.method + ": an empty result";
    return std::nullopt;
  }
  // reasonspec and propspecs. "reason" is taken wherever it appears; a
  // `name=value` without a ptype (Microsoft's "action=none") is kept with
  // an empty ptype rather than failing the whole result.
  while (true) {
    c.skip_cfws();
    if (c.at_end() || c.peek() == ';') return r;
    const std::string name = c.keyword();
    if (name.empty()) {
      error = r.method + ": unreadable text after the result";
      return std::nullopt;
    }
    c.skip_cfws();
    AuthProperty p;
    if (c.eat('.')) {
      c.skip_cfws();
      p.ptype = name;
      p.property = c.keyword();
      if (p.property.empty()) {
        error = r.method + ": \"" + name + ".\" without a property";
        return std::nullopt;
      }
      c.skip_cfws();
    } else {
      p.property = name;
    }
    if (!c.eat('=')) {
      error = r.method + ": " + name + " without \"=value\"";
      return std::nullopt;
    }
    c.skip_cfws();
    std::optional<std::string> v;
    if (p.ptype.empty() && p.property == "reason") {
      v = c.value();
    } else {
      v = c.pvalue();
    }
    if (!v) {
      error = r.method + ": " + name + " without a value";
      return std::nullopt;
    }
    if (p.ptype.empty() && p.property == "reason") {
      r.reason = std::move(*v);
    } else if (r.properties.size() < kMaxProperties) {
      p.value = std::move(*v);
      r.properties.push_back(std::move(p));
    }
  }
}

std::string normalize_domain(std::string_view domain) {
  domain = trim(domain);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  return ascii_lower(domain);
}

// The domain of "local@domain", "@domain" or a bare "domain".
std::string domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  return normalize_domain(at == std::string_view::npos ? address : address.substr(at + 1));
}

bool version_ok(std::string_view version) noexcept {
  return version.empty() || version == "1";
}

// "dkim=pass header.d=example.com" for evidence and sentences: the method,
// result and the properties that matter for alignment.
std::string describe(const AuthResult& r) {
  std::string out = r.method + "=" + r.result;
  for (const AuthProperty& p : r.properties) {
    const bool wanted =
        (p.ptype == "header" && (p.property == "d" || p.property == "i" || p.property == "from")) ||
        (p.ptype == "smtp" && p.property == "mailfrom");
    if (wanted) out += " " + p.ptype + "." + p.property + "=" + cut(p.value);
  }
  return out;
}

// Whether `r` passes for `domain` by the rules in the header comment.
bool passes(const AuthResult& r, const std::string& domain) {
  if (!version_ok(r.method_version) || r.result != "pass") return false;
  if (r.method == "dmarc") {
    // DMARC is evaluated on the exact From domain (RFC 7489 §3.1).
    const std::string* from = r.property("header", "from");
    return from == nullptr || normalize_domain(*from) == domain;
  }
  if (r.method == "dkim") {
    const std::string* d = r.property("header", "d");
    if (d == nullptr) d = r.property("header", "i");  // Gmail writes only header.i=@domain
    return d != nullptr && domains_aligned(domain_of(*d), domain);
  }
  if (r.method == "spf") {
    const std::string* mailfrom = r.property("smtp", "mailfrom");
    return mailfrom != nullptr && domains_aligned(domain_of(*mailfrom), domain);
  }
  return false;
}

// What passes for `domain` among the trusted results, described; "" if
// nothing. DMARC is named first when several pass: it is the strongest.
std::string passing_result(const std::vector<AuthResults>& fields, const std::string& domain) {
  for (std::string_view method : {"dmarc", "dkim", "spf"}) {
    for (const AuthResults& f : fields) {
      if (!version_ok(f.version)) continue;
      for (const AuthResult& r : f.results) {
        if (r.method == method && passes(r, domain)) return describe(r);
      }
    }
  }
  return {};
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace

Problems Authentication::validate() const {
  Problems problems;
  if (require && authserv_id.empty()) {
    problems.push_back({"authserv_id",
                        "must be set when require is true: the authserv-id your border mail server writes "
                        "first in Authentication-Results, e.g. mx.example.com"});
  }
  // It must read back as the authserv-id of a field, or no field could ever
  // match it: no white space, controls, quotes, ';' or comments.
  const bool readable = std::all_of(authserv_id.begin(), authserv_id.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F && std::string_view("();\"\\").find(c) == std::string_view::npos;
  });
  if (!readable) {
    problems.push_back(
        {"authserv_id",
         "must be a single word such as mx.example.com (no spaces, quotes, ';' or parentheses)"});
  }
  return problems;
}

const std::string* AuthResult::property(std::string_view ptype, std::string_view name) const {
  for (const AuthProperty& p : properties) {
    if (iequal(p.ptype, ptype) && iequal(p.property, name)) return &p.value;
  }
  return nullptr;
}

std::optional<AuthResults> parse_authentication_results(std::string_view value) {
  Cursor c(value);
  AuthResults out;
  c.skip_cfws();
  auto id = c.value();
  if (!id || id->empty()) return std::nullopt;
  out.authserv_id = std::move(*id);
  c.skip_cfws();
  // "spf=pass …" with no authserv-id at all (Exchange Online writes this):
  // the first word is a method, not an id.
  if (c.peek() == '=' || c.peek() == '.') return std::nullopt;
  // authres-version: 1*DIGIT after the authserv-id and before the first ';'.
  if (is_digit(c.peek())) {
    out.version = c.digits();
    c.skip_cfws();
  }
  while (!c.at_end()) {
    if (!c.eat(';')) {
      out.errors.push_back("unreadable text before a ';'");
      c.skip_to_semicolon();
      continue;
    }
    c.skip_cfws();
    if (c.at_end() || c.peek() == ';') continue;  // an empty resinfo: tolerated
    // no-result = [CFWS] ";" [CFWS] "none": a keyword "none" not followed by '='.
    {
      Cursor look = c;
      if (look.keyword() == "none") {
        look.skip_cfws();
        if (look.at_end() || look.peek() == ';') {
          out.none = true;
          c = look;
          continue;
        }
      }
    }
    std::string error;
    auto r = parse_resinfo(c, error);
    if (!r) {
      out.errors.push_back(std::move(error));
      c.skip_to_semicolon();
      continue;
    }
    if (out.results.size() < kMaxResults) {
      out.results.push_back(std::move(*r));
    } else {
      out.errors.push_back(r->method + ": more than " + std::to_string(kMaxResults) + " results; dropped");
    }
  }
  return out;
}

TrustedResults trusted_results(std::span<const HeaderField> fields, std::string_view authserv_id) {
  enum class State { before, inside, after };
  TrustedResults out;
  State state = State::before;
  for (const HeaderField& f : fields) {
    if (iequal(f.name, "Received")) {
      if (state == State::inside) state = State::after;
      continue;
    }
    if (!iequal(f.name, "Authentication-Results")) continue;
    auto parsed = parse_authentication_results(f.value);
    const bool ours = parsed && iequal(parsed->authserv_id, authserv_id);
    if (ours && state != State::after) {
      state = State::inside;
      out.fields.push_back(std::move(*parsed));
      continue;
    }
    if (!ours) {
      // Another server's field (or one whose id cannot be read) ends our
      // block: we cannot tell who wrote what follows it.
      if (state == State::inside) state = State::after;
      const std::string id = parsed ? cut(parsed->authserv_id) : std::string("(unreadable)");
      if (out.other_ids.size() < kMaxOtherIds &&
          std::find(out.other_ids.begin(), out.other_ids.end(), id) == out.other_ids.end()) {
        out.other_ids.push_back(id);
      }
    }
    ++out.ignored;
  }
  return out;
}

bool domains_aligned(std::string_view a_in, std::string_view b_in) {
  const std::string a = normalize_domain(a_in);
  const std::string b = normalize_domain(b_in);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  const std::string& shorter = a.size() < b.size() ? a : b;
  const std::string& longer = a.size() < b.size() ? b : a;
  // A bare top-level domain ("com") is never an organizational domain.
  if (shorter.find('.') == std::string::npos) return false;
  return longer.size() > shorter.size() && longer.ends_with(shorter) &&
         longer[longer.size() - shorter.size() - 1] == '.';
}

AuthVerdict authenticate(std::span<const HeaderField> fields, std::span<const std::string> from,
                         std::string_view authserv_id) {
  AuthVerdict v;
  const TrustedResults trusted = trusted_results(fields, authserv_id);
  const std::string id = cut(authserv_id);
  for (const AuthResults& f : trusted.fields) {
    std::vector<std::string> parts;
    if (!version_ok(f.version)) parts.push_back("version " + cut(f.version) + ", not understood, ignored");
    if (f.none) parts.emplace_back("none");
    for (const AuthResult& r : f.results) parts.push_back(describe(r));
    for (const std::string& e : f.errors) parts.push_back("unreadable: " + cut(e));
    if (parts.empty()) parts.emplace_back("no results");
    v.evidence.push_back(cut("Authentication-Results (" + id + "): " + join(parts, "; ")));
  }
  if (trusted.ignored > 0) {
    v.evidence.push_back("Authentication-Results ignored: " + std::to_string(trusted.ignored) +
                         " (other servers or below the trusted block" +
                         (trusted.other_ids.empty() ? std::string() : ": " + join(trusted.other_ids, ", ")) +
                         ")");
  }

  std::vector<std::string> domains;
  for (const std::string& address : from) {
    const std::string d = address.find('@') == std::string::npos ? std::string() : domain_of(address);
    if (d.empty()) {
      v.sentence = "The From address <" + cut(address) + "> has no domain, so it cannot be authenticated.";
      v.evidence.push_back("authentication: fail (From without a domain)");
      return v;
    }
    if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(d);
  }
  if (domains.empty()) {
    v.sentence = "The message has no From address to authenticate.";
    v.evidence.push_back("authentication: fail (no From)");
    return v;
  }

  if (trusted.fields.empty()) {
    if (trusted.other_ids.empty()) {
      v.sentence = "The message carries no Authentication-Results header from " + id +
                   ", so its sender's domain " + cut(domains.front()) + " is not proven.";
    } else {
      v.sentence = "The message carries Authentication-Results only from other servers (" +
                   join(trusted.other_ids, ", ") + "), none from " + id + ", so its sender is not proven.";
    }
    v.evidence.push_back("authentication: fail (no Authentication-Results from " + id + ")");
    return v;
  }

  std::vector<std::string> passed;
  for (const std::string& d : domains) {
    std::string how = passing_result(trusted.fields, d);
    if (how.empty()) {
      std::vector<std::string> found;
      for (const AuthResults& f : trusted.fields) {
        for (const AuthResult& r : f.results) {
          if (found.size() < 6) found.push_back(describe(r));
        }
        if (f.none) found.emplace_back("none");
      }
      v.sentence = "Authentication-Results from " + id +
                   " shows no dmarc=pass, and no dkim=pass or spf=pass " + "aligned with the From domain " +
                   cut(d) + "; found: " + (found.empty() ? std::string("no results") : join(found, ", ")) +
                   ".";
      v.evidence.push_back("authentication: fail (nothing passes for " + cut(d) + ")");
      return v;
    }
    passed.push_back(cut(d) + " by " + how);
  }
  v.pass = true;
  v.sentence = "Authentication-Results from " + id + " proves the sender: " + join(passed, "; ") + ".";
  v.evidence.push_back("authentication: pass (" + join(passed, "; ") + ")");
  return v;
}

AuthVerdict authenticate(const message::Request& request, const Authentication& config) {
  // Request::trace keeps Received and Authentication-Results in order.
  std::vector<HeaderField> fields;
  fields.reserve(request.trace.size());
  for (const auto& [name, value] : request.trace) fields.push_back({name, value});
  std::vector<std::string> from;
  for (const message::Address& a : request.from_all) from.push_back(a.address);
  return authenticate(fields, from, config.authserv_id);
}

}  // namespace raven::policy
