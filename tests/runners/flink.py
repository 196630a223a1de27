"""Apache Flink for the runner matrix: a session cluster of one JobManager and two TaskManagers, each a
JVM of its own on 127.0.0.1, from Flink's jars on Maven Central; and Beam's Flink job server jar.

Flink's distribution jar (flink-dist) is not what Maven serves here, so the cluster's classpath is the
jars flink-dist bundles, resolved by Maven from a small generated POM (`dependency:copy-dependencies`)
into the runners' cache. The processes are started as Flink's own scripts start them: the
JobManager's entrypoint (`StandaloneSessionClusterEntrypoint`), and each TaskManager
(`TaskManagerRunner`) with the JVM sizes and dynamic properties that Flink's `BashJavaUtils` derives
from the configuration.

Beam's job server jar (`org.apache.beam:beam-runners-flink-<flink>-job-server:<beam>`) is fetched with
`mvn dependency:copy` into the cache, or taken from `$REPAIRPACK_FLINK_JOB_SERVER_JAR`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.runners.services import BEAM_VERSION, Services, _run_tool, cache_dir, free_port

# The Flink minor version of Beam's published job servers (FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
# lists 1.19 to 2.2 for Beam 2.77), and the cluster's patch release of it on Maven Central.
FLINK_MINOR = os.environ.get("REPAIRPACK_FLINK_MINOR", "1.20")
FLINK_VERSION = os.environ.get("REPAIRPACK_FLINK_VERSION", "1.20.5")
LOG4J_VERSION = "2.24.3"
TASKMANAGERS = 2

# What flink-dist holds and the Beam Flink runner needs on the cluster (org.apache.flink is loaded
# parent-first, so the DataSet API and its optimizer must be on the cluster's own classpath).
CLUSTER_ARTIFACTS = [("org.apache.flink", name, FLINK_VERSION) for name in
                     ("flink-runtime", "flink-clients", "flink-streaming-java", "flink-java", "flink-optimizer")] + \
                    [("org.apache.logging.log4j", name, LOG4J_VERSION) for name in ("log4j-slf4j-impl", "log4j-core")]

# The JVM options Flink's default configuration (env.java.opts.all) gives every Flink JVM on Java 17.
JAVA_OPENS = ["--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
              *(f"--add-opens=java.base/{package}=ALL-UNNAMED" for package in
                ("java.lang", "java.net", "java.io", "java.nio", "sun.nio.ch", "java.lang.reflect", "java.text",
                 "java.time", "java.util", "java.util.concurrent", "java.util.concurrent.atomic",
                 "java.util.concurrent.locks"))]

LOG4J = """rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n
"""

# What Maven prints when the registry has no such artifact (as opposed to a network or checksum error).
NOT_SERVED = re.compile(r"Could not find artifact|Couldn't download artifact|was not found in")


def require_java_and_maven() -> None:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Flink needs {' and '.join(missing)} on PATH")


def job_server_coordinates() -> str:
    return f"org.apache.beam:beam-runners-flink-{FLINK_MINOR}-job-server:{BEAM_VERSION}"


def job_server_jar() -> Path:
    """Beam's Flink job server for the installed Beam: `$REPAIRPACK_FLINK_JOB_SERVER_JAR`, the cached
    copy, or `mvn dependency:copy`. When the registry answers that it has no such artifact, the test
    is skipped with that sentence, unless `REPAIRPACK_REQUIRE_FLINK=1` makes it a failure; any other
    download error fails."""
    given = os.environ.get("REPAIRPACK_FLINK_JOB_SERVER_JAR")
    if given:
        if not Path(given).is_file():
            pytest.fail(f"REPAIRPACK_FLINK_JOB_SERVER_JAR names '{given}', which is not a file")
        return Path(given)
    coordinates = job_server_coordinates()
    target = cache_dir() / f"beam-runners-flink-{FLINK_MINOR}-job-server-{BEAM_VERSION}.jar"
    if target.is_file():
        return target
    require_java_and_maven()
    with tempfile.TemporaryDirectory(dir=cache_dir()) as scratch:
        argv = ["mvn", "-B", "-q", "dependency:copy", f"-Dartifact={coordinates}", f"-DoutputDirectory={scratch}"]
        output = _maven(argv)
        if output is not None:
            if NOT_SERVED.search(output) and os.environ.get("REPAIRPACK_REQUIRE_FLINK") != "1":
                pytest.skip(f"the Maven registry this machine reaches does not serve {coordinates} "
                            "(mvn: 'Could not find artifact'); set REPAIRPACK_FLINK_JOB_SERVER_JAR to the jar, "
                            "or REPAIRPACK_REQUIRE_FLINK=1 to fail instead")
            pytest.fail(f"fetching Beam's Flink job server: `{' '.join(argv)}` failed:\n{output[-4000:]}")
        jars = list(Path(scratch).glob("*.jar"))
        assert len(jars) == 1, f"mvn dependency:copy left {jars}"
        os.replace(jars[0], target)
    return target


def _maven(argv: list[str]) -> str | None:
    """Runs Maven; None when it succeeds, else what it printed."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    return None if done.returncode == 0 else done.stdout + done.stderr


def cluster_classpath() -> Path:
    """The folder of jars the cluster runs from, resolved by Maven once and cached."""
    lib = cache_dir() / f"flink-{FLINK_VERSION}-lib"
    if (lib / ".complete").is_file():
        return lib
    require_java_and_maven()
    deps = "".join(f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
                   for g, a, v in CLUSTER_ARTIFACTS)
    pom = ('<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
           "<groupId>repairpack.tests</groupId><artifactId>flink-session-cluster</artifactId><version>1</version>"
           f"<packaging>pom</packaging><dependencies>{deps}</dependencies></project>")
    shutil.rmtree(lib, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=cache_dir()) as scratch:
        (Path(scratch) / "pom.xml").write_text(pom, encoding="utf-8")
        _run_tool(["mvn", "-B", "-q", "-f", str(Path(scratch) / "pom.xml"), "dependency:copy-dependencies",
                   "-DincludeScope=runtime", f"-DoutputDirectory={lib}"], "fetching Flink's jars")
    (lib / ".complete").write_text("\n".join(":".join(a) for a in CLUSTER_ARTIFACTS) + "\n", encoding="utf-8")
    return lib


class FlinkCluster:
    """A running session cluster: its REST address (what the job server's --flink-master names)."""

    def __init__(self, services: Services, workdir: Path, taskmanagers: int = TASKMANAGERS) -> None:
        lib = cluster_classpath()
        self.classpath = f"{lib}/*"
        self.conf = workdir / "flink-conf"
        self.conf.mkdir(parents=True)
        self.rest_port = free_port()
        settings = {
            "jobmanager.rpc.address": "127.0.0.1", "jobmanager.rpc.port": free_port(),
            "jobmanager.bind-host": "127.0.0.1", "rest.address": "127.0.0.1", "rest.bind-address": "127.0.0.1",
            "rest.port": self.rest_port, "blob.server.port": free_port(),
            "taskmanager.host": "127.0.0.1", "taskmanager.bind-host": "127.0.0.1",
            "taskmanager.rpc.port": 0, "taskmanager.data.port": 0,
            "taskmanager.numberOfTaskSlots": 1, "parallelism.default": taskmanagers,
            "jobmanager.memory.process.size": "1024m", "taskmanager.memory.process.size": "1536m",
            "io.tmp.dirs": str(workdir / "flink-tmp"),
        }
        (workdir / "flink-tmp").mkdir()
        (self.conf / "flink-conf.yaml").write_text("".join(f"{k}: {v}\n" for k, v in settings.items()), encoding="utf-8")
        (self.conf / "log4j.properties").write_text(LOG4J, encoding="utf-8")
        logging = f"-Dlog4j.configurationFile={self.conf / 'log4j.properties'}"
        self.jobmanager = services.start("flink-jobmanager", [
            "java", *JAVA_OPENS, "-Xmx512m", logging, "-cp", self.classpath,
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "--configDir", str(self.conf)])
        self.jobmanager.wait_for_port(self.rest_port)
        jvm, dynamic = self._taskmanager_params(logging)
        self.taskmanagers = [services.start(f"flink-taskmanager-{i}", [
            "java", *JAVA_OPENS, *jvm, logging, "-cp", self.classpath,
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "--configDir", str(self.conf), *dynamic])
            for i in range(taskmanagers)]
        self._wait_for_taskmanagers(taskmanagers)

    @property
    def master(self) -> str:
        return f"127.0.0.1:{self.rest_port}"

    def _taskmanager_params(self, logging: str) -> tuple[list[str], list[str]]:
        """The heap, direct and metaspace sizes and the `-D key=value` properties Flink's scripts hand
        a TaskManager, computed by Flink from the configuration."""
        done = _run_tool(["java", logging, "-cp", self.classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils",
                          "GET_TM_RESOURCE_PARAMS", "--configDir", str(self.conf)], "sizing the TaskManagers")
        results = [line.split(":", 1)[1] for line in done.stdout.splitlines() if line.startswith("BASH_JAVA_UTILS_EXEC_RESULT:")]
        assert len(results) == 2, f"BashJavaUtils printed {done.stdout[-2000:]}"
        return results[0].split(), results[1].split()

    def overview(self) -> dict:
        with urllib.request.urlopen(f"http://{self.master}/overview", timeout=5) as response:
            return json.loads(response.read().decode("utf-8"))

    def _wait_for_taskmanagers(self, n: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        seen: dict = {}
        while time.monotonic() < deadline:
            for process in (self.jobmanager, *self.taskmanagers):
                if process.proc.poll() is not None:
                    pytest.fail(f"{process.name} exited with {process.proc.returncode}:\n{process.log_tail()}")
            try:
                seen = self.overview()
            except OSError:
                seen = {}
            if seen.get("taskmanagers") == n and seen.get("slots-total") == n:
                return
            time.sleep(0.5)
        pytest.fail(f"the Flink cluster did not register {n} TaskManagers and slots within {timeout:.0f} s: {seen}")


def start_job_server(services: Services, jar: Path, master: str) -> int:
    """Beam's Flink job server, submitting to the session cluster at `master`; returns its job port."""
    job_port = free_port()
    server = services.start("flink-job-server", [
        "java", *JAVA_OPENS, "-jar", str(jar), f"--flink-master={master}", f"--job-port={job_port}",
        f"--artifact-port={free_port()}", f"--expansion-port={free_port()}"])
    server.wait_for_port(job_port, timeout=180)
    return job_port
