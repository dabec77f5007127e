#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "csbridge/clock.h"
#include "csbridge/http.h"

namespace csbridge {

/// The service manager's notification channel (sd_notify(3)): READY=1, STATUS=, WATCHDOG=1,
/// STOPPING=1. Behind an interface so the daemon's hooks are tested with a fake; outside
/// systemd (no $NOTIFY_SOCKET) every call is a no-op.
class Notifier {
 public:
  virtual ~Notifier() = default;
  /// Sends one sd_notify state string ("READY=1\nSTATUS=..."). Failures are ignored: a lost
  /// notification must never stop the daemon.
  virtual void notify(const std::string& state) = 0;
  /// WatchdogSec= as passed by systemd ($WATCHDOG_USEC for this process); zero when the
  /// watchdog is off.
  [[nodiscard]] virtual std::chrono::microseconds watchdog_timeout() const = 0;

  void ready(std::string_view status);
  void status(std::string_view status);
  void watchdog() { notify("WATCHDOG=1"); }
  void stopping(std::string_view status);
};

/// A Notifier that does nothing, for callers that have no service manager to talk to.
class NullNotifier final : public Notifier {
 public:
  void notify(const std::string& /*state*/) override {}
  [[nodiscard]] std::chrono::microseconds watchdog_timeout() const override { return {}; }
};

/// The process-wide no-op notifier (stateless).
[[nodiscard]] Notifier& null_notifier();

/// libsystemd's sd_notify; a no-op when $NOTIFY_SOCKET is unset.
[[nodiscard]] std::unique_ptr<Notifier> make_systemd_notifier();

/// Sends WATCHDOG=1 at most once per quarter of the watchdog timeout, timed with `clock`'s
/// steady time, so callers may kick as often as they like. Does nothing while the watchdog is
/// off.
class WatchdogPinger {
 public:
  WatchdogPinger(Notifier& notifier, const Clock& clock);
  /// Pings if the last ping is interval() old (or `force`); returns the time until the next
  /// ping is due, zero when the watchdog is off.
  std::chrono::milliseconds kick(bool force = false);
  /// The longest gap between pings that kick() allows: a quarter of the watchdog timeout, or
  /// zero when the watchdog is off.
  [[nodiscard]] std::chrono::milliseconds interval() const { return interval_; }

 private:
  Notifier& notifier_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  Clock::MonoTime last_{};
  bool pinged_{false};
};

/// A Clock that keeps the watchdog fed while the daemon waits: sleep_for() is cut into pieces
/// that end when the next ping is due, so pings are never more than the pinger's interval
/// apart while sleeping. Time itself comes from
/// `inner`, so the real clock stays in one place and tests keep their FakeClock.
class WatchdogClock final : public Clock {
 public:
  WatchdogClock(Clock& inner, WatchdogPinger& pinger) : inner_(inner), pinger_(pinger) {}
  [[nodiscard]] SysTime system_now() const override { return inner_.system_now(); }
  [[nodiscard]] MonoTime steady_now() const override { return inner_.steady_now(); }
  bool sleep_for(std::chrono::milliseconds d, StopSignal& stop) override;

 private:
  Clock& inner_;
  WatchdogPinger& pinger_;
};

/// An HttpTransport that feeds the watchdog before every request, so a long cycle (a large
/// backfill, many pages) keeps pinging. One request must stay shorter than WatchdogSec=
/// minus a quarter: --request-timeout (default 120 s) against WatchdogSec=5min in the units.
class WatchdogTransport final : public HttpTransport {
 public:
  WatchdogTransport(HttpTransport& inner, WatchdogPinger& pinger)
      : inner_(inner), pinger_(pinger) {}
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  HttpTransport& inner_;
  WatchdogPinger& pinger_;
};

}  // namespace csbridge
