// The request handler without sockets: routes, basic auth on the bcrypt
// pool and its refusal when full, and a scrape that shares the published
// body (and its gzip form) instead of copying it.
#include "web/request_handler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace accept4_exporter {
namespace {

// bcrypt of "correct horse" at cost 10, tens of milliseconds per check.
constexpr char kHash[] = "$2y$10$lr5YAOF2NdmuVcfJ17vx3eY6G/1mBIFVeZ3Ist4iH30.F3tvWf0Vq";
// "Basic " + base64 of prometheus:correct horse and prometheus:wrong.
constexpr char kRight[] = "Basic cHJvbWV0aGV1czpjb3JyZWN0IGhvcnNl";
constexpr char kWrong[] = "Basic cHJvbWV0aGV1czp3cm9uZw==";

// Handles `request` and waits for the answer, wherever it comes from.
WebResponse Answer(RequestHandler& handler, const WebRequest& request) {
  auto answer = std::make_shared<std::promise<WebResponse>>();
  std::future<WebResponse> future = answer->get_future();
  handler.Handle(request,
                 [answer](WebResponse response) { answer->set_value(std::move(response)); });
  return future.get();
}

WebRequest Get(const std::string& path, const std::string& authorization = "") {
  WebRequest request;
  request.path = path;
  request.authorization = authorization;
  return request;
}

std::string Body(const WebResponse& response) {
  std::string body;
  for (const auto& piece : response.body) body += *piece;
  return body;
}

std::string Header(const WebResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(RequestHandlerTest, RoutesEveryPath) {
  RequestHandler handler("/metrics", nullptr, nullptr);
  const WebResponse landing = Answer(handler, Get("/"));
  EXPECT_EQ(landing.status, 200u);
  EXPECT_NE(Body(landing).find("<a href=\"/metrics\">"), std::string::npos);
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    const WebResponse health = Answer(handler, Get(path));
    EXPECT_EQ(health.status, 200u) << path;
    EXPECT_EQ(Body(health), "OK\n") << path;
  }
  const WebResponse missing = Answer(handler, Get("/metrics/"));
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(Body(missing), "404 page not found\n");
  WebRequest post = Get("/metrics");
  post.known_method = false;
  const WebResponse refused = Answer(handler, post);
  EXPECT_EQ(refused.status, 405u);
  EXPECT_EQ(Header(refused, "Allow"), "GET, HEAD");
}

TEST(RequestHandlerTest, ScrapesShareThePublishedBodyAndItsGzipForm) {
  auto published = std::make_shared<const std::string>(std::string(1 << 20, 'x') + "\n");
  RequestHandler handler(
      "/metrics",
      [&] {
        return MetricsText{"own 1\n", published};
      },
      nullptr);
  const WebResponse first = Answer(handler, Get("/metrics"));
  const WebResponse second = Answer(handler, Get("/metrics"));
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(Header(first, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  ASSERT_EQ(first.body.size(), 2u);
  EXPECT_EQ(*first.body[0], "own 1\n");
  EXPECT_EQ(first.body[1].get(), published.get());  // the same bytes, not a copy
  EXPECT_EQ(second.body[1].get(), published.get());

  WebRequest gzip = Get("/metrics");
  gzip.accepts_gzip = true;
  const WebResponse zipped = Answer(handler, gzip);
  const WebResponse again = Answer(handler, gzip);
  EXPECT_EQ(Header(zipped, "Content-Encoding"), "gzip");
  ASSERT_EQ(zipped.body.size(), 3u);  // header and own part, shared body, trailer
  EXPECT_LT(zipped.body[1]->size(), published->size() / 100);
  EXPECT_EQ(again.body[1].get(), zipped.body[1].get());  // compressed once

  published = std::make_shared<const std::string>("a new poll\n");
  const WebResponse newer = Answer(handler, gzip);
  EXPECT_NE(newer.body[1].get(), zipped.body[1].get());
}

TEST(RequestHandlerTest, BasicAuthChecksOffTheCallerAndCachesSuccess) {
  RequestHandler handler(
      "/metrics",
      [] {
        return MetricsText{"up 1\n", nullptr};
      },
      std::make_unique<BasicAuth>(std::map<std::string, std::string>{{"prometheus", kHash}}));
  const WebResponse anonymous = Answer(handler, Get("/metrics"));
  EXPECT_EQ(anonymous.status, 401u);
  EXPECT_EQ(Header(anonymous, "WWW-Authenticate"), "Basic realm=\"accept4_exporter\"");
  EXPECT_EQ(Answer(handler, Get("/metrics", kWrong)).status, 401u);
  EXPECT_EQ(Answer(handler, Get("/-/healthy", kWrong)).status, 401u);
  const WebResponse right = Answer(handler, Get("/metrics", kRight));
  EXPECT_EQ(right.status, 200u);
  EXPECT_EQ(Body(right), "up 1\n");

  // Cached now: answered before Handle returns, without the pool.
  bool answered = false;
  handler.Handle(Get("/-/healthy", kRight), [&](WebResponse response) {
    answered = true;
    EXPECT_EQ(response.status, 200u);
  });
  EXPECT_TRUE(answered);
}

TEST(RequestHandlerTest, PasswordChecksBeyondThePoolAreRefusedAtOnce) {
  HandlerLimits limits;
  limits.pending_password_checks = 2;
  RequestHandler handler(
      "/metrics", nullptr,
      std::make_unique<BasicAuth>(std::map<std::string, std::string>{{"prometheus", kHash}}),
      limits);
  std::vector<std::future<WebResponse>> answers;
  std::vector<bool> at_once;
  for (int i = 0; i < 20; ++i) {
    auto answer = std::make_shared<std::promise<WebResponse>>();
    answers.push_back(answer->get_future());
    handler.Handle(Get("/metrics", kWrong),
                   [answer](WebResponse response) { answer->set_value(std::move(response)); });
    at_once.push_back(answers.back().wait_for(std::chrono::seconds(0)) ==
                      std::future_status::ready);
  }
  int unauthorized = 0, too_many = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    const WebResponse response = answers[i].get();
    if (response.status == 429u) {
      ++too_many;
      EXPECT_TRUE(at_once[i]) << "a refusal waited";
      EXPECT_EQ(Header(response, "Retry-After"), "1");
      EXPECT_TRUE(response.close);
    }
    unauthorized += response.status == 401u;
  }
  // 20 requests at once against 2 places: most refused, none lost.
  EXPECT_GE(unauthorized, 2);
  EXPECT_GE(too_many, 1);
  EXPECT_EQ(unauthorized + too_many, 20);
}

TEST(AcceptsGzipTest, ReadsCodingsAndWeights) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));  // what Prometheus and curl send
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("x-gzip2"));
}

}  // namespace
}  // namespace accept4_exporter
