#include "support/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace bridgebot::test {
namespace {

namespace fs = std::filesystem;

// The newest installed server's bin directory ("" when none).
std::string server_bin_dir() {
  std::string best;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ignored)) {
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "postgres") && bin.string() > best) best = bin.string();
  }
  return best;
}

class Server {
 public:
  Server() {
    bin_ = server_bin_dir();
    if (bin_.empty()) {
      throw std::runtime_error(
          "no PostgreSQL server under /usr/lib/postgresql: run deploy/install-deps.sh");
    }
    std::string pattern = (fs::temp_directory_path() / "bridgebot-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    if (::geteuid() == 0) {
      const passwd* postgres = ::getpwnam("postgres");
      if (postgres == nullptr) throw std::runtime_error("running as root but no postgres user");
      if (::chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
        throw std::runtime_error("cannot chown " + dir_ + " to postgres");
      }
      as_user_ = "runuser -u postgres -- ";
    }
    // fsync off: the tests kill bridgebot, never the database server.
    run(bin_ + "/initdb -D " + dir_ + "/data -A trust -U postgres --no-sync -E UTF8", "initdb");
    run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -o \"-c " +
            "listen_addresses='' -k " + dir_ + " -p 5432 -c fsync=off -c max_connections=300\" " +
            "start",
        "pg_ctl start");
  }
  ~Server() {
    std::system(
        (as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop " + ">/dev/null 2>&1")
            .c_str());
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string create_database() {
    const std::string name = "t" + std::to_string(++databases_);
    PGconn* admin = PQconnectdb(url("postgres").c_str());
    std::string failure;
    if (PQstatus(admin) != CONNECTION_OK) {
      failure = PQerrorMessage(admin);
    } else {
      PGresult* created = PQexec(admin, ("CREATE DATABASE " + name).c_str());
      if (PQresultStatus(created) != PGRES_COMMAND_OK) failure = PQresultErrorMessage(created);
      PQclear(created);
    }
    PQfinish(admin);
    if (!failure.empty()) throw std::runtime_error("CREATE DATABASE " + name + ": " + failure);
    return url(name);
  }

 private:
  std::string url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_ + "&port=5432&user=postgres";
  }
  void run(const std::string& command, const std::string& what) {
    const std::string log = dir_ + "/" + what.substr(0, what.find(' ')) + ".out";
    if (std::system((as_user_ + command + " >" + log + " 2>&1").c_str()) != 0) {
      throw std::runtime_error(what + " failed; see " + log);
    }
  }

  std::string bin_;
  std::string dir_;
  std::string as_user_;  // "runuser -u postgres -- " when root
  std::atomic<int> databases_{0};
};

}  // namespace

std::string new_postgres_database() {
  static std::once_flag started;
  static std::unique_ptr<Server> server;
  std::call_once(started, [] { server = std::make_unique<Server>(); });
  return server->create_database();
}

}  // namespace bridgebot::test
