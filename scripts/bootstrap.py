"""Every one-time step of a Google Cloud project for Watchkeeper, in order, idempotent.

    make bootstrap PROJECT=my-project REGION=europe-west1 [GITHUB_REPO=owner/name]
    python3 scripts/bootstrap.py --project P --region R [--github-repo OWNER/NAME] [--secrets-from-stdin]

Each step first *describes* (a read-only gcloud call) and only creates or updates what is
missing, so a second run changes nothing. Steps are plain data (`Step`) in one list built by
`steps()`: a new resource is one more entry there. Secret values come from stdin (one line
per secret created, with --secrets-from-stdin) or are generated here; they never appear on a
command line. README "Deploy" lists each role and the permission it is for; DEPLOY_IAM.md
maps every build command to its permission and role.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

APIS = ["serviceusage.googleapis.com", "cloudresourcemanager.googleapis.com", "iam.googleapis.com",
        "cloudfunctions.googleapis.com", "run.googleapis.com", "cloudbuild.googleapis.com",
        "artifactregistry.googleapis.com", "firestore.googleapis.com", "secretmanager.googleapis.com",
        "dialogflow.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com"]

# The pipeline's own account (runs cloudbuild.yaml): exactly what its steps call, see DEPLOY_IAM.md.
BUILD_ROLES = ["roles/cloudfunctions.developer", "roles/datastore.indexAdmin", "roles/dialogflow.admin",
               "roles/logging.logWriter"]
# Cloud Run's invoker binding needs run.services.setIamPolicy, which no narrow predefined role holds.
INVOKER_ROLE_ID = "watchkeeperInvokerBinder"
INVOKER_PERMISSIONS = ["run.services.getIamPolicy", "run.services.setIamPolicy"]


class Pending(Exception):
    """A step waits for a person (e.g. authorising the GitHub app); re-run after."""


@dataclass
class Step:
    """Describe with `check`; if `present(stdout)` is false (or the check fails), run `create`."""
    name: str
    check: list[str]
    create: list[list[str]]
    present: Callable[[str], bool] = lambda out: True
    stdin: Callable[[], str] | None = None          # for secrets: the value, never on argv
    verify: bool = False                            # describe again after creating (may raise Pending)
    show_output: bool = False                       # a person must read what create prints (a link)


@dataclass
class Config:
    project: str
    region: str
    agent_location: str = ""                        # Dialogflow ES region; empty: the same as region
    database: str = "(default)"
    runtime_sa: str = "watchkeeper-webhook"
    build_sa: str = "watchkeeper-deployer"
    function_build_sa: str = "watchkeeper-fn-build"
    basic_secret: str = "watchkeeper-basic-password"
    header_secret: str = "watchkeeper-header-secret"
    backup_retention: str = "7d"
    github_repo: str = ""                           # OWNER/NAME; empty: print the step instead
    connection: str = "github"
    trigger: str = "watchkeeper-main"
    branch: str = "^main$"
    dialogflow_endpoint: str = ""                   # a local test server (host:port, plain gRPC)
    secret_values: Callable[[str], str] = field(default=lambda name: secrets.token_urlsafe(32))

    def email(self, account: str) -> str:
        return f"{account}@{self.project}.iam.gserviceaccount.com"


def _has_binding(member: str, role: str) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        policy = json.loads(out or "{}")
        return any(b.get("role") == role and member in b.get("members", []) for b in policy.get("bindings", []))
    return present


def _contains(*needles: str) -> Callable[[str], bool]:
    return lambda out: all(n in out.split() or n in out for n in needles)


def project_binding(cfg: Config, member: str, role: str) -> Step:
    p = f"--project={cfg.project}"
    return Step(f"{role} for {member}", ["gcloud", "projects", "get-iam-policy", cfg.project, "--format=json"],
                [["gcloud", "projects", "add-iam-policy-binding", cfg.project, f"--member={member}", f"--role={role}",
                  "--condition=None", "--format=none", p]], _has_binding(member, role))


def resource_binding(cfg: Config, kind: list[str], name: str, member: str, role: str) -> Step:
    p = f"--project={cfg.project}"
    return Step(f"{role} on {name} for {member}", ["gcloud", *kind, "get-iam-policy", name, "--format=json", p],
                [["gcloud", *kind, "add-iam-policy-binding", name, f"--member={member}", f"--role={role}",
                  "--format=none", p]], _has_binding(member, role))


def _database_in(region: str) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        if out.strip() and out.split()[0] != region:
            raise SystemExit(f"the Firestore database is in {out.split()[0]}, not {region}: "
                             f"pass REGION={out.split()[0]} (a database cannot move)")
        return bool(out.strip())
    return present


def _connection_ready(cfg: Config) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        if not out.strip():
            return False
        if "COMPLETE" not in out:
            raise Pending(f"the GitHub connection '{cfg.connection}' waits for you: open the link shown by\n"
                          f"  gcloud builds connections describe {cfg.connection} --region={cfg.region} "
                          f"--project={cfg.project}\ninstall the Cloud Build GitHub app on the repository, re-run")
        return True
    return present


def steps(cfg: Config, project_number: str) -> list[Step]:
    """The whole project, in order. Later issues append their resources here."""
    p, region, db = f"--project={cfg.project}", f"--region={cfg.region}", f"--database={cfg.database}"
    runtime, build, fn_build = (f"serviceAccount:{cfg.email(a)}" for a in
                                (cfg.runtime_sa, cfg.build_sa, cfg.function_build_sa))
    out = [
        Step("APIs", ["gcloud", "services", "list", "--enabled", "--format=value(config.name)", p],
             [["gcloud", "services", "enable", *APIS, p]], _contains(*APIS)),
        Step("Firestore database", ["gcloud", "firestore", "databases", "describe", db, "--format=value(locationId)", p],
             [["gcloud", "firestore", "databases", "create", db, f"--location={cfg.region}", "--type=firestore-native",
               "--enable-pitr", "--delete-protection", p]], _database_in(cfg.region)),
        Step("Firestore PITR and delete protection",
             ["gcloud", "firestore", "databases", "describe", db,
              "--format=value(pointInTimeRecoveryEnablement,deleteProtectionState)", p],
             [["gcloud", "firestore", "databases", "update", db, "--enable-pitr", "--delete-protection", p]],
             _contains("POINT_IN_TIME_RECOVERY_ENABLED", "DELETE_PROTECTION_ENABLED")),
        Step("Firestore daily backups",
             ["gcloud", "firestore", "backups", "schedules", "list", db, "--format=value(name)", p],
             [["gcloud", "firestore", "backups", "schedules", "create", db, "--recurrence=daily",
               f"--retention={cfg.backup_retention}", p]], lambda out: bool(out.strip())),
        Step("TTL on pages.expires_at", ["gcloud", "firestore", "fields", "ttls", "list", db, "--format=value(name)", p],
             [["gcloud", "firestore", "fields", "ttls", "update", "expires_at", "--collection-group=pages",
               "--enable-ttl", db, "--async", p]], _contains("collectionGroups/pages/fields/expires_at")),
    ]
    for account, title in ((cfg.runtime_sa, "Watchkeeper webhook (runtime)"),
                           (cfg.build_sa, "Watchkeeper deploy pipeline (Cloud Build)"),
                           (cfg.function_build_sa, "Watchkeeper function image build")):
        out.append(Step(f"service account {account}",
                        ["gcloud", "iam", "service-accounts", "describe", cfg.email(account), "--format=value(email)", p],
                        [["gcloud", "iam", "service-accounts", "create", account, f"--display-name={title}", p]]))
    out.append(Step(f"custom role {INVOKER_ROLE_ID}",
                    ["gcloud", "iam", "roles", "describe", INVOKER_ROLE_ID, "--format=value(name)", p],
                    [["gcloud", "iam", "roles", "create", INVOKER_ROLE_ID, "--title=Watchkeeper invoker binder",
                      "--description=Set who may invoke the webhook's Cloud Run service",
                      f"--permissions={','.join(INVOKER_PERMISSIONS)}", "--stage=GA", p]]))
    out.append(project_binding(cfg, runtime, "roles/datastore.user"))
    for role in [*BUILD_ROLES, f"projects/{cfg.project}/roles/{INVOKER_ROLE_ID}"]:
        out.append(project_binding(cfg, build, role))
    out.append(project_binding(cfg, fn_build, "roles/cloudbuild.builds.builder"))
    for account in (cfg.runtime_sa, cfg.function_build_sa):       # the deploy acts as both, nothing else
        out.append(resource_binding(cfg, ["iam", "service-accounts"], cfg.email(account), build,
                                    "roles/iam.serviceAccountUser"))
    for secret in (cfg.basic_secret, cfg.header_secret):
        out.append(Step(f"secret {secret}", ["gcloud", "secrets", "describe", secret, "--format=value(name)", p],
                        [["gcloud", "secrets", "create", secret, "--replication-policy=user-managed",
                          f"--locations={cfg.region}", "--data-file=-", p]],
                        stdin=functools.partial(cfg.secret_values, secret)))
        out.append(resource_binding(cfg, ["secrets"], secret, runtime, "roles/secretmanager.secretAccessor"))
    out.append(resource_binding(cfg, ["secrets"], cfg.basic_secret, build, "roles/secretmanager.secretAccessor"))
    agent = [sys.executable, "-m", "fulfillment", "agent"]
    agent_location = cfg.agent_location or cfg.region
    target = [f"--project={cfg.project}", f"--location={agent_location}"]
    if cfg.dialogflow_endpoint:
        target += [f"--endpoint={cfg.dialogflow_endpoint}", "--insecure"]
    out.append(Step(f"Dialogflow ES agent in {agent_location}", [*agent, "describe", *target],
                    [[*agent, "create", *target]]))
    if cfg.github_repo:
        owner, name = cfg.github_repo.split("/", 1)
        cloudbuild_agent = f"serviceAccount:service-{project_number}@gcp-sa-cloudbuild.iam.gserviceaccount.com"
        connection = ["--connection", cfg.connection]
        out += [
            project_binding(cfg, cloudbuild_agent, "roles/secretmanager.admin"),   # stores the GitHub token
            Step(f"GitHub connection {cfg.connection}",
                 ["gcloud", "builds", "connections", "describe", cfg.connection, region,
                  "--format=value(installationState.stage)", p],
                 [["gcloud", "builds", "connections", "create", "github", cfg.connection, region, p]],
                 _connection_ready(cfg), verify=True, show_output=True),
            Step(f"repository {name}", ["gcloud", "builds", "repositories", "describe", name, f"{connection[0]}="
                                        f"{connection[1]}", region, "--format=value(name)", p],
                 [["gcloud", "builds", "repositories", "create", name, f"--remote-uri=https://github.com/{owner}/{name}.git",
                   f"--connection={cfg.connection}", region, p]]),
            Step(f"trigger {cfg.trigger}", ["gcloud", "builds", "triggers", "describe", cfg.trigger, region,
                                            "--format=value(name)", p],
                 [["gcloud", "builds", "triggers", "create", "github", f"--name={cfg.trigger}", region,
                   f"--repository=projects/{cfg.project}/locations/{cfg.region}/connections/{cfg.connection}"
                   f"/repositories/{name}", f"--branch-pattern={cfg.branch}", "--build-config=cloudbuild.yaml",
                   f"--service-account=projects/{cfg.project}/serviceAccounts/{cfg.email(cfg.build_sa)}",
                   f"--substitutions=_REGION={cfg.region},_AGENT_LOCATION={agent_location},_DB={cfg.database},"
                   f"_SERVICE_ACCOUNT={cfg.runtime_sa},"
                   f"_BUILD_SERVICE_ACCOUNT={cfg.function_build_sa},_BASIC_SECRET={cfg.basic_secret},"
                   f"_HEADER_SECRET={cfg.header_secret}", p]]),
        ]
    return out


def _command(argv: list[str]) -> list[str]:
    """gcloud wherever PATH has it (an SDK's own bin/, /usr/bin, ...)."""
    if argv[0] == "gcloud":
        found = shutil.which("gcloud")
        if not found:
            raise SystemExit("gcloud is not on PATH: install the Google Cloud CLI")
        return [found, *argv[1:]]
    return argv


def run(cfg: Config, log=print) -> dict[str, int]:
    """Describe, then create what is missing. Returns how many steps were created / already there."""
    env = {**os.environ, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1", "PYTHONPATH": ROOT}
    number = subprocess.run(_command(["gcloud", "projects", "describe", cfg.project, "--format=value(projectNumber)"]),
                            capture_output=True, text=True, env=env)
    if number.returncode:
        raise SystemExit(f"cannot read project {cfg.project} (does it exist, are you logged in?):\n{number.stderr}")
    counts = {"created": 0, "present": 0}
    cache: dict[tuple[str, ...], subprocess.CompletedProcess] = {}
    for step in steps(cfg, number.stdout.strip()):
        key = tuple(step.check)
        if key not in cache:
            cache[key] = subprocess.run(_command(step.check), capture_output=True, text=True, env=env, cwd=ROOT,
                                        stdin=subprocess.DEVNULL)
        described = cache[key]
        try:
            if described.returncode == 0 and step.present(described.stdout):
                counts["present"] += 1
                log(f"  ok       {step.name}")
                continue
        except Pending as waiting:
            log(f"  waiting  {step.name}\n{waiting}")
            return counts
        log(f"  create   {step.name}")
        for command in step.create:
            value = step.stdin() if step.stdin else None
            if value is None:
                done = subprocess.run(_command(command), capture_output=True, text=True, env=env, cwd=ROOT,
                                      stdin=subprocess.DEVNULL)
            else:
                done = subprocess.run(_command(command), input=value, capture_output=True, text=True, env=env,
                                      cwd=ROOT)
            if done.returncode:
                raise SystemExit(f"{step.name} failed: {' '.join(command)}\n{done.stderr}")
            if step.show_output:
                log(done.stdout + done.stderr)
        cache.clear()                     # what was described may have changed
        counts["created"] += 1
        if step.verify:
            again = subprocess.run(_command(step.check), capture_output=True, text=True, env=env, cwd=ROOT,
                                   stdin=subprocess.DEVNULL)
            try:
                step.present(again.stdout)
            except Pending as waiting:
                log(f"  waiting  {step.name}\n{waiting}")
                return counts
    if not cfg.github_repo:
        log("  skipped  trigger: pass GITHUB_REPO=owner/name (README 'Deploy' shows the GitHub connection step)")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True, help="Firestore, function, agent, build: all here")
    parser.add_argument("--agent-location", default="", help="Dialogflow ES region if not REGION (ES has fewer)")
    parser.add_argument("--database", default="(default)")
    parser.add_argument("--github-repo", default="", metavar="OWNER/NAME")
    parser.add_argument("--secrets-from-stdin", action="store_true",
                        help="read each new secret's value from a line of stdin instead of generating it")
    parser.add_argument("--dialogflow-endpoint", default="", help=argparse.SUPPRESS)   # tests: a local server
    args = parser.parse_args(argv)
    cfg = Config(args.project, args.region, agent_location=args.agent_location, database=args.database,
                 github_repo=args.github_repo,
                 dialogflow_endpoint=args.dialogflow_endpoint)
    if args.secrets_from_stdin:
        def from_stdin(name: str) -> str:
            value = sys.stdin.readline().strip()
            if not value:
                raise SystemExit(f"no value on stdin for secret {name}")
            return value
        cfg.secret_values = from_stdin
    print(f"bootstrapping {cfg.project} in {cfg.region}")
    counts = run(cfg)
    print(f"{counts['created']} created or updated, {counts['present']} already in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
