// fake-falcon: the in-process test fake as a standalone server, for the demo and crash tests.
// Seeds realistic alerts/cases/incidents from the fixtures, optionally keeps adding live (and
// late-indexed) alerts and injects random faults, and exits cleanly on SIGTERM/SIGINT.

#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fakes/alert_factory.h"
#include "fakes/fake_falcon.h"

namespace {

using csbridge::testing::AlertFactory;
using csbridge::testing::FakeFalcon;
using csbridge::testing::Fault;

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kSeedWindowNs = 12LL * 3600 * kNsPerSecond;  // fits --backfill-days 1
constexpr std::int64_t kLateIndexNs = 90LL * kNsPerSecond;
constexpr int kLateEvery = 20;  // one live alert in 20 is late-indexed

struct Config {
  int port = 0;
  std::string port_file;
  std::string data_dir = CSBRIDGE_TEST_DATA_DIR;
  int alerts = 2500;
  int cases = 40;
  int incidents = 30;
  std::string client_id = "demo-client-id";
  std::string client_secret = "demo-client-secret";
  int token_lifetime = 1799;
  double fault_rate = 0.0;
  std::uint64_t seed = 1;
  double live_rate = 0.0;
  bool decommission_incidents = false;
  bool pretty = false;
  bool verbose = false;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Write-then-rename so a script polling for the file never reads a partial port number.
bool write_port_file(const std::string& path, int port) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Spreads the seed data over the last 12 hours, oldest first, like a day of real activity.
void seed_data(FakeFalcon& fake, AlertFactory& factory, const Config& cfg) {
  const std::int64_t now = now_ns();
  std::vector<std::string> alert_ids;
  if (cfg.alerts > 0) {
    const std::int64_t step = kSeedWindowNs / cfg.alerts;
    auto alerts = factory.make_alerts(cfg.alerts, now - kSeedWindowNs + step, step);
    for (const auto& a : alerts) alert_ids.push_back(a["composite_id"].get<std::string>());
    fake.add_alerts(std::move(alerts));
  }
  std::mt19937_64 rng(cfg.seed);
  for (int i = 0; i < cfg.cases; ++i) {
    std::vector<std::string> evidence;
    for (int k = 0; k < i % 5 && !alert_ids.empty(); ++k) {
      evidence.push_back(alert_ids[rng() % alert_ids.size()]);
    }
    // Vary the precision like make_alerts() does: Falcon emits 0-9 fractional digits.
    const std::int64_t updated = AlertFactory::truncate_ns(
        now - kSeedWindowNs + (i + 1) * (kSeedWindowNs / cfg.cases), i % 10);
    fake.add_case(factory.make_case(updated, i % 4, evidence));
  }
  for (int i = 0; i < cfg.incidents; ++i) {
    fake.add_incident(factory.make_incident(
        now - kSeedWindowNs + (i + 1) * (kSeedWindowNs / cfg.incidents), i % 4));
  }
}

// Adds `rate` alerts per second (created now), every kLateEvery-th one late-indexed.
class LiveFeed {
 public:
  LiveFeed(FakeFalcon& fake, AlertFactory& factory, double rate)
      : fake_(fake), factory_(factory), rate_(rate), thread_([this] { run(); }) {}
  ~LiveFeed() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

 private:
  void run() {
    constexpr auto kTick = std::chrono::milliseconds(100);
    double owed = 0.0;
    std::uint64_t added = 0;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kTick, [this] { return stop_; })) {
      owed += rate_ * std::chrono::duration<double>(kTick).count();
      for (; owed >= 1.0; owed -= 1.0) {
        const bool late = ++added % kLateEvery == 0;
        fake_.add_alert(factory_.make_alert(now_ns() - (late ? kLateIndexNs : 0)));
      }
    }
  }

  FakeFalcon& fake_;
  AlertFactory& factory_;
  double rate_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"fake-falcon: a fake CrowdStrike Falcon API (OAuth2, Alerts, Incidents, Cases)"};
  app.option_defaults()->always_capture_default();
  app.add_option("--port", cfg.port, "TCP port on 127.0.0.1 (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", cfg.port_file,
                 "Write the bound port to this file (atomically) once listening");
  app.add_option("--data-dir", cfg.data_dir, "Fixture directory (alerts/, cases/, ...)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--alerts", cfg.alerts, "Alerts to seed over the last 12 hours")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cases", cfg.cases, "Cases to seed")->check(CLI::NonNegativeNumber);
  app.add_option("--incidents", cfg.incidents, "Incidents to seed")->check(CLI::NonNegativeNumber);
  app.add_option("--client-id", cfg.client_id, "Accepted OAuth2 client id");
  app.add_option("--client-secret", cfg.client_secret, "Accepted OAuth2 client secret");
  app.add_option("--token-lifetime", cfg.token_lifetime, "Token lifetime in seconds")
      ->check(CLI::Range(1, 86400));
  app.add_option("--fault-rate", cfg.fault_rate,
                 "Probability of a random fault per API request (429/500/503/drop/garbage/"
                 "expired token)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", cfg.seed, "Seed for generated data and random faults");
  app.add_option("--live-rate", cfg.live_rate,
                 "New alerts per second while running (1 in 20 late-indexed, 90 s old)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--decommission-incidents", cfg.decommission_incidents,
               "Answer every /incidents/* call with the real post-2026-03-09 404");
  app.add_flag("--pretty", cfg.pretty, "Pretty-print JSON bodies");
  app.add_flag("--verbose", cfg.verbose, "Log every request (method, path, status) on stderr");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals before any thread exists so that only sigwait() below sees them.
  // Reset their disposition first: a shell starts background jobs with SIGINT ignored, and an
  // ignored signal may be discarded instead of reaching sigwait().
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // dropped connections must not kill the server

  try {
    FakeFalcon::Options options;
    options.port = cfg.port;
    options.data_dir = cfg.data_dir;
    options.client_id = cfg.client_id;
    options.client_secret = cfg.client_secret;
    options.token_lifetime = std::chrono::seconds(cfg.token_lifetime);
    options.incidents_decommissioned = cfg.decommission_incidents;
    options.pretty = cfg.pretty;
    options.seed = cfg.seed;
    options.max_recorded_requests = 1000;  // nobody reads them here; bound the memory
    if (cfg.verbose) {
      options.on_request = [](const FakeFalcon::Recorded& r) {
        std::fprintf(stderr, "fake-falcon: %s %s -> %d\n", r.method.c_str(), r.path.c_str(),
                     r.status);
      };
    }
    FakeFalcon fake(options);
    AlertFactory factory(cfg.data_dir, cfg.seed);
    seed_data(fake, factory, cfg);
    if (cfg.fault_rate > 0.0) {
      fake.set_random_faults(cfg.fault_rate, cfg.seed,
                             {Fault::kRateLimit, Fault::kServerError500, Fault::kServerError503,
                              Fault::kDropConnection, Fault::kGarbageBody, Fault::kExpireToken});
    }
    if (!cfg.port_file.empty() && !write_port_file(cfg.port_file, fake.port())) {
      std::fprintf(stderr, "fake-falcon: cannot write port file %s\n", cfg.port_file.c_str());
      return 1;
    }
    std::fprintf(stderr, "fake-falcon: listening on %s (%zu alerts, %d cases, %d incidents)\n",
                 fake.base_url().c_str(), fake.alert_count(), cfg.cases, cfg.incidents);

    {
      std::unique_ptr<LiveFeed> live;
      if (cfg.live_rate > 0.0) live = std::make_unique<LiveFeed>(fake, factory, cfg.live_rate);
      int sig = 0;
      sigwait(&stop_signals, &sig);
      std::fprintf(stderr, "fake-falcon: signal %d, stopping\n", sig);
    }
    fake.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake-falcon: %s\n", e.what());
    return 1;
  }
  return 0;
}
