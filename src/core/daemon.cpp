#include "csbridge/daemon.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <random>

#include "csbridge/credentials.h"
#include "csbridge/curl_transport.h"
#include "csbridge/logging.h"
#include "csbridge/ndjson_writer.h"
#include "csbridge/oauth2_client.h"
#include "csbridge/signals.h"
#include "csbridge/state_store.h"

namespace csbridge {
namespace {

int fail(const std::string& message) {
  spdlog::error("{}", message);
  return kExitConfig;
}

}  // namespace

int run_daemon(int argc, char** argv, const DaemonSpec& spec,
               const std::function<PollLoop::Cycle(DaemonContext&)>& make_cycle) {
  setup_stderr_logging();
  CLI::App app{spec.description, spec.name};
  CommonOptions options;
  options.backfill_days = spec.default_backfill_days;
  options.page_limit = spec.max_page_limit;
  add_common_options(app, options, spec.max_page_limit);
  if (spec.add_options) spec.add_options(app);
  CLI11_PARSE(app, argc, argv);

  if (Status st = validate(options); !st) return fail(st.error().message);
  const DaemonFiles names = spec.files();
  const auto in_workdir = [&](const std::string& n) { return options.workdir / n; };

  try {
    setup_logging(LogOptions{in_workdir(names.log), options.log_level, options.log_max_bytes,
                             options.log_max_files});
  } catch (const std::exception& e) {
    return fail(std::string{"cannot open the log file: "} + e.what());
  }
  spdlog::info("{}", spec.start_message);

  auto credentials = load_credentials([](const char* n) { return std::getenv(n); });
  if (!credentials) return fail(credentials.error().message);

  SystemClock clock;
  const Timestamp now = to_timestamp(clock.system_now());
  auto state = StateStore::load(
      StateFiles{in_workdir(names.watermark), in_workdir(names.seen_ids)}, now);
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
    auto transport = make_curl_transport(options.curl_options());
    OAuth2Client oauth{*transport, clock, std::move(credentials).value(), options.base_url};
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> unit{0.0, 1.0};
    FalconClient client{*transport, clock, oauth, options.base_url, options.retry_policy(),
                        [&] { return unit(rng); }};
    Delivery delivery{output.value(), state.value(), spec.noun};
    DaemonContext ctx{options, clock, client, delivery, state.value(), backfill_start};
    PollLoop loop{clock, options.poll_options(), make_cycle(ctx)};
    return loop.run(stop);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return kExitFailure;
  }
}

}  // namespace csbridge
