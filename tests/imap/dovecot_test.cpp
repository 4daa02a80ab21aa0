// raven::imap::Session against a real, private Dovecot (tests/fixture).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "fixture/dovecot.hpp"
#include "imap/session.hpp"
#include "imap/tcp_connect.hpp"
#include "imap/tls_verify.hpp"

namespace raven::imap {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using raven::testing::Dovecot;
using raven::testing::DovecotOptions;
using raven::testing::make_message;

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no raven::Error thrown";
  return Error(ErrorKind::fatal, "<none>");
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// The SHA-256 of the certificate a TLS port presents, read with a bare
// libetpan TLS stream (no IMAP).
std::string leaf_sha256(std::uint16_t port) {
  UniqueFd fd = tcp_connect("127.0.0.1", port, Clock::now() + 5s, -1);
  mailstream* s = mailstream_ssl_open_timeout(fd.get(), 5);
  if (s == nullptr) return {};
  fd.release();
  const std::vector<std::string> chain = peer_certificates(s);
  mailstream_close(s);
  return chain.empty() ? std::string() : sha256_hex(chain.front());
}

std::string big_message(std::size_t attachment_bytes) {
  std::string b64;
  const std::string line(76, 'Q');
  while (b64.size() < attachment_bytes) b64 += line + "\r\n";
  return "From: Alice <alice@example.test>\r\n"
         "To: raven@example.test\r\n"
         "Subject: Big one\r\n"
         "Message-ID: <big@example.test>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n"
         "\r\n" +
         std::string(3000, 'x') +
         "\r\n"
         "--b1\r\n"
         "Content-Type: application/octet-stream; name=\"blob.bin\"\r\n"
         "Content-Disposition: attachment; filename=\"blob.bin\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n" +
         b64 + "--b1--\r\n";
}

class ImapDovecot : public ::testing::Test {
 protected:
  Session login(Tls tls = Tls::implicit) {
    Session s = Session::connect(dovecot_.imap_config(tls));
    s.select("INBOX");
    return s;
  }
  Dovecot dovecot_;
};

// ---- TLS, certificates, login ----

TEST_F(ImapDovecot, ImplicitTlsLogsInAndSelects) {
  Session s = Session::connect(dovecot_.imap_config(Tls::implicit));
  EXPECT_TRUE(s.has_capability("IDLE"));
  EXPECT_TRUE(s.has_capability("UIDPLUS"));
  MailboxStatus st = s.select("INBOX");
  EXPECT_NE(st.uidvalidity, 0U);
  EXPECT_EQ(st.exists, 0U);
  dovecot_.deliver(make_message("alice@example.test", "hello", "body"));
  st = s.select("INBOX");
  EXPECT_EQ(st.exists, 1U);
  EXPECT_EQ(st.uidnext, 2U);
  s.logout();
}

TEST_F(ImapDovecot, StarttlsLogsInAndSelects) {
  dovecot_.deliver(make_message("alice@example.test", "hello", "body"));
  Session s = Session::connect(dovecot_.imap_config(Tls::starttls));
  EXPECT_FALSE(s.has_capability("STARTTLS"));       // asked again after TLS
  EXPECT_FALSE(s.has_capability("LOGINDISABLED"));
  EXPECT_TRUE(s.has_capability("IDLE"));            // post-login capabilities
  const MailboxStatus st = s.select("INBOX");
  EXPECT_NE(st.uidvalidity, 0U);
  EXPECT_EQ(st.exists, 1U);
}

TEST_F(ImapDovecot, WrongCaIsFatalBeforeLogin) {
  for (Tls tls : {Tls::implicit, Tls::starttls}) {
    Config config = dovecot_.imap_config(tls);
    config.ca_file = dovecot_.other_ca_file();
    const Error e = error_of([&] { Session::connect(config); });
    EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
    EXPECT_TRUE(contains(e.what(), "certificate of 127.0.0.1:")) << e.what();
    EXPECT_TRUE(contains(e.what(), "not trusted: signer not found")) << e.what();
    EXPECT_TRUE(contains(e.what(), "ca_file=" + dovecot_.other_ca_file())) << e.what();
  }
  // Dovecot saw no login attempt at all (it logs every LOGIN, good or bad).
  std::this_thread::sleep_for(200ms);
  const std::string log = dovecot_.log_tail(200);
  EXPECT_FALSE(contains(log, "Login: user=")) << log;
  EXPECT_FALSE(contains(log, "auth failed")) << log;
  EXPECT_TRUE(contains(log, "no auth attempts")) << log;
}

TEST_F(ImapDovecot, SystemTrustStoreDoesNotTrustTheTestCa) {
  Config config = dovecot_.imap_config(Tls::implicit);
  config.ca_file.clear();
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "system trust store")) << e.what();
}

TEST_F(ImapDovecot, WrongHostNameIsFatal) {
  // "127.1" reaches 127.0.0.1 (inet_aton), but it is not a name in the
  // certificate (SAN localhost, 127.0.0.1): GnuTLS sees a DNS name.
  Config config = dovecot_.imap_config(Tls::implicit);
  config.host = "127.1";
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "does not match host name 127.1")) << e.what();
}

TEST_F(ImapDovecot, HostNameInTheCertificateIsAccepted) {
  Config config = dovecot_.imap_config(Tls::implicit);
  config.host = "localhost";  // SNI and the DNS SAN
  Session s = Session::connect(config);
  EXPECT_TRUE(s.usable());
}

TEST_F(ImapDovecot, PinnedSha256ReplacesCaVerification) {
  const std::string pin = leaf_sha256(dovecot_.imaps_port());
  ASSERT_EQ(pin.size(), 64U);
  Config config = dovecot_.imap_config(Tls::implicit);
  config.ca_file.clear();  // no CA would trust it; the pin does
  config.pinned_sha256 = pin;
  { Session s = Session::connect(config); }
  config.pinned_sha256 = std::string(64, 'a');
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "does not match pinned_sha256")) << e.what();
  EXPECT_TRUE(contains(e.what(), pin)) << e.what();
}

TEST_F(ImapDovecot, WrongPasswordIsFatal) {
  Config config = dovecot_.imap_config(Tls::implicit);
  config.password = "wrong";
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "LOGIN")) << e.what();
  EXPECT_FALSE(contains(e.what(), "wrong")) << e.what();
}

TEST_F(ImapDovecot, MissingMailboxIsFatal) {
  Session s = Session::connect(dovecot_.imap_config());
  const Error e = error_of([&] { s.select("NoSuchFolder"); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(s.usable());
}

// ---- search, fetch, store, append ----

TEST_F(ImapDovecot, SearchesUnseenFromAndSubject) {
  dovecot_.deliver(make_message("alice@example.test", "Help please", "1"));
  dovecot_.deliver(make_message("bob@example.test", "Invoice 42", "2"));
  dovecot_.deliver(make_message("alice@example.test", "Another question", "3"));
  dovecot_.deliver(make_message("carol@example.test", "Grüße aus Köln", "4"));
  Session s = login();

  EXPECT_EQ(s.uid_search({}), (std::vector<Uid>{1, 2, 3, 4}));
  SearchQuery q;
  q.from_any = {"alice@example.test"};
  EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{1, 3}));
  q.from_any = {"alice@example.test", "bob@example.test"};
  EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{1, 2, 3}));
  q = {};
  q.subject = "invoice";  // case-insensitive substring
  EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{2}));
  q = {};
  q.subject = "Grüße";
  EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{4}));
  q = {};
  q.min_uid = 3;
  EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{3, 4}));
  q.min_uid = 99;  // "UID 99:*" matches UID 4 on the wire; filtered out
  EXPECT_TRUE(s.uid_search(q).empty());
}

TEST_F(ImapDovecot, FetchesHeaderStructureAndOnlyTheAskedBytesOfABigMessage) {
  dovecot_.deliver(big_message(5 * 1024 * 1024));
  Session s = login();
  FetchItems items;
  items.flags = items.size = items.internal_date = items.bodystructure = items.header = true;
  items.sections = {{"1", 1024}};
  const std::vector<FetchedMessage> got = s.uid_fetch({1}, items);
  ASSERT_EQ(got.size(), 1U);
  const FetchedMessage& m = got[0];
  EXPECT_EQ(m.uid, 1U);
  EXPECT_GT(m.size, 5U * 1024 * 1024);
  EXPECT_FALSE(m.internal_date.empty());
  EXPECT_TRUE(contains(m.header, "Subject: Big one\r\n")) << m.header;
  EXPECT_TRUE(contains(m.header, "\r\n\r\n"));
  ASSERT_EQ(m.sections.count("1"), 1U);
  EXPECT_EQ(m.sections.at("1"), std::string(1024, 'x'));  // <= 1024 bytes of a 5 MB message
  ASSERT_TRUE(m.bodystructure);
  const BodyPart& root = *m.bodystructure;
  EXPECT_EQ(root.section, "");
  EXPECT_EQ(root.type, "multipart");
  EXPECT_EQ(root.subtype, "mixed");
  ASSERT_EQ(root.children.size(), 2U);
  EXPECT_EQ(root.children[0].section, "1");
  EXPECT_EQ(root.children[0].type, "text");
  EXPECT_EQ(root.children[0].params.at("charset"), "utf-8");
  EXPECT_EQ(root.children[1].section, "2");
  EXPECT_EQ(root.children[1].disposition, "attachment");
  EXPECT_EQ(root.children[1].filename, "blob.bin");
  EXPECT_EQ(root.children[1].encoding, "base64");
  EXPECT_GT(root.children[1].size, 5U * 1024 * 1024);
  // BODY.PEEK: still unseen.
  EXPECT_EQ(s.uid_search({}), (std::vector<Uid>{1}));
}

TEST_F(ImapDovecot, FetchesASinglePartMessage) {
  dovecot_.deliver(make_message("alice@example.test", "plain", "just text\r\n"));
  Session s = login();
  FetchItems items;
  items.bodystructure = true;
  items.sections = {{"1", 100}, {"TEXT", 4}};
  const std::vector<FetchedMessage> got = s.uid_fetch({1, 2, 3}, items);  // 2 and 3 do not exist
  ASSERT_EQ(got.size(), 1U);
  ASSERT_TRUE(got[0].bodystructure);
  EXPECT_EQ(got[0].bodystructure->section, "");  // its text is section "1"
  EXPECT_EQ(got[0].bodystructure->type, "text");
  EXPECT_EQ(got[0].sections.at("1"), "just text\r\n");
  EXPECT_EQ(got[0].sections.at("TEXT"), "just");
}

TEST_F(ImapDovecot, StoreSeenRemovesItFromUnseen) {
  dovecot_.deliver(make_message("alice@example.test", "one", "1"));
  dovecot_.deliver(make_message("alice@example.test", "two", "2"));
  Session s = login();
  EXPECT_EQ(s.uid_search({}), (std::vector<Uid>{1, 2}));
  s.uid_store_add_flags({1}, {"\\Seen", "\\Answered", "$Raven"});
  EXPECT_EQ(s.uid_search({}), (std::vector<Uid>{2}));
  FetchItems items;
  items.flags = true;
  const std::vector<FetchedMessage> got = s.uid_fetch({1}, items);
  ASSERT_EQ(got.size(), 1U);
  for (const char* f : {"\\Seen", "\\Answered", "$Raven"}) {
    EXPECT_NE(std::find(got[0].flags.begin(), got[0].flags.end(), f), got[0].flags.end()) << f;
  }
}

TEST_F(ImapDovecot, AppendToSentReturnsTheUid) {
  Session s = Session::connect(dovecot_.imap_config());
  const std::string reply = make_message("raven@example.test", "Re: hello", "answer\r\n", "<r1@example.test>");
  const Uid first = s.append("Sent", reply, {"\\Seen"});
  EXPECT_GT(first, 0U);
  const Uid second = s.append("Sent", reply, {});
  EXPECT_EQ(second, first + 1);
  const MailboxStatus st = s.select("Sent");
  EXPECT_EQ(st.exists, 2U);
  FetchItems items;
  items.flags = items.header = true;
  const std::vector<FetchedMessage> got = s.uid_fetch({first}, items);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_TRUE(contains(got[0].header, "Subject: Re: hello"));
  EXPECT_NE(std::find(got[0].flags.begin(), got[0].flags.end(), "\\Seen"), got[0].flags.end());
  const Error e = error_of([&] { s.append("NoSuchFolder", reply, {}); });
  EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  EXPECT_TRUE(s.usable());
}

TEST_F(ImapDovecot, ExamineAndSearchByMessageIdFindTheSentCopy) {
  Session s = Session::connect(dovecot_.imap_config());
  s.append("Sent", make_message("raven@example.test", "Re: a", "one\r\n", "<reply-a@example.test>"), {"\\Seen"});
  const Uid b = s.append("Sent", make_message("raven@example.test", "Re: b", "two\r\n", "<reply-b@example.test>"), {});
  const MailboxStatus st = s.examine("Sent");
  EXPECT_EQ(st.exists, 2U);
  SearchQuery q;
  q.unseen = false;
  q.headers = {{"Message-ID", "<reply-b@example.test>"}};
  EXPECT_EQ(s.uid_search(q), std::vector<Uid>{b});
  q.headers = {{"Message-ID", "<reply-c@example.test>"}};
  EXPECT_TRUE(s.uid_search(q).empty());
  // EXAMINE is read-only: flags do not change there (Dovecot answers OK to
  // STORE and ignores it).
  try {
    s.uid_store_add_flags({b}, {"\\Seen"});
  } catch (const Error&) {
  }
  FetchItems items;
  items.flags = true;
  s.select("Sent");
  const auto got = s.uid_fetch({b}, items);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(std::find(got[0].flags.begin(), got[0].flags.end(), "\\Seen"), got[0].flags.end());

  const Error e = error_of([&] { s.examine("NoSuchFolder"); });
  EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  EXPECT_TRUE(s.usable());
  q.headers = {{"Message-ID", "bad\r\nvalue"}};
  EXPECT_EQ(error_of([&] { s.uid_search(q); }).kind(), ErrorKind::permanent);
  EXPECT_NO_THROW(s.select("INBOX"));
}

// ---- IDLE ----

TEST_F(ImapDovecot, IdleSeesADeliveredMessage) {
  Session s = login();
  std::jthread deliverer([&] {
    std::this_thread::sleep_for(300ms);
    dovecot_.deliver(make_message("alice@example.test", "new", "x"));
  });
  const auto t0 = Clock::now();
  // Dovecot 2.3 delays IDLE notices by ~500 ms after a delivery.
  EXPECT_EQ(s.idle(20s, {}), Session::IdleResult::mailbox_changed);
  EXPECT_LT(Clock::now() - t0, 10s);
  deliverer.join();
  EXPECT_EQ(s.uid_search({}), (std::vector<Uid>{1}));
}

TEST_F(ImapDovecot, IdleIsStoppedPromptly) {
  Session s = login();
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto t0 = Clock::now();
  EXPECT_EQ(s.idle(60s, stop.get_token()), Session::IdleResult::stopped);
  EXPECT_LT(Clock::now() - t0, 2s);  // typically a few ms after the request
  s.noop();                          // DONE was answered: still usable
}

TEST_F(ImapDovecot, IdleTimesOutWithoutNews) {
  Session s = login();
  const auto t0 = Clock::now();
  EXPECT_EQ(s.idle(1s, {}), Session::IdleResult::timed_out);
  EXPECT_GE(Clock::now() - t0, 900ms);
  s.noop();
}

TEST(ImapDovecotWithoutIdle, IdleIsAPermanentError) {
  Dovecot dovecot(DovecotOptions{.idle = false});
  Session s = Session::connect(dovecot.imap_config());
  s.select("INBOX");
  EXPECT_FALSE(s.has_capability("IDLE"));
  const Error e = error_of([&] { s.idle(1s, {}); });
  EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  EXPECT_TRUE(s.usable());
}

// ---- a server that goes away ----

TEST_F(ImapDovecot, RestartBreaksTheSessionAndAReconnectWorks) {
  Session s = login();
  dovecot_.restart();
  const Error e = error_of([&] { s.noop(); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_FALSE(s.usable());
  Session again = login();
  again.noop();
}

}  // namespace
}  // namespace raven::imap
