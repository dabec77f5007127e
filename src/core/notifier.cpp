#include "csbridge/notifier.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>

namespace csbridge {
namespace {

/// One line of status text: sd_notify separates assignments with newlines.
std::string one_line(std::string_view text) {
  std::string s{text};
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return s;
}

class SystemdNotifier final : public Notifier {
 public:
  SystemdNotifier() {
    std::uint64_t usec = 0;
    // > 0 only if WATCHDOG_USEC is set and WATCHDOG_PID (if set) is this process.
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds{usec};
  }
  void notify(const std::string& state) override { (void)sd_notify(0, state.c_str()); }
  [[nodiscard]] std::chrono::microseconds watchdog_timeout() const override { return watchdog_; }

 private:
  std::chrono::microseconds watchdog_{0};
};

}  // namespace

void Notifier::ready(std::string_view status) { notify("READY=1\nSTATUS=" + one_line(status)); }

void Notifier::status(std::string_view status) { notify("STATUS=" + one_line(status)); }

void Notifier::stopping(std::string_view status) {
  notify("STOPPING=1\nSTATUS=" + one_line(status));
}

Notifier& null_notifier() {
  static NullNotifier instance;
  return instance;
}

std::unique_ptr<Notifier> make_systemd_notifier() { return std::make_unique<SystemdNotifier>(); }

WatchdogPinger::WatchdogPinger(Notifier& notifier, const Clock& clock)
    : notifier_(notifier),
      clock_(clock),
      interval_(
          std::chrono::duration_cast<std::chrono::milliseconds>(notifier.watchdog_timeout() / 4)) {}

std::chrono::milliseconds WatchdogPinger::kick(bool force) {
  if (interval_.count() <= 0) return {};
  const auto now = clock_.steady_now();
  if (force || !pinged_ || now - last_ >= interval_) {
    notifier_.watchdog();
    last_ = now;
    pinged_ = true;
  }
  return interval_ - std::chrono::duration_cast<std::chrono::milliseconds>(now - last_);
}

bool WatchdogClock::sleep_for(std::chrono::milliseconds d, StopSignal& stop) {
  if (pinger_.interval().count() <= 0) return inner_.sleep_for(d, stop);
  // Counted down by the pieces asked for, not by reading the clock: exact under a FakeClock
  // and never longer than `d` in total.
  auto left = d;
  do {
    const auto piece = std::min(left, pinger_.kick());
    if (!inner_.sleep_for(piece, stop)) return false;
    left -= piece;
  } while (left.count() > 0);
  pinger_.kick();
  return true;
}

Result<HttpResponse> WatchdogTransport::send(const HttpRequest& request) {
  pinger_.kick();
  return inner_.send(request);
}

}  // namespace csbridge
