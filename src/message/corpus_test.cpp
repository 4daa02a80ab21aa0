// Every message of the shared corpus (../shared/corpus, 300 real and
// synthetic messages from other mail parsers' test suites) parses without
// crashing and yields text or a stated reason; a few are checked exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "common/text.hpp"
#include "message/message.hpp"
#include "message/test_support.hpp"
#include "message/utf8.hpp"

namespace raven::message {
namespace {

using test::read_corpus;

std::vector<std::string> corpus_files() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(test::corpus_dir())) {
    if (entry.path().extension() == ".eml") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void expect_header_safe(const std::string& value, const std::string& what) {
  EXPECT_FALSE(has_line_break_or_nul(value)) << what;
  EXPECT_TRUE(is_valid_utf8(value)) << what;
}

TEST(Corpus, DirectoryResolves) {
  EXPECT_TRUE(std::filesystem::is_directory(test::corpus_dir())) << test::corpus_dir();
  EXPECT_EQ(corpus_files().size(), 300u);
}

TEST(Corpus, EveryMessageYieldsTextOrAReason) {
  const Limits limits;
  std::map<std::string, int> reasons;
  int with_text = 0;
  for (const std::string& name : corpus_files()) {
    SCOPED_TRACE(name);
    const Request r = parse_message(read_corpus(name), limits);
    if (r.has_text()) {
      ++with_text;
      EXPECT_EQ(r.reason_kind, NoTextReason::none);
    } else {
      EXPECT_NE(r.reason_kind, NoTextReason::none);
      EXPECT_FALSE(r.reason.empty());
      ++reasons[std::string(to_string(r.reason_kind))];
      if (std::getenv("RAVEN_CORPUS_VERBOSE")) std::cout << "reason " << name << ": " << r.reason << "\n";
    }
    EXPECT_TRUE(is_valid_utf8(r.text));
    EXPECT_TRUE(is_valid_utf8(r.quoted));
    EXPECT_LE(r.text.size() + r.quoted.size(), limits.max_text_bytes);
    expect_header_safe(r.subject, "subject");
    expect_header_safe(r.from.name, "from name");
    expect_header_safe(r.from.address, "from address");
    expect_header_safe(r.message_id, "message-id");
    for (const auto& a : r.to) expect_header_safe(a.name + a.address, "to");
    for (const auto& a : r.attachments) expect_header_safe(a.filename, "attachment name");
    for (const auto& [k, v] : r.headers) EXPECT_TRUE(is_valid_utf8(k) && is_valid_utf8(v)) << k;
  }
  std::cout << "corpus: " << with_text << " with text";
  for (const auto& [kind, n] : reasons) std::cout << ", " << n << " " << kind;
  std::cout << "\n";
}

}  // namespace
}  // namespace raven::message

namespace raven::message {
namespace {

Request parse_corpus(const std::string& name) {
  return parse_message(test::read_corpus(name));
}

// A charset case: ISO-8859-2 body over quoted-printable, RFC 2047 names in
// every address field, a subject of two encoded-words in two charsets.
TEST(CorpusCase, Iso8859_2OverQuotedPrintable) {
  const Request r = parse_corpus("letters__polish_plaintext_iso-8859-2_over_quoted-printable.eml");
  EXPECT_EQ(r.from.name, "Nadająca, Alicja");
  EXPECT_EQ(r.from.address, "alicja.nadajaca@example.com");
  ASSERT_EQ(r.from_all.size(), 2u);  // two mailboxes in From
  EXPECT_EQ(r.from_all[1].address, "alicja.nadajaca@example.net");
  ASSERT_EQ(r.reply_to.size(), 1u);
  EXPECT_EQ(r.reply_to[0].address, "alicja.nadajaca@example.net");
  ASSERT_EQ(r.to.size(), 2u);
  EXPECT_EQ(r.to[1].name, "Odbierająca, Karolina");
  ASSERT_EQ(r.cc.size(), 2u);
  EXPECT_EQ(r.subject, "📧 Test Polskie pangramy");
  EXPECT_EQ(r.message_id, "Message-Id-1@example.com");
  EXPECT_EQ(r.in_reply_to, "Message-Id-0@example.com");
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(r.references[0], "Message-Id-0@example.com");
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.text.rfind("Jeżu klątw, spłódź Finom część gry hańb!\n", 0), 0u) << r.text;
  EXPECT_TRUE(r.quoted.empty());
  EXPECT_FALSE(r.truncated);
  // The illegal field names of this synthetic message are kept as fields.
  EXPECT_NE(r.header("X-Clacks-Overhead"), nullptr);
  ASSERT_TRUE(r.date.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(r.date->time_since_epoch()).count(),
            1554098100);  // 2019-04-01T05:55:00Z
  EXPECT_EQ(r.date_raw, "Mon, 01 Apr 2019 07:55:00 +0200 (CEST)");
}

// RFC 2047 subject in ISO-2022-JP, folded with a TAB inside; mbox From_ line first.
TEST(CorpusCase, Rfc2047SubjectIso2022Jp) {
  const Request r = parse_corpus("rubymail__rfc2822__example14.eml");
  EXPECT_EQ(r.subject, "Re: TEST テストテスト");
  EXPECT_EQ(r.from.name, "Atsushi Yoshida");
  EXPECT_EQ(r.from.address, "atsushi@example.com");
  ASSERT_EQ(r.reply_to.size(), 1u);
  EXPECT_EQ(r.reply_to[0].address, "rudeboyjet@gmail.com");
  EXPECT_EQ(r.message_id, "0CC5E11ED2C1D@example.com");
  EXPECT_EQ(r.in_reply_to, "rid_5582199198@msgid.example.com");
  EXPECT_EQ(r.text, "Hello");
}

// UTF-7 body and subject (Outlook 2000).
TEST(CorpusCase, Utf7) {
  const Request r = parse_corpus("hunnysoft__m0006__outlook2000_text-plain_utf-7.eml");
  EXPECT_EQ(r.subject, "Die Hasen und die Frösche (Microsoft Outlook 00)");
  EXPECT_EQ(r.text.rfind("Die Hasen und die Frösche\n\nDie Hasen klagten einst über ihre mißliche Lage;", 0),
            0u)
      << r.text;
}

// ISO-2022-JP body (a stateful charset).
TEST(CorpusCase, Iso2022JpBody) {
  const Request r = parse_corpus("rubymail__multi-charset__japanese_iso_2022.eml");
  EXPECT_EQ(r.subject, "まみむめも");
  EXPECT_EQ(r.text, "すみません。");
}

// A delivery report: the root type tells policy it is one; the human part is the text.
TEST(CorpusCase, MultipartReport) {
  const Request r = parse_corpus("cpython__msg_05__multipart-report.eml");
  EXPECT_EQ(r.content_type, "multipart/report");
  ASSERT_TRUE(r.content_type_params.count("report-type"));
  EXPECT_EQ(r.content_type_params.at("report-type"), "delivery-status");
  EXPECT_EQ(r.text_section, "1");
  EXPECT_EQ(r.text, "Yadda yadda yadda");
  ASSERT_EQ(r.attachments.size(), 1u);  // the returned original (the delivery-status part is text/plain here)
  EXPECT_EQ(r.attachments[0].content_type, "message/rfc822");
  EXPECT_EQ(r.attachments[0].section, "3");
}

// HTML only: converted to text; the <title> in <head> is not text.
TEST(CorpusCase, HtmlOnly) {
  const Request r = parse_corpus("hunnysoft__m2003__eudora42_text-html_iso-8859-1.eml");
  EXPECT_EQ(r.content_type, "text/html");
  EXPECT_EQ(r.text_subtype, "html");
  EXPECT_EQ(r.text.rfind("Die Hasen und die Frösche\n\nDie Hasen klagten einst über ihre mißliche Lage;", 0),
            0u)
      << r.text;
  EXPECT_EQ(r.text.find('<'), std::string::npos) << r.text;
}

// No header block at all: the whole message is body text, no sender.
TEST(CorpusCase, NoHeaderBlock) {
  const Request r = parse_corpus("cpython__msg_19__text-plain.eml");
  EXPECT_TRUE(r.from.empty());
  EXPECT_TRUE(r.subject.empty());
  EXPECT_EQ(r.text.rfind("Send Ppp mailing list submissions to\n\tppp@zzz.org\n", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("Ppp mailing list\nPpp@zzz.org"), std::string::npos);
}

// No blank line between the header and the body: the body line is kept.
TEST(CorpusCase, NoHeaderSeparator) {
  const Request r = parse_corpus("cpython__msg_35__text-plain.eml");
  EXPECT_EQ(r.from.address, "aperson@dom.ain");
  EXPECT_EQ(r.subject, "here's something interesting");
  EXPECT_EQ(r.text, "counter to RFC 5322, there's no separating newline here");
}

// Folded lines that lost their white space (a news gateway): the header
// goes on, and the body is the real body.
TEST(CorpusCase, DamagedFolding) {
  const Request r = parse_corpus("phpmmp__issue84__text-plain.eml");
  EXPECT_EQ(r.from.address, "tyra3l@gmail.com");
  EXPECT_EQ(r.subject, "Re: [PHP-DEV] [RFC] Remove PHP 4 Constructors");
  EXPECT_EQ(r.text.rfind("On Wed, Nov 19, 2014 at 12:11 AM, Levi Morrison <levim@php.net> wrote:", 0), 0u);
  EXPECT_NE(r.text.find("+1 from me."), std::string::npos);  // bottom-posted: kept whole
}

// A UTF-8 byte-order mark before the first field does not hide From.
TEST(CorpusCase, ByteOrderMark) {
  const Request r = parse_corpus("mimekit__messages__feedback-report.eml");
  EXPECT_EQ(r.from.address, "abusedesk@example.com");
  EXPECT_EQ(r.content_type, "multipart/report");
}

// S/MIME enveloped data: nothing to read, and policy is told why.
TEST(CorpusCase, Encrypted) {
  const Request r = parse_corpus("mimekit__netscape-mbox__21__encrypted.eml");
  EXPECT_TRUE(r.text.empty());
  EXPECT_EQ(r.reason_kind, NoTextReason::encrypted);
}

// A 1 MB winmail.dat is listed, never read.
TEST(CorpusCase, LargeAttachmentListed) {
  const Request r = parse_corpus("mimekit__tnef__rich-text.eml");
  EXPECT_EQ(r.text.rfind("You've made this a Christmas to remember\n", 0), 0u);
  ASSERT_EQ(r.attachments.size(), 1u);
  EXPECT_EQ(r.attachments[0].filename, "winmail.dat");
  EXPECT_EQ(r.attachments[0].content_type, "application/ms-tnef");
  EXPECT_GT(r.attachments[0].size, 1000000u);
  EXPECT_FALSE(r.attachments[0].inline_part);
}

// An empty text part is a stated reason, not a failure.
TEST(CorpusCase, EmptyTextPart) {
  const Request r = parse_corpus("cpython__msg_08__multipart-mixed_iso-8859-1.eml");
  EXPECT_EQ(r.reason_kind, NoTextReason::empty_text);
  EXPECT_EQ(r.subject, "Lyrics");
}

// The 1.1 MB single text part is cut at the text limit.
TEST(CorpusCase, LargeTextCut) {
  const Request r = parse_corpus("nodemailer__large-text.eml");
  EXPECT_TRUE(r.truncated);
  EXPECT_LE(r.text.size() + r.quoted.size(), Limits{}.max_text_bytes);
  EXPECT_GT(r.text.size() + r.quoted.size(), Limits{}.max_text_bytes - 4096);
}

}  // namespace
}  // namespace raven::message

namespace raven::message {
namespace {

// Workers parse and compose on their own threads at the same time; GMime and
// libxml2 objects are per call, so nothing is shared (run under ASan too).
TEST(Corpus, ConcurrentParseAndCompose) {
  init();
  std::vector<std::string> names = corpus_files();
  names.resize(std::min<std::size_t>(names.size(), 60));
  std::vector<std::string> messages;
  for (const std::string& name : names) messages.push_back(test::read_corpus(name));
  std::atomic<int> replies{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < messages.size(); i += 2) {
        const Request r = parse_message(messages[i]);
        if (r.from.address.find('@') == std::string::npos) continue;
        ReplyOptions o;
        o.from = "Raven <raven@example.org>";
        try {
          if (!compose_reply(r, o, "**ok**").data.empty()) ++replies;
        } catch (const std::exception&) {
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(replies.load(), 30);
}

}  // namespace
}  // namespace raven::message
