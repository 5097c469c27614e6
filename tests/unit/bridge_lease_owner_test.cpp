// Lease owner ids: which process holds a lease, and whether it is a process of this machine that
// has exited (its leases are then taken over at once).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "bridgebot/bridge/lease_owner.h"

using namespace bridgebot::bridge;

TEST_CASE("an owner id names its host, machine and pid", "[bridge][lease_owner]") {
  const ProcessIdentity self = this_process();
  CHECK(self.pid == static_cast<long>(::getpid()));
  CHECK_FALSE(self.host.empty());
  CHECK_FALSE(self.machine.empty());
  const std::string owner = make_lease_owner(self);
  CHECK(owner != make_lease_owner(self));  // unique per call
  const auto parsed = owner_process(owner);
  REQUIRE(parsed);
  CHECK(parsed->host == self.host);
  CHECK(parsed->machine == self.machine);
  CHECK(parsed->pid == self.pid);
}

TEST_CASE("ids of another form name no process", "[bridge][lease_owner]") {
  CHECK_FALSE(owner_process("dispatcher-123-abcd"));
  CHECK_FALSE(owner_process("rotate-key-99"));
  CHECK_FALSE(owner_process("host/m/notapid/r"));
  CHECK_FALSE(owner_process("host/m/-5/r"));
  CHECK_FALSE(owner_process("host/m/12/r/extra"));
}

TEST_CASE("only a process of this machine that no longer runs has exited",
          "[bridge][lease_owner]") {
  const ProcessIdentity self{"web1", "abc123", 100};
  const auto none_run = [](long) { return false; };
  const auto all_run = [](long) { return true; };
  CHECK(owner_has_exited("web1/abc123/42/ffff", self, none_run));
  CHECK_FALSE(owner_has_exited("web1/abc123/42/ffff", self, all_run));
  // Another host, or the same host name in another container or boot: its pids mean nothing here.
  CHECK_FALSE(owner_has_exited("web2/abc123/42/ffff", self, none_run));
  CHECK_FALSE(owner_has_exited("web1/def456/42/ffff", self, none_run));
  CHECK_FALSE(owner_has_exited("rotate-key-42", self, none_run));
}

TEST_CASE("process_running tells a live pid from one that is gone", "[bridge][lease_owner]") {
  CHECK(process_running(static_cast<long>(::getpid())));
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK_FALSE(process_running(static_cast<long>(child)));
}
