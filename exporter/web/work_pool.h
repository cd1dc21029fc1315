// A few threads for the slow parts of answering a request (bcrypt, gzip),
// so that they never run on the thread that reads and writes sockets, with
// a bounded queue so that a flood is refused at once instead of waiting.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace accept4_exporter {

class WorkPool {
 public:
  // `threads` workers; at most `max_pending` jobs queued or running.
  WorkPool(std::string name, unsigned threads, size_t max_pending);
  // Drops the queued jobs and waits for the running ones.
  ~WorkPool();

  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `job`; false, without queueing it, when max_pending jobs are
  // already queued or running.
  bool TryPost(std::function<void()> job);

 private:
  void Work();

  const std::string name_;
  const size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace accept4_exporter
