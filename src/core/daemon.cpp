#include "csbridge/daemon.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "csbridge/check.h"
#include "csbridge/cloud.h"
#include "csbridge/credentials.h"
#include "csbridge/curl_transport.h"
#include "csbridge/logging.h"
#include "csbridge/ndjson_writer.h"
#include "csbridge/notifier.h"
#include "csbridge/oauth2_client.h"
#include "csbridge/signals.h"
#include "csbridge/state_store.h"
#include "csbridge/ticking_clock.h"

namespace csbridge {
namespace {

int fail(const std::string& message) {
  spdlog::error("{}", message);
  return kExitConfig;
}

}  // namespace

Timestamp DaemonContext::query_start() const {
  if (!state.watermark()) return backfill_start;
  const auto lookback_ns = static_cast<std::int64_t>(options.lookback_s * 1e9);
  return Timestamp{std::max<std::int64_t>(0, state.watermark()->ns - lookback_ns)};
}

int run_daemon(int argc, char** argv, const DaemonSpec& spec,
               const std::function<PollLoop::Cycle(DaemonContext&)>& make_cycle) {
  // Logs and rotated logs are created by fopen(): outside systemd (whose units set UMask=0027)
  // they would be world-readable under the usual 022. Output and state set their own modes.
  ::umask(::umask(0) | 027);
  setup_stderr_logging();
  CLI::App app{spec.description, spec.name};
  CommonOptions options;
  options.backfill_days = spec.default_backfill_days;
  options.page_limit = spec.default_page_limit > 0 ? spec.default_page_limit : spec.max_page_limit;
  add_common_options(app, options, spec.max_page_limit, default_config_path(spec.name));
  if (spec.add_options) spec.add_options(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --check promises exit 0/1: an unreadable command line or config file is a failed check.
    if (e.get_exit_code() != 0 && wants_check(argc, argv)) {
      return check_parse_failed(spec.name, e.what(), std::cout);
    }
    const int code = app.exit(e);  // prints the help, the version or the error
    if (code == 0) return kExitOk;
    if (dynamic_cast<const CLI::ConfigError*>(&e) != nullptr) {
      std::cerr << "The config file's keys are the long flag names without '--' "
                   "(e.g. poll-interval = 60); see --help.\n";
    }
    // A bad flag or config file is a configuration error like any other: exit 2, which the
    // units do not restart (a typo in the config would otherwise loop through restarts).
    return kExitConfig;
  }

  const Status valid = validate(options);
  const DaemonFiles names = spec.files();
  const auto in_workdir = [&](const std::string& n) { return options.workdir / n; };
  const std::filesystem::path log_file =
      options.log_dir.empty() ? in_workdir(names.log) : options.log_dir / names.log;
  if (options.check) {
    const CLI::Option* config = app.get_config_ptr();  // counts the default file once read
    return run_check(
        CheckSetup{spec.name, options, valid,
                   config->count() > 0 ? config->as<std::string>() : default_config_path(spec.name),
                   StateFiles{in_workdir(names.watermark), in_workdir(names.seen_ids)},
                   in_workdir(names.output), log_file, probes_for(spec.name, app),
                   [](const char* n) { return std::getenv(n); }},
        std::cout);
  }
  if (!valid) return fail(valid.error().message);

  try {
    setup_logging(LogOptions{log_file, options.log_level, options.log_max_bytes,
                             options.log_max_files, options.log_target});
  } catch (const std::exception& e) {
    return fail(std::string{"cannot open the log file: "} + e.what());
  }
  spdlog::info("{}", spec.start_message);

  auto credentials = load_credentials([](const char* n) { return std::getenv(n); });
  if (!credentials) return fail(credentials.error().message);
  if (!options.member_cid.empty()) credentials.value().member_cid = options.member_cid;

  // sd_notify (no-op outside systemd); every wait and request feeds the watchdog.
  const auto notifier = make_systemd_notifier();
  SystemClock system_clock;
  WatchdogPinger watchdog{*notifier, system_clock};
  WatchdogClock clock{system_clock, watchdog};
  const Timestamp now = to_timestamp(clock.system_now());
  const StateFiles state_files{in_workdir(names.watermark), in_workdir(names.seen_ids)};
  if (options.reset_state) {
    std::error_code ec;
    for (const auto& f : {state_files.watermark, state_files.seen_ids}) {
      if (std::filesystem::remove(f, ec)) spdlog::warn("--reset-state: removed '{}'", f.string());
      if (ec) return fail("--reset-state: cannot remove '" + f.string() + "': " + ec.message());
    }
  }
  // Seen ids must outlive the overlap window; an hour more covers clock steps between runs.
  const auto retention = std::max<std::chrono::nanoseconds>(
      std::chrono::nanoseconds{static_cast<std::int64_t>(options.lookback_s * 1e9)} +
          std::chrono::hours{1},
      spec.min_seen_retention);
  auto state = StateStore::load(state_files, now, retention);
  if (!state) return fail(state.error().message);
  const std::int64_t backfill_ns =
      static_cast<std::int64_t>(options.backfill_days) * 86400LL * 1'000'000'000LL;
  // Whole seconds, like the seed's default start.
  const Timestamp backfill_start{(now.ns - backfill_ns) / 1'000'000'000LL * 1'000'000'000LL};
  if (state.value().watermark()) {
    spdlog::info("Loaded last timestamp: {}", format_rfc3339(*state.value().watermark()));
  } else {
    spdlog::info("No last timestamp found. Using default: {}", format_rfc3339(backfill_start));
  }
  spdlog::info("Loaded processed {} IDs: {}", spec.noun, state.value().seen_count());

  auto output = NdjsonWriter::open(in_workdir(names.output));
  if (!output) return fail(output.error().message);

  try {
    CurlGlobal curl;
    StopSignal stop;
    SignalThread signals{stop};
    Delivery delivery{output.value(), state.value(), spec.noun, spec.record_keys};
    delivery.set_max_line_bytes(options.max_line_bytes);
    unsigned hangups_seen = 0;
    const auto reopen_on_hangup = [&]() -> Status {
      if (const unsigned h = signals.hangups(); h != hangups_seen) {
        hangups_seen = h;  // SIGHUP: reopen the output and the log (after external rotation)
        setup_logging(LogOptions{log_file, options.log_level, options.log_max_bytes,
                                 options.log_max_files, options.log_target});
        if (Status st = delivery.reopen_output(); !st) return st;
        spdlog::info("Reopened {} and the log file", output.value().path().string());
      }
      return ok();
    };
    // Every second of every wait: honour a SIGHUP and recreate a rotated output at once, as
    // Wazuh forgets a rotated path whose new file is missing at its next check. An error is
    // logged once (it is retried every second, and the next commit reports it again).
    std::string last_tick_error;
    TickingClock ticking{clock, std::chrono::seconds{1}, [&] {
                           Status st = reopen_on_hangup();
                           if (st) st = delivery.follow_rotation();
                           std::string message = st ? std::string{} : st.error().message;
                           if (!message.empty() && message != last_tick_error) {
                             spdlog::error("{}", message);
                           }
                           last_tick_error = std::move(message);
                         }};
    auto curl_transport = make_curl_transport(options.curl_options());
    WatchdogTransport fed_transport{*curl_transport, watchdog};
    CloudDiscoveryTransport discovery{fed_transport, options.base_url};
    HttpTransport& transport = options.cloud_autodiscovery()
                                   ? static_cast<HttpTransport&>(discovery)
                                   : static_cast<HttpTransport&>(fed_transport);
    OAuth2Client oauth{transport, ticking, std::move(credentials).value(), options.base_url};
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> unit{0.0, 1.0};
    FalconClient client{transport,
                        ticking,
                        oauth,
                        options.base_url,
                        options.retry_policy(),
                        [&] { return unit(rng); }};
    // Crash recovery before anything new is fetched: the state catches up with the output.
    if (Status st = delivery.recover(); !st) return fail(st.error().message);
    DaemonContext ctx{options, ticking, client, delivery, state.value(), backfill_start};
    PollLoop::Cycle cycle = make_cycle(ctx);
    // At every page, not only between cycles: a backfill can take hours.
    delivery.set_before_commit(reopen_on_hangup);
    PollLoop::Cycle with_reopen = [&](StopSignal& s) -> Result<CycleStats> {
      if (Status st = reopen_on_hangup(); !st) return std::move(st).error();
      return cycle(s);
    };
    PollLoop loop{ticking, options.poll_options(), with_reopen, *notifier};
    // Configuration, credentials and state are loaded, signals handled: ready.
    notifier->ready("started, watermark " +
                    (state.value().watermark()
                         ? format_rfc3339(*state.value().watermark())
                         : "none (backfill from " + format_rfc3339(backfill_start) + ")") +
                    ", first cycle running");
    return loop.run(stop);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return kExitFailure;
  }
}

}  // namespace csbridge
