#include "imap/bodystructure.hpp"

#include <string>

#include "common/text.hpp"

namespace raven::imap {
namespace {

// Deeper structures are cut off (their parts are left without children): a
// hostile message must not be able to exhaust the stack.
constexpr int kMaxDepth = 64;

std::string lower(const char* s) { return ascii_lower(etpan::str(s)); }

std::string join(const std::string& prefix, int index) {
  return prefix.empty() ? std::to_string(index) : prefix + "." + std::to_string(index);
}

void add_params(std::map<std::string, std::string>& out, const mailimap_body_fld_param* params) {
  if (params == nullptr) return;
  etpan::for_each<mailimap_single_body_fld_param>(params->pa_list, [&](const mailimap_single_body_fld_param* p) {
    if (p->pa_name != nullptr) out[lower(p->pa_name)] = etpan::str(p->pa_value);
  });
}

std::string encoding_name(const mailimap_body_fld_enc* enc) {
  if (enc == nullptr) return {};
  switch (enc->enc_type) {
    case MAILIMAP_BODY_FLD_ENC_7BIT: return "7bit";
    case MAILIMAP_BODY_FLD_ENC_8BIT: return "8bit";
    case MAILIMAP_BODY_FLD_ENC_BINARY: return "binary";
    case MAILIMAP_BODY_FLD_ENC_BASE64: return "base64";
    case MAILIMAP_BODY_FLD_ENC_QUOTED_PRINTABLE: return "quoted-printable";
    default: return lower(enc->enc_value);
  }
}

std::string media_type(const mailimap_media_basic* media) {
  switch (media->med_type) {
    case MAILIMAP_MEDIA_BASIC_APPLICATION: return "application";
    case MAILIMAP_MEDIA_BASIC_AUDIO: return "audio";
    case MAILIMAP_MEDIA_BASIC_IMAGE: return "image";
    case MAILIMAP_MEDIA_BASIC_MESSAGE: return "message";
    case MAILIMAP_MEDIA_BASIC_VIDEO: return "video";
    default: return lower(media->med_basic_type);
  }
}

void add_fields(BodyPart& part, const mailimap_body_fields* fields) {
  if (fields == nullptr) return;
  add_params(part.params, fields->bd_parameter);
  part.id = etpan::str(fields->bd_id);
  part.encoding = encoding_name(fields->bd_encoding);
  part.size = fields->bd_size;
}

void add_disposition(BodyPart& part, const mailimap_body_fld_dsp* dsp) {
  if (dsp == nullptr) return;
  part.disposition = lower(dsp->dsp_type);
  std::map<std::string, std::string> attrs;
  add_params(attrs, dsp->dsp_attributes);
  if (auto it = attrs.find("filename"); it != attrs.end()) part.filename = it->second;
}

BodyPart convert(const mailimap_body& body, const std::string& section, const std::string& prefix, int depth);

void convert_children(BodyPart& part, const mailimap_body_type_mpart& mpart, const std::string& prefix, int depth) {
  int index = 0;
  etpan::for_each<mailimap_body>(mpart.bd_list, [&](const mailimap_body* child) {
    ++index;
    if (child == nullptr) return;
    const std::string label = join(prefix, index);
    part.children.push_back(convert(*child, label, label, depth + 1));
  });
}

BodyPart convert(const mailimap_body& body, const std::string& section, const std::string& prefix, int depth) {
  BodyPart part;
  part.section = section;
  if (body.bd_type == MAILIMAP_BODY_MPART) {
    const mailimap_body_type_mpart* mpart = body.bd_data.bd_body_mpart;
    part.type = "multipart";
    if (mpart == nullptr) return part;
    part.subtype = lower(mpart->bd_media_subtype);
    if (const mailimap_body_ext_mpart* ext = mpart->bd_ext_mpart) {
      add_params(part.params, ext->bd_parameter);
      add_disposition(part, ext->bd_disposition);
    }
    if (depth < kMaxDepth) convert_children(part, *mpart, prefix, depth);
    return part;
  }
  const mailimap_body_type_1part* one = body.bd_data.bd_body_1part;
  if (body.bd_type != MAILIMAP_BODY_1PART || one == nullptr) return part;
  switch (one->bd_type) {
    case MAILIMAP_BODY_TYPE_1PART_TEXT:
      if (const mailimap_body_type_text* text = one->bd_data.bd_type_text) {
        part.type = "text";
        part.subtype = lower(text->bd_media_text);
        add_fields(part, text->bd_fields);
      }
      break;
    case MAILIMAP_BODY_TYPE_1PART_BASIC:
      if (const mailimap_body_type_basic* basic = one->bd_data.bd_type_basic) {
        if (basic->bd_media_basic != nullptr) {
          part.type = media_type(basic->bd_media_basic);
          part.subtype = lower(basic->bd_media_basic->med_subtype);
        }
        add_fields(part, basic->bd_fields);
      }
      break;
    case MAILIMAP_BODY_TYPE_1PART_MSG:
      if (const mailimap_body_type_msg* msg = one->bd_data.bd_type_msg) {
        part.type = "message";
        part.subtype = "rfc822";
        add_fields(part, msg->bd_fields);
        if (msg->bd_body != nullptr && depth < kMaxDepth) {
          // RFC 3501 §6.4.5: the encapsulated message's parts are numbered
          // under this part's number; its multipart body is this part's TEXT.
          const std::string own = section.empty() ? std::string("1") : section;
          const bool multipart = msg->bd_body->bd_type == MAILIMAP_BODY_MPART;
          const std::string label = multipart ? own + ".TEXT" : own + ".1";
          part.children.push_back(convert(*msg->bd_body, label, own, depth + 1));
        }
      }
      break;
    default:
      break;
  }
  if (one->bd_ext_1part != nullptr) add_disposition(part, one->bd_ext_1part->bd_disposition);
  if (part.filename.empty()) {
    if (auto it = part.params.find("name"); it != part.params.end()) part.filename = it->second;
  }
  return part;
}

}  // namespace

BodyPart to_body_part(const mailimap_body& body) { return convert(body, "", "", 0); }

}  // namespace raven::imap
