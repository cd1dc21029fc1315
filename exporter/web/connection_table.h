// The open HTTP connections, least recently used first, so that a bound on
// them can be kept by closing the one that has waited longest for a request
// (an idle keep-alive or a header still trickling in) instead of refusing a
// scraper. Used on the server's one socket thread only: no locks.
#pragma once

#include <cstddef>
#include <list>

namespace accept4_exporter {

class ConnectionTable;

class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket; the pending reads end and the connection goes.
  virtual void Close() = 0;
  // Waiting for a request (idle, in the TLS handshake, or its header still
  // arriving) rather than being answered.
  bool waiting() const { return waiting_; }

 protected:
  bool waiting_ = true;

 private:
  friend class ConnectionTable;
  std::list<Connection*>::iterator slot_;
  bool listed_ = false;
};

class ConnectionTable {
 public:
  void Add(Connection* connection);
  // Idempotent: a closed connection leaves at once, then again when it goes.
  void Remove(Connection* connection);
  // Marks `connection` as just used (after each response).
  void Touch(Connection* connection);
  // Closes the least recently used waiting connection; false when every
  // open connection is being answered.
  bool CloseOldestWaiting();
  size_t size() const { return connections_.size(); }

 private:
  std::list<Connection*> connections_;  // least recently used first
};

}  // namespace accept4_exporter
