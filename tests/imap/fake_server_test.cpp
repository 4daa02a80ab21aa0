// raven::imap::Session against scripted fake servers: the failures a real
// server will not produce on demand, and the exact bytes we put on the wire.
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <thread>

#include "common/error.hpp"
#include "imap/session.hpp"
#include "script_server.hpp"

namespace raven::imap {
namespace {

using namespace std::chrono_literals;
using testing::ScriptConnection;
using testing::ScriptServer;
using Clock = std::chrono::steady_clock;

// The Error thrown by f (a failure is recorded if none is).
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

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void expect_clean(ScriptServer& server) {
  server.join();
  for (const std::string& f : server.failures()) ADD_FAILURE() << "script: " << f;
}

// ---- connect and log in ----

TEST(ImapFakeServer, ConnectsLogsInAndSelects) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login("IMAP4rev1 IDLE UIDPLUS");
    c.select_inbox();
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    EXPECT_TRUE(s.usable());
    EXPECT_TRUE(s.has_capability("idle"));
    EXPECT_TRUE(s.has_capability("UIDPLUS"));
    EXPECT_FALSE(s.has_capability("STARTTLS"));
    const MailboxStatus st = s.select("INBOX");
    EXPECT_EQ(st.uidvalidity, 42U);
    EXPECT_EQ(st.exists, 3U);
    EXPECT_EQ(st.uidnext, 7U);
  }
  expect_clean(server);
}

TEST(ImapFakeServer, AsksForCapabilitiesWhenTheGreetingHasNone) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK hello");
    std::string tag = c.expect("CAPABILITY");
    c.line("* CAPABILITY IMAP4rev1 AUTH=PLAIN");
    c.line(tag + " OK done");
    tag = c.expect("LOGIN raven secret");
    c.line(tag + " OK logged in");  // no capabilities in the OK: ask again
    tag = c.expect("CAPABILITY");
    c.line("* CAPABILITY IMAP4rev1 IDLE");
    c.line(tag + " OK done");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    EXPECT_TRUE(s.has_capability("IDLE"));
    EXPECT_FALSE(s.has_capability("AUTH=PLAIN"));  // the pre-login list is gone
  }
  expect_clean(server);
}

TEST(ImapFakeServer, PreauthSkipsLogin) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] welcome back");
    c.expect_close();
  });
  { Session s = Session::connect(server.config()); }
  expect_clean(server);
}

TEST(ImapFakeServer, ServerThatNeverGreetsFailsWithinConnectTimeout) {
  ScriptServer server([](ScriptConnection& c) { c.sleep(10s); });
  Config config = server.config();
  config.connect_timeout = 1s;
  config.command_timeout = 10s;  // the per-read timeout must not be what ends it
  const auto t0 = Clock::now();
  const Error e = error_of([&] { Session::connect(config); });
  const auto took = Clock::now() - t0;
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "timed out")) << e.what();
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
}

TEST(ImapFakeServer, TlsServerThatNeverHandshakesFailsWithinConnectTimeout) {
  ScriptServer server([](ScriptConnection& c) { c.sleep(10s); });
  Config config = server.config(Tls::implicit);
  config.connect_timeout = 1s;
  config.command_timeout = 10s;
  const auto t0 = Clock::now();
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "TLS handshake")) << e.what();
  EXPECT_LT(Clock::now() - t0, 3s);
}

TEST(ImapFakeServer, StopRequestAbortsConnect) {
  ScriptServer server([](ScriptConnection& c) { c.sleep(10s); });
  Config config = server.config();
  config.connect_timeout = 30s;
  config.command_timeout = 30s;
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  const auto t0 = Clock::now();
  const Error e = error_of([&] { Session::connect(config, stop.get_token()); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "stopped")) << e.what();
  EXPECT_LT(Clock::now() - t0, 2s);
}

TEST(ImapFakeServer, RefusedConnectionIsTransient) {
  std::uint16_t port = 0;
  { ScriptServer gone([](ScriptConnection&) {}); port = gone.port(); }
  Config config;
  config.host = "127.0.0.1";
  config.port = port;
  config.tls = Tls::none;
  config.username = "raven";
  config.password = "secret";
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "cannot connect to 127.0.0.1:" + std::to_string(port))) << e.what();
}

TEST(ImapFakeServer, ByeGreetingIsTransient) {
  ScriptServer server([](ScriptConnection& c) { c.line("* BYE too many connections"); });
  const Error e = error_of([&] { Session::connect(server.config()); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "too many connections")) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, ByeOnLoginIsTransient) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1] hi");
    c.expect("LOGIN");
    c.line("* BYE shutting down");
    c.close();
  });
  const Error e = error_of([&] { Session::connect(server.config()); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, RejectedLoginIsFatal) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1] hi");
    const std::string tag = c.expect("LOGIN raven secret");
    c.line(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.");
    c.expect_close();
  });
  const Error e = error_of([&] { Session::connect(server.config()); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "LOGIN as raven")) << e.what();
  EXPECT_TRUE(contains(e.what(), "Authentication failed")) << e.what();
  EXPECT_FALSE(contains(e.what(), "secret")) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, TemporarilyUnavailableLoginIsTransient) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1] hi");
    const std::string tag = c.expect("LOGIN");
    c.line(tag + " NO [UNAVAILABLE] Temporary authentication failure.");
    c.expect_close();
  });
  const Error e = error_of([&] { Session::connect(server.config()); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, LoginDisabledIsFatalAndNothingIsSent) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi");
    c.expect_close();
  });
  const Error e = error_of([&] { Session::connect(server.config()); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "LOGINDISABLED")) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, MissingStarttlsIsFatalNeverPlaintextLogin) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here");
    c.expect_close();  // no STARTTLS, and above all no LOGIN
  });
  const Error e = error_of([&] { Session::connect(server.config(Tls::starttls)); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "STARTTLS")) << e.what();
  expect_clean(server);
  for (const std::string& l : server.received()) EXPECT_FALSE(contains(l, "LOGIN")) << l;
}

TEST(ImapFakeServer, PlaintextInjectedAfterStarttlsIsFatal) {
  ScriptServer server([](ScriptConnection& c) {
    c.line("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi");
    const std::string tag = c.expect("STARTTLS");
    c.send(tag + " OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n");
    c.expect_close();
  });
  const Error e = error_of([&] { Session::connect(server.config(Tls::starttls)); });
  EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
  EXPECT_TRUE(contains(e.what(), "unexpected plaintext after STARTTLS")) << e.what();
  expect_clean(server);
}

TEST(ImapFakeServer, MissingMailboxIsFatal) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    const std::string tag = c.expect("SELECT Nope");
    c.line(tag + " NO [NONEXISTENT] Mailbox doesn't exist: Nope");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    const Error e = error_of([&] { s.select("Nope"); });
    EXPECT_EQ(e.kind(), ErrorKind::fatal) << e.what();
    EXPECT_TRUE(contains(e.what(), "SELECT Nope")) << e.what();
  }
  expect_clean(server);
}

// ---- deadlines and dying servers ----

TEST(ImapFakeServer, DrippingServerIsCutOffByTheCommandDeadline) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("NOOP");
    // One byte every 300 ms: every read succeeds long before the per-read
    // timeout (2 s), so only the whole-command deadline can end this.
    c.drip("* 3 EXISTS\r\n* 1 RECENT\r\n" + tag + " OK NOOP completed\r\n", 300ms);
  });
  Config config = server.config();
  config.command_timeout = 1500ms;
  Session s = Session::connect(config);
  s.select("INBOX");
  const auto t0 = Clock::now();
  const Error e = error_of([&] { s.noop(); });
  const auto took = Clock::now() - t0;
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "timed out after 1500 ms")) << e.what();
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(s.usable());
  const Error again = error_of([&] { s.noop(); });
  EXPECT_EQ(again.kind(), ErrorKind::transient);
  EXPECT_TRUE(contains(again.what(), "broken")) << again.what();
}

TEST(ImapFakeServer, ServerDyingInsideALiteralIsAnErrorWithoutSpinning) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    c.expect("UID FETCH 1 (UID BODY.PEEK[HEADER])");
    c.send("* 1 FETCH (UID 1 BODY[HEADER] {1000}\r\nFrom: someone@example.test\r\nSubj");
    c.close();
  });
  Config config = server.config();
  config.command_timeout = 5s;
  Session s = Session::connect(config);
  s.select("INBOX");
  FetchItems items;
  items.header = true;
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  const Error e = error_of([&] { s.uid_fetch({1}, items); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "closed the connection")) << e.what();
  EXPECT_LT(Clock::now() - t0, 4s);      // ended by EOF, not by the 5 s deadline
  EXPECT_LT(cpu_seconds() - cpu0, 0.5);  // and without spinning meanwhile
  EXPECT_FALSE(s.usable());
  expect_clean(server);
}

TEST(ImapFakeServer, ByeDuringACommandIsTransient) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    c.expect("NOOP");
    c.line("* BYE server shutting down");
    c.close();
  });
  Session s = Session::connect(server.config());
  s.select("INBOX");
  const Error e = error_of([&] { s.noop(); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_FALSE(s.usable());
  expect_clean(server);
}

// ---- CR/LF injection: rejected before anything is sent ----

class Injection : public ::testing::Test {
 protected:
  // The server accepts LOGIN and SELECT; the next thing it must see is NOOP.
  ScriptServer server_{[](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("NOOP");
    c.line(tag + " OK NOOP completed");
    c.expect_close();
  }};

  void expect_rejected(const std::function<void(Session&)>& attempt) {
    {
      Session s = Session::connect(server_.config());
      s.select("INBOX");
      const Error e = error_of([&] { attempt(s); });
      EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
      EXPECT_TRUE(s.usable());
      s.noop();
    }
    expect_clean(server_);
    for (const std::string& l : server_.received()) EXPECT_FALSE(contains(l, "DELETE")) << l;
  }
};

TEST_F(Injection, SearchSubject) {
  expect_rejected([](Session& s) {
    SearchQuery q;
    q.subject = "x\r\nA1 DELETE INBOX";
    s.uid_search(q);
  });
}

TEST_F(Injection, SearchFrom) {
  expect_rejected([](Session& s) {
    SearchQuery q;
    q.from_any = {"ok@example.test", "x\nA1 DELETE INBOX"};
    s.uid_search(q);
  });
}

TEST_F(Injection, SearchNul) {
  expect_rejected([](Session& s) {
    SearchQuery q;
    q.subject = std::string("a\0b", 3);
    s.uid_search(q);
  });
}

TEST_F(Injection, SelectMailbox) {
  expect_rejected([](Session& s) { s.select("INBOX\r\nA1 DELETE INBOX"); });
}

TEST_F(Injection, StoreFlag) {
  expect_rejected([](Session& s) { s.uid_store_add_flags({1}, {"\\Seen", "$X\r\nA1 DELETE INBOX"}); });
}

TEST_F(Injection, StoreFlagThatIsNotAnAtom) {
  expect_rejected([](Session& s) { s.uid_store_add_flags({1}, {"two words"}); });
}

TEST_F(Injection, AppendMailbox) {
  expect_rejected([](Session& s) { s.append("Sent\r\nA1 DELETE INBOX", "Subject: x\r\n\r\nhi\r\n", {}); });
}

TEST_F(Injection, AppendFlag) {
  expect_rejected([](Session& s) { s.append("Sent", "Subject: x\r\n\r\nhi\r\n", {"a)b"}); });
}

TEST_F(Injection, FetchSection) {
  expect_rejected([](Session& s) {
    FetchItems items;
    items.sections = {{"1]\r\nA1 DELETE INBOX", 100}};
    s.uid_fetch({1}, items);
  });
}

TEST(ImapFakeServer, CredentialsWithLineBreaksAreRejectedBeforeConnecting) {
  ScriptServer server([](ScriptConnection&) {});
  Config config = server.config();
  config.password = "secret\r\nA1 DELETE INBOX";
  const Error e = error_of([&] { Session::connect(config); });
  EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  EXPECT_EQ(server.connections(), 0);
}

// ---- commands on the wire ----

TEST(ImapFakeServer, SearchSendsTheQueryAndFiltersUidStar) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    std::string tag = c.expect("UID SEARCH UNSEEN OR FROM \"alice@example.test\" FROM bob SUBJECT \"Help me\" UID 5:*");
    c.line("* SEARCH 9 4 5");  // 4: "5:*" also matches the highest UID below 5
    c.line(tag + " OK Search completed");
    tag = c.expect("UID SEARCH ALL");
    c.line("* SEARCH");
    c.line(tag + " OK Search completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    SearchQuery q;
    q.from_any = {"alice@example.test", "bob"};
    q.subject = "Help me";
    q.min_uid = 5;
    EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{5, 9}));
    SearchQuery all;
    all.unseen = false;
    EXPECT_TRUE(s.uid_search(all).empty());
  }
  expect_clean(server);
}

TEST(ImapFakeServer, NonAsciiSearchUsesUtf8AndLiteralPlus) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("UID SEARCH CHARSET UTF-8 UNSEEN SUBJECT {7+}");
    c.expect_line("Grüße");
    c.line("* SEARCH 3");
    c.line(tag + " OK Search completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    SearchQuery q;
    q.subject = "Grüße";
    EXPECT_EQ(s.uid_search(q), (std::vector<Uid>{3}));
  }
  expect_clean(server);
}

TEST(ImapFakeServer, BadReplyIsPermanentAndTheSessionStaysUsable) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    std::string tag = c.expect("UID SEARCH");
    c.line(tag + " BAD Error in IMAP command: Unknown argument");
    tag = c.expect("UID FETCH");
    c.line(tag + " NO Some messages could not be fetched");
    tag = c.expect("NOOP");
    c.line(tag + " OK done");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const Error bad = error_of([&] { s.uid_search({}); });
    EXPECT_EQ(bad.kind(), ErrorKind::permanent) << bad.what();
    FetchItems items;
    items.flags = true;
    const Error no = error_of([&] { s.uid_fetch({1}, items); });
    EXPECT_EQ(no.kind(), ErrorKind::permanent) << no.what();
    EXPECT_TRUE(contains(no.what(), "could not be fetched")) << no.what();
    EXPECT_TRUE(s.usable());
    s.noop();
  }
  expect_clean(server);
}

TEST(ImapFakeServer, FetchSendsPeekAndPartialAndParsesBodystructure) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect(
        "UID FETCH 1:2,4 (UID FLAGS RFC822.SIZE INTERNALDATE BODYSTRUCTURE BODY.PEEK[HEADER] "
        "BODY.PEEK[1]<0.1024> BODY.PEEK[2.TEXT]<0.10>)");
    c.send(
        "* 1 FETCH (UID 1 FLAGS (\\Seen $Forwarded) RFC822.SIZE 1234 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 120 4 NIL NIL NIL NIL)"
        "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") \"<id1@x>\" NIL \"BASE64\" 5000 NIL (\"ATTACHMENT\" "
        "(\"FILENAME\" \"report.pdf\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL NIL) "
        "BODY[HEADER] {24}\r\nSubject: hi\r\nFrom: a\r\n\r\n BODY[1]<0> {5}\r\nhello)\r\n");
    c.send("* 9 FETCH (FLAGS (\\Deleted))\r\n");  // unsolicited: no UID, ignored
    c.send(
        "* 2 FETCH (UID 2 FLAGS () RFC822.SIZE 400 INTERNALDATE \"01-Jan-2024 00:00:00 +0000\" "
        "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 300 (\"Mon, 1 Jan 2024 00:00:00 +0000\" \"inner\" NIL NIL NIL "
        "NIL NIL NIL NIL NIL) ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" NIL "
        "NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL) \"ALTERNATIVE\" NIL NIL NIL NIL) 12 NIL NIL NIL NIL) \"MIXED\" NIL "
        "NIL NIL NIL) BODY[HEADER] {4}\r\nA: b BODY[1]<0> {3}\r\nabc BODY[2.TEXT]<0> {10}\r\n0123456789)\r\n");
    c.send(
        "* 3 FETCH (UID 4 FLAGS (\\Answered) RFC822.SIZE 99 INTERNALDATE \"02-Feb-2024 10:00:00 +0100\" "
        "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL) "
        "BODY[HEADER] NIL BODY[1]<0> \"abc\")\r\n");
    c.line(tag + " OK Fetch completed");
    c.expect_close();
  });
  std::vector<FetchedMessage> got;
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    FetchItems items;
    items.flags = items.size = items.internal_date = items.bodystructure = items.header = true;
    items.sections = {{"1", 1024}, {"2.text", 10}};
    got = s.uid_fetch({4, 1, 2}, items);
  }
  expect_clean(server);
  ASSERT_EQ(got.size(), 3U);

  const FetchedMessage& m1 = got[0];
  EXPECT_EQ(m1.uid, 1U);
  EXPECT_EQ(m1.flags, (std::vector<std::string>{"\\Seen", "$Forwarded"}));
  EXPECT_EQ(m1.size, 1234U);
  EXPECT_EQ(m1.internal_date, "17-Jul-1996 02:44:25 -0700");
  EXPECT_EQ(m1.header, "Subject: hi\r\nFrom: a\r\n\r\n");
  EXPECT_EQ(m1.sections.at("1"), "hello");
  ASSERT_TRUE(m1.bodystructure);
  const BodyPart& root = *m1.bodystructure;
  EXPECT_EQ(root.section, "");
  EXPECT_EQ(root.type, "multipart");
  EXPECT_EQ(root.subtype, "mixed");
  EXPECT_EQ(root.params.at("boundary"), "xyz");
  ASSERT_EQ(root.children.size(), 2U);
  EXPECT_EQ(root.children[0].section, "1");
  EXPECT_EQ(root.children[0].type, "text");
  EXPECT_EQ(root.children[0].subtype, "plain");
  EXPECT_EQ(root.children[0].params.at("charset"), "UTF-8");
  EXPECT_EQ(root.children[0].encoding, "quoted-printable");
  EXPECT_EQ(root.children[0].size, 120U);
  const BodyPart& pdf = root.children[1];
  EXPECT_EQ(pdf.section, "2");
  EXPECT_EQ(pdf.type, "application");
  EXPECT_EQ(pdf.subtype, "pdf");
  EXPECT_EQ(pdf.disposition, "attachment");
  EXPECT_EQ(pdf.filename, "report.pdf");
  EXPECT_EQ(pdf.id, "<id1@x>");
  EXPECT_EQ(pdf.encoding, "base64");

  const FetchedMessage& m2 = got[1];
  EXPECT_EQ(m2.uid, 2U);
  EXPECT_TRUE(m2.flags.empty());
  EXPECT_EQ(m2.header, "A: b");
  EXPECT_EQ(m2.sections.at("1"), "abc");
  EXPECT_EQ(m2.sections.at("2.text"), "0123456789");
  ASSERT_TRUE(m2.bodystructure);
  ASSERT_EQ(m2.bodystructure->children.size(), 2U);
  const BodyPart& rfc822 = m2.bodystructure->children[1];
  EXPECT_EQ(rfc822.section, "2");
  EXPECT_EQ(rfc822.type, "message");
  EXPECT_EQ(rfc822.subtype, "rfc822");
  ASSERT_EQ(rfc822.children.size(), 1U);
  const BodyPart& inner = rfc822.children[0];
  EXPECT_EQ(inner.section, "2.TEXT");
  EXPECT_EQ(inner.subtype, "alternative");
  ASSERT_EQ(inner.children.size(), 2U);
  EXPECT_EQ(inner.children[0].section, "2.1");
  EXPECT_EQ(inner.children[1].section, "2.2");
  EXPECT_EQ(inner.children[1].subtype, "html");

  const FetchedMessage& m4 = got[2];
  EXPECT_EQ(m4.uid, 4U);
  EXPECT_EQ(m4.flags, (std::vector<std::string>{"\\Answered"}));
  EXPECT_EQ(m4.internal_date, "02-Feb-2024 10:00:00 +0100");
  EXPECT_EQ(m4.sections.at("1"), "abc");
  ASSERT_TRUE(m4.bodystructure);
  EXPECT_EQ(m4.bodystructure->section, "");  // single part: its text is section "1"
  EXPECT_EQ(m4.bodystructure->type, "text");
  EXPECT_EQ(m4.bodystructure->params.at("charset"), "us-ascii");
  EXPECT_TRUE(m4.bodystructure->children.empty());
}

TEST(ImapFakeServer, FetchOfNoUidsSendsNothing) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    FetchItems items;
    items.flags = true;
    EXPECT_TRUE(s.uid_fetch({}, items).empty());
    s.uid_store_add_flags({}, {"\\Seen"});
  }
  expect_clean(server);
}

TEST(ImapFakeServer, StoreAddsFlagsSilently) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("UID STORE 3,5 +FLAGS.SILENT (\\Seen \\Answered $Raven)");
    c.line(tag + " OK Store completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    s.uid_store_add_flags({5, 3}, {"\\seen", "\\Answered", "$Raven"});
  }
  expect_clean(server);
}

TEST(ImapFakeServer, AppendReturnsTheUidFromAppendUid) {
  const std::string message = "Subject: reply\r\n\r\nHello\r\n";
  ScriptServer server([&](ScriptConnection& c) {
    c.greet_and_login("IMAP4rev1 UIDPLUS");
    const std::string tag = c.expect("APPEND Sent (\\Seen) {" + std::to_string(message.size()) + "}");
    c.line("+ OK");
    if (c.read_bytes(message.size()) != message) throw testing::ScriptFailure("literal differs");
    if (!c.read_line().empty()) throw testing::ScriptFailure("no CRLF after the literal");
    c.line(tag + " OK [APPENDUID 42 17] Append completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    EXPECT_EQ(s.append("Sent", message, {"\\Seen"}), 17U);
  }
  expect_clean(server);
}

TEST(ImapFakeServer, AppendWithoutUidplusReturnsZero) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login("IMAP4rev1");
    const std::string tag = c.expect("APPEND Sent {12}");
    c.line("+ OK");
    c.read_bytes(12);
    c.read_line();
    c.line(tag + " OK Append completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    EXPECT_EQ(s.append("Sent", "A: b\r\n\r\nhi\r\n", {}), 0U);
  }
  expect_clean(server);
}

TEST(ImapFakeServer, LogoutSaysGoodbyeAndClosesTheSession) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    const std::string tag = c.expect("LOGOUT");
    c.line("* BYE Logging out");
    c.line(tag + " OK Logout completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.logout();
    EXPECT_FALSE(s.usable());
    const Error e = error_of([&] { s.noop(); });
    EXPECT_EQ(e.kind(), ErrorKind::transient);
  }
  expect_clean(server);
}

// ---- IDLE ----

TEST(ImapFakeServer, IdleReportsExists) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("IDLE");
    c.line("+ idling");
    c.sleep(300ms);
    c.line("* 4 EXISTS");
    c.expect_line("DONE");
    c.line(tag + " OK Idle completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const auto t0 = Clock::now();
    EXPECT_EQ(s.idle(10s, {}), Session::IdleResult::mailbox_changed);
    EXPECT_LT(Clock::now() - t0, 3s);
    EXPECT_TRUE(s.usable());
  }
  expect_clean(server);
}

// The EXISTS arrives in the same packet as the continuation, so libetpan has
// already read it into its buffer: poll() alone would never see it.
TEST(ImapFakeServer, IdleSeesNewsThatCameWithTheContinuation) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    const std::string tag = c.expect("IDLE");
    c.send("+ idling\r\n* 5 EXISTS\r\n");
    c.expect_line("DONE");
    c.line(tag + " OK Idle completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const auto t0 = Clock::now();
    EXPECT_EQ(s.idle(5s, {}), Session::IdleResult::mailbox_changed);
    EXPECT_LT(Clock::now() - t0, 2s);
  }
  expect_clean(server);
}

TEST(ImapFakeServer, IdleIgnoresKeepAlivesAndTimesOut) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    std::string tag = c.expect("IDLE");
    c.line("+ idling");
    c.sleep(200ms);
    c.line("* OK Still here");
    c.expect_line("DONE");
    c.line(tag + " OK Idle completed");
    tag = c.expect("IDLE");  // issued again for the rest of `max`
    c.line("+ idling");
    c.expect_line("DONE");
    c.line(tag + " OK Idle completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const auto t0 = Clock::now();
    EXPECT_EQ(s.idle(1s, {}), Session::IdleResult::timed_out);
    const auto took = Clock::now() - t0;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 3s);
  }
  expect_clean(server);
}

TEST(ImapFakeServer, IdleStopsPromptlyAndLeavesTheSessionUsable) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    std::string tag = c.expect("IDLE");
    c.line("+ idling");
    c.expect_line("DONE");
    c.line(tag + " OK Idle completed");
    tag = c.expect("NOOP");
    c.line(tag + " OK NOOP completed");
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    std::stop_source stop;
    std::jthread stopper([&] {
      std::this_thread::sleep_for(200ms);
      stop.request_stop();
    });
    const auto t0 = Clock::now();
    EXPECT_EQ(s.idle(30s, stop.get_token()), Session::IdleResult::stopped);
    EXPECT_LT(Clock::now() - t0, 2s);
    s.noop();
    std::stop_source already;
    already.request_stop();
    EXPECT_EQ(s.idle(30s, already.get_token()), Session::IdleResult::stopped);  // sends nothing
  }
  expect_clean(server);
}

TEST(ImapFakeServer, IdleWithoutTheCapabilityIsPermanent) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login("IMAP4rev1");
    c.select_inbox();
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const Error e = error_of([&] { s.idle(1s, {}); });
    EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
    EXPECT_TRUE(s.usable());
  }
  expect_clean(server);
}

TEST(ImapFakeServer, IdleWithoutASelectedMailboxIsPermanent) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.expect_close();
  });
  {
    Session s = Session::connect(server.config());
    const Error e = error_of([&] { s.idle(1s, {}); });
    EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
  }
  expect_clean(server);
}

// A stopped (not dead) server never wakes the poll; `max` ends the wait and
// the unanswered DONE then runs into the command deadline.
TEST(ImapFakeServer, StoppedServerDuringIdleIsCaughtAtDone) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    c.expect("IDLE");
    c.line("+ idling");
    c.expect_line("DONE");
    c.sleep(5s);  // never answers
  });
  Config config = server.config();
  config.command_timeout = 1s;
  Session s = Session::connect(config);
  s.select("INBOX");
  const auto t0 = Clock::now();
  const Error e = error_of([&] { s.idle(500ms, {}); });
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(contains(e.what(), "IDLE DONE")) << e.what();
  EXPECT_LT(Clock::now() - t0, 3s);
  EXPECT_FALSE(s.usable());
}

TEST(ImapFakeServer, ServerDyingDuringIdleIsTransient) {
  ScriptServer server([](ScriptConnection& c) {
    c.greet_and_login();
    c.select_inbox();
    c.expect("IDLE");
    c.line("+ idling");
    c.sleep(100ms);
    c.close();
  });
  {
    Session s = Session::connect(server.config());
    s.select("INBOX");
    const Error e = error_of([&] { s.idle(10s, {}); });
    EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
    EXPECT_FALSE(s.usable());
  }
  expect_clean(server);
}

}  // namespace
}  // namespace raven::imap
