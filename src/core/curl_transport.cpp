#include "csbridge/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace csbridge {
namespace {

struct CurlEasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

/// curl_slist_append returns nullptr on OOM and leaves the old list intact.
[[nodiscard]] bool append(CurlSlist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  static_cast<void>(list.release());  // `grown` now owns every node
  list.reset(grown);
  return true;
}

struct Exchange {
  HttpResponse response;
  std::size_t max_body_bytes{0};
  bool too_large{false};
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->response.body.size() + n > ex->max_body_bytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line{data, n};
  // A new status line (redirect, 100-continue): forget the previous response's headers.
  if (line.starts_with("HTTP/")) {
    ex->response.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name{line.substr(0, colon)};
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (ex->response.headers.size() < 200) ex->response.headers[name] = std::string{value};
  return n;
}

std::string host_of(const std::string& url, std::size_t scheme_len) {
  std::string_view rest{url};
  rest.remove_prefix(scheme_len);
  const auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return {};
    // Anything after "]" but a port is not a literal IPv6 host ("[::1].evil.com").
    if (close + 1 < authority.size() && authority[close + 1] != ':') return {};
    return std::string{authority.substr(0, close + 1)};
  }
  return std::string{authority.substr(0, authority.find(':'))};
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options)
      : options_(std::move(options)), easy_(curl_easy_init()) {
    if (!easy_) throw std::runtime_error("curl_easy_init failed");
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (!is_allowed_url(request.url)) {
      return Error{ErrorCode::kConfig,
                   "refusing '" + request.url + "': only https, or http to a loopback host"};
    }
    CURL* h = easy_.get();
    curl_easy_reset(h);  // keeps the connection and TLS session caches
    Exchange ex;
    ex.max_body_bytes = options_.max_body_bytes;
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    CurlSlist headers;
    for (const auto& [name, value] : request.headers) {
      if (!append(headers, name + ": " + value))
        return Error{ErrorCode::kTransport, "out of memory"};
    }
    // Drop libcurl's automatic "Expect: 100-continue" on POST bodies.
    if (!append(headers, "Expect:")) return Error{ErrorCode::kTransport, "out of memory"};

    bool ok = true;
    auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
    set(curl_easy_setopt(h, CURLOPT_URL, request.url.c_str()));
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf.data()));
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http"));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
    set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
    set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));  // gzip/deflate/br as libcurl offers
    set(curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str()));
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()));
    set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body));
    set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex));
    set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header));
    set(curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex));
    if (!options_.ca_bundle.empty())
      set(curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str()));
    if (!options_.proxy.empty()) set(curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str()));
    if (request.method == "POST") {
      set(curl_easy_setopt(h, CURLOPT_POST, 1L));
      set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(request.body.size())));
      set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data()));
    } else if (request.method != "GET") {
      set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str()));
    }
    if (!ok) return Error{ErrorCode::kConfig, "libcurl rejected an option (is libcurl >= 7.85?)"};

    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      if (ex.too_large) {
        return Error{ErrorCode::kTooLarge,
                     "response larger than " + std::to_string(options_.max_body_bytes) + " bytes"};
      }
      std::string detail = errbuf[0] != '\0' ? errbuf.data() : curl_easy_strerror(rc);
      const ErrorCode code =
          rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kTransport;
      return Error{code, detail};
    }
    long status = 0;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    ex.response.status = static_cast<int>(status);
    return std::move(ex.response);
  }

 private:
  CurlOptions options_;
  CurlEasy easy_;
};

}  // namespace

CurlGlobal::CurlGlobal() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    throw std::runtime_error("curl_global_init failed");
  }
}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

std::unique_ptr<HttpTransport> make_curl_transport(CurlOptions options) {
  return std::make_unique<CurlTransport>(std::move(options));
}

bool is_allowed_url(const std::string& url) {
  auto lower = url.substr(0, 8);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.starts_with("https://")) return url.size() > 8;
  if (!lower.starts_with("http://")) return false;
  const std::string host = host_of(url, 7);
  const bool ipv4_loopback =
      host.starts_with("127.") && std::all_of(host.begin(), host.end(), [](char c) {
        return c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0;
      });
  return ipv4_loopback || host == "localhost" || host == "[::1]";
}

}  // namespace csbridge
