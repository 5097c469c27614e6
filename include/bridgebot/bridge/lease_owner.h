// Lease owner ids that say which process holds a lease: "<host>/<machine>/<pid>/<random>".
// A process restarted on the same machine reads the ids on the leases it finds: one naming this
// machine and a pid that no longer runs belongs to a process that is gone (kill -9, a crash), so
// its leases are taken over at once instead of after their ttl.
//
// <machine> is a digest of the boot id and the pid namespace: two containers sharing a host name
// (network_mode: host) see each other's pids as foreign, and a reboot makes old pids meaningless;
// only a pid from the same boot and namespace is looked up. A pid reused by another process
// reads as running: the lease is then waited out, never taken from a live holder.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bridgebot::bridge {

struct ProcessIdentity {
  std::string host;     // host name ('/' never occurs in one)
  std::string machine;  // boot id + pid namespace digest (hex)
  long pid = 0;
};

// This process, as the kernel describes it.
ProcessIdentity this_process();

// A new owner id for `process`, unique per call (a random suffix).
std::string make_lease_owner(const ProcessIdentity& process);

// The process an owner id names; nullopt for ids of another form (an older bridgebot's, a tool's).
std::optional<ProcessIdentity> owner_process(std::string_view owner);

// Whether `owner` names a process on the same machine as `self` that no longer runs
// (`running(pid)` is false). Unknown forms and other machines: false (wait for the ttl).
bool owner_has_exited(std::string_view owner, const ProcessIdentity& self,
                      const std::function<bool(long pid)>& running);

// Whether a process with this pid exists (kill(pid, 0) does not answer ESRCH).
bool process_running(long pid);

}  // namespace bridgebot::bridge
