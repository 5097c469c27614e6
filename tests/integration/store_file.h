// Reads the bot's SQLite store file with SQLite itself (not through our Store), so that tests can
// prove what is in the file: rows per table, a workspace's rows, its sealed secrets.
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

namespace bridgebot::test {

// A read-only connection to the bot's store file (WAL: it sees what the bot committed).
class StoreFile {
 public:
  explicit StoreFile(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      FAIL("cannot open " << path << ": " << sqlite3_errmsg(db_));
    }
  }
  ~StoreFile() { sqlite3_close(db_); }
  StoreFile(const StoreFile&) = delete;
  StoreFile& operator=(const StoreFile&) = delete;

  // Every value of the first column `sql` returns, as text (NULL as "NULL"); `text` binds ?1.
  std::vector<std::string> column(const std::string& sql, const std::string& text = {}) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      FAIL(sql << ": " << sqlite3_errmsg(db_));
    }
    if (!text.empty()) sqlite3_bind_text(statement, 1, text.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> values;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* value = sqlite3_column_text(statement, 0);
      values.push_back(value ? reinterpret_cast<const char*>(value) : "NULL");
    }
    sqlite3_finalize(statement);
    return values;
  }

  // For each table with a team_id column, how many of its rows belong to `team_id`; and the
  // deliveries recorded for that team's outbox items (deliveries hang off outbox item ids;
  // orphans whose item is gone count too).
  // The installations table is left out: a disconnected workspace keeps a revoked record.
  std::map<std::string, long> team_rows(const std::string& team_id) {
    std::map<std::string, long> rows;
    for (const auto& table : column("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      const auto has_team = column(
          "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = "
          "'team_id'",
          table);
      if (table == "installations" || has_team.at(0) == "0") continue;
      rows[table] =
          std::stol(column("SELECT COUNT(*) FROM " + table + " WHERE team_id = ?1", team_id).at(0));
    }
    rows["deliveries"] = std::stol(
        column("SELECT COUNT(*) FROM deliveries WHERE item_id IN (SELECT item_id FROM outbox "
               "WHERE team_id = ?1) OR item_id NOT IN (SELECT item_id FROM outbox)",
               team_id)
            .at(0));
    return rows;
  }

  // How many rows each table holds (SQLite's own tables left out).
  std::map<std::string, long> table_rows() {
    std::map<std::string, long> rows;
    for (const auto& table : column(
             "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
      rows[table] = std::stol(column("SELECT COUNT(*) FROM " + table).at(0));
    }
    return rows;
  }

  // "state bot_token refresh_token webhook_url" of the team's installation, the secrets shown
  // as NULL or "sealed".
  std::string installation(const std::string& team_id) {
    const auto values = column(
        "SELECT state || ' ' || IIF(bot_token IS NULL, 'NULL', 'sealed') || ' ' || "
        "IIF(refresh_token IS NULL, 'NULL', 'sealed') || ' ' || "
        "IIF(webhook_url IS NULL, 'NULL', 'sealed') FROM installations WHERE team_id = ?1",
        team_id);
    return values.empty() ? "none" : values[0];
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace bridgebot::test
