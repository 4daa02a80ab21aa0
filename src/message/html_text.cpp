#include "message/html_text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct XmlFree {
  void operator()(xmlChar* p) const noexcept { xmlFree(p); }
};
using XmlString = std::unique_ptr<xmlChar, XmlFree>;

const char* chars(const xmlChar* s) noexcept {
  return reinterpret_cast<const char*>(s);
}
const xmlChar* xml(const char* s) noexcept {
  return reinterpret_cast<const xmlChar*>(s);
}

std::string_view name_of(const xmlNode* node) noexcept {
  return node->name != nullptr ? std::string_view(chars(node->name)) : std::string_view();
}

std::string attribute(const xmlNode* node, const char* name) {
  XmlString value(xmlGetProp(node, xml(name)));
  return value ? std::string(chars(value.get())) : std::string();
}

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) noexcept {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_dropped_element(std::string_view name) noexcept {
  return is_one_of(name, {"script", "style", "head", "title", "template", "noscript", "iframe", "object",
                          "embed", "svg", "math", "canvas", "select", "frameset", "applet"});
}

// Elements after which text continues on a new line.
bool is_block(std::string_view name) noexcept {
  return is_one_of(name,
                   {"address", "article", "aside", "blockquote", "center",     "dd",     "details", "dialog",
                    "div",     "dl",      "dt",    "fieldset",   "figcaption", "figure", "footer",  "form",
                    "h1",      "h2",      "h3",    "h4",         "h5",         "h6",     "header",  "hr",
                    "li",      "main",    "nav",   "ol",         "p",          "pre",    "section", "summary",
                    "table",   "tr",      "ul",    "caption",    "body",       "html"});
}

// Block elements that stand apart by a blank line.
bool is_paragraph(std::string_view name) noexcept {
  return is_one_of(name, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "dl",
                          "address", "figure"});
}

bool is_zero_length(std::string_view value) {
  const std::string v(value);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  return end != v.c_str() && d == 0.0;
}

// Inline CSS that makes an element invisible to the reader.
bool style_hides(std::string_view style) {
  bool max_height_zero = false;
  bool overflow_hidden = false;
  std::size_t pos = 0;
  while (pos <= style.size()) {
    std::size_t semi = style.find(';', pos);
    if (semi == std::string_view::npos) semi = style.size();
    const std::string_view decl = style.substr(pos, semi - pos);
    pos = semi + 1;
    const std::size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string prop = ascii_lower(trim(decl.substr(0, colon)));
    std::string value = ascii_lower(trim(decl.substr(colon + 1)));
    if (auto bang = value.find('!'); bang != std::string::npos)
      value = std::string(trim(value.substr(0, bang)));
    if (prop == "display" && value == "none") return true;
    if (prop == "visibility" && (value == "hidden" || value == "collapse")) return true;
    if (prop == "opacity" && is_zero_length(value)) return true;
    if (prop == "font-size" && is_zero_length(value)) return true;
    if (prop == "mso-hide" && value == "all") return true;
    if (prop == "max-height" && is_zero_length(value)) max_height_zero = true;
    if (prop == "overflow" && value == "hidden") overflow_hidden = true;
  }
  return max_height_zero && overflow_hidden;
}

bool is_hidden(const xmlNode* node) {
  if (xmlHasProp(node, xml("hidden")) != nullptr) return true;
  if (ascii_lower(trim(attribute(node, "aria-hidden"))) == "true") return true;
  const std::string style = attribute(node, "style");
  return !style.empty() && style_hides(style);
}

bool is_whitespace_byte(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Accumulates text the way a browser lays it out, line by line.
class TextBuilder {
 public:
  explicit TextBuilder(std::size_t max_bytes) : max_(max_bytes) {}

  bool full() const noexcept { return full_; }

  // Inline text; whitespace collapses.
  void text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && !full_) {
      // U+00A0 (no-break space) lays out as a space.
      if (is_whitespace_byte(s[i]) || (s.compare(i, 2, "\xC2\xA0") == 0)) {
        if (!at_line_start_) pending_space_ = true;
        i += s[i] == '\xC2' ? 2 : 1;
        continue;
      }
      std::size_t j = i;
      while (j < s.size() && !is_whitespace_byte(s[j]) && s.compare(j, 2, "\xC2\xA0") != 0) ++j;
      word(s.substr(i, j - i));
      i = j;
    }
  }

  // Preformatted text: kept as is, line by line.
  void preformatted(std::string_view s) {
    std::size_t i = 0;
    while (i <= s.size() && !full_) {
      std::size_t nl = s.find('\n', i);
      if (nl == std::string_view::npos) nl = s.size();
      std::string_view line = s.substr(i, nl - i);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) word(line);
      if (nl < s.size()) hard_break();
      i = nl + 1;
    }
  }

  // A block boundary: the next text starts on a new line (`lines` = 2: after a
  // blank line).
  void block(int lines) {
    pending_space_ = false;
    if (out_.empty()) return;
    pending_newlines_ = std::max(pending_newlines_, lines);
  }

  // <br>: always a new line, even an empty one.
  void hard_break() {
    pending_space_ = false;
    if (out_.empty() && pending_newlines_ == 0) {
      at_line_start_ = true;
      return;
    }
    pending_newlines_ = std::min(pending_newlines_ + 1, 2);
  }

  void set_bullet(std::string bullet) { bullet_ = std::move(bullet); }
  void set_quote_depth(int depth) { quote_depth_ = depth; }
  std::size_t size() const noexcept { return out_.size(); }
  std::string_view since(std::size_t mark) const {
    return std::string_view(out_).substr(std::min(mark, out_.size()));
  }

  // Appends inline text directly (a link target), separated by a space.
  void append_inline(std::string_view s) {
    pending_space_ = true;
    word(s);
  }

  HtmlText finish() {
    HtmlText result;
    // Trim trailing whitespace on each line and collapse runs of blank lines.
    std::string text;
    text.reserve(out_.size());
    int blank_run = 0;
    std::size_t i = 0;
    while (i < out_.size()) {
      std::size_t nl = out_.find('\n', i);
      if (nl == std::string::npos) nl = out_.size();
      std::string_view line = std::string_view(out_).substr(i, nl - i);
      while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
      if (line.empty()) {
        if (++blank_run <= 1 && !text.empty()) text += '\n';
      } else {
        blank_run = 0;
        text.append(line);
        text += '\n';
      }
      i = nl + 1;
    }
    while (!text.empty() && text.back() == '\n') text.pop_back();
    result.text = std::move(text);
    result.truncated = full_;
    return result;
  }

 private:
  void word(std::string_view w) {
    if (full_ || w.empty()) return;
    if (pending_newlines_ > 0 && !out_.empty()) {
      out_.append(static_cast<std::size_t>(pending_newlines_), '\n');
      at_line_start_ = true;
      pending_space_ = false;
    }
    pending_newlines_ = 0;
    if (at_line_start_) {
      for (int d = 0; d < quote_depth_; ++d) out_ += "> ";
      out_ += bullet_;
      bullet_.clear();
      at_line_start_ = false;
    } else if (pending_space_) {
      out_ += ' ';
    }
    pending_space_ = false;
    if (out_.size() + w.size() > max_) {
      out_.append(truncate_utf8(w, max_ > out_.size() ? max_ - out_.size() : 0));
      full_ = true;
      return;
    }
    out_.append(w);
  }

  std::size_t max_;
  std::string out_;
  bool at_line_start_ = true;
  bool pending_space_ = false;
  int pending_newlines_ = 0;
  int quote_depth_ = 0;
  std::string bullet_;
  bool full_ = false;
};

bool is_document(const xmlNode* node) noexcept {
  return node->type == XML_HTML_DOCUMENT_NODE || node->type == XML_DOCUMENT_NODE;
}

class Walker {
 public:
  explicit Walker(std::size_t max_bytes) : out_(max_bytes) {}

  HtmlText run(xmlDoc* doc) {
    xmlNode* n = doc->children;
    while (n != nullptr && !out_.full()) {
      const bool descend = enter(n);
      if (descend && n->children != nullptr) {
        n = n->children;
        continue;
      }
      if (descend) leave(n);
      while (n != nullptr && n->next == nullptr) {
        xmlNode* parent = n->parent;
        if (parent == nullptr || is_document(parent)) {
          n = nullptr;
          break;
        }
        leave(parent);
        n = parent;
      }
      if (n != nullptr) n = n->next;
    }
    return out_.finish();
  }

 private:
  struct List {
    bool ordered;
    int next_number;
  };
  struct Link {
    std::string href;
    std::size_t mark;
  };

  // A list not nested in another stands apart like a paragraph (browsers
  // give it margins); nested lists do not.
  bool is_outer_list(std::string_view name) const { return (name == "ul" || name == "ol") && lists_.empty(); }

  // Returns whether to walk into the node's children.
  bool enter(const xmlNode* node) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      if (node->content != nullptr) {
        if (pre_depth_ > 0) {
          out_.preformatted(chars(node->content));
        } else {
          out_.text(chars(node->content));
        }
      }
      return false;
    }
    if (node->type != XML_ELEMENT_NODE) return false;  // comments, DTD, processing instructions
    const std::string_view name = name_of(node);
    if (is_dropped_element(name) || is_hidden(node)) return false;
    if (name == "br") {
      out_.hard_break();
      return false;
    }
    if (name == "img" || name == "input") return false;
    if (is_block(name)) out_.block(is_paragraph(name) || is_outer_list(name) ? 2 : 1);
    if (name == "blockquote") out_.set_quote_depth(++quote_depth_);
    if (name == "pre") ++pre_depth_;
    if (name == "ul" || name == "ol") lists_.push_back(List{name == "ol", 1});
    if (name == "li") {
      std::string bullet(lists_.size() > 1 ? 2 * (lists_.size() - 1) : 0, ' ');
      if (!lists_.empty() && lists_.back().ordered) {
        bullet += std::to_string(lists_.back().next_number++) + ". ";
      } else {
        bullet += "- ";
      }
      out_.set_bullet(std::move(bullet));
    }
    if (name == "a") links_.push_back(Link{attribute(node, "href"), out_.size()});
    return true;
  }

  void leave(const xmlNode* node) {
    if (node->type != XML_ELEMENT_NODE) return;
    const std::string_view name = name_of(node);
    if (name == "a" && !links_.empty()) {
      const Link link = std::move(links_.back());
      links_.pop_back();
      const std::string href(trim(link.href));
      const std::string lower = ascii_lower(href);
      const bool worth_showing =
          lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0 || lower.rfind("mailto:", 0) == 0;
      const std::string_view shown = trim(out_.since(link.mark));
      if (worth_showing && !shown.empty() && shown != href && "mailto:" + std::string(shown) != href &&
          href.size() <= 2048 && !has_line_break_or_nul(href)) {
        out_.append_inline("<" + href + ">");
      }
    }
    if (name == "td" || name == "th") out_.text(" ");
    if (name == "ul" || name == "ol") {
      if (!lists_.empty()) lists_.pop_back();
    }
    if (name == "pre" && pre_depth_ > 0) --pre_depth_;
    if (is_block(name)) out_.block(is_paragraph(name) || is_outer_list(name) ? 2 : 1);
    if (name == "blockquote" && quote_depth_ > 0) out_.set_quote_depth(--quote_depth_);
  }

  TextBuilder out_;
  std::vector<List> lists_;
  std::vector<Link> links_;
  int quote_depth_ = 0;
  int pre_depth_ = 0;
};

}  // namespace

HtmlText html_to_text(std::string_view html, std::size_t max_bytes) {
  if (html.empty()) return {};
  // libxml2 stops at a NUL byte; a browser skips it.
  std::string without_nul;
  if (html.find('\0') != std::string_view::npos) {
    without_nul.reserve(html.size());
    for (char c : html) {
      if (c != '\0') without_nul += c;
    }
    html = without_nul;
  }
  const int size = static_cast<int>(std::min<std::size_t>(html.size(), INT_MAX));
  constexpr int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;
  std::unique_ptr<xmlDoc, DocFree> doc(htmlReadMemory(html.data(), size, nullptr, "UTF-8", options));
  if (!doc) return {};
  return Walker(max_bytes).run(doc.get());
}

}  // namespace raven::message
