// Session::uid_search — UID SEARCH (RFC 3501 §6.4.4) from a SearchQuery.
//
// libetpan has no helper for UNSEEN; the general mailimap_search_key_new()
// builds it. Strings are checked for CR/LF/NUL first (libetpan would send them
// raw inside a quoted string). Non-ASCII strings make the search say
// CHARSET UTF-8 and, when the server has LITERAL+ (RFC 7888), travel as
// literals instead of 8-bit quoted strings.
#include <algorithm>

#include "imap/arguments.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {
namespace {

etpan::SearchKeyPtr unseen_key() {
  return etpan::SearchKeyPtr(etpan::checked(mailimap_search_key_new(
      MAILIMAP_SEARCH_KEY_UNSEEN, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
      nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr, nullptr,
      nullptr, nullptr, nullptr, 0, nullptr, nullptr, nullptr)));
}

etpan::SearchKeyPtr from_key(const std::string& from) {
  char* s = etpan::dup(from);
  mailimap_search_key* key = mailimap_search_key_new_from(s);
  if (key == nullptr) {
    std::free(s);
    throw std::bad_alloc();
  }
  return etpan::SearchKeyPtr(key);
}

// FROM a, or OR FROM a OR FROM b FROM c … (OR takes two keys).
etpan::SearchKeyPtr any_from_key(const std::vector<std::string>& from, std::size_t i) {
  etpan::SearchKeyPtr first = from_key(from[i]);
  if (i + 1 == from.size()) return first;
  etpan::SearchKeyPtr rest = any_from_key(from, i + 1);
  mailimap_search_key* both = mailimap_search_key_new_or(first.get(), rest.get());
  if (both == nullptr) throw std::bad_alloc();
  first.release();
  rest.release();
  return etpan::SearchKeyPtr(both);
}

void add(mailimap_search_key* all, etpan::SearchKeyPtr key) {
  if (mailimap_search_key_multiple_add(all, key.get()) != MAILIMAP_NO_ERROR) throw std::bad_alloc();
  key.release();
}

}  // namespace

std::vector<Uid> Session::uid_search(const SearchQuery& query) {
  bool utf8 = false;
  for (const std::string& f : query.from_any) {
    check_text("search FROM", f);
    if (f.empty()) throw Error(ErrorKind::permanent, "imap: search FROM term is empty");
    utf8 = utf8 || has_8bit(f);
  }
  check_text("search SUBJECT", query.subject);
  utf8 = utf8 || has_8bit(query.subject);
  for (const auto& [name, value] : query.headers) {
    check_text("search HEADER", name);
    check_text("search HEADER", value);
    if (name.empty()) throw Error(ErrorKind::permanent, "imap: search HEADER name is empty");
    utf8 = utf8 || has_8bit(name) || has_8bit(value);
  }
  if (query.min_uid && *query.min_uid == 0) {
    throw Error(ErrorKind::permanent, "imap: search min_uid must be at least 1");
  }

  etpan::SearchKeyPtr all(etpan::checked(mailimap_search_key_new_multiple_empty()));
  if (query.unseen) add(all.get(), unseen_key());
  if (!query.from_any.empty()) add(all.get(), any_from_key(query.from_any, 0));
  if (!query.subject.empty()) {
    char* s = etpan::dup(query.subject);
    mailimap_search_key* key = mailimap_search_key_new_subject(s);
    if (key == nullptr) {
      std::free(s);
      throw std::bad_alloc();
    }
    add(all.get(), etpan::SearchKeyPtr(key));
  }
  for (const auto& [name, value] : query.headers) {
    char* n = etpan::dup(name);
    char* v = etpan::dup(value);
    mailimap_search_key* key = mailimap_search_key_new_header(n, v);
    if (key == nullptr) {
      std::free(n);
      std::free(v);
      throw std::bad_alloc();
    }
    add(all.get(), etpan::SearchKeyPtr(key));
  }
  if (query.min_uid) {
    etpan::SetPtr set(etpan::checked(mailimap_set_new_interval(*query.min_uid, 0)));  // 0 = "*"
    mailimap_search_key* key = mailimap_search_key_new_uid(set.get());
    if (key == nullptr) throw std::bad_alloc();
    set.release();
    add(all.get(), etpan::SearchKeyPtr(key));
  }
  if (etpan::count(all->sk_data.sk_multiple) == 0) {
    add(all.get(), etpan::SearchKeyPtr(etpan::checked(mailimap_search_key_new_all())));
  }

  Impl& s = *impl_;
  const char* charset = utf8 ? "UTF-8" : nullptr;
  const bool literal_plus = utf8 && s.has("LITERAL+");
  clist* raw = nullptr;
  const int r = s.run([&] {
    return literal_plus ? mailimap_uid_search_literalplus(s.imap.get(), charset, all.get(), &raw)
                        : mailimap_uid_search(s.imap.get(), charset, all.get(), &raw);
  });
  etpan::SearchResultPtr result(raw);
  s.check(r, "UID SEARCH");

  std::vector<Uid> uids;
  etpan::for_each<std::uint32_t>(result.get(), [&](const std::uint32_t* uid) {
    // "UID n:*" also matches the highest UID when it is below n (RFC 3501
    // §6.4.8: * is the largest UID in use), so filter again.
    if (!query.min_uid || *uid >= *query.min_uid) uids.push_back(*uid);
  });
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

}  // namespace raven::imap
