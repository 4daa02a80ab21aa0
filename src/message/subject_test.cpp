#include "message/subject.hpp"

#include <gtest/gtest.h>

namespace raven::message {
namespace {

TEST(Subject, AddsRe) {
  EXPECT_EQ(reply_subject("Printer broken"), "Re: Printer broken");
}

TEST(Subject, DoesNotStackPrefixes) {
  EXPECT_EQ(reply_subject("Re: Printer"), "Re: Printer");
  EXPECT_EQ(reply_subject("RE: re: Re:Printer"), "Re: Printer");
  EXPECT_EQ(reply_subject("AW: Re: SV: Antw: Odp: Printer"), "Re: Printer");
  EXPECT_EQ(reply_subject("Re[2]: Re(3): Printer"), "Re: Printer");
  EXPECT_EQ(reply_subject("Re : Printer"), "Re: Printer");
  EXPECT_EQ(reply_subject("  re:   Printer  "), "Re: Printer");
}

TEST(Subject, KeepsForwardPrefixesAndLookalikes) {
  EXPECT_EQ(reply_subject("Fwd: Printer"), "Re: Fwd: Printer");
  EXPECT_EQ(reply_subject("Re: Fwd: Re: Printer"), "Re: Fwd: Re: Printer");
  EXPECT_EQ(reply_subject("Report: Q3"), "Re: Report: Q3");
  EXPECT_EQ(reply_subject("Resume"), "Re: Resume");
  EXPECT_EQ(reply_subject("Re[x]: odd"), "Re: Re[x]: odd");
}

TEST(Subject, EmptySubject) {
  EXPECT_EQ(reply_subject(""), "Re:");
  EXPECT_EQ(reply_subject("Re: "), "Re:");
}

TEST(Subject, NoLineBreaks) {
  EXPECT_EQ(reply_subject("a\r\nBcc: x@example.com"), "Re: a Bcc: x@example.com");
  EXPECT_EQ(reply_subject("\r\nRe:\r\n x"), "Re: x");
}

TEST(Subject, Strip) {
  EXPECT_EQ(strip_reply_prefixes("Aw: Sv: hej"), "hej");
}

}  // namespace
}  // namespace raven::message
