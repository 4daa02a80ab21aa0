// raven::imap — small RAII and iteration helpers over libetpan's C types.
//
// Internal to the imap module. libetpan hands out malloc'ed trees with a
// *_free function per type; each gets a unique_ptr here so no path leaks, and
// clist iteration goes through a typed helper instead of libetpan's macros
// (which do C casts that -Wold-style-cast rejects).
#pragma once

#include <libetpan/libetpan.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

namespace raven::imap::etpan {

// Calls `Fn` on a non-null pointer: unique_ptr<T, FreeWith<&T_free>>.
template <auto Fn>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) Fn(p);
  }
};

using SetPtr = std::unique_ptr<mailimap_set, FreeWith<&mailimap_set_free>>;
using SearchKeyPtr = std::unique_ptr<mailimap_search_key, FreeWith<&mailimap_search_key_free>>;
using FetchTypePtr = std::unique_ptr<mailimap_fetch_type, FreeWith<&mailimap_fetch_type_free>>;
using FetchAttPtr = std::unique_ptr<mailimap_fetch_att, FreeWith<&mailimap_fetch_att_free>>;
using SectionPtr = std::unique_ptr<mailimap_section, FreeWith<&mailimap_section_free>>;
using FlagPtr = std::unique_ptr<mailimap_flag, FreeWith<&mailimap_flag_free>>;
using FlagListPtr = std::unique_ptr<mailimap_flag_list, FreeWith<&mailimap_flag_list_free>>;
using StoreAttPtr =
    std::unique_ptr<mailimap_store_att_flags, FreeWith<&mailimap_store_att_flags_free>>;
using SearchResultPtr = std::unique_ptr<clist, FreeWith<&mailimap_search_result_free>>;
using FetchListPtr = std::unique_ptr<clist, FreeWith<&mailimap_fetch_list_free>>;
using CertChainPtr = std::unique_ptr<carray, FreeWith<&mailstream_certificate_chain_free>>;

// Throws std::bad_alloc when a libetpan constructor returned null.
template <typename T>
T* checked(T* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// A malloc'ed copy for libetpan constructors that take ownership of char*.
inline char* dup(std::string_view s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// Calls f(T*) for each element of a libetpan clist (null list: nothing).
template <typename T, typename F>
void for_each(const clist* list, F&& f) {
  if (list == nullptr) return;
  for (const clistcell* cell = list->first; cell != nullptr; cell = cell->next) {
    f(static_cast<T*>(cell->data));
  }
}

inline int count(const clist* list) noexcept { return list == nullptr ? 0 : list->count; }

// A libetpan nullable C string as a std::string ("" for null).
inline std::string str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

}  // namespace raven::imap::etpan
