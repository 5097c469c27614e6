// Upgrades a PostgreSQL database to the schema this build writes (postgres_schema.cpp).
#pragma once

#include "bridgebot/core/result.h"
#include "postgres_connection.h"

namespace bridgebot::store::postgres {

// Holds an advisory lock while it runs, so replicas starting together migrate once. Each
// migration commits with its version; a failed one leaves the previous version in place.
Status migrate(Connection& db);

}  // namespace bridgebot::store::postgres
