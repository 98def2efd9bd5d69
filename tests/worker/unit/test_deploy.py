"""The deployment files parse and name the processes the CLI provides."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def _docs(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_compose_runs_persistent_redis_workers_and_listeners():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"redis", "worker", "listener"} <= set(services)
    redis_cmd = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_cmd
    assert "--maxmemory-policy noeviction" in redis_cmd
    assert any("/data" in v for v in services["redis"]["volumes"])
    assert services["worker"]["command"] == ["worker"] and services["listener"]["command"] == ["listen"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("worker", "listener"):
        assert services[name]["environment"]["JACTL_REDIS_URL"].startswith("redis://redis:")
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"


def test_kubernetes_manifests_are_valid_and_read_redis_from_a_secret():
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in _docs(f)]
    for d in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(d), d
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    deployments = {d["metadata"]["name"]: d for d in by_kind["Deployment"]}
    assert set(deployments) == {"jactl-worker", "jactl-listener"}
    for name, role in (("jactl-worker", "worker"), ("jactl-listener", "listen")):
        spec = deployments[name]["spec"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
        [container] = spec["template"]["spec"]["containers"]
        assert container["args"] == [role]
        env = {e["name"]: e for e in container["env"]}
        assert env["JACTL_REDIS_URL"]["valueFrom"]["secretKeyRef"] == {"name": "jactl-redis", "key": "url"}
    secrets = {d["metadata"]["name"] for d in by_kind["Secret"]}
    assert "jactl-redis" in secrets
    [scaler] = by_kind["ScaledObject"]
    assert scaler["spec"]["scaleTargetRef"]["name"] == "jactl-worker"
    [trigger] = scaler["spec"]["triggers"]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "rq:queue:jactl"


def test_dockerfile_and_procfile_name_the_cli_processes():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["jactl-worker"]' in dockerfile and "USER " in dockerfile
    procs = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                 if line.strip() and not line.startswith("#"))
    assert procs["worker"].strip() == "jactl-worker worker"
    assert procs["listener"].strip() == "jactl-worker listen"


def test_the_readme_pins_the_redis_settings_the_startup_checks_look_for():
    readme = (DEPLOY / "README.md").read_text()
    conf = readme.split("```conf", 1)[1].split("```", 1)[0]
    settings = dict(line.split("#")[0].split(None, 1) for line in conf.splitlines()
                    if line.strip() and not line.startswith("#"))
    assert settings["appendonly"].strip() == "yes"
    assert settings["maxmemory-policy"].strip() == "noeviction"


def test_prometheus_config_and_grafana_dashboard_use_the_metric_names():
    import json

    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert {j["job_name"] for j in prom["scrape_configs"]} >= {"jactl-worker", "jactl-listener"}
    board = json.loads((DEPLOY / "grafana" / "jactl-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    for name in ("jactl_runs_total", "jactl_parks_total", "jactl_resumes_total", "jactl_replies_total",
                 "jactl_run_seconds_bucket", "jactl_checkpoint_bytes_bucket", "jactl_instances", "jactl_queue_depth"):
        assert name in exprs, name
    from jactl_worker import metrics  # the board charts the names metrics.py registers

    names = {m._name for m in (metrics.RUNS, metrics.PARKS, metrics.RESUMES, metrics.REPLIES,
                               metrics.RUN_SECONDS, metrics.CHECKPOINT_BYTES)}
    assert names == {"jactl_runs", "jactl_parks", "jactl_resumes", "jactl_replies", "jactl_run_seconds",
                     "jactl_checkpoint_bytes"}  # prometheus_client adds _total / _bucket
