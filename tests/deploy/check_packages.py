#!/usr/bin/python3
"""Checks the deploy packages with what this machine has (no container runtime, no cluster):

  systemd     systemd-analyze verify accepts deploy/systemd/bridgebot.service (without a warning),
              and its ExecStartPre/ExecStart are bridgebot commands that accept their arguments.
  dockerfile  the Dockerfile is Debian 12, multi-stage, non-root, checks /readyz, keeps the store on
              a volume; its ENTRYPOINT + CMD, with the image's ENV and the config it copies, is a
              configuration bridgebot accepts (check-config) for the command it names (run --help);
              its runtime stage installs the package of every library the binary links.
  kubernetes  every manifest parses, the Deployments probe /readyz (readiness) and /healthz
              (liveness) on the container's port, read the Secret, run the image's command; SQLite
              keeps one replica on a PersistentVolumeClaim, PostgreSQL several with the URL from the
              Secret.

Usage: check_packages.py {systemd|dockerfile|kubernetes} BRIDGEBOT_BINARY SOURCE_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

# Values for the secrets the example config requires, as an operator's environment file gives them.
SECRETS = {
    "SLACK_APP_TOKEN": "xapp-1-A1-1-test",
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_WORKSPACE": "acme",
    "BRIDGE_SIGNING_SECRET": "test-secret",
    "BRIDGE_ADMIN_TOKEN": "test-admin",
}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run_bridgebot(binary, args, env=None, cwd=None):
    """Runs the real binary; returns (exit code, output)."""
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full_env.update(env or {})
    proc = subprocess.run([binary] + args, env=full_env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def check_command(binary, source, args, env, path_map):
    """`args` (a packaged command line after the binary) must be a bridgebot subcommand that
    accepts them (--help with them exits 0) and, when it names a --config, that configuration must
    pass check-config with `env`. path_map maps packaged paths to files of the source tree."""
    if not args:
        fail("no bridgebot arguments")
    code, out = run_bridgebot(binary, args + ["--help"])
    if code != 0:
        fail("`bridgebot %s --help` exits %d: %s" % (" ".join(args), code, out))
    if "--config" in args:
        config = args[args.index("--config") + 1]
        if config not in path_map:
            fail("%s is not a file the package installs (%s)" % (config, sorted(path_map)))
        with tempfile.TemporaryDirectory() as cwd:
            code, out = run_bridgebot(binary, ["check-config", "--config",
                                               os.path.join(source, path_map[config])], env, cwd)
        if code != 0:
            fail("check-config of %s: %s" % (config, out))
        print("bridgebot %s: ok (%s)" % (" ".join(args), out.strip().splitlines()[0]))


def env_file(path):
    values = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def check_systemd(binary, source):
    unit_path = os.path.join(source, "deploy/systemd/bridgebot.service")
    unit = open(unit_path).read()
    installed = "/usr/local/bin/bridgebot"
    for key in ["DynamicUser=yes", "StateDirectory=bridgebot", "ProtectSystem=strict",
                "Restart=on-failure", "EnvironmentFile=/etc/bridgebot/bridgebot.env"]:
        if not re.search("^" + re.escape(key) + "$", unit, re.M):
            fail("the unit lacks " + key)
    # verify checks that every Exec path exists: point them at the binary built here.
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "bridgebot.service")
        open(copy, "w").write(unit.replace(installed, binary))
        proc = subprocess.run(["systemd-analyze", "verify", copy], capture_output=True, text=True)
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0 or output:
            fail("systemd-analyze verify (exit %d): %s" % (proc.returncode, output))
    print("systemd-analyze verify: clean")
    # The secrets the environment file lists are what the example config needs; the store lands
    # in the working directory (the state directory).
    env = env_file(os.path.join(source, "deploy/systemd/bridgebot.env"))
    missing = sorted(set(SECRETS) - set(env))
    if missing:
        fail("bridgebot.env does not list " + ", ".join(missing))
    env.update(SECRETS)
    paths = {"/etc/bridgebot/bridgebot.yaml": "config/bridgebot.example.yaml"}
    for key in ["ExecStartPre", "ExecStart"]:
        line = re.search("^%s=(.*)$" % key, unit, re.M).group(1)
        argv = shlex.split(line)
        if argv[0] != installed:
            fail("%s runs %s, not %s" % (key, argv[0], installed))
        check_command(binary, source, argv[1:], env, paths)


def dockerfile_instructions(path):
    """(instruction, text) pairs with continuation lines joined."""
    text = re.sub(r"\\\n", " ", open(path).read())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def check_dockerfile(binary, source):
    steps = dockerfile_instructions(os.path.join(source, "deploy", "docker", "Dockerfile"))
    of = lambda name: [rest for word, rest in steps if word == name]
    bases = of("FROM")
    if len(bases) < 2 or not all(b.startswith("debian:12") for b in bases):
        fail("want a multi-stage build on Debian 12, have FROM " + repr(bases))
    if not any("--from=" in c for c in of("COPY")):
        fail("the last stage copies nothing from the build stage")
    users = of("USER")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail("the image runs as root")
    health = " ".join(of("HEALTHCHECK"))
    if "/readyz" not in health:
        fail("no HEALTHCHECK on /readyz: " + health)
    volumes = of("VOLUME")
    env = dict(SECRETS)
    for line in of("ENV"):
        for item in shlex.split(line):
            name, _, value = item.partition("=")
            env[name] = value
    store = env.get("BRIDGE_STORE_URL", "")
    if not volumes or not store.startswith("sqlite:" + volumes[-1].rstrip("/") + "/"):
        fail("the SQLite store (%s) is not on the volume %s" % (store, volumes))
    entry = json.loads(of("ENTRYPOINT")[-1])
    cmd = json.loads(of("CMD")[-1])
    if entry != ["/usr/local/bin/bridgebot"]:
        fail("ENTRYPOINT is not the bridgebot binary: %r" % entry)
    # What the image copies from the source tree, by its path in the image.
    paths = {}
    for line in of("COPY"):
        parts = line.split()
        if not parts[0].startswith("--"):
            paths[parts[-1]] = parts[0]
    check_command(binary, source, cmd, env, paths)
    check_runtime_libraries(binary, steps)
    print("Dockerfile: ok (not built here: this machine has no container runtime or registry)")


# In every Debian 12 image (apt itself needs them).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}


def owning_package(path):
    """The Debian package that installed `path`, trying the forms a merged /usr gives it."""
    real = os.path.realpath(path)
    for candidate in [path, real, "/usr" + path, real[4:] if real.startswith("/usr/") else real]:
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    return ""


def check_runtime_libraries(binary, steps):
    """The last stage installs the Debian package of every shared library the binary links
    directly (as this machine's dpkg knows them); their own dependencies come with them."""
    runs = [rest for word, rest in steps if word in ("FROM", "RUN")]
    last_stage = runs[max(i for i, r in enumerate(runs) if r.startswith("debian:")) + 1:]
    listed = set()
    for run in last_stage:
        for command in run.split("&&"):
            words = command.split()
            if words[:2] == ["apt-get", "install"]:
                listed.update(w for w in words[2:] if not w.startswith("-"))
    elf = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", elf.stdout)
    # A sanitizer build (the asan preset) links the sanitizer runtimes; the image builds Release
    # without them, so they are not the runtime stage's to install.
    needed = [n for n in needed if not re.match(r"lib(asan|ubsan|lsan|tsan)\.so", n)]
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    missing = []
    for soname in needed:
        if soname not in paths:
            fail("ldd does not resolve " + soname)
        package = owning_package(paths[soname])
        if not package:
            fail("no Debian package owns %s (%s)" % (paths[soname], soname))
        if package not in listed and package not in BASE_IMAGE_PACKAGES:
            missing.append("%s (%s)" % (package, soname))
    if missing:
        fail("the runtime stage does not install " + ", ".join(missing))
    print("runtime stage installs the packages of %s" % ", ".join(needed))


def check_kubernetes(binary, source):
    folder = os.path.join(source, "deploy/kubernetes")
    docs = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml"):
            docs[name] = [d for d in yaml.safe_load_all(open(os.path.join(folder, name))) if d]
            for d in docs[name]:
                if not d.get("apiVersion") or not d.get("kind") or not d["metadata"].get("name"):
                    fail("%s: a document without apiVersion, kind or name" % name)
    secret = [d for ds in docs.values() for d in ds if d["kind"] == "Secret"]
    if not secret:
        fail("no Secret")
    secret_env = dict(secret[0]["stringData"])
    image_cmd = json.loads([rest for word, rest in dockerfile_instructions(
        os.path.join(source, "deploy", "docker", "Dockerfile")) if word == "CMD"][-1])

    def deployment(name):
        found = [d for d in docs.get(name, []) if d["kind"] == "Deployment"]
        if not found:
            fail(name + " has no Deployment")
        return found[0]

    for name in ["deployment-sqlite.yaml", "deployment-postgresql.yaml"]:
        dep = deployment(name)
        container = dep["spec"]["template"]["spec"]["containers"][0]
        port = container["ports"][0]
        for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]:
            get = container.get(probe, {}).get("httpGet", {})
            if get.get("path") != path or get.get("port") not in (port["name"],
                                                                  port["containerPort"]):
                fail("%s: %s is not GET %s on the container's port" % (name, probe, path))
        refs = [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e]
        if secret[0]["metadata"]["name"] not in refs:
            fail(name + ": the container does not read the Secret")
        if container.get("args", image_cmd) != image_cmd:
            fail("%s: args %r differ from the image's CMD %r" % (name, container["args"],
                                                                  image_cmd))
        env = dict(secret_env)
        env.update(SECRETS)
        env["BRIDGE_LISTEN"] = "0.0.0.0:%d" % port["containerPort"]
        for e in container.get("env", []):
            env[e["name"]] = e["value"]
        if name == "deployment-sqlite.yaml":
            claims = [v for v in dep["spec"]["template"]["spec"].get("volumes", [])
                      if "persistentVolumeClaim" in v]
            pvcs = [d["metadata"]["name"] for d in docs[name] if d["kind"] ==
                    "PersistentVolumeClaim"]
            if dep["spec"]["replicas"] != 1 or not claims or claims[0][
                    "persistentVolumeClaim"]["claimName"] not in pvcs:
                fail(name + ": SQLite wants one replica with its store on a PersistentVolumeClaim")
            mount = [m["mountPath"] for m in container["volumeMounts"]
                     if m["name"] == claims[0]["name"]][0]
            if not env["BRIDGE_STORE_URL"].startswith("sqlite:" + mount + "/"):
                fail(name + ": the store is not on the claim's mount " + mount)
        else:
            if dep["spec"]["replicas"] < 2 or "BRIDGE_STORE_URL" in [
                    e["name"] for e in container.get("env", [])]:
                fail(name + ": want several replicas on the Secret's BRIDGE_STORE_URL")
            if not secret_env.get("BRIDGE_STORE_URL", "").startswith("postgresql://"):
                fail("the Secret's BRIDGE_STORE_URL is not a PostgreSQL URL")
            env["BRIDGE_ENCRYPTION_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        check_command(binary, source, container.get("args", image_cmd), env,
                      {"/etc/bridgebot/bridgebot.yaml": "config/bridgebot.example.yaml"})
    print("kubernetes manifests: ok (%s)" % ", ".join(sorted(docs)))


if __name__ == "__main__":
    mode, binary, source = sys.argv[1], sys.argv[2], sys.argv[3]
    {"systemd": check_systemd, "dockerfile": check_dockerfile,
     "kubernetes": check_kubernetes}[mode](binary, source)
    print("PASS")
