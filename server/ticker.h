#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace samepage::server {

// Runs `fn` every `interval` on a thread of its own until destroyed: what
// drives deadlines (overdue requests, expiring consents) from the server's
// own clock rather than from a client polling.
class Ticker {
 public:
  Ticker(absl::Duration interval, std::function<void()> fn)
      : thread_([this, interval, fn = std::move(fn)] {
          while (!stop_.WaitForNotificationWithTimeout(interval)) fn();
        }) {}
  ~Ticker() {
    stop_.Notify();
    thread_.join();
  }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace samepage::server
