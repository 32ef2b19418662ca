#!/usr/bin/env python3
"""Checks the deployment files in deploy/ as far as this machine allows.

Usage: deploy_test.py REPO_ROOT SAMEPAGED_BINARY

YAML parses; every service appears in the compose file and in Kubernetes with
a data volume and a health probe; the Dockerfile builds with the README's
scripts and runs as a non-root user with a data volume; the systemd units
pass `systemd-analyze verify` and carry their hardening; and every flag the
manifests pass to samepaged is one samepaged accepts: each container's and
unit's command line runs with --check_config against the shipped
configuration (paths moved into a temporary folder, a real key file).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = None
SAMEPAGED = None

SERVICES = {
    "directory": "samepage.directory.v1.Directory",
    "registry": "samepage.registry.v1.CaseRegistry",
    "sharing": "samepage.sharing.v1.Sharing",
    "caseplan": "samepage.caseplan.v1.CasePlans",
    "updates": "samepage.updates.v1.Updates",
}


def deploy(*parts):
    return os.path.join(ROOT, "deploy", *parts)


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_documents():
    docs = []
    for name in sorted(os.listdir(deploy("k8s"))):
        if name.endswith(".yaml") and name != "kustomization.yaml":
            docs.extend(load_all(deploy("k8s", name)))
    return docs


class Sandbox:
    """A temporary stand-in for the paths the manifests use: /etc/samepage,
    /var/lib/samepage, /var/backups/samepage, with a real PEM public key and a
    service token where the configuration expects them."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="samepage-deploy-test-")
        self.map = {
            "/etc/samepage": os.path.join(self.dir, "etc"),
            "/var/lib/samepage": os.path.join(self.dir, "data"),
            "/var/backups/samepage": os.path.join(self.dir, "backups"),
        }
        for path in self.map.values():
            os.makedirs(path)
        os.makedirs(os.path.join(self.map["/etc/samepage"], "keys"))
        os.makedirs(os.path.join(self.map["/etc/samepage"], "service-token"))
        private = os.path.join(self.dir, "idp-private.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                        "-out", private], check=True, capture_output=True)
        subprocess.run(["openssl", "ec", "-in", private, "-pubout", "-out",
                        os.path.join(self.map["/etc/samepage"], "keys", "idp.pem")],
                       check=True, capture_output=True)
        with open(os.path.join(self.map["/etc/samepage"], "service-token", "token"), "w") as f:
            f.write("header.payload.signature\n")
        # A self-signed certificate serves as the server's and as the CA.
        tls = os.path.join(self.map["/etc/samepage"], "tls")
        os.makedirs(tls)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=samepage",
                        "-days", "1", "-keyout", os.path.join(tls, "tls.key"), "-out",
                        os.path.join(tls, "tls.crt")], check=True, capture_output=True)
        shutil.copy(os.path.join(tls, "tls.crt"), os.path.join(tls, "ca.crt"))
        encryption = os.path.join(self.map["/etc/samepage"], "encryption")
        os.makedirs(encryption)
        key_line = subprocess.run([SAMEPAGED, "new-encryption-key"], check=True,
                                  capture_output=True, text=True).stdout
        keys = os.path.join(encryption, "keys")
        with open(os.open(keys, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(key_line)

    def rewrite(self, text):
        for real, sandboxed in self.map.items():
            text = text.replace(real, sandboxed)
        return text

    def install_config(self, text):
        with open(os.path.join(self.map["/etc/samepage"], "samepaged.conf"), "w") as f:
            f.write(self.rewrite(text))

    def check(self, args):
        """Runs samepaged with `args` (paths rewritten) and --check_config."""
        argv = [SAMEPAGED] + [self.rewrite(a) for a in args] + ["--check_config"]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout + result.stderr

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class YamlTest(unittest.TestCase):
    def test_every_yaml_file_parses(self):
        count = 0
        for folder, _, files in os.walk(deploy()):
            for name in files:
                if name.endswith((".yaml", ".yml")):
                    docs = load_all(os.path.join(folder, name))
                    self.assertTrue(docs, name + " is empty")
                    count += 1
        self.assertGreaterEqual(count, 7)


class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.compose = load_all(deploy("compose", "compose.yaml"))[0]

    def test_every_service_has_its_container_volume_and_probe(self):
        services = self.compose["services"]
        self.assertEqual(set(services), set(SERVICES))
        seen_volumes = set()
        for name, svc in services.items():
            command = svc["command"]
            self.assertIn("--services=" + name, command)
            data = [v for v in svc["volumes"] if v.endswith(":/var/lib/samepage")]
            self.assertEqual(len(data), 1, name)
            volume = data[0].split(":")[0]
            self.assertIn(volume, self.compose["volumes"])
            self.assertNotIn(volume, seen_volumes, "services must not share a data volume")
            seen_volumes.add(volume)
            test = svc["healthcheck"]["test"]
            self.assertEqual(test[:3], ["CMD", "samepaged", "health"], name)
            self.assertIn("--server=127.0.0.1:8081", test)
            self.assertIn("--service=" + SERVICES[name], test)
            self.assertNotEqual(str(svc["user"]).split(":")[0], "0")

    def test_peers_name_the_other_containers(self):
        for name, svc in self.compose["services"].items():
            for arg in svc["command"]:
                if arg.startswith("--peer="):
                    for peer in arg[len("--peer="):].split(","):
                        service, address = peer.split("=")
                        self.assertEqual(address, service + ":50051")
                        self.assertIn(service, self.compose["services"])

    def test_commands_are_accepted_by_samepaged(self):
        sandbox = Sandbox()
        try:
            with open(deploy("config", "samepaged.conf")) as f:
                sandbox.install_config(f.read())
            for name, svc in self.compose["services"].items():
                code, output = sandbox.check(svc["command"])
                self.assertEqual(code, 0, f"{name}: {svc['command']}\n{output}")
                self.assertIn("services = " + name, output)
        finally:
            sandbox.close()


class KubernetesTest(unittest.TestCase):
    def setUp(self):
        self.docs = k8s_documents()
        self.by_kind = {}
        for d in self.docs:
            self.by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

    def test_kustomization_lists_every_manifest(self):
        kustomization = load_all(deploy("k8s", "kustomization.yaml"))[0]
        files = {n for n in os.listdir(deploy("k8s"))
                 if n.endswith(".yaml") and n != "kustomization.yaml"}
        self.assertEqual(set(kustomization["resources"]), files)

    def test_every_service_is_a_statefulset_with_a_claim_probes_and_a_service(self):
        for name, grpc_service in SERVICES.items():
            sts = self.by_kind["StatefulSet"]["samepage-" + name]
            self.assertEqual(sts["spec"]["replicas"], 1, "RocksDB has one writer")
            self.assertEqual(sts["spec"]["serviceName"], "samepage-" + name)
            self.assertIn("samepage-" + name, self.by_kind["Service"])
            pod = sts["spec"]["template"]["spec"]
            self.assertTrue(pod["securityContext"]["runAsNonRoot"])
            container = pod["containers"][0]
            self.assertIn("--services=" + name, container["args"])
            claims = {c["metadata"]["name"] for c in sts["spec"]["volumeClaimTemplates"]}
            mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
            self.assertEqual(mounts.get("data"), "/var/lib/samepage")
            self.assertIn("data", claims)
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            for mount in mounts:
                self.assertTrue(mount in claims or mount in volumes, f"{name}: {mount}")
            for v in volumes.values():
                if "configMap" in v:
                    self.assertIn(v["configMap"]["name"], self.by_kind["ConfigMap"])
                if "secret" in v:
                    self.assertIn(v["secret"]["secretName"], self.by_kind["Secret"])
            # Probes reach the plaintext health listener the ConfigMap sets up
            # (the service port wants a client certificate).
            config = self.by_kind["ConfigMap"]["samepage-config"]["data"]["samepaged.conf"]
            health = re.search(r"^\s*health_listen\s*=\s*\S+:(\d+)", config, re.M)
            self.assertIsNotNone(health, "health_listen in the ConfigMap")
            port = int(health.group(1))
            self.assertIn(port, [p["containerPort"] for p in container["ports"]])
            ready = container["readinessProbe"]["grpc"]
            self.assertEqual(ready["port"], port)
            self.assertEqual(ready["service"], grpc_service)
            self.assertEqual(container["livenessProbe"]["grpc"]["port"], port)

    def test_peers_name_the_services(self):
        for name in SERVICES:
            container = self.by_kind["StatefulSet"]["samepage-" + name]["spec"]["template"][
                "spec"]["containers"][0]
            for arg in container["args"]:
                if arg.startswith("--peer="):
                    for peer in arg[len("--peer="):].split(","):
                        service, address = peer.split("=")
                        self.assertEqual(address, f"samepage-{service}:50051")

    def test_args_are_accepted_by_samepaged(self):
        config = self.by_kind["ConfigMap"]["samepage-config"]["data"]["samepaged.conf"]
        sandbox = Sandbox()
        try:
            sandbox.install_config(config)
            for name in SERVICES:
                container = self.by_kind["StatefulSet"]["samepage-" + name]["spec"]["template"][
                    "spec"]["containers"][0]
                code, output = sandbox.check(container["args"])
                self.assertEqual(code, 0, f"{name}: {container['args']}\n{output}")
        finally:
            sandbox.close()


class DockerfileTest(unittest.TestCase):
    def setUp(self):
        with open(deploy("Dockerfile")) as f:
            # Continuation lines joined, comments dropped.
            text = re.sub(r"\\\n", " ", f.read())
        self.lines = [l.strip() for l in text.splitlines()
                      if l.strip() and not l.strip().startswith("#")]
        self.stages = []
        for line in self.lines:
            if line.upper().startswith("FROM "):
                self.stages.append([])
            self.stages[-1].append(line)

    def test_builds_with_the_readmes_scripts_on_bookworm(self):
        self.assertGreaterEqual(len(self.stages), 2, "multi-stage")
        build = self.stages[0]
        self.assertRegex(build[0], r"^FROM debian:bookworm\b")
        runs = " ".join(l for l in build if l.upper().startswith("RUN "))
        self.assertIn("tools/install-deps.sh", runs)
        self.assertIn("tools/build.sh", runs)
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        self.assertIn("tools/start.sh", readme)
        with open(os.path.join(ROOT, "tools", "start.sh")) as f:
            start = f.read()
        self.assertIn("tools/install-deps.sh", start)
        self.assertIn("tools/build.sh", start)

    def test_runtime_is_non_root_with_a_data_volume(self):
        runtime = self.stages[-1]
        self.assertRegex(runtime[0], r"^FROM debian:bookworm")
        users = [l.split()[1] for l in runtime if l.upper().startswith("USER ")]
        self.assertTrue(users)
        self.assertNotIn(users[-1].split(":")[0], ("0", "root"))
        self.assertTrue(any(l.upper().startswith("VOLUME") and "/var/lib/samepage" in l
                            for l in runtime))
        entry = [l for l in runtime if l.upper().startswith("ENTRYPOINT")]
        self.assertTrue(entry and "samepaged" in entry[0])

    def test_runtime_packages_script_finds_the_libraries(self):
        result = subprocess.run([os.path.join(ROOT, "tools", "runtime-packages.sh"), SAMEPAGED],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        packages = result.stdout.split()
        self.assertTrue(any(p.startswith("libprotobuf") for p in packages), packages)
        self.assertTrue(any(p.startswith("libgrpc++") for p in packages), packages)


class SystemdTest(unittest.TestCase):
    UNITS = ["samepaged.service", "samepaged@.service"]

    def read_unit(self, name):
        with open(deploy("systemd", name)) as f:
            return f.read()

    def directives(self, text):
        out = {}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")):
                continue
            key, sep, value = line.partition("=")
            self.assertTrue(sep, "not key=value: " + line)
            out.setdefault(key.strip(), []).append(value.strip())
        return out

    def test_units_are_hardened_with_a_dedicated_user_and_state_directory(self):
        for name in self.UNITS:
            d = self.directives(self.read_unit(name))
            self.assertEqual(d["User"], ["samepage"], name)
            self.assertEqual(d["NoNewPrivileges"], ["yes"], name)
            self.assertEqual(d["ProtectSystem"], ["strict"], name)
            self.assertEqual(d["StateDirectory"], ["samepage"], name)
            self.assertIn("ProtectHome", d)
            self.assertIn("CapabilityBoundingSet", d)
            self.assertIn("--data_dir=/var/lib/samepage", d["ExecStart"][0])

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed; syntax checked by the test above")
        folder = tempfile.mkdtemp(prefix="samepage-units-")
        try:
            paths = []
            for name in self.UNITS:
                text = self.read_unit(name).replace("/usr/local/bin/samepaged", SAMEPAGED)
                target = name.replace("@.service", "@directory.service")
                with open(os.path.join(folder, target), "w") as f:
                    f.write(text)
                if target != name:  # the template itself, for the instance
                    with open(os.path.join(folder, name), "w") as f:
                        f.write(text)
                paths.append(os.path.join(folder, target))
            result = subprocess.run([analyze, "verify"] + paths, capture_output=True, text=True,
                                    timeout=60)
            output = result.stdout + result.stderr
            if "Failed to" in output and "bus" in output.lower():
                self.skipTest("systemd-analyze cannot run here: " + output)
            ours = [l for l in output.splitlines() if "samepaged" in l]
            self.assertEqual(result.returncode, 0, output)
            self.assertEqual(ours, [], output)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def test_exec_lines_are_accepted_by_samepaged(self):
        sandbox = Sandbox()
        try:
            with open(deploy("config", "samepaged.conf")) as f:
                sandbox.install_config(f.read())
            single = self.directives(self.read_unit("samepaged.service"))
            args = shlex.split(single["ExecStart"][0])[1:]
            code, output = sandbox.check(args)
            self.assertEqual(code, 0, output)
            template = self.directives(self.read_unit("samepaged@.service"))
            for service in SERVICES:
                with open(deploy("systemd", "env", service + ".env")) as f:
                    env = dict(l.strip().split("=", 1) for l in f if "=" in l)
                line = template["ExecStart"][0].replace("%i", service)
                line = line.replace("$SAMEPAGED_ARGS", env["SAMEPAGED_ARGS"])
                code, output = sandbox.check(shlex.split(line)[1:])
                self.assertEqual(code, 0, f"{service}: {line}\n{output}")
        finally:
            sandbox.close()


class ConfigErrorsTest(unittest.TestCase):
    """What an operator sees for a bad configuration file."""

    def run_with(self, text, *extra):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(text)
        try:
            result = subprocess.run([SAMEPAGED, "--config=" + f.name, "--check_config"]
                                    + list(extra), capture_output=True, text=True, timeout=60)
            return result.returncode, result.stdout + result.stderr, f.name
        finally:
            os.unlink(f.name)

    def test_errors_name_the_setting_and_line(self):
        code, out, path = self.run_with("dev = true\nlisen = 127.0.0.1:1\n")
        self.assertEqual(code, 2)
        self.assertIn(f"{path}:2: unknown setting \"lisen\"", out)
        code, out, path = self.run_with("dev = true\n\nshutdown_grace = soon\n")
        self.assertIn(f"{path}:3: shutdown_grace: bad value \"soon\"", out)
        code, out, path = self.run_with("dev = true\nlisten = 10.0.0.1\n")
        self.assertIn(f"--listen ({path}:2): \"10.0.0.1\" is not host:port", out)
        code, out, path = self.run_with("dev = true\nservices = directory,billing\n")
        self.assertIn(f"--services ({path}:2): unknown service \"billing\"", out)
        code, out, path = self.run_with("dev = true\nservices = registry\n")
        self.assertIn("the registry service calls the directory", out)
        code, out, path = self.run_with("dev = true\nlisten = 0.0.0.0:50051\n")
        self.assertIn("only on a loopback address", out)
        result = subprocess.run([SAMEPAGED, "--config=/nonexistent.conf"], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--config: cannot read /nonexistent.conf", result.stderr)

    def test_flags_override_the_file(self):
        code, out, path = self.run_with("dev = true\nlisten = 10.0.0.1\n",
                                        "--listen=127.0.0.1:0")
        self.assertEqual(code, 0, out)
        self.assertIn("listen = 127.0.0.1:0", out)


if __name__ == "__main__":
    ROOT, SAMEPAGED = sys.argv[1], os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
