// Rule 3 of issue 6, authenticity: is the From address of this message proven
// by our own border mail server?
//
// Why: anyone can write any From. A message that claims to come from an
// allowed sender but was not authenticated would otherwise be answered, and
// could run tools on that sender's behalf. Raven does no DKIM, SPF or DMARC of
// its own (that needs the SMTP session and DNS, which only the border MTA
// has); it reads the verdicts the border MTA wrote into Authentication-Results
// (RFC 8601) and trusts only those it can attribute to that server.
//
// Parsing (parse_authentication_results): the full RFC 8601 §2.2 grammar,
// authserv-id (token or quoted string), optional version, "none", and each
// resinfo `method[/version]=result [reason=value] ptype.property=value…`,
// with CFWS anywhere the grammar allows it (comments nested, quoted-pairs
// inside comments and quoted strings), methods, results, ptypes and
// properties compared case-insensitively. Real mailers bend the grammar
// (Microsoft writes `action=none` without a ptype; values such as
// `header.b=Ab/+c=` hold tspecials), so a property value runs to the next
// space, ';' or comment, and a resinfo that cannot be read is dropped (and
// named in `errors`) without losing the others.
//
// Which fields count (trusted_results): RFC 8601 §5 requires a border MTA to
// remove fields that claim its authserv-id before adding its own, but a
// server that does not, or a message that reached the mailbox another way,
// may carry forged ones; since each hop prepends its fields, a forgery sits
// below the real field. So, reading from the top:
//  - fields above our border's block (Received lines and Authentication-Results
//    of other ids, added by later hops inside our own boundary, such as the
//    IMAP server's filters) are passed over;
//  - the block is the topmost run of Authentication-Results fields with our
//    authserv-id (compared ASCII case-insensitively, as domain names are);
//  - it ends at the first Received field or at an Authentication-Results
//    field of another id (or one whose id cannot be read) after it: everything
//    below, our id or not, is ignored, since anyone can add such a field
//    further down.
// authenticate(Request) reads message::Request::trace, which keeps every
// Received and Authentication-Results field in order, topmost first.
//
// What passes (authenticate), for the domain of every From mailbox:
//  - dmarc=pass (with header.from, when given, equal to that domain); or
//  - dkim=pass with header.d (or, when absent, the domain of header.i, as
//    Gmail writes it) aligned with it; or
//  - spf=pass with smtp.mailfrom (an address or a bare domain) aligned with it.
// Alignment is DMARC's relaxed alignment (RFC 7489 §3.1) approximated without
// the Public Suffix List: equal domains, or one a subdomain of the other at a
// label boundary, where the shorter has at least two labels. Limitation: two
// sibling subdomains of one organization (a.example.com, b.example.com) are
// not aligned (a false skip), and a parent that is a public suffix with a dot
// (co.uk, github.io) is treated as aligned with its children — a signer
// would need to control that suffix's DNS. Results with a method version
// other than 1, and fields with an RFC 8601 version other than 1, are ignored.
//
// All functions are pure (CPU only, no I/O, never block), borrow their
// arguments for the call, may be called from any thread, and never throw
// (except std::bad_alloc).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/problem.hpp"
#include "message/request.hpp"

namespace raven::policy {

// The policy.authentication settings.
struct Authentication {
  // true: answer only mail whose From is proven by `authserv_id`'s results.
  bool require = false;
  // The authserv-id our border MTA writes first in Authentication-Results
  // ("mx.example.com"). Required when `require` is true.
  std::string authserv_id;

  // Fields are relative to the authentication mapping ("authserv_id").
  Problems validate() const;
};

// One `ptype.property=value` of a resinfo ("header.d=example.com").
struct AuthProperty {
  std::string ptype;     // lower-case: "smtp", "header", "body", "policy"; "" when written without one
  std::string property;  // lower-case: "mailfrom", "d", "i", "from"
  std::string value;     // as written, quotes and escapes removed
};

// One resinfo: "dkim=pass (good signature) header.d=example.com".
struct AuthResult {
  std::string method;          // lower-case: "dkim", "spf", "dmarc", "arc", …
  std::string method_version;  // "" when absent; digits
  std::string result;          // lower-case: "pass", "fail", "none", …
  std::string reason;          // reason= value; "" when absent
  std::vector<AuthProperty> properties;

  // The value of the first `ptype.property` (case-insensitive), or nullptr.
  const std::string* property(std::string_view ptype, std::string_view name) const;
};

// One Authentication-Results field.
struct AuthResults {
  std::string authserv_id;  // as written, quotes removed
  std::string version;      // "" when absent (means 1)
  bool none = false;        // "; none": no authentication was done
  std::vector<AuthResult> results;
  // The resinfos that could not be read, each a short description; they were
  // skipped and the rest kept.
  std::vector<std::string> errors;
};

// Parses the value of one Authentication-Results field (unfolded or not).
// nullopt when not even an authserv-id can be read (empty, starts with ';').
// At most 64 resinfos and 32 properties each are kept; the rest are errors.
std::optional<AuthResults> parse_authentication_results(std::string_view value);

// One header field as it appears in a message, for trusted_results().
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// What trusted_results() chose.
struct TrustedResults {
  std::vector<AuthResults> fields;     // the block, top first
  std::size_t ignored = 0;             // Authentication-Results fields not in the block
  std::vector<std::string> other_ids;  // distinct other authserv-ids seen (at most 8)
};

// The Authentication-Results fields among `fields` (a message's header
// fields, topmost first, all names in order) that come from `authserv_id`
// and can be trusted, by the rule in the header comment. Fields of other names
// than Authentication-Results and Received are passed over.
TrustedResults trusted_results(std::span<const HeaderField> fields, std::string_view authserv_id);

// True if `a` and `b` are aligned domains in the sense above (relaxed
// alignment without a public-suffix list). Case-insensitive; one trailing
// dot ignored; empty never aligns.
bool domains_aligned(std::string_view a, std::string_view b);

// The verdict of rule 3.
struct AuthVerdict {
  bool pass = false;
  // For people: what passed, or what was found instead ("… shows dkim=pass
  // for other.example, which is not aligned with example.org").
  std::string sentence;
  // "authentication: …" and "Authentication-Results: …" lines, values cut.
  std::vector<std::string> evidence;
};

// Rule 3 on an ordered list of header fields (topmost first) and the From
// addresses ("local@domain"). Fails when `from` is empty or an address has
// no domain. `authserv_id` must not be empty.
AuthVerdict authenticate(std::span<const HeaderField> fields, std::span<const std::string> from,
                         std::string_view authserv_id);

// Rule 3 on a parsed message: its Authentication-Results fields (see the
// header comment on order) and every From mailbox. `config.authserv_id`
// must not be empty (validate() ensures it when require is true).
AuthVerdict authenticate(const message::Request& request, const Authentication& config);

}  // namespace raven::policy
