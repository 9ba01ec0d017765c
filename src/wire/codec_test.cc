#include "wire/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ssooidc::wire {
namespace {

using Strings = std::vector<std::string>;

// Observed StartDeviceAuthorization success body (reference §2.2, aws-cli #5971): 311 bytes.
constexpr std::string_view kObservedDeviceAuthorization =
    R"({"deviceCode":"xYPXpeHNWybL2yivg0oomUZ0hKqbAt9zUYNy1K1HTSJT0Oqo7T266etaIa9n9ajmzvzwa5qeyYx5BPoiVsdsbA","expiresIn":600,"interval":1,"userCode":"PMPJ-VZCJ","verificationUri":"https://device.sso.us-west-2.amazonaws.com/","verificationUriComplete":"https://device.sso.us-west-2.amazonaws.com/?user_code=PMPJ-VZCJ"})";

// Observed error bodies (reference §4.2, aws-cli #8561 and #5971): 78 and 86 bytes.
constexpr std::string_view kObservedInvalidGrant =
    R"({"error":"invalid_grant","error_description":"Invalid refresh token provided"})";
constexpr std::string_view kObservedAuthorizationPending =
    R"({"error":"authorization_pending","error_description":"Authorization is still pending"})";

// ----- observed bytes ----------------------------------------------------------------------------

TEST(ObservedBytesTest, StartDeviceAuthorizationResponseReencodesByteForByte) {
  ASSERT_EQ(kObservedDeviceAuthorization.size(), 311u);
  auto decoded = decode_start_device_authorization_response(kObservedDeviceAuthorization);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().error_description;
  EXPECT_EQ(decoded->userCode, "PMPJ-VZCJ");
  EXPECT_EQ(decoded->expiresIn, 600);
  EXPECT_EQ(decoded->interval, 1);
  EXPECT_EQ(encode(*decoded), kObservedDeviceAuthorization);
}

TEST(ObservedBytesTest, StartDeviceAuthorizationResponseBuiltFromFields) {
  StartDeviceAuthorizationResponse r;
  // Assigned out of alphabetical order on purpose: the encoder sorts.
  r.verificationUriComplete = "https://device.sso.us-west-2.amazonaws.com/?user_code=PMPJ-VZCJ";
  r.interval = 1;
  r.userCode = "PMPJ-VZCJ";
  r.expiresIn = 600;
  r.verificationUri = "https://device.sso.us-west-2.amazonaws.com/";
  r.deviceCode =
      "xYPXpeHNWybL2yivg0oomUZ0hKqbAt9zUYNy1K1HTSJT0Oqo7T266etaIa9n9ajmzvzwa5qeyYx5BPoiVsdsbA";
  EXPECT_EQ(encode(r), kObservedDeviceAuthorization);
}

TEST(ObservedBytesTest, ErrorBodiesMatchTheService) {
  ASSERT_EQ(kObservedInvalidGrant.size(), 78u);
  ASSERT_EQ(kObservedAuthorizationPending.size(), 86u);
  EXPECT_EQ(
      encode_error_body(Error::make(ErrorType::kInvalidGrant, "Invalid refresh token provided")),
      kObservedInvalidGrant);
  EXPECT_EQ(encode_error_body(
                Error::make(ErrorType::kAuthorizationPending, "Authorization is still pending")),
            kObservedAuthorizationPending);
}

TEST(ErrorBodyTest, ReasonFollowsDescription) {
  Error e = Error::make(ErrorType::kAccessDenied, "Access denied");
  e.reason = "KMS_AccessDeniedException";
  EXPECT_EQ(encode_error_body(e), R"({"error":"access_denied","error_description":"Access denied",)"
                                  R"("reason":"KMS_AccessDeniedException"})");
}

TEST(ErrorBodyTest, EscapesDescription) {
  EXPECT_EQ(encode_error_body(Error::make(ErrorType::kInvalidRequest, "bad \"x\"\n")),
            R"({"error":"invalid_request","error_description":"bad \"x\"\n"})");
}

TEST(ErrorBodyTest, DecodesObservedBody) {
  ErrorBody body = decode_error_body(kObservedInvalidGrant);
  EXPECT_EQ(body.error, "invalid_grant");
  EXPECT_EQ(body.error_description, "Invalid refresh token provided");
  EXPECT_EQ(body.reason, std::nullopt);
  EXPECT_EQ(body.code, std::nullopt);
  EXPECT_EQ(body.type, std::nullopt);
}

TEST(ErrorBodyTest, DecodesCodeVariantsAndType) {
  ErrorBody lower = decode_error_body(R"({"code":"A","Code":"B","__type":"ns#C","reason":"R"})");
  EXPECT_EQ(lower.code, "A");
  EXPECT_EQ(lower.type, "ns#C");
  EXPECT_EQ(lower.reason, "R");
  ErrorBody upper = decode_error_body(R"({"Code":"B"})");
  EXPECT_EQ(upper.code, "B");
}

TEST(ErrorBodyTest, ToleratesAnything) {
  for (std::string_view body :
       {"", "   ", "<html>502 Bad Gateway</html>", "[1,2]", "\"error\"", "null",
        "{\"error\":", "{\"error\":1,\"error_description\":null,\"code\":[]}", "\xff\xfe"}) {
    ErrorBody decoded = decode_error_body(body);
    EXPECT_EQ(decoded.error, std::nullopt) << body;
    EXPECT_EQ(decoded.error_description, std::nullopt) << body;
    EXPECT_EQ(decoded.code, std::nullopt) << body;
  }
}

// ----- encoding: member order, omission, exact bytes ---------------------------------------------

TEST(EncodeTest, EmptyResponsesAreEmptyObjects) {
  EXPECT_EQ(encode(RegisterClientResponse{}), "{}");
  EXPECT_EQ(encode(StartDeviceAuthorizationResponse{}), "{}");
  EXPECT_EQ(encode(CreateTokenResponse{}), "{}");
  EXPECT_EQ(encode(CreateTokenWithIAMResponse{}), "{}");
}

TEST(EncodeTest, RequiredRequestMembersAreAlwaysWritten) {
  EXPECT_EQ(encode(StartDeviceAuthorizationRequest{}),
            R"({"clientId":"","clientSecret":"","startUrl":""})");
  EXPECT_EQ(encode(CreateTokenWithIAMRequest{}), R"({"clientId":"","grantType":""})");
}

TEST(EncodeTest, CreateTokenResponseIsCompactAndAlphabetical) {
  CreateTokenResponse r;
  r.tokenType = "Bearer";
  r.refreshToken = "aor";
  r.expiresIn = 3600;
  r.accessToken = "aoa";
  EXPECT_EQ(encode(r),
            R"({"accessToken":"aoa","expiresIn":3600,"refreshToken":"aor","tokenType":"Bearer"})");
}

TEST(EncodeTest, NegativeAndLongIntegers) {
  RegisterClientResponse r;
  r.clientIdIssuedAt = -1;
  r.clientSecretExpiresAt = 9'223'372'036'854'775'807;
  EXPECT_EQ(encode(r), R"({"clientIdIssuedAt":-1,"clientSecretExpiresAt":9223372036854775807})");
}

RegisterClientRequest full_register_client_request() {
  RegisterClientRequest r;
  r.clientName = "botocore-client-s";
  r.clientType = "public";
  r.scopes = Strings{"sso:account:access", "codewhisperer:completions"};
  r.redirectUris = Strings{"http://127.0.0.1/oauth/callback"};
  r.grantTypes = Strings{"authorization_code", "refresh_token"};
  r.issuerUrl = "https://example.awsapps.com/start";
  r.entitledApplicationArn = "arn:aws:sso::1:application/i/a";
  return r;
}

TEST(EncodeTest, RegisterClientRequestExactBytes) {
  EXPECT_EQ(encode(full_register_client_request()),
            R"({"clientName":"botocore-client-s","clientType":"public",)"
            R"("entitledApplicationArn":"arn:aws:sso::1:application/i/a",)"
            R"("grantTypes":["authorization_code","refresh_token"],)"
            R"("issuerUrl":"https://example.awsapps.com/start",)"
            R"("redirectUris":["http://127.0.0.1/oauth/callback"],)"
            R"("scopes":["sso:account:access","codewhisperer:completions"]})");
}

TEST(EncodeTest, EmptyListIsWrittenWhenPresent) {
  RegisterClientRequest r;
  r.clientName = "n";
  r.clientType = "public";
  r.scopes = Strings{};
  EXPECT_EQ(encode(r), R"({"clientName":"n","clientType":"public","scopes":[]})");
}

CreateTokenWithIAMResponse full_iam_response() {
  CreateTokenWithIAMResponse r;
  r.accessToken = "at";
  r.tokenType = "Bearer";
  r.expiresIn = 3600;
  r.refreshToken = "rt";
  r.idToken = "h.p.s";
  r.issuedTokenType = "urn:ietf:params:oauth:token-type:refresh_token";
  r.scope = Strings{"openid", "aws", "sts:identity_context"};
  r.awsAdditionalDetails = AwsAdditionalDetails{"CTX"};
  return r;
}

TEST(EncodeTest, CreateTokenWithIAMResponseExactBytes) {
  EXPECT_EQ(encode(full_iam_response()),
            R"({"accessToken":"at","awsAdditionalDetails":{"identityContext":"CTX"},)"
            R"("expiresIn":3600,"idToken":"h.p.s",)"
            R"("issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token",)"
            R"("refreshToken":"rt","scope":["openid","aws","sts:identity_context"],)"
            R"("tokenType":"Bearer"})");
  CreateTokenWithIAMResponse empty_details;
  empty_details.awsAdditionalDetails = AwsAdditionalDetails{};
  EXPECT_EQ(encode(empty_details), R"({"awsAdditionalDetails":{}})");
}

TEST(EncodeTest, CreateTokenRequestExactBytes) {
  CreateTokenRequest r;
  r.clientId = "id";
  r.clientSecret = "secret";
  r.grantType = std::string(kGrantAuthorizationCode);
  r.deviceCode = "dc";
  r.code = "c";
  r.refreshToken = "rt";
  r.scope = Strings{"s"};
  r.redirectUri = "http://127.0.0.1:5000/oauth/callback";
  r.codeVerifier = "v";
  EXPECT_EQ(encode(r),
            R"({"clientId":"id","clientSecret":"secret","code":"c","codeVerifier":"v",)"
            R"("deviceCode":"dc","grantType":"authorization_code",)"
            R"("redirectUri":"http://127.0.0.1:5000/oauth/callback","refreshToken":"rt",)"
            R"("scope":["s"]})");
}

TEST(EncodeTest, CreateTokenWithIAMRequestExactBytes) {
  CreateTokenWithIAMRequest r;
  r.clientId = "arn";
  r.grantType = std::string(kGrantTokenExchange);
  r.code = "c";
  r.refreshToken = "rt";
  r.assertion = "jwt";
  r.scope = Strings{"openid"};
  r.redirectUri = "https://app/redirect";
  r.subjectToken = "st";
  r.subjectTokenType = "urn:ietf:params:oauth:token-type:access_token";
  r.requestedTokenType = "urn:ietf:params:oauth:token-type:refresh_token";
  r.codeVerifier = "v";
  EXPECT_EQ(encode(r), R"({"assertion":"jwt","clientId":"arn","code":"c","codeVerifier":"v",)"
                       R"("grantType":"urn:ietf:params:oauth:grant-type:token-exchange",)"
                       R"("redirectUri":"https://app/redirect","refreshToken":"rt",)"
                       R"("requestedTokenType":"urn:ietf:params:oauth:token-type:refresh_token",)"
                       R"("scope":["openid"],"subjectToken":"st",)"
                       R"("subjectTokenType":"urn:ietf:params:oauth:token-type:access_token"})");
}

TEST(EncodeTest, RegisterClientResponseExactBytes) {
  RegisterClientResponse r;
  r.clientId = "cid";
  r.clientSecret = "cs";
  r.clientIdIssuedAt = 1579725929;
  r.clientSecretExpiresAt = 1587584729;
  r.authorizationEndpoint = "https://a";
  r.tokenEndpoint = "https://t";
  EXPECT_EQ(encode(r), R"({"authorizationEndpoint":"https://a","clientId":"cid",)"
                       R"("clientIdIssuedAt":1579725929,"clientSecret":"cs",)"
                       R"("clientSecretExpiresAt":1587584729,"tokenEndpoint":"https://t"})");
}

// ----- string escaping (RFC 8259 §7) -------------------------------------------------------------

std::string encoded_token(std::string token) {
  CreateTokenResponse r;
  r.accessToken = std::move(token);
  return encode(r);
}

TEST(EscapeTest, QuotesBackslashesAndShortEscapes) {
  EXPECT_EQ(encoded_token("a\"b\\c"), R"({"accessToken":"a\"b\\c"})");
  EXPECT_EQ(encoded_token("\b\f\n\r\t"), R"({"accessToken":"\b\f\n\r\t"})");
}

TEST(EscapeTest, OtherControlCharactersUseUnicodeEscapes) {
  EXPECT_EQ(encoded_token(std::string("\x00\x01\x1f", 3)),
            R"({"accessToken":"\u0000\u0001\u001f"})");
  EXPECT_EQ(encoded_token("x\x0by"), R"({"accessToken":"x\u000by"})");
}

TEST(EscapeTest, SlashDelAndSpaceAreLiteral) {
  EXPECT_EQ(encoded_token("/ \x7f"), "{\"accessToken\":\"/ \x7f\"}");
}

TEST(EscapeTest, Utf8PassesThrough) {
  const std::string text =
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
  EXPECT_EQ(encoded_token(text), "{\"accessToken\":\"" + text + "\"}");
}

TEST(EscapeTest, IllFormedUtf8BecomesReplacementCharacter) {
  // Lone continuation byte, truncated sequence, overlong "/", UTF-16 surrogate, above U+10FFFF.
  EXPECT_EQ(encoded_token("a\x80z"), R"({"accessToken":"a\ufffdz"})");
  EXPECT_EQ(encoded_token("a\xe2\x82"), R"({"accessToken":"a\ufffd\ufffd"})");
  EXPECT_EQ(encoded_token("\xc0\xaf"), R"({"accessToken":"\ufffd\ufffd"})");
  EXPECT_EQ(encoded_token("\xed\xa0\x80"), R"({"accessToken":"\ufffd\ufffd\ufffd"})");
  EXPECT_EQ(encoded_token("\xf4\x90\x80\x80"), R"({"accessToken":"\ufffd\ufffd\ufffd\ufffd"})");
}

TEST(EscapeTest, EscapedInputDecodesToUtf8AndRoundTrips) {
  auto decoded = decode_create_token_response(
      R"({"accessToken":"\u00e9\ud83d\ude00\"\\\/\n\u0001","tokenType":"Bearer"})");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().error_description;
  EXPECT_EQ(decoded->accessToken, "\xc3\xa9\xf0\x9f\x98\x80\"\\/\n\x01");
  const std::string reencoded = encode(*decoded);
  EXPECT_EQ(reencoded,
            "{\"accessToken\":\"\xc3\xa9\xf0\x9f\x98\x80\\\"\\\\/\\n\\u0001\","
            "\"tokenType\":\"Bearer\"}");
  auto again = decode_create_token_response(reencoded);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->accessToken, decoded->accessToken);
}

// The encoder scans 8 bytes at a time; put each kind of special byte at every offset of a word.
TEST(EscapeTest, SpecialBytesAtEveryOffset) {
  const std::vector<std::pair<std::string, std::string>> specials = {
      {"\"", "\\\""},
      {"\\", "\\\\"},
      {"\n", "\\n"},
      {"\x1f", "\\u001f"},
      {std::string(1, '\0'), "\\u0000"},
      {"\xc3\xa9", "\xc3\xa9"},
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
      {"\xff", "\\ufffd"}};
  for (const auto& [raw, escaped] : specials) {
    for (std::size_t offset = 0; offset < 20; ++offset) {
      const std::string before(offset, 'a');
      const std::string after(19 - offset, 'b');
      EXPECT_EQ(encoded_token(before + raw + after),
                "{\"accessToken\":\"" + before + escaped + after + "\"}")
          << "offset " << offset;
    }
  }
  // ' ' (0x20), '!' (0x21), '#' (0x23), '[' (0x5b), ']' (0x5d) and DEL neighbour the specials.
  const std::string neighbours = " !#[]\x7f~ !#[]\x7f~ !#[]\x7f~";
  EXPECT_EQ(encoded_token(neighbours), "{\"accessToken\":\"" + neighbours + "\"}");
}

TEST(EscapeTest, EveryByteValueRoundTrips) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  auto decoded = decode_create_token_response(encoded_token(all));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().error_description;
  EXPECT_EQ(decoded->accessToken, all);
}

// ----- request decoding
// ---------------------------------------------------------------------------

TEST(DecodeRequestTest, RoundTripsEveryRequest) {
  const RegisterClientRequest rc = full_register_client_request();
  auto rc2 = decode_register_client_request(encode(rc));
  ASSERT_TRUE(rc2.has_value()) << rc2.error().error_description;
  EXPECT_TRUE(rc2->missing_required.empty());
  EXPECT_EQ(rc2->value.clientName, rc.clientName);
  EXPECT_EQ(rc2->value.scopes, rc.scopes);
  EXPECT_EQ(rc2->value.redirectUris, rc.redirectUris);
  EXPECT_EQ(rc2->value.grantTypes, rc.grantTypes);
  EXPECT_EQ(rc2->value.issuerUrl, rc.issuerUrl);
  EXPECT_EQ(rc2->value.entitledApplicationArn, rc.entitledApplicationArn);
  EXPECT_EQ(encode(rc2->value), encode(rc));

  StartDeviceAuthorizationRequest sda{"id", "secret", "https://d-1.awsapps.com/start"};
  auto sda2 = decode_start_device_authorization_request(encode(sda));
  ASSERT_TRUE(sda2.has_value());
  EXPECT_TRUE(sda2->missing_required.empty());
  EXPECT_EQ(sda2->value.startUrl, sda.startUrl);
  EXPECT_EQ(encode(sda2->value), encode(sda));

  CreateTokenRequest ct;
  ct.clientId = "id";
  ct.clientSecret = "secret";
  ct.grantType = std::string(kGrantRefreshToken);
  ct.refreshToken = "aor";
  ct.scope = Strings{"a", "b"};
  auto ct2 = decode_create_token_request(encode(ct));
  ASSERT_TRUE(ct2.has_value());
  EXPECT_TRUE(ct2->missing_required.empty());
  EXPECT_EQ(ct2->value.refreshToken, "aor");
  EXPECT_EQ(ct2->value.deviceCode, std::nullopt);
  EXPECT_EQ(ct2->value.scope, ct.scope);
  EXPECT_EQ(encode(ct2->value), encode(ct));

  CreateTokenWithIAMRequest iam;
  iam.clientId = "arn";
  iam.grantType = std::string(kGrantJwtBearer);
  iam.assertion = "jwt";
  iam.subjectTokenType = "t";
  auto iam2 = decode_create_token_with_iam_request(encode(iam));
  ASSERT_TRUE(iam2.has_value());
  EXPECT_TRUE(iam2->missing_required.empty());
  EXPECT_EQ(iam2->value.assertion, "jwt");
  EXPECT_EQ(encode(iam2->value), encode(iam));
}

TEST(DecodeRequestTest, BotocoreStyleSpacesAndOrder) {
  auto d = decode_create_token_request(
      R"({"grantType": "urn:ietf:params:oauth:grant-type:device_code", "clientId": "cid", )"
      R"("clientSecret": "cs", "deviceCode": "dc"})");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_TRUE(d->missing_required.empty());
  EXPECT_EQ(d->value.grantType, kGrantDeviceCode);
  EXPECT_EQ(d->value.clientId, "cid");
  EXPECT_EQ(d->value.clientSecret, "cs");
  EXPECT_EQ(d->value.deviceCode, "dc");
}

TEST(DecodeRequestTest, PrettyPrintedLikeTheCppSdk) {
  auto d = decode_register_client_request(
      "{\n\t\"clientName\":\t\"ide\",\r\n\t\"clientType\":\t\"public\",\n\t\"scopes\":\t[\n"
      "\t\t\"sso:account:access\"\n\t]\n}\n");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_TRUE(d->missing_required.empty());
  EXPECT_EQ(d->value.clientName, "ide");
  EXPECT_EQ(d->value.scopes, Strings{"sso:account:access"});
}

TEST(DecodeRequestTest, UnknownMembersAreIgnored) {
  auto d = decode_start_device_authorization_request(
      R"({"clientId":"a","extra":{"nested":[1,{"x":null}]},"clientSecret":"b",)"
      R"("startUrl":"u","number":1.5e3,"flag":true,"ClientId":"case-sensitive"})");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_TRUE(d->missing_required.empty());
  EXPECT_EQ(d->value.clientId, "a");
  EXPECT_EQ(d->value.clientSecret, "b");
  EXPECT_EQ(d->value.startUrl, "u");
}

TEST(DecodeRequestTest, NullMembersReadAsAbsent) {
  auto d = decode_create_token_request(
      R"({"clientId":null,"clientSecret":"s","grantType":"refresh_token",)"
      R"("refreshToken":null,"scope":null})");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_EQ(d->missing_required, Strings{"clientId"});
  EXPECT_EQ(d->value.clientId, "");
  EXPECT_EQ(d->value.refreshToken, std::nullopt);
  EXPECT_EQ(d->value.scope, std::nullopt);
}

TEST(DecodeRequestTest, EmptyStringIsPresent) {
  auto d = decode_start_device_authorization_request(
      R"({"clientId":"","clientSecret":"","startUrl":""})");
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->missing_required.empty());
}

TEST(DecodeRequestTest, MissingRequiredListedInModelOrder) {
  auto rc = decode_register_client_request(R"({"scopes":["a"]})");
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(rc->missing_required, (Strings{"clientName", "clientType"}));
  EXPECT_EQ(rc->value.scopes, Strings{"a"});

  auto sda = decode_start_device_authorization_request(R"({"clientSecret":"s"})");
  ASSERT_TRUE(sda.has_value());
  EXPECT_EQ(sda->missing_required, (Strings{"clientId", "startUrl"}));

  auto ct = decode_create_token_request(R"({"deviceCode":"d"})");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->missing_required, (Strings{"clientId", "clientSecret", "grantType"}));
  EXPECT_EQ(ct->value.deviceCode, "d");

  auto iam = decode_create_token_with_iam_request(R"({"clientId":"c"})");
  ASSERT_TRUE(iam.has_value());
  EXPECT_EQ(iam->missing_required, Strings{"grantType"});
}

TEST(DecodeRequestTest, EmptyBodyReadsAsEmptyObject) {
  for (std::string_view body : {"", " \r\n\t", "{}", " { } "}) {
    auto sda = decode_start_device_authorization_request(body);
    ASSERT_TRUE(sda.has_value()) << "body: '" << body << "'";
    EXPECT_EQ(sda->missing_required, (Strings{"clientId", "clientSecret", "startUrl"}));
    auto iam = decode_create_token_with_iam_request(body);
    ASSERT_TRUE(iam.has_value());
    EXPECT_EQ(iam->missing_required, (Strings{"clientId", "grantType"}));
  }
}

void expect_invalid_request(const std::expected<Decoded<CreateTokenRequest>, Error>& result,
                            std::string_view description) {
  ASSERT_FALSE(result.has_value()) << "expected: " << description;
  EXPECT_EQ(result.error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(result.error().error, "invalid_request");
  EXPECT_EQ(result.error().http_status, 400);
  EXPECT_EQ(result.error().error_description, description);
}

TEST(DecodeRequestTest, NonObjectBodyIsInvalidRequest) {
  for (std::string_view body : {"[]", "[{\"clientId\":\"a\"}]", "\"text\"", "42", "null", "true"}) {
    expect_invalid_request(decode_create_token_request(body), "Request body must be a JSON object");
  }
}

TEST(DecodeRequestTest, MalformedJsonIsInvalidRequest) {
  for (std::string_view body : {"{", "{\"clientId\":}", "{\"clientId\":\"a\",}", "{} {}", "{}x",
                                "clientId=a&x=b", "{'clientId':'a'}", "{\"clientId\":\"a\xff\"}",
                                "{\"clientId\":\"\x01\"}", "{\"a\":1} // comment"}) {
    expect_invalid_request(decode_create_token_request(body), "Request body is not valid JSON");
  }
}

// RFC 8259 leaves duplicate names undefined; Boost.JSON keeps the last one, and so do we.
TEST(DecodeRequestTest, LastDuplicateMemberWins) {
  auto d = decode_create_token_request(R"({"clientId":5,"clientId":"b"})");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_EQ(d->value.clientId, "b");
  expect_invalid_request(decode_create_token_request(R"({"clientId":"a","clientId":5})"),
                         "Member 'clientId' must be a string");
}

TEST(DecodeRequestTest, WrongMemberTypesNameTheMember) {
  expect_invalid_request(decode_create_token_request(R"({"clientId":5})"),
                         "Member 'clientId' must be a string");
  expect_invalid_request(decode_create_token_request(R"({"clientId":"a","deviceCode":["d"]})"),
                         "Member 'deviceCode' must be a string");
  expect_invalid_request(decode_create_token_request(R"({"grantType":{"x":1}})"),
                         "Member 'grantType' must be a string");
  expect_invalid_request(decode_create_token_request(R"({"scope":"openid"})"),
                         "Member 'scope' must be a list of strings");
  expect_invalid_request(decode_create_token_request(R"({"scope":["a",1]})"),
                         "Member 'scope' must be a list of strings");
  expect_invalid_request(decode_create_token_request(R"({"scope":["a",null]})"),
                         "Member 'scope' must be a list of strings");
  expect_invalid_request(decode_create_token_request(R"({"clientSecret":false})"),
                         "Member 'clientSecret' must be a string");

  auto rc = decode_register_client_request(R"({"clientName":1,"clientType":"public"})");
  ASSERT_FALSE(rc.has_value());
  EXPECT_EQ(rc.error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(rc.error().error_description, "Member 'clientName' must be a string");
  rc = decode_register_client_request(R"({"clientName":"n","clientType":"public","scopes":"a"})");
  ASSERT_FALSE(rc.has_value());
  EXPECT_EQ(rc.error().error_description, "Member 'scopes' must be a list of strings");
}

TEST(DecodeRequestTest, FirstBadMemberInAlphabeticalOrderIsReported) {
  expect_invalid_request(decode_create_token_request(R"({"scope":1,"clientId":2})"),
                         "Member 'clientId' must be a string");
}

TEST(DecodeRequestTest, BodyLargerThanTheStackArena) {
  const std::string secret(100'000, 'S');
  Strings scopes;
  for (int i = 0; i < 500; ++i) scopes.push_back("scope:" + std::to_string(i));
  CreateTokenRequest r;
  r.clientId = "id";
  r.clientSecret = secret;
  r.grantType = std::string(kGrantDeviceCode);
  r.scope = scopes;
  auto d = decode_create_token_request(encode(r));
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_EQ(d->value.clientSecret, secret);
  EXPECT_EQ(d->value.scope, scopes);
}

// ----- response decoding
// --------------------------------------------------------------------------

TEST(DecodeResponseTest, RoundTripsEveryResponse) {
  RegisterClientResponse rc;
  rc.clientId = "cid";
  rc.clientSecret = "cs";
  rc.clientIdIssuedAt = 1579725929;
  rc.clientSecretExpiresAt = 1587584729;
  auto rc2 = decode_register_client_response(encode(rc));
  ASSERT_TRUE(rc2.has_value());
  EXPECT_EQ(rc2->clientSecretExpiresAt, 1587584729);
  EXPECT_EQ(rc2->tokenEndpoint, std::nullopt);
  EXPECT_EQ(encode(*rc2), encode(rc));

  CreateTokenResponse ct;
  ct.accessToken = "aoa";
  ct.expiresIn = 28800;
  ct.tokenType = "Bearer";
  auto ct2 = decode_create_token_response(encode(ct));
  ASSERT_TRUE(ct2.has_value());
  EXPECT_EQ(ct2->expiresIn, 28800);
  EXPECT_EQ(ct2->refreshToken, std::nullopt);
  EXPECT_EQ(encode(*ct2), encode(ct));

  const CreateTokenWithIAMResponse iam = full_iam_response();
  auto iam2 = decode_create_token_with_iam_response(encode(iam));
  ASSERT_TRUE(iam2.has_value()) << iam2.error().error_description;
  ASSERT_TRUE(iam2->awsAdditionalDetails.has_value());
  EXPECT_EQ(iam2->awsAdditionalDetails->identityContext, "CTX");
  EXPECT_EQ(iam2->scope, iam.scope);
  EXPECT_EQ(encode(*iam2), encode(iam));
}

TEST(DecodeResponseTest, IntegersMayBeWrittenAsIntegralDoubles) {
  auto d = decode_start_device_authorization_response(R"({"expiresIn":600.0,"interval":5e0})");
  ASSERT_TRUE(d.has_value()) << d.error().error_description;
  EXPECT_EQ(d->expiresIn, 600);
  EXPECT_EQ(d->interval, 5);
  auto r = decode_register_client_response(
      R"({"clientIdIssuedAt":1.5797259290E9,"clientSecretExpiresAt":-1})");
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_EQ(r->clientIdIssuedAt, 1579725929);
  EXPECT_EQ(r->clientSecretExpiresAt, -1);
}

TEST(DecodeResponseTest, IntegerLimits) {
  auto max32 = decode_create_token_response(R"({"expiresIn":2147483647})");
  ASSERT_TRUE(max32.has_value());
  EXPECT_EQ(max32->expiresIn, 2147483647);
  auto min32 = decode_create_token_response(R"({"expiresIn":-2147483648})");
  ASSERT_TRUE(min32.has_value());
  EXPECT_EQ(min32->expiresIn, -2147483648);
  auto max64 = decode_register_client_response(R"({"clientIdIssuedAt":9223372036854775807})");
  ASSERT_TRUE(max64.has_value());
  EXPECT_EQ(max64->clientIdIssuedAt, 9223372036854775807);
}

void expect_bad_response(std::string_view body, std::string_view description) {
  auto d = decode_register_client_response(body);
  ASSERT_FALSE(d.has_value()) << body;
  EXPECT_EQ(d.error().type, ErrorType::kUnknown);
  EXPECT_EQ(d.error().error_description, description);
}

TEST(DecodeResponseTest, WrongTypesAreUnknownErrorsNamingTheMember) {
  expect_bad_response(R"({"clientIdIssuedAt":"1579725929"})",
                      "Response member 'clientIdIssuedAt' must be an integer");
  expect_bad_response(R"({"clientIdIssuedAt":1.5})",
                      "Response member 'clientIdIssuedAt' must be an integer in range");
  expect_bad_response(R"({"clientIdIssuedAt":9223372036854775808})",
                      "Response member 'clientIdIssuedAt' must be an integer in range");
  expect_bad_response(R"({"clientIdIssuedAt":1e19})",
                      "Response member 'clientIdIssuedAt' must be an integer in range");
  expect_bad_response(R"({"clientId":7})", "Response member 'clientId' must be a string");
  expect_bad_response("[]", "Response body must be a JSON object");
  expect_bad_response("<html>", "Response body is not valid JSON");

  auto ct = decode_create_token_response(R"({"expiresIn":2147483648})");
  ASSERT_FALSE(ct.has_value());
  EXPECT_EQ(ct.error().error_description,
            "Response member 'expiresIn' must be an integer in range");

  auto iam = decode_create_token_with_iam_response(R"({"awsAdditionalDetails":"x"})");
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().error_description,
            "Response member 'awsAdditionalDetails' must be an object");
  iam = decode_create_token_with_iam_response(R"({"awsAdditionalDetails":{"identityContext":1}})");
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().type, ErrorType::kUnknown);
  EXPECT_EQ(iam.error().error_description,
            "Response member 'awsAdditionalDetails.identityContext' must be a string");
  iam = decode_create_token_with_iam_response(R"({"scope":[1]})");
  ASSERT_FALSE(iam.has_value());
  EXPECT_EQ(iam.error().error_description, "Response member 'scope' must be a list of strings");
}

TEST(DecodeResponseTest, NullsUnknownMembersAndEmptyBody) {
  auto d = decode_create_token_response(
      R"({"accessToken":"a","refreshToken":null,"expiresIn":null,"extra":[{}]})");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->accessToken, "a");
  EXPECT_EQ(d->refreshToken, std::nullopt);
  EXPECT_EQ(d->expiresIn, std::nullopt);

  auto empty = decode_create_token_response("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(encode(*empty), "{}");

  auto iam = decode_create_token_with_iam_response(R"({"awsAdditionalDetails":{}})");
  ASSERT_TRUE(iam.has_value());
  ASSERT_TRUE(iam->awsAdditionalDetails.has_value());
  EXPECT_EQ(iam->awsAdditionalDetails->identityContext, std::nullopt);
}


// ----- the poll's lean decode (issue 15) ----------------------------------------------------------

namespace poll_decode {

// What the full decoder makes of `body`, when it reads a complete poll.
std::optional<CreateTokenRequest> full(std::string_view body) {
  auto decoded = decode_create_token_request(body);
  if (!decoded || !decoded->missing_required.empty()) return std::nullopt;
  return decoded->value;
}

bool same(const CreateTokenRequest& a, const CreateTokenRequest& b) {
  return a.clientId == b.clientId && a.clientSecret == b.clientSecret &&
         a.grantType == b.grantType && a.deviceCode == b.deviceCode && a.code == b.code &&
         a.refreshToken == b.refreshToken && a.scope == b.scope && a.redirectUri == b.redirectUri &&
         a.codeVerifier == b.codeVerifier;
}

}  // namespace poll_decode

// Every body the lean decoder reads decodes to the same request with the full decoder.
TEST(DeviceCodePollDecodeTest, AcceptedBodiesDecodeAsTheFullDecoderDoes) {
  for (std::string_view body : {
           std::string_view(R"({"clientId":"c1","clientSecret":"s.1-x","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"d/+="})"),
           std::string_view(" \r\n{ \"deviceCode\" : \"d\" ,\t\"grantType\":\"g\",\"clientSecret\":\"\",\"clientId\":\"c\" }\n"),
           std::string_view(R"x({"clientId":"a b ~!@#$%^&*()","clientSecret":"s","grantType":"g","deviceCode":"''"})x"),
       }) {
    SCOPED_TRACE(body);
    const auto lean = decode_device_code_poll(body);
    ASSERT_TRUE(lean.has_value());
    const auto reference = poll_decode::full(body);
    ASSERT_TRUE(reference.has_value());
    EXPECT_TRUE(poll_decode::same(*lean, *reference));
  }
  const auto lean = decode_device_code_poll(
      R"({"clientId":"c1","clientSecret":"s1","grantType":"g","deviceCode":"d1"})");
  ASSERT_TRUE(lean.has_value());
  EXPECT_EQ(lean->clientId, "c1");
  EXPECT_EQ(lean->clientSecret, "s1");
  EXPECT_EQ(lean->grantType, "g");
  EXPECT_EQ(lean->deviceCode, std::optional<std::string>("d1"));
}

// The word-at-a-time check of the string bytes (issue 15) decides as a byte loop would: every
// byte value at every place of strings long enough to span several words and a tail.
TEST(DeviceCodePollDecodeTest, EveryByteAtEveryPlaceIsJudgedAlike) {
  for (std::size_t length = 1; length <= 19; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        if (byte == '"') continue;  // ends the string: a different body
        std::string secret(length, 'a');
        secret[at] = static_cast<char>(byte);
        const std::string body = R"({"clientId":"c","clientSecret":")" + secret +
                                 R"(","grantType":"g","deviceCode":"d"})";
        const bool plain = byte != '\\' && byte >= 0x20 && byte <= 0x7e;
        const auto lean = decode_device_code_poll(body);
        ASSERT_EQ(lean.has_value(), plain) << length << " " << at << " " << byte;
        if (plain) {
          EXPECT_EQ(lean->clientSecret, secret);
        }
      }
    }
  }
}

// Anything else is left to the full decoder: escapes, other members, non-strings, duplicates,
// missing members, bytes outside printable ASCII, bad JSON, trailing bytes.
TEST(DeviceCodePollDecodeTest, DeclinesEveryOtherBody) {
  for (std::string_view body : {
           std::string_view(""),
           std::string_view("{}"),
           std::string_view("[]"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g"})"),
           std::string_view(R"({"clientId":"c\u0041","clientSecret":"s","grantType":"g","deviceCode":"d"})"),
           std::string_view(R"({"clientId":"c\"","clientSecret":"s","grantType":"g","deviceCode":"d"})"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d","scope":["a"]})"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d","x":"y"})"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":null})"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":5})"),
           std::string_view(R"({"clientId":"c","clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d"})"),
           std::string_view("{\"clientId\":\"c\xc3\xa9\",\"clientSecret\":\"s\",\"grantType\":\"g\",\"deviceCode\":\"d\"}"),
           std::string_view("{\"clientId\":\"c\x01\",\"clientSecret\":\"s\",\"grantType\":\"g\",\"deviceCode\":\"d\"}"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d"}x)"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d",})"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d")"),
           std::string_view(R"({"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"d)"),
           std::string_view(R"({"clientId""c","clientSecret":"s","grantType":"g","deviceCode":"d"})"),
           std::string_view(R"({"clientId":"c" "clientSecret":"s","grantType":"g","deviceCode":"d"})"),
       }) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(decode_device_code_poll(body).has_value());
  }
}

}  // namespace
}  // namespace ssooidc::wire
