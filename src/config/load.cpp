// load_file / load_string: the document level. Parse, check the top-level
// shape, read each section (sections.cpp), apply the rules between sections
// (section_links.cpp), run each present module's validate(), and throw every
// problem at once.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "common/unique_fd.hpp"
#include "config/report.hpp"
#include "config/sections.hpp"
#include "config/yaml_reader.hpp"

namespace raven::config {
namespace {

// Far above any real config; a guard against pointing Raven at the wrong file.
constexpr std::size_t kMaxConfigBytes = std::size_t{1024} * 1024;

[[noreturn]] void fail(detail::Report& report) {
  throw ConfigError(report.take());
}

int mark_line(const YAML::Mark& mark) {
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
  if (ec) return dir;
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

std::vector<YAML::Node> parse(std::string_view text, detail::Report& report) {
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    report.add("", mark_line(e.mark), "YAML syntax error: " + e.msg);
    fail(report);
  }
}

// A module's Problems, located: "senders[1]" → filter.senders[1] at the
// element's line. Problems about a value the reader already rejected (and so
// replaced by the default) are dropped.
// For a list section `yaml` is the root reader and `prefix` the section's
// name: "[1].timeout" → tools[1].timeout.
void add_module_problems(const Problems& problems, const detail::MapReader& yaml, std::string_view prefix,
                         detail::Report& report) {
  for (const Problem& p : problems) {
    const std::string field = std::string(prefix) + p.field;
    std::string path = field.empty() ? yaml.path() : yaml.path_of(field);
    int line = field.empty() ? yaml.line() : yaml.locate(field);
    if (report.covers(path)) continue;
    if (const auto* target = report.redirected(path)) {
      path = target->path;
      line = target->line;
    }
    report.add(std::move(path), line, p.message);
  }
}

void read_sections(const YAML::Node& document, Config& config, detail::Context& context) {
  struct Read {
    const detail::Section* section;
    detail::MapReader yaml;
  };
  std::vector<Read> read;
  detail::MapReader root(document, "", 0, context);
  for (const detail::Section& section : detail::sections()) {
    if (root.raw(section.name) == nullptr) {
      if (section.required) context.report.add(std::string(section.name), 0, "section is required");
      continue;
    }
    if (section.list) {
      section.read(root, config);  // reads its own key: tools[i] readers, each finished there
      read.push_back({&section, root});
      continue;
    }
    auto yaml = root.map(section.name);
    if (!yaml) continue;  // not a mapping: reported
    section.read(*yaml, config);
    yaml->finish();
    read.push_back({&section, std::move(*yaml)});
  }
  root.finish();
  // Rules between sections first, so that validate() sees the final values
  // (smtp.envelope_from from answer.from).
  detail::link_sections(config, context.report);
  for (const Read& r : read) {
    if (r.section->validate != nullptr)
      add_module_problems(r.section->validate(config), r.yaml, r.section->list ? r.section->name : "",
                          context.report);
  }
}

}  // namespace

Config load_string(std::string_view yaml, const LoadOptions& options, const std::string& base_dir) {
  detail::Report report;
  const std::vector<YAML::Node> documents = parse(yaml, report);
  if (documents.empty() || documents.front().IsNull()) {
    report.add("", 0, "the file is empty", "it needs at least an imap: section");
    fail(report);
  }
  if (documents.size() > 1)
    report.add("", detail::line_of(documents[1]), "only one YAML document is allowed");
  const YAML::Node& document = documents.front();
  if (!document.IsMap()) {
    report.add("", detail::line_of(document),
               "the top level must be a mapping of sections (imap:, intake:, …)");
    fail(report);
  }

  Config config;
  detail::Context context{options, absolute_dir(base_dir), report};
  try {
    read_sections(document, config, context);
  } catch (const YAML::Exception& e) {
    // The readers check types before every access; this is a safety net so
    // that load_* only ever throws ConfigError.
    report.add("", mark_line(e.mark), std::string("cannot read the file: ") + e.what());
  }
  if (!report.empty()) fail(report);
  return config;
}

Config load_file(const std::string& path, const LoadOptions& options) {
  const auto cannot_read = [&](const std::string& why) {
    return ConfigError({Located{"", 0, "cannot read " + path + ": " + why, {}}});
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) throw cannot_read(std::system_category().message(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw cannot_read(std::system_category().message(errno));
  if (!S_ISREG(st.st_mode)) throw cannot_read("not a regular file");

  std::string text;
  char buffer[8192];
  while (text.size() <= kMaxConfigBytes) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw cannot_read(std::system_category().message(errno));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (text.size() > kMaxConfigBytes) throw cannot_read("larger than 1 MiB; is this the right file?");

  std::string dir = std::filesystem::path(path).parent_path().string();
  return load_string(text, options, dir.empty() ? "." : dir);
}

}  // namespace raven::config
