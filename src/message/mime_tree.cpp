#include "message/mime_tree.hpp"

#include <limits>

#include "common/text.hpp"
#include "message/gmime_ptr.hpp"

namespace raven::message::detail {
namespace {

std::uint32_t clamp32(gint64 n) {
  if (n <= 0) return 0;
  return static_cast<std::uint32_t>(std::min<gint64>(n, std::numeric_limits<std::uint32_t>::max()));
}

std::string join(const std::string& prefix, int index) {
  return prefix.empty() ? std::to_string(index) : prefix + "." + std::to_string(index);
}

void fill_fields(imap::BodyPart& out, GMimeObject* o) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  if (ct != nullptr) {
    out.type = ascii_lower(copy_string(g_mime_content_type_get_media_type(ct)));
    out.subtype = ascii_lower(copy_string(g_mime_content_type_get_media_subtype(ct)));
    if (GMimeParamList* params = g_mime_content_type_get_parameters(ct)) {
      const int n = g_mime_param_list_length(params);
      for (int i = 0; i < n; ++i) {
        GMimeParam* p = g_mime_param_list_get_parameter_at(params, i);
        const std::string name = ascii_lower(copy_string(g_mime_param_get_name(p)));
        if (!name.empty()) out.params.emplace(name, copy_string(g_mime_param_get_value(p)));
      }
    }
  }
  if (GMimeContentDisposition* d = g_mime_object_get_content_disposition(o)) {
    out.disposition =
        ascii_lower(std::string(trim(copy_string(g_mime_content_disposition_get_disposition(d)))));
  }
  out.id = copy_string(g_mime_object_get_content_id(o));
  // As an IMAP server reports it: the header's token, lower-case.
  out.encoding =
      ascii_lower(std::string(trim(copy_string(g_mime_object_get_header(o, "Content-Transfer-Encoding")))));
}

// Octets a part's serialisation takes (for a forwarded message's size).
std::uint32_t serialized_size(GMimeObject* o) {
  auto null_stream = adopt(g_mime_stream_null_new());
  const ssize_t n = g_mime_object_write_to_stream(o, nullptr, null_stream.get());
  return clamp32(n);
}

class Builder {
 public:
  Builder(MimeTree& tree, std::size_t max_depth) : tree_(tree), max_depth_(max_depth) {}

  imap::BodyPart convert(GMimeObject* o, const std::string& section, const std::string& prefix,
                         std::size_t depth) {
    imap::BodyPart part;
    part.section = section;
    fill_fields(part, o);
    if (is_multipart(o)) {
      part.type = "multipart";
      if (depth >= max_depth_) return part;
      GMimeMultipart* mp = as_multipart(o);
      const int n = g_mime_multipart_get_count(mp);
      for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        if (child == nullptr) continue;
        const std::string label = join(prefix, i + 1);
        part.children.push_back(convert(child, label, label, depth + 1));
      }
      return part;
    }
    if (is_message_part(o)) {
      part.size = serialized_size(o);
      GMimeMessage* inner = g_mime_message_part_get_message(as_message_part(o));
      GMimeObject* body = inner != nullptr ? g_mime_message_get_mime_part(inner) : nullptr;
      if (body != nullptr && depth < max_depth_) {
        // RFC 3501 §6.4.5: the encapsulated message's parts are numbered under
        // this part's number; its multipart body is this part's TEXT.
        const std::string own = section.empty() ? std::string("1") : section;
        const std::string label = is_multipart(body) ? own + ".TEXT" : own + ".1";
        part.children.push_back(convert(body, label, own, depth + 1));
      }
      return part;
    }
    if (is_part(o)) {
      GMimePart* leaf = as_part(o);
      if (GMimeDataWrapper* content = g_mime_part_get_content(leaf)) {
        part.size = clamp32(g_mime_stream_length(g_mime_data_wrapper_get_stream(content)));
      }
      part.filename = copy_string(g_mime_part_get_filename(leaf));
      tree_.parts[section.empty() ? std::string("1") : section] = o;
    }
    return part;
  }

 private:
  MimeTree& tree_;
  std::size_t max_depth_;
};

}  // namespace

MimeTree build_mime_tree(GMimeObject* mime_part, std::size_t max_depth) {
  MimeTree tree;
  if (mime_part == nullptr) {
    tree.root.type = "text";
    tree.root.subtype = "plain";
    return tree;
  }
  tree.root = Builder(tree, max_depth).convert(mime_part, "", "", 0);
  return tree;
}

std::string encoded_content(GMimeObject* part, std::size_t max) {
  if (!is_part(part)) return {};
  GMimeDataWrapper* content = g_mime_part_get_content(as_part(part));
  if (content == nullptr) return {};
  return read_stream(g_mime_data_wrapper_get_stream(content), max);
}

}  // namespace raven::message::detail
