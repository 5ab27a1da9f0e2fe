"""deploy/kubernetes: the files a district gives Zero to JupyterHub, checked without a cluster.

Nothing here runs helm, docker or Kubernetes (none is on this machine). Each check is a
function that returns the problems it finds, run on the real files (no problem) and on a
broken copy (the problem is reported), so every check is seen to fail.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from jupyter_core import paths as jupyter_paths
from traitlets.config import Config

from careerlab.exchange.service import SERVICE_NAME
from careerlab.hub import config as hub_config
from careerlab.hub.courses import GRADEBOOK_URL_VARIABLE, configure_course

from .conftest import REPO

FOLDER = REPO / "deploy" / "kubernetes"
VALUES = FOLDER / "values.yaml"
EXCHANGE = FOLDER / "exchange.yaml"
DOCKERFILE = FOLDER / "Dockerfile"
COURSE = FOLDER / "course.yaml"


# ---------------------------------------------------------------------------- the checks


def load_values(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_manifests(path: Path) -> dict[str, dict]:
    """exchange.yaml's objects by kind."""
    return parse_manifests(path.read_text(encoding="utf-8"))


def parse_manifests(text: str) -> dict[str, dict]:
    documents = [d for d in yaml.safe_load_all(text) if d]
    return {d["kind"]: d for d in documents}


def extra_config(values: dict) -> str:
    return values["hub"]["extraConfig"]["careerlab"]


# `careerlab.x.y` named as a module or attribute, or `from careerlab.x import y`.
DOTTED = re.compile(r"(?<![\w/.-])careerlab(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"from\s+(careerlab(?:\.\w+)*)\s+import\s+(\w+)")


def missing_careerlab_names(text: str) -> list[str]:
    """Every careerlab module or attribute ``text`` names that cannot be imported."""
    names = set(DOTTED.findall(text))
    names |= {f"{module}.{name}" for module, name in FROM_IMPORT.findall(text)}
    missing = []
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target: Any = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            try:
                for attribute in parts[cut:]:
                    target = getattr(target, attribute)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    return missing


def extra_config_call_problems(code: str) -> list[str]:
    """Each careerlab function the extraConfig calls takes the arguments it is given."""
    problems = []
    tree = ast.parse(code)
    imported = {
        alias.asname or alias.name: (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("careerlab")
        for alias in node.names
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in imported:
            module, name = imported[node.func.id]
            function = getattr(importlib.import_module(module), name)
            arguments = [None] * len(node.args)
            keywords = {k.arg: None for k in node.keywords}
            try:
                inspect.signature(function).bind(*arguments, **keywords)
            except TypeError as error:
                problems.append(f"{name}: {error}")
    if not imported:
        problems.append("the extraConfig calls no careerlab function")
    return problems


SECRET_KEY = re.compile(r"token|secret|password|passwd|api_?key|credential", re.IGNORECASE)
# Keys that name a Secret or point into one: never the secret itself.
SECRET_REFERENCES = {"secretName", "secretKeyRef"}
PASSWORD_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def literal_secrets(node: object, where: str = "") -> list[str]:
    """Secrets written into a YAML document instead of taken from a Kubernetes Secret: a
    key named like a token, secret or password with a literal value, an environment
    variable named so with a ``value``, a URL with a password."""
    found = []
    if isinstance(node, dict):
        name = node.get("name")
        if isinstance(name, str) and SECRET_KEY.search(name) and "value" in node:
            found.append(f"{where}: {name} has a literal value (use valueFrom.secretKeyRef)")
        for key, value in node.items():
            here = f"{where}.{key}"
            literal = isinstance(value, str | int | float) and not isinstance(value, bool)
            if (
                SECRET_KEY.search(str(key))
                and key not in SECRET_REFERENCES
                and literal
                and value != ""
            ):
                found.append(f"{here} is a literal secret")
            found += literal_secrets(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += literal_secrets(item, f"{where}[{index}]")
    elif isinstance(node, str):
        if PASSWORD_IN_URL.search(node):
            found.append(f"{where}: a URL with a password")
        if "\n" in node:  # Python in extraConfig: no secret assigned as a string
            try:
                tree = ast.parse(node)
            except SyntaxError:
                return found
            for item in ast.walk(tree):
                pairs = []
                if isinstance(item, ast.keyword) and item.arg:
                    pairs.append((item.arg, item.value))
                if isinstance(item, ast.Assign):
                    for target in item.targets:
                        label = getattr(target, "attr", None) or getattr(target, "id", "")
                        pairs.append((label, item.value))
                for label, value in pairs:
                    if SECRET_KEY.search(label) and isinstance(value, ast.Constant):
                        found.append(f"{where}: {label} is set to a literal in Python")
    return found


def exchange_problems(values: dict, manifests: dict[str, dict], dockerfile: str) -> list[str]:
    """The exchange's name, port, prefix, token and labels agree between the files."""
    problems = []
    service = manifests["Service"]
    deployment = manifests["Deployment"]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    host = service["metadata"]["name"]
    port = service["spec"]["ports"][0]
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    listening = re.fullmatch(r"http://[^:/]+:(\d+)", env["JUPYTERHUB_SERVICE_URL"]["value"])
    if not listening or int(listening.group(1)) != container_ports.get(port["targetPort"]):
        problems.append("the pod does not listen on the port its Service targets")
    if container_ports.get(port["targetPort"]) != port["port"]:
        problems.append("the Service's port and the container's port differ")
    registered = values["hub"]["services"].get(SERVICE_NAME)
    url = f"http://{host}:{port['port']}"
    if registered is None:
        problems.append(f"values.yaml registers no hub service {SERVICE_NAME}")
    elif registered.get("url") != url:
        problems.append(f"values.yaml's service url {registered.get('url')} is not {url}")
    prefix = f"/services/{SERVICE_NAME}/"
    if env["JUPYTERHUB_SERVICE_PREFIX"]["value"] != prefix:
        problems.append("the exchange's prefix is not the hub's /services/<name>/")
    student_url = re.search(r"ARG CAREERLAB_EXCHANGE_URL=(\S+)", dockerfile)
    if not student_url or student_url.group(1) != url + prefix:
        problems.append(f"the Dockerfile's CAREERLAB_EXCHANGE_URL is not {url + prefix}")
    token = env["JUPYTERHUB_API_TOKEN"].get("valueFrom", {}).get("secretKeyRef", {})
    if token.get("key") != f"hub.services.{SERVICE_NAME}.apiToken":
        problems.append("the exchange's token is not the chart's token for its hub service")
    labels = pod["metadata"]["labels"]
    egress = values["singleuser"]["networkPolicy"]["egress"]
    reaches = any(
        all(labels.get(k) == v for k, v in peer["podSelector"]["matchLabels"].items())
        and any(p["port"] == port["port"] for p in rule["ports"])
        for rule in egress
        for peer in rule["to"]
    )
    if not reaches:
        problems.append("students' network policy does not let them reach the exchange")
    if labels.get("hub.jupyter.org/network-access-hub") != "true":
        problems.append("the exchange's pod may not reach the hub's API (network policy)")
    return problems


# The course manifest: one course's formgrader pod, from course.yaml's placeholder.
PLACEHOLDER = "COURSE_ID"


def course_manifests(text: str, course_id: str) -> dict[str, dict]:
    """course.yaml for one course, as its documented `sed 's/COURSE_ID/<id>/g'` makes it."""
    return parse_manifests(text.replace(PLACEHOLDER, course_id))


def chart_hub_arguments(values: dict) -> dict:
    """What values.yaml's extraConfig passes to configure_chart_hub (its folders)."""
    given: dict = {}
    code = extra_config(values)
    real = hub_config.configure_chart_hub
    hub_config.configure_chart_hub = lambda c, **arguments: given.update(arguments)
    try:
        exec(compile(code, "extraConfig", "exec"), {"c": Config()})
    finally:
        hub_config.configure_chart_hub = real
    return given


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def command_problems(command: list[str]) -> list[str]:
    """A container's command: an installed console script; careerlab's parse as its CLI."""
    from importlib.metadata import entry_points

    from careerlab.cli import build_parser

    if not entry_points(group="console_scripts", name=command[0]):
        return [f"the command {command[0]} is no installed program"]
    if command[0] == "careerlab":
        try:
            build_parser().parse_args(command[1:])
        except SystemExit:
            return [f"{' '.join(command)} is not a careerlab command"]
    return []


def course_problems(
    values: dict,
    course: dict[str, dict],
    exchange: dict[str, dict],
    dockerfile: str,
    course_id: str,
) -> list[str]:
    """One course's pod serves the hub service values.yaml registers for it, as the hub
    runs it on one machine, with its token and gradebook from Secrets; it can be reached by
    the proxy and reach the hub and the exchange."""
    from careerlab.cli import build_parser
    from careerlab.hub.classroom import Classroom, Course
    from careerlab.hub.layout import Layout

    problems = []
    service, policy = course["Service"], course["NetworkPolicy"]
    pod = course["Deployment"]["spec"]["template"]
    spec, labels = pod["spec"], pod["metadata"]["labels"]
    server, init = spec["containers"][0], spec["initContainers"][0]
    env = {e["name"]: e for e in server.get("env", [])}

    def value(name: str) -> str | None:
        return env.get(name, {}).get("value")

    for container in (server, init):
        problems += command_problems(container["command"])
    # Where the hub looks for the service (configure_chart_hub), and where the pod listens.
    port = service["spec"]["ports"][0]
    container_port = {p["name"]: p["containerPort"] for p in server["ports"]}.get(
        port["targetPort"]
    )
    url = f"http://{service['metadata']['name']}:{port['port']}"
    if url != hub_config.CHART_COURSE_URL.format(course=course_id):
        problems.append(f"the course's Service is {url}, not where the hub looks for it")
    listening = re.fullmatch(r"http://[^:/]+:(\d+)", value("JUPYTERHUB_SERVICE_URL") or "")
    if not listening or not int(listening.group(1)) == container_port == port["port"]:
        problems.append("the course's server does not listen on the port its Service targets")
    if not selects(service["spec"]["selector"], labels):
        problems.append("the course's Service does not select its pod")
    # The hub service it is: its name, prefix, OAuth client and the hub's API.
    hub_api = {
        e["name"]: e
        for e in exchange["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }["JUPYTERHUB_API_URL"]["value"]
    wanted = {
        "JUPYTERHUB_SERVICE_NAME": course_id,
        "JUPYTERHUB_SERVICE_PREFIX": f"/services/{course_id}/",
        "JUPYTERHUB_CLIENT_ID": f"service-{course_id}",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"/services/{course_id}/oauth_callback",
        "JUPYTERHUB_API_URL": hub_api,
    }
    for name, expected in wanted.items():
        if value(name) != expected:
            problems.append(f"{name} is {value(name)!r}, not {expected!r}")
    # Its token: the key named after the course in the Secret the hub reads tokens from.
    given = chart_hub_arguments(values)
    mounts = {m["mountPath"]: m["name"] for m in values["hub"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in values["hub"]["extraVolumes"]}
    token_volume = volumes.get(mounts.get(str(given["token_dir"]), ""), {})
    token = env.get("JUPYTERHUB_API_TOKEN", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if token != {"name": token_volume.get("secret", {}).get("secretName"), "key": course_id}:
        problems.append("the course's token is not its key in the hub's course-tokens Secret")
    # The gradebook URL: in both containers (the release writes the gradebook), from a Secret.
    for container in (init, server):
        gradebook = {e["name"]: e for e in container.get("env", [])}.get(GRADEBOOK_URL_VARIABLE)
        if (
            not gradebook
            or "value" in gradebook
            or "secretKeyRef" not in gradebook.get("valueFrom", {})
        ):
            problems.append(f"{container['name']}'s gradebook URL is not from a Secret")
    # The init makes <root>/courses/<course>, for the classroom file's course; the server
    # runs there with the environment `careerlab hub start` gives a course service.
    try:
        args = build_parser().parse_args(init["command"][1:])
    except SystemExit:
        return problems
    if args.course != course_id:
        problems.append(f"the init makes course {args.course}, not {course_id}")
    folder = Layout(Path(args.root), single_account=True).course(course_id)
    here = Layout(Path("/one-machine"), single_account=True)
    one_machine = hub_config._course_services(
        here, Classroom(courses=(Course(course_id, "", (), ()),)), hub_config.Ports()
    )[0]
    for name, expected in one_machine["environment"].items():
        if name == "PATH":  # the image's own
            continue
        expected = expected.replace(str(here.course(course_id)), str(folder))
        if value(name) != expected:
            problems.append(f"the server's {name} is {value(name)!r}, not {expected!r}")
    if server.get("workingDir") != str(folder):
        problems.append(f"the server does not run in the course folder {folder}")
    claims = {
        v["name"]
        for v in spec["volumes"]
        if v.get("persistentVolumeClaim", {}).get("claimName")
        == course["PersistentVolumeClaim"]["metadata"]["name"]
    }
    for container in (init, server):
        if not any(
            m["name"] in claims and folder.is_relative_to(m["mountPath"])
            for m in container.get("volumeMounts", [])
        ):
            problems.append(f"{container['name']} does not have the course folder on its volume")
    exchange_url = re.search(r"ARG CAREERLAB_EXCHANGE_URL=(\S+)", dockerfile)
    if not exchange_url or args.exchange_url != exchange_url.group(1):
        problems.append("the course's exchange URL is not the students' (Dockerfile)")
    # The classroom file: the one the hub reads, from the chart's Secret (hub.extraFiles).
    files = {key: item["mountPath"] for key, item in values["hub"]["extraFiles"].items()}
    file_key = next((k for k, m in files.items() if m == str(given["classroom"])), None)
    found = False
    for volume in spec["volumes"]:
        secret = volume.get("secret", {})
        for item in secret.get("items", []):
            for mount in init.get("volumeMounts", []):
                if mount["name"] == volume["name"] and Path(
                    mount["mountPath"], item["path"]
                ) == Path(args.classroom):
                    found = secret["secretName"] == "hub" and item["key"] == file_key
    if not found:
        problems.append("the init's classroom file is not the hub's (Secret hub, extraFiles)")
    # Non-root, no privilege.
    if spec.get("securityContext", {}).get("runAsNonRoot") is not True:
        problems.append("the course's pod may run as root")
    for container in (init, server):
        if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
            problems.append(f"{container['name']} may escalate privileges")
    # The network: the proxy reaches it; it reaches the hub's API and the exchange.
    if labels.get("hub.jupyter.org/network-access-hub") != "true":
        problems.append("the course's pod may not reach the hub's API (chart's network policy)")
    if not selects(policy["spec"]["podSelector"]["matchLabels"], labels):
        problems.append("the course's network policy does not select its pod")

    def allows(rules: list[dict], side: str, peer: dict, port_number: int) -> bool:
        return any(
            any(
                selects(p.get("podSelector", {}).get("matchLabels", {}), peer)
                and "podSelector" in p
                for p in rule.get(side, [])
            )
            and any(p["port"] == port_number for p in rule.get("ports", []))
            for rule in rules
        )

    proxy = {"app": "jupyterhub", "component": "proxy"}
    hub = {"app": "jupyterhub", "component": "hub"}
    if not allows(policy["spec"].get("ingress", []), "from", proxy, container_port):
        problems.append("the course's network policy does not let the proxy reach it")
    hub_port = int(re.search(r":(\d+)/", hub_api).group(1))
    if not allows(policy["spec"].get("egress", []), "to", hub, hub_port):
        problems.append("the course's network policy does not let it reach the hub's API")
    exchange_pod = exchange["Deployment"]["spec"]["template"]
    exchange_port = exchange_pod["spec"]["containers"][0]["ports"][0]["containerPort"]
    if not allows(
        policy["spec"].get("egress", []), "to", exchange_pod["metadata"]["labels"], exchange_port
    ):
        problems.append("the course's network policy does not let it reach the exchange")
    return problems


def makefile_lab_overrides() -> tuple[str, str]:
    """The Makefile's LAB_OVERRIDES: its source file, and where it goes under the env."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^LAB_OVERRIDES := \$\(VENV\)/(\S+)$", makefile, re.MULTILINE)
    source = re.search(r"^\$\(LAB_OVERRIDES\): (\S+)", makefile, re.MULTILINE)
    assert target and source, "the Makefile no longer says where the lab settings go"
    return source.group(1), target.group(1)


def stage(dockerfile: str, name: str) -> str:
    """The Dockerfile's lines from ``FROM ... AS name`` to the next FROM."""
    match = re.search(rf"^FROM \S+ AS {name}\n(.*?)(?=^FROM |\Z)", dockerfile, re.M | re.S)
    assert match, f"no stage {name}"
    return match.group(1)


def student_config_problems(singleuser: str) -> list[str]:
    """Students' configuration goes on the image's JUPYTER_CONFIG_PATH, a folder no other
    Jupyter app reads: a course's formgrader pod runs the same image (course.yaml)."""
    folder = re.search(r"^ENV JUPYTER_CONFIG_PATH=(\S+)$", singleuser, re.M)
    written = 'write_student_files(pathlib.Path(os.environ["JUPYTER_CONFIG_PATH"])'
    if not folder or written not in singleuser:
        return ["the student configuration is not written to the image's JUPYTER_CONFIG_PATH"]
    # The folders every Jupyter app reads, here; ${CONDA_DIR} is the image's sys.prefix.
    everyone = {
        str(Path(p)) for p in (*jupyter_paths.ENV_CONFIG_PATH, *jupyter_paths.SYSTEM_CONFIG_PATH)
    }
    if str(Path(folder.group(1).replace("${CONDA_DIR}", sys.prefix))) in everyone:
        return [f"the student configuration is in {folder.group(1)}, which every Jupyter app reads"]
    return []


def dockerfile_problems(dockerfile: str) -> list[str]:
    problems = []
    singleuser = " ".join(stage(dockerfile, "singleuser").split("\\\n"))
    if not re.search(r"^COPY .* \. (\S+)$", singleuser, re.M):
        problems.append("the repository is not copied into the student image")
    if not re.search(r"mamba env update [^\n]*--file environment\.yml", singleuser):
        problems.append("the student image is not built from environment.yml")
    source, target = makefile_lab_overrides()
    installs = re.search(rf"install -D -m 644\s+{re.escape(source)}\s+(\S+)", singleuser)
    if not installs or installs.group(1).strip('"') != "${CONDA_DIR}/" + target:
        problems.append(f"the Makefile's lab settings ({source}) are not installed at {target}")
    # The build rewrites environment.yml's JupyterHub line to the chart's version.
    sed = re.search(r'sed -i "s/(\^[^/]+)/', singleuser)
    environment = (REPO / "environment.yml").read_text(encoding="utf-8")
    if not sed or not re.search(sed.group(1).replace("\\", ""), environment, re.M):
        problems.append("the JupyterHub line the build pins is not in environment.yml")
    if "write_student_files" not in singleuser:
        problems.append("the student image has no student Jupyter configuration")
    problems += student_config_problems(singleuser)
    # The hub image's extra packages are pinned as pyproject.toml pins them.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = dict(re.match(r"([\w-]+)(.*)", r).groups() for r in project["dependencies"])
    for package, spec in re.findall(r'"([\w-]+)([~=<>!][^"]*)"', stage(dockerfile, "hub")):
        if pins.get(package) != spec:
            problems.append(f"the hub image pins {package}{spec}, pyproject {pins.get(package)}")
    return problems


# ------------------------------------------------------------------------- the real files


def test_the_files_parse():
    values = load_values(VALUES)
    assert {"hub", "proxy", "singleuser", "cull", "scheduling"} <= set(values)
    assert set(load_manifests(EXCHANGE)) == {"PersistentVolumeClaim", "Deployment", "Service"}
    ast.parse(extra_config(values))
    stage(DOCKERFILE.read_text(), "singleuser")
    stage(DOCKERFILE.read_text(), "hub")


def test_every_careerlab_name_in_the_files_exists():
    texts = [p.read_text(encoding="utf-8") for p in (VALUES, EXCHANGE, DOCKERFILE)]
    named = set().union(*(DOTTED.findall(t) for t in texts))
    assert {"careerlab.exchange.service", "careerlab.hub.config"} <= named
    assert missing_careerlab_names("\n".join(texts)) == []
    assert extra_config_call_problems(extra_config(load_values(VALUES))) == []


def test_the_dockerfile_builds_from_environment_yml_with_the_lab_settings():
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_no_secret_is_written_in_the_files():
    assert literal_secrets(load_values(VALUES), "values") == []
    for kind, document in load_manifests(EXCHANGE).items():
        assert literal_secrets(document, kind) == []


def test_the_exchange_agrees_between_values_manifest_and_image():
    problems = exchange_problems(
        load_values(VALUES), load_manifests(EXCHANGE), DOCKERFILE.read_text(encoding="utf-8")
    )
    assert problems == []


def test_resource_numbers_point_to_the_capacity_plan():
    marker = "# from bench/classroom.py, see docs/deploy.md#capacity-plan"
    lines = VALUES.read_text(encoding="utf-8").splitlines()
    for key in ("guarantee:", "limit:", "replicas:"):
        numbers = [line for line in lines if line.strip().startswith(key)]
        assert numbers, key
        assert all(marker in line for line in numbers), numbers
    assert "### Capacity plan" in (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")


# ------------------------------------------------------- each check fails on a broken copy


def test_a_name_that_does_not_exist_is_reported():
    text = "python -m careerlab.exchange.servise\nfrom careerlab.hub.config import configure_hub"
    assert missing_careerlab_names(text) == [
        "careerlab.exchange.servise",
        "careerlab.hub.config.configure_hub",
    ]
    code = extra_config(load_values(VALUES)).replace("token_dir=", "tokens=")
    assert "token_dir" in " ".join(extra_config_call_problems(code))


def test_a_dockerfile_without_environment_yml_or_lab_settings_is_reported():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    broken = dockerfile.replace("--file environment.yml", "--file other.yml")
    assert dockerfile_problems(broken) == ["the student image is not built from environment.yml"]
    broken = dockerfile.replace("overrides.d/careerlab.json", "overrides.d/x.json")
    assert "lab settings" in " ".join(dockerfile_problems(broken))
    broken = dockerfile.replace('"filelock~=4.3"', '"filelock~=3.0"')
    assert "pins filelock~=3.0" in " ".join(dockerfile_problems(broken))


@pytest.mark.parametrize(
    "broken",
    [
        {"hub": {"services": {SERVICE_NAME: {"api_token": "0123abcd"}}}},
        {"hub": {"extraEnv": {"EXCHANGE_TOKEN": "0123abcd"}}},
        {"env": [{"name": "JUPYTERHUB_API_TOKEN", "value": "0123abcd"}]},
        {"hub": {"db": {"url": "postgresql://careerlab:hunter2@db/gradebook"}}},
        {"hub": {"extraConfig": {"x": 'c.JupyterHub.cookie_secret = "0123abcd"\n'}}},
    ],
)
def test_a_literal_secret_is_reported(broken):
    assert literal_secrets(broken) != []


def test_references_to_secrets_are_not_secrets():
    reference = {
        "volumes": [{"name": "course-tokens", "secret": {"secretName": "careerlab-tokens"}}],
        "env": [{"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hub", "key": "k"}}}],
    }
    assert literal_secrets(reference) == []


@pytest.mark.parametrize(
    ("where", "old", "new", "problem"),
    [
        (EXCHANGE, "containerPort: 10101", "containerPort: 10102", "port"),
        (EXCHANGE, "http://0.0.0.0:10101", "http://0.0.0.0:8080", "does not listen"),
        (VALUES, "url: http://careerlab-exchange:10101", "url: http://exchange:10101", "url"),
        (
            DOCKERFILE,
            "careerlab-exchange:10101/services",
            "careerlab-exchange:80/services",
            "Dockerfile",
        ),
        (VALUES, "- port: 10101", "- port: 443", "network policy"),
        (EXCHANGE, "key: hub.services.careerlab-exchange.apiToken", "key: token", "token"),
    ],
)
def test_an_exchange_that_disagrees_is_reported(tmp_path, where, old, new, problem):
    copies = {}
    for path in (VALUES, EXCHANGE, DOCKERFILE):
        text = path.read_text(encoding="utf-8")
        if path == where:
            assert old in text
            text = text.replace(old, new)
        copies[path] = tmp_path / path.name
        copies[path].write_text(text, encoding="utf-8")
    problems = exchange_problems(
        load_values(copies[VALUES]),
        load_manifests(copies[EXCHANGE]),
        copies[DOCKERFILE].read_text(encoding="utf-8"),
    )
    assert problems and problem.lower() in " ".join(problems).lower(), problems


# ------------------------------------------------- the hub pod's configuration function

CLASSROOM = """\
courses:
  - id: cte-901
    title: Careers
    projects: all
    teachers: [t.kube@school.org]
    students: [s.kube@school.org]
  - id: bio-901
    projects: all
    lti_context_ids: [ctx-bio]
"""
LTI = """\
issuer: https://lms.example.org
client_id: "42"
authorize_url: https://lms.example.org/authorize
jwks_endpoint: https://lms.example.org/jwks
"""


@pytest.fixture
def chart_files(tmp_path):
    (tmp_path / "classroom.yml").write_text(CLASSROOM)
    (tmp_path / "lti.yml").write_text(LTI)
    tokens = tmp_path / "course-tokens"
    tokens.mkdir()
    for course in ("cte-901", "bio-901"):
        (tokens / course).write_text(f"token-of-{course}\n")
    return tmp_path


def chart_config() -> Config:
    """What the chart has set before hub.extraConfig runs (its jupyterhub_config.py)."""
    c = Config()
    c.JupyterHub.services = [{"name": SERVICE_NAME, "url": "http://careerlab-exchange:10101"}]
    c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "services": ["x"]}]
    return c


def test_the_chart_hub_gets_the_classrooms_services_roles_and_lti(chart_files):
    c = chart_config()
    hub_config.configure_chart_hub(
        c,
        classroom=chart_files / "classroom.yml",
        token_dir=chart_files / "course-tokens",
        lti=chart_files / "lti.yml",
        state=chart_files,
    )
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert list(services) == [SERVICE_NAME, "cte-901", "bio-901"]
    assert services["bio-901"]["url"] == "http://careerlab-course-bio-901:8888"
    assert services["bio-901"]["api_token"] == "token-of-bio-901"
    assert "command" not in services["cte-901"]  # the hub runs nothing in its pod
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert "jupyterhub-idle-culler" in roles  # the chart's own role is kept
    assert roles["teach-bio-901"]["scopes"] == ["access:services!service=bio-901"]
    assert roles["teach-bio-901"]["groups"] == ["formgrade-bio-901"]
    assert "nbgrader-cte-901" in roles[f"{SERVICE_NAME}-users"]["groups"]
    assert f"access:services!service={SERVICE_NAME}" in c.Spawner.server_token_scopes
    assert c.JupyterHub.authenticator_class.__name__ == "CareerLabLTI13Authenticator"
    assert c.CareerLabLTI13Authenticator.nonce_file.startswith(str(chart_files))
    assert c.Authenticator.manage_groups is True
    assert "load_groups" not in c.JupyterHub  # under LTI the launches set the groups


def test_without_lti_the_groups_come_from_the_classroom_file(chart_files):
    c = chart_config()
    hub_config.configure_chart_hub(
        c,
        classroom=chart_files / "classroom.yml",
        token_dir=chart_files / "course-tokens",
        lti=None,
        state=chart_files,
    )
    assert c.JupyterHub.load_groups["formgrade-cte-901"] == {"users": ["t.kube@school.org"]}
    assert c.JupyterHub.load_groups["nbgrader-cte-901"] == {"users": ["s.kube@school.org"]}
    assert "authenticator_class" not in c.JupyterHub  # left to the values' hub.config


def test_a_course_without_a_token_stops_the_hub_and_says_which(chart_files):
    (chart_files / "course-tokens" / "bio-901").unlink()
    c = chart_config()
    with pytest.raises(ValueError, match=r"course\(s\) bio-901 .*Secret"):
        hub_config.configure_chart_hub(
            c,
            classroom=chart_files / "classroom.yml",
            token_dir=chart_files / "course-tokens",
            lti=chart_files / "lti.yml",
            state=chart_files,
        )
    assert [s["name"] for s in c.JupyterHub.services] == [SERVICE_NAME]  # nothing half-set


HUB_IMAGE_LACKS = ("nbgrader", "jupyterlab", "jupyter_server", "ipywidgets", "voila", "pandas")


def test_the_hub_code_needs_nothing_the_charts_hub_image_lacks(chart_files):
    """The hub image is the chart's plus CareerLab without its dependencies (Dockerfile):
    the extraConfig must run with the student-side packages unimportable."""
    code = f"""
import sys
from pathlib import Path
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HUB_IMAGE_LACKS!r}:
            raise ImportError("not in the hub image: " + name)
sys.meta_path.insert(0, Block())
from traitlets.config import Config
c = Config()
etc = Path({str(chart_files)!r})
{extra_config(load_values(VALUES)).replace('Path("/usr/local/etc/careerlab")', "etc")}
print(c.JupyterHub.authenticator_class.__name__)
"""
    assert 'Path("/usr/local/etc/careerlab")' in extra_config(load_values(VALUES))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CareerLabLTI13Authenticator"


def test_a_course_formgrader_takes_its_gradebook_url_from_the_environment(monkeypatch):
    url = "postgresql://formgrader@postgres/gradebook_cte_901"
    monkeypatch.setenv(GRADEBOOK_URL_VARIABLE, url)
    c = Config()
    configure_course(c, "cte-901", "http://careerlab-exchange:10101/services/x/")
    assert c.CourseDirectory.db_url == url
    monkeypatch.delenv(GRADEBOOK_URL_VARIABLE)
    c = Config()
    configure_course(c, "cte-901", "http://careerlab-exchange:10101/services/x/")
    assert "db_url" not in c.CourseDirectory  # nbgrader's default: the course's SQLite file


def test_the_student_files_the_image_bakes_in(tmp_path):
    url = "http://careerlab-exchange:10101/services/careerlab-exchange/"
    hub_config.write_student_files(tmp_path, url)
    text = (tmp_path / "jupyter_config.py").read_text()
    ast.parse(text)
    assert f"configure_student_server(get_config(), {url!r})" in text
    disabled = yaml.safe_load((tmp_path / "labconfig" / "page_config.json").read_text())
    assert set(disabled["disabledExtensions"]) == set(hub_config.TEACHER_ONLY_PLUGINS)


# --------------------------------------------------------- a course's formgrader pod

COURSE_ID = "cte-101"


def real_course_problems(course_text: str | None = None, values: dict | None = None) -> list[str]:
    return course_problems(
        values or load_values(VALUES),
        course_manifests(course_text or COURSE.read_text(encoding="utf-8"), COURSE_ID),
        load_manifests(EXCHANGE),
        DOCKERFILE.read_text(encoding="utf-8"),
        COURSE_ID,
    )


def test_the_course_manifest_parses_with_its_placeholder_replaced_as_documented():
    text = COURSE.read_text(encoding="utf-8")
    sed = f"sed 's/{PLACEHOLDER}/{COURSE_ID}/g' deploy/kubernetes/course.yaml"
    assert sed in text
    assert sed in (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    made = text.replace(PLACEHOLDER, COURSE_ID)
    assert PLACEHOLDER not in made
    kinds = [d["kind"] for d in yaml.safe_load_all(made) if d]
    assert sorted(kinds) == ["Deployment", "NetworkPolicy", "PersistentVolumeClaim", "Service"]
    assert missing_careerlab_names(text) == []
    assert "careerlab.hub.courses" in DOTTED.findall(text)
    for kind, document in course_manifests(text, COURSE_ID).items():
        assert literal_secrets(document, kind) == []


def test_the_course_pod_agrees_with_the_hub_values_and_exchange():
    assert real_course_problems() == []


def test_the_student_configuration_is_read_by_students_servers_only():
    assert (
        student_config_problems(stage(DOCKERFILE.read_text(encoding="utf-8"), "singleuser")) == []
    )
    broken = DOCKERFILE.read_text(encoding="utf-8").replace(
        "ENV JUPYTER_CONFIG_PATH=${CONDA_DIR}/etc/careerlab-student",
        "ENV JUPYTER_CONFIG_PATH=${CONDA_DIR}/etc/jupyter",
    )
    assert "every Jupyter app reads" in " ".join(dockerfile_problems(broken))


def _course_env(course: dict, container: str = "formgrader") -> dict[str, dict]:
    spec = course["Deployment"]["spec"]["template"]["spec"]
    found = [c for c in spec["containers"] + spec["initContainers"] if c["name"] == container]
    return {e["name"]: e for e in found[0]["env"]}


def _server(course: dict) -> dict:
    return course["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def _init(course: dict) -> dict:
    return course["Deployment"]["spec"]["template"]["spec"]["initContainers"][0]


def _set_env(course: dict, name: str, entry: dict | None, container: str = "formgrader") -> None:
    spec = course["Deployment"]["spec"]["template"]["spec"]
    for c in spec["containers"] + spec["initContainers"]:
        if c["name"] == container:
            c["env"] = [e for e in c["env"] if e["name"] != name] + ([entry] if entry else [])


def _arg(course: dict, option: str, new: str) -> None:
    command = _init(course)["command"]
    command[command.index(option) + 1] = new


BROKEN_COURSES = {
    "Service port": (lambda m: m["Service"]["spec"]["ports"][0].update(port=8080), "Service is"),
    "listens elsewhere": (
        lambda m: _set_env(
            m,
            "JUPYTERHUB_SERVICE_URL",
            {"name": "JUPYTERHUB_SERVICE_URL", "value": "http://0.0.0.0:8889"},
        ),
        "does not listen",
    ),
    "prefix": (
        lambda m: _set_env(
            m,
            "JUPYTERHUB_SERVICE_PREFIX",
            {"name": "JUPYTERHUB_SERVICE_PREFIX", "value": "/services/other/"},
        ),
        "JUPYTERHUB_SERVICE_PREFIX",
    ),
    "API URL": (
        lambda m: _set_env(
            m,
            "JUPYTERHUB_API_URL",
            {"name": "JUPYTERHUB_API_URL", "value": "http://hub:8080/hub/api"},
        ),
        "JUPYTERHUB_API_URL",
    ),
    "token key": (
        lambda m: _course_env(m)["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"].update(
            key="token"
        ),
        "token",
    ),
    "literal gradebook URL": (
        lambda m: _set_env(
            m,
            GRADEBOOK_URL_VARIABLE,
            {"name": GRADEBOOK_URL_VARIABLE, "value": "postgresql://u:p@db/g"},
            "make-course",
        ),
        "gradebook URL is not from a Secret",
    ),
    "no gradebook URL for the release": (
        lambda m: _set_env(m, GRADEBOOK_URL_VARIABLE, None, "make-course"),
        "make-course's gradebook URL",
    ),
    "no config path": (lambda m: _set_env(m, "JUPYTER_CONFIG_PATH", None), "JUPYTER_CONFIG_PATH"),
    "folder elsewhere": (lambda m: _arg(m, "--root", "/srv/other"), "course folder"),
    "other course": (
        lambda m: _init(m)["command"].__setitem__(3, "bio-201"),
        "makes course bio-201",
    ),
    "unknown command": (
        lambda m: _init(m)["command"].__setitem__(2, "make-courses"),
        "not a careerlab command",
    ),
    "unknown program": (
        lambda m: _server(m).update(command=["jupyterhub-singleusr"]),
        "no installed program",
    ),
    "exchange URL": (
        lambda m: _arg(m, "--exchange-url", "http://careerlab-exchange:80/"),
        "exchange URL",
    ),
    "classroom key": (
        lambda m: m["Deployment"]["spec"]["template"]["spec"]["volumes"][1]["secret"]["items"][
            0
        ].update(key="classroom.yml"),
        "classroom file",
    ),
    "hub label": (
        lambda m: m["Deployment"]["spec"]["template"]["metadata"]["labels"].pop(
            "hub.jupyter.org/network-access-hub"
        ),
        "hub's API (chart",
    ),
    "proxy shut out": (
        lambda m: m["NetworkPolicy"]["spec"]["ingress"][0]["from"].pop(0),
        "let the proxy reach it",
    ),
    "exchange shut out": (
        lambda m: m["NetworkPolicy"]["spec"]["egress"].pop(1),
        "let it reach the exchange",
    ),
    "root": (
        lambda m: m["Deployment"]["spec"]["template"]["spec"]["securityContext"].update(
            runAsNonRoot=False
        ),
        "as root",
    ),
}


@pytest.mark.parametrize("broken", list(BROKEN_COURSES))
def test_a_course_pod_that_disagrees_is_reported(broken):
    change, problem = BROKEN_COURSES[broken]
    course = course_manifests(COURSE.read_text(encoding="utf-8"), COURSE_ID)
    change(course)
    problems = course_problems(
        load_values(VALUES),
        course,
        load_manifests(EXCHANGE),
        DOCKERFILE.read_text(encoding="utf-8"),
        COURSE_ID,
    )
    assert problems and problem in " ".join(problems), problems


def test_a_token_secret_other_than_the_hubs_is_reported():
    values = load_values(VALUES)
    values["hub"]["extraVolumes"][0]["secret"]["secretName"] = "other-tokens"
    assert "token" in " ".join(real_course_problems(values=values))


# ------------------------------------------------- the course folder, made in its pod

POD_CLASSROOM = """\
courses:
  - id: kube-101
    projects: [first-paycheck]
    teachers: [t.kube@school.org]
    students: [s.kube@school.org]
"""


def test_make_course_in_a_pod_releases_into_the_courses_own_gradebook(tmp_path, monkeypatch):
    """`careerlab hub make-course` (course.yaml's init): the classroom file's course, made
    and released once into ROOT/courses/<id>, its workbooks registered in the gradebook
    CAREERLAB_GRADEBOOK_URL names (PostgreSQL in a district; a SQLite file elsewhere here)."""
    from careerlab.cli import main

    (tmp_path / "classroom.yml").write_text(POD_CLASSROOM)
    elsewhere = tmp_path / "gradebooks" / "kube-101.db"
    elsewhere.parent.mkdir()
    monkeypatch.setenv(GRADEBOOK_URL_VARIABLE, f"sqlite:///{elsewhere}")
    monkeypatch.setenv("CAREERLAB_REPOSITORY", str(REPO))
    monkeypatch.delenv("CAREERLAB_DB_URL", raising=False)
    arguments = ["hub", "make-course", "kube-101", "--classroom", str(tmp_path / "classroom.yml")]
    arguments += ["--root", str(tmp_path / "pod"), "--exchange-url", "http://x:1/services/e/"]
    assert main(arguments) == 0
    folder = tmp_path / "pod" / "courses" / "kube-101"
    assert sorted(p.name for p in (folder / "workbooks").iterdir()) == ["first-paycheck"]
    assert (folder / "release" / "first-paycheck").is_dir()
    assert (
        "configure_course(get_config(), 'kube-101', 'http://x:1/services/e/')"
        in (folder / "jupyter_config.py").read_text()
    )
    assert not (folder / "gradebook.db").exists()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{elsewhere}", course_id="kube-101") as gradebook:
        assert [a.name for a in gradebook.assignments] == ["first-paycheck"]
    # A restarted pod changes nothing: the folder holds the grades.
    (folder / "marker").write_text("kept")
    assert main(arguments) == 0
    assert (folder / "marker").read_text() == "kept"


def test_make_course_for_a_course_not_in_the_classroom_file_says_so(tmp_path, capsys):
    from careerlab.cli import main

    (tmp_path / "classroom.yml").write_text(POD_CLASSROOM)
    code = main(
        ["hub", "make-course", "kube-102", "--classroom", str(tmp_path / "classroom.yml")]
        + ["--root", str(tmp_path / "pod"), "--exchange-url", "http://x:1/services/e/"]
    )
    assert code == 1
    error = capsys.readouterr().err
    assert "'kube-102' is not in the classroom file" in error
    assert "(it has: kube-101)" in error
    assert not (tmp_path / "pod").exists()
