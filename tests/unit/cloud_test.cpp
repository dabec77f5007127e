// --cloud: the host table, and autodiscovery that never re-sends the secret off CrowdStrike.
#include "csbridge/cloud.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "csbridge/oauth2_client.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"

namespace csbridge {
namespace {

using ::testing::ElementsAre;
using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = R"({"access_token":"tok","token_type":"bearer","expires_in":1799})";

TEST(Clouds, TableOfFalconApi12) {
  EXPECT_EQ(cloud_base_url("us-1").value(), "https://api.crowdstrike.com");
  EXPECT_EQ(cloud_base_url("us-2").value(), "https://api.us-2.crowdstrike.com");
  EXPECT_EQ(cloud_base_url("eu-1").value(), "https://api.eu-1.crowdstrike.com");
  EXPECT_EQ(cloud_base_url("us-gov-1").value(), "https://api.laggar.gcw.crowdstrike.com");
  EXPECT_EQ(cloud_base_url("us-gov-2").value(), "https://api.us-gov-2.crowdstrike.mil");
  EXPECT_EQ(cloud_base_url("auto").value(), "https://api.crowdstrike.com");  // where it starts
  auto bad = cloud_base_url("eu-2");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kConfig);
  EXPECT_THAT(bad.error().message, HasSubstr("us-gov-2, auto"));
  EXPECT_THAT(cloud_choices(), ElementsAre("us-1", "us-2", "eu-1", "us-gov-1", "us-gov-2", "auto"));
}

TEST(Clouds, XCsRegionSpellingsAreFound) {
  ASSERT_NE(find_cloud("us2"), nullptr);  // FalconPy strips the dash
  EXPECT_EQ(find_cloud("us2")->name, "us-2");
  EXPECT_EQ(find_cloud("EU-1")->name, "eu-1");
  EXPECT_EQ(find_cloud("usgov1")->name, "us-gov-1");
  EXPECT_EQ(find_cloud("mars-1"), nullptr);
  EXPECT_EQ(find_cloud(""), nullptr);
}

struct RedirectCase {
  std::string location;
  const char* cloud;  ///< nullptr: must not be followed
};

class TrustedRedirect : public ::testing::TestWithParam<RedirectCase> {};

TEST_P(TrustedRedirect, OnlyCommercialCrowdStrikeTokenEndpoints) {
  const Cloud* c = trusted_token_redirect(GetParam().location);
  if (GetParam().cloud == nullptr) {
    EXPECT_EQ(c, nullptr) << GetParam().location;
  } else {
    ASSERT_NE(c, nullptr) << GetParam().location;
    EXPECT_EQ(c->name, GetParam().cloud);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Locations, TrustedRedirect,
    ::testing::Values(
        RedirectCase{"https://api.us-2.crowdstrike.com/oauth2/token", "us-2"},
        RedirectCase{"https://api.eu-1.crowdstrike.com/oauth2/token", "eu-1"},
        RedirectCase{"https://api.crowdstrike.com/oauth2/token", "us-1"},
        RedirectCase{"HTTPS://API.US-2.CROWDSTRIKE.COM/oauth2/token", "us-2"},
        RedirectCase{"https://api.us-2.crowdstrike.com", "us-2"},
        RedirectCase{"http://api.us-2.crowdstrike.com/oauth2/token", nullptr},
        RedirectCase{"https://api.us-2.crowdstrike.com.evil.com/oauth2/token", nullptr},
        RedirectCase{"https://evil.com/oauth2/token", nullptr},
        RedirectCase{"https://api.us-2.crowdstrike.com@evil.com/oauth2/token", nullptr},
        RedirectCase{"https://evil.com@api.us-2.crowdstrike.com/oauth2/token", nullptr},
        RedirectCase{"https://api.us-2.crowdstrike.com:8443/oauth2/token", nullptr},
        RedirectCase{"https://api.us-2.crowdstrike.com/oauth2/token?x=1", nullptr},
        RedirectCase{"https://api.us-2.crowdstrike.com/other", nullptr},
        RedirectCase{"https://api.laggar.gcw.crowdstrike.com/oauth2/token", nullptr},
        RedirectCase{"https://api.us-gov-2.crowdstrike.mil/oauth2/token", nullptr},
        RedirectCase{"//api.us-2.crowdstrike.com/oauth2/token", nullptr},
        RedirectCase{"/oauth2/token", nullptr}, RedirectCase{"", nullptr}));

class DiscoveryTest : public ::testing::Test {
 protected:
  [[nodiscard]] Result<std::string> token() {
    OAuth2Client oauth{discovery, clock, Credentials{"id", "s3cret", ""},
                       "https://api.crowdstrike.com"};
    return oauth.token();
  }

  testing::FakeClock clock;
  FakeTransport http;
  CloudDiscoveryTransport discovery{http, "https://api.crowdstrike.com"};
};

TEST_F(DiscoveryTest, Follows308ToTheClientsCloudAndStaysThere) {
  http.enqueue(
      308, "",
      {{"Location", "https://api.us-2.crowdstrike.com/oauth2/token"}, {"X-Cs-Region", "us-2"}});
  http.enqueue(201, kToken, {{"X-Cs-Region", "us-2"}});
  http.enqueue(200, "{}");
  ASSERT_TRUE(token());
  ASSERT_EQ(http.requests.size(), 2U);
  EXPECT_EQ(http.requests[0].url, "https://api.crowdstrike.com/oauth2/token");
  EXPECT_EQ(http.requests[1].url, "https://api.us-2.crowdstrike.com/oauth2/token");
  EXPECT_EQ(http.requests[1].method, "POST");
  EXPECT_EQ(http.requests[1].body, http.requests[0].body);  // same form, same secret
  EXPECT_EQ(discovery.base_url(), "https://api.us-2.crowdstrike.com");

  // Every later call addressed to us-1 goes to us-2.
  HttpRequest api;
  api.url = "https://api.crowdstrike.com/alerts/combined/alerts/v1";
  ASSERT_TRUE(discovery.send(api));
  EXPECT_EQ(http.requests[2].url, "https://api.us-2.crowdstrike.com/alerts/combined/alerts/v1");
}

TEST_F(DiscoveryTest, ARedirectOffCrowdStrikeIsRefusedAndTheSecretNotSent) {
  for (const char* location :
       {"https://evil.example/oauth2/token", "http://api.us-2.crowdstrike.com/oauth2/token",
        "https://api.us-gov-2.crowdstrike.mil/oauth2/token"}) {
    http.requests.clear();
    http.enqueue(308, "", {{"Location", location}});
    auto t = token();
    ASSERT_FALSE(t) << location;
    EXPECT_EQ(t.error().code, ErrorCode::kAuth);
    EXPECT_THAT(t.error().message, HasSubstr("not following it"));
    EXPECT_THAT(t.error().message, Not(HasSubstr("s3cret")));
    ASSERT_EQ(http.requests.size(), 1U) << location;  // nothing went to the Location
    EXPECT_EQ(discovery.base_url(), "https://api.crowdstrike.com");
  }
}

TEST_F(DiscoveryTest, XCsRegionOfA201SwitchesCommercialCloudsOnly) {
  http.enqueue(201, kToken, {{"X-Cs-Region", "eu-1"}});
  ASSERT_TRUE(token());
  EXPECT_EQ(discovery.base_url(), "https://api.eu-1.crowdstrike.com");

  CloudDiscoveryTransport gov{http, "https://api.crowdstrike.com"};
  http.enqueue(201, kToken, {{"X-Cs-Region", "us-gov-1"}});
  HttpRequest req;
  req.method = "POST";
  req.url = "https://api.crowdstrike.com/oauth2/token";
  ASSERT_TRUE(gov.send(req));
  EXPECT_EQ(gov.base_url(), "https://api.crowdstrike.com");
}

TEST_F(DiscoveryTest, RedirectLoopsEndAfterTwoHops) {
  http.enqueue(308, "", {{"Location", "https://api.us-2.crowdstrike.com/oauth2/token"}});
  http.enqueue(308, "", {{"Location", "https://api.eu-1.crowdstrike.com/oauth2/token"}});
  http.enqueue(308, "", {{"Location", "https://api.crowdstrike.com/oauth2/token"}});
  auto t = token();
  ASSERT_FALSE(t);
  EXPECT_EQ(http.requests.size(), 3U);
  EXPECT_THAT(t.error().message, HasSubstr("308"));
}

TEST(OAuth2Redirect, WithoutAutodiscoveryA308SaysWhichCloudToUse) {
  testing::FakeClock clock;
  FakeTransport http;
  http.enqueue(
      308, "",
      {{"Location", "https://api.us-2.crowdstrike.com/oauth2/token"}, {"X-Cs-Region", "us-2"}});
  OAuth2Client oauth{http, clock, Credentials{"id", "s3cret", ""}, "https://api.crowdstrike.com"};
  auto t = oauth.token();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kAuth);
  EXPECT_THAT(t.error().message, HasSubstr("X-Cs-Region 'us-2'"));
  EXPECT_THAT(t.error().message, HasSubstr("--cloud auto"));
  EXPECT_EQ(http.requests.size(), 1U);
}

TEST(OAuth2MemberCid, TheMemberCidIsAFormFieldOfTheTokenRequest) {
  testing::FakeClock clock;
  FakeTransport http;
  http.enqueue(201, kToken);
  OAuth2Client oauth{http, clock, Credentials{"id", "s", "0123456789abcdef0123456789abcdef"},
                     "https://api.crowdstrike.com"};
  ASSERT_TRUE(oauth.token());
  EXPECT_THAT(http.requests.at(0).body, HasSubstr("&member_cid=0123456789abcdef0123456789abcdef"));
}

}  // namespace
}  // namespace csbridge
