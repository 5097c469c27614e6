// A private PostgreSQL server for tests: initdb and postgres from the Debian package's binaries
// in a temporary directory, listening only on a Unix socket there (no TCP port). Started on first
// use, once per test process, and stopped when the process exits. When the tests run as root the
// server runs as the `postgres` system user (PostgreSQL refuses to run as root).
#pragma once

#include <string>

namespace bridgebot::test {

// The URL of a new, empty database on the shared test server, e.g.
// "postgresql:///t3?host=/tmp/bridgebot-pg-Ab12&port=5432&user=postgres". Fails the test when
// the server cannot be started (deploy/install-deps.sh installs it).
std::string new_postgres_database();

}  // namespace bridgebot::test
