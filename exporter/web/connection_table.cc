#include "web/connection_table.h"

namespace accept4_exporter {

void ConnectionTable::Add(Connection* connection) {
  connection->slot_ = connections_.insert(connections_.end(), connection);
  connection->listed_ = true;
}

void ConnectionTable::Remove(Connection* connection) {
  if (!connection->listed_) return;
  connections_.erase(connection->slot_);
  connection->listed_ = false;
}

void ConnectionTable::Touch(Connection* connection) {
  if (!connection->listed_) return;
  connections_.splice(connections_.end(), connections_, connection->slot_);
}

bool ConnectionTable::CloseOldestWaiting() {
  for (Connection* connection : connections_) {
    if (!connection->waiting()) continue;
    Remove(connection);
    connection->Close();
    return true;
  }
  return false;
}

}  // namespace accept4_exporter
