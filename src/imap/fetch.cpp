// Session::uid_fetch — UID FETCH (RFC 3501 §6.4.5, §7.4.2).
//
// Body sections are always fetched with BODY.PEEK (no implicit \Seen: nothing
// is marked seen before its reply is sent) and, for parts, with a partial
// range <0.max_bytes>, so a 7 MB message costs only the bytes asked for.
#include "imap/fetch.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "common/text.hpp"
#include "imap/arguments.hpp"
#include "imap/bodystructure.hpp"
#include "imap/session_impl.hpp"

namespace raven::imap {
namespace {

using SectionPartPtr = std::unique_ptr<mailimap_section_part, etpan::FreeWith<&mailimap_section_part_free>>;

[[noreturn]] void bad_section(std::string_view text) {
  throw Error(ErrorKind::permanent, "imap: \"" + std::string(text) +
                                        "\" is not a body section (use e.g. 1, 1.2, TEXT, 1.TEXT, 1.MIME)");
}

SectionPartPtr make_part(const std::vector<std::uint32_t>& ids) {
  std::unique_ptr<clist, etpan::FreeWith<&clist_free>> list(etpan::checked(clist_new()));
  for (std::uint32_t id : ids) {
    std::uint32_t* n = etpan::checked(mailimap_number_alloc_new(id));
    if (clist_append(list.get(), n) != 0) {
      mailimap_number_alloc_free(n);
      for (clistcell* c = list->first; c != nullptr; c = c->next) mailimap_number_alloc_free(static_cast<std::uint32_t*>(c->data));
      throw std::bad_alloc();
    }
  }
  mailimap_section_part* part = mailimap_section_part_new(list.get());
  if (part == nullptr) {
    for (clistcell* c = list->first; c != nullptr; c = c->next) mailimap_number_alloc_free(static_cast<std::uint32_t*>(c->data));
    throw std::bad_alloc();
  }
  list.release();
  return SectionPartPtr(part);
}

// Builds a section from a part constructor that does not take ownership on failure.
mailimap_section* with_part(const std::vector<std::uint32_t>& ids,
                            mailimap_section* (*make)(mailimap_section_part*)) {
  SectionPartPtr part = make_part(ids);
  mailimap_section* section = make(part.get());
  if (section == nullptr) throw std::bad_alloc();
  part.release();
  return section;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string msgtext_name(const mailimap_section_msgtext* m) {
  if (m == nullptr) return {};
  switch (m->sec_type) {
    case MAILIMAP_SECTION_MSGTEXT_HEADER: return "HEADER";
    case MAILIMAP_SECTION_MSGTEXT_HEADER_FIELDS: return "HEADER.FIELDS";
    case MAILIMAP_SECTION_MSGTEXT_HEADER_FIELDS_NOT: return "HEADER.FIELDS.NOT";
    case MAILIMAP_SECTION_MSGTEXT_TEXT: return "TEXT";
    default: return "?";
  }
}

}  // namespace

ParsedSection parse_section(std::string_view text) {
  check_text("body section", text);
  const std::string up = upper(text);
  ParsedSection out;
  out.canonical = up;
  if (up == "TEXT") {
    out.section.reset(etpan::checked(mailimap_section_new_text()));
    return out;
  }
  if (up == "HEADER") {
    out.section.reset(etpan::checked(mailimap_section_new_header()));
    return out;
  }
  std::vector<std::uint32_t> ids;
  std::string_view rest = up;
  std::string suffix;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string_view token = rest.substr(0, dot);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    if (!token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      if (!suffix.empty() || token.size() > 9 || token.front() == '0') bad_section(text);  // nz-number
      ids.push_back(static_cast<std::uint32_t>(std::stoul(std::string(token))));
      if (dot == std::string_view::npos) break;
      if (rest.empty()) bad_section(text);  // trailing dot
      continue;
    }
    if (ids.empty() || !rest.empty() || (token != "TEXT" && token != "HEADER" && token != "MIME")) {
      bad_section(text);
    }
    suffix = token;
  }
  if (ids.empty()) bad_section(text);
  if (suffix.empty()) {
    out.section.reset(with_part(ids, mailimap_section_new_part));
  } else if (suffix == "TEXT") {
    out.section.reset(with_part(ids, mailimap_section_new_part_text));
  } else if (suffix == "HEADER") {
    out.section.reset(with_part(ids, mailimap_section_new_part_header));
  } else {
    out.section.reset(with_part(ids, mailimap_section_new_part_mime));
  }
  return out;
}

std::string section_name(const mailimap_section* section) {
  if (section == nullptr || section->sec_spec == nullptr) return {};
  const mailimap_section_spec* spec = section->sec_spec;
  if (spec->sec_type == MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT) return msgtext_name(spec->sec_data.sec_msgtext);
  std::string out;
  if (spec->sec_data.sec_part != nullptr) {
    etpan::for_each<std::uint32_t>(spec->sec_data.sec_part->sec_id, [&](const std::uint32_t* id) {
      if (!out.empty()) out += '.';
      out += std::to_string(*id);
    });
  }
  if (const mailimap_section_text* t = spec->sec_text) {
    out += '.';
    out += t->sec_type == MAILIMAP_SECTION_TEXT_MIME ? std::string("MIME") : msgtext_name(t->sec_msgtext);
  }
  return out;
}

std::string format_date_time(const mailimap_date_time& dt) {
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const char* month = dt.dt_month >= 1 && dt.dt_month <= 12 ? months[static_cast<std::size_t>(dt.dt_month - 1)] : "???";
  const int zone = dt.dt_zone < 0 ? -dt.dt_zone : dt.dt_zone;
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%02d-%s-%04d %02d:%02d:%02d %c%04d", dt.dt_day, month, dt.dt_year,
                dt.dt_hour, dt.dt_min, dt.dt_sec, dt.dt_zone < 0 ? '-' : '+', zone);
  return buf.data();
}

namespace {

void add_att(mailimap_fetch_type* type, mailimap_fetch_att* att) {
  etpan::FetchAttPtr owned(etpan::checked(att));
  if (mailimap_fetch_type_new_fetch_att_list_add(type, owned.get()) != MAILIMAP_NO_ERROR) throw std::bad_alloc();
  owned.release();
}

void add_section_att(mailimap_fetch_type* type, ParsedSection parsed, std::uint32_t max_bytes) {
  mailimap_fetch_att* att =
      max_bytes == 0 ? mailimap_fetch_att_new_body_peek_section(parsed.section.get())
                     : mailimap_fetch_att_new_body_peek_section_partial(parsed.section.get(), 0, max_bytes);
  if (att == nullptr) throw std::bad_alloc();
  parsed.section.release();  // owned by `att`
  add_att(type, att);
}

void read_flags(FetchedMessage& out, const mailimap_msg_att_dynamic* dyn) {
  if (dyn == nullptr) return;
  out.flags.clear();
  etpan::for_each<mailimap_flag_fetch>(dyn->att_list, [&](const mailimap_flag_fetch* f) {
    if (f->fl_type == MAILIMAP_FLAG_FETCH_RECENT) {
      out.flags.emplace_back("\\Recent");
      return;
    }
    const mailimap_flag* flag = f->fl_flag;
    if (flag == nullptr) return;
    switch (flag->fl_type) {
      case MAILIMAP_FLAG_ANSWERED: out.flags.emplace_back("\\Answered"); break;
      case MAILIMAP_FLAG_FLAGGED: out.flags.emplace_back("\\Flagged"); break;
      case MAILIMAP_FLAG_DELETED: out.flags.emplace_back("\\Deleted"); break;
      case MAILIMAP_FLAG_SEEN: out.flags.emplace_back("\\Seen"); break;
      case MAILIMAP_FLAG_DRAFT: out.flags.emplace_back("\\Draft"); break;
      case MAILIMAP_FLAG_KEYWORD: out.flags.push_back(etpan::str(flag->fl_data.fl_keyword)); break;
      case MAILIMAP_FLAG_EXTENSION: out.flags.push_back("\\" + etpan::str(flag->fl_data.fl_extension)); break;
      default: break;
    }
  });
}

// One FETCH response, merged into `out` (a server may split one message's
// items over several responses).
void read_static(FetchedMessage& out, bool& has_uid, const mailimap_msg_att_static* st,
                 const std::map<std::string, std::string>& wanted) {
  switch (st->att_type) {
    case MAILIMAP_MSG_ATT_UID:
      out.uid = st->att_data.att_uid;
      has_uid = true;
      break;
    case MAILIMAP_MSG_ATT_RFC822_SIZE: out.size = st->att_data.att_rfc822_size; break;
    case MAILIMAP_MSG_ATT_INTERNALDATE:
      if (st->att_data.att_internal_date != nullptr) out.internal_date = format_date_time(*st->att_data.att_internal_date);
      break;
    case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
      if (st->att_data.att_bodystructure != nullptr) out.bodystructure = to_body_part(*st->att_data.att_bodystructure);
      break;
    case MAILIMAP_MSG_ATT_BODY_SECTION: {
      const mailimap_msg_att_body_section* body = st->att_data.att_body_section;
      if (body == nullptr) break;
      std::string content = body->sec_body_part == nullptr ? std::string()
                                                           : std::string(body->sec_body_part, body->sec_length);
      const std::string name = section_name(body->sec_section);
      const auto it = wanted.find(name);
      if (it != wanted.end()) out.sections[it->second] = content;
      if (name == "HEADER") out.header = std::move(content);
      break;
    }
    default:
      break;
  }
}

}  // namespace

std::vector<FetchedMessage> Session::uid_fetch(const std::vector<Uid>& uids, const FetchItems& items) {
  if (uids.empty()) return {};
  etpan::SetPtr set = make_uid_set(uids);
  // canonical section name → the caller's spelling (the key of `sections`)
  std::map<std::string, std::string> wanted;
  std::vector<std::pair<ParsedSection, std::uint32_t>> sections;
  for (const FetchItems::Section& s : items.sections) {
    if (s.max_bytes == 0) throw Error(ErrorKind::permanent, "imap: fetch of section " + s.section + " with max_bytes 0");
    ParsedSection parsed = parse_section(s.section);
    if (!wanted.emplace(parsed.canonical, s.section).second) continue;  // asked twice
    if (parsed.canonical == "HEADER" && items.header) continue;        // fetched whole below
    sections.emplace_back(std::move(parsed), s.max_bytes);
  }

  etpan::FetchTypePtr type(etpan::checked(mailimap_fetch_type_new_fetch_att_list_empty()));
  add_att(type.get(), mailimap_fetch_att_new_uid());
  if (items.flags) add_att(type.get(), mailimap_fetch_att_new_flags());
  if (items.size) add_att(type.get(), mailimap_fetch_att_new_rfc822_size());
  if (items.internal_date) add_att(type.get(), mailimap_fetch_att_new_internaldate());
  if (items.bodystructure) add_att(type.get(), mailimap_fetch_att_new_bodystructure());
  if (items.header) add_section_att(type.get(), ParsedSection{"HEADER", etpan::SectionPtr(etpan::checked(mailimap_section_new_header()))}, 0);
  for (auto& [parsed, max_bytes] : sections) add_section_att(type.get(), std::move(parsed), max_bytes);

  Impl& s = *impl_;
  clist* raw = nullptr;
  const int r = s.run([&] { return mailimap_uid_fetch(s.imap.get(), set.get(), type.get(), &raw); });
  // On NO, libetpan 1.9.4 frees the list itself but leaves the pointer set:
  // own it only on success.
  etpan::FetchListPtr list(r == MAILIMAP_NO_ERROR ? raw : nullptr);
  s.check(r, "UID FETCH");

  const std::set<Uid> requested(uids.begin(), uids.end());
  std::map<Uid, FetchedMessage> by_uid;
  etpan::for_each<mailimap_msg_att>(list.get(), [&](const mailimap_msg_att* msg) {
    FetchedMessage m;
    bool has_uid = false;
    etpan::for_each<mailimap_msg_att_item>(msg->att_list, [&](const mailimap_msg_att_item* item) {
      if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) read_flags(m, item->att_data.att_dyn);
      if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static != nullptr) {
        read_static(m, has_uid, item->att_data.att_static, wanted);
      }
    });
    // Unsolicited FETCH responses (flag changes of other messages) have no
    // UID or one we did not ask for.
    if (!has_uid || requested.count(m.uid) == 0) return;
    auto [it, inserted] = by_uid.try_emplace(m.uid, std::move(m));
    if (inserted) return;
    FetchedMessage& into = it->second;
    if (!m.flags.empty()) into.flags = std::move(m.flags);
    if (m.size != 0) into.size = m.size;
    if (!m.internal_date.empty()) into.internal_date = std::move(m.internal_date);
    if (m.bodystructure) into.bodystructure = std::move(m.bodystructure);
    if (!m.header.empty()) into.header = std::move(m.header);
    for (auto& [k, v] : m.sections) into.sections[k] = std::move(v);
  });

  std::vector<FetchedMessage> out;
  out.reserve(by_uid.size());
  for (auto& [uid, m] : by_uid) out.push_back(std::move(m));
  return out;
}

}  // namespace raven::imap
