"""Every one-time step of a Google Cloud project for Watchkeeper, in order, idempotent.

    make bootstrap PROJECT=my-project REGION=europe-west1 [GITHUB_REPO=owner/name]
    python3 scripts/bootstrap.py --project P --region R [--github-repo OWNER/NAME] [--secrets-from-stdin]

Each step first *describes* (a read-only gcloud call) and only creates or updates what is
missing, so a second run changes nothing. Steps are plain data (`Step`) in one list built by
`steps()`: a new resource is one more entry there. Secret values come from stdin (one line
per secret created, with --secrets-from-stdin) or are generated here; they never appear on a
command line. docs/deploy.md lists each role and the permission it is for; docs/iam.md
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

APIS = [
    "serviceusage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iam.googleapis.com",
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "firestore.googleapis.com",
    "secretmanager.googleapis.com",
    "dialogflow.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "cloudscheduler.googleapis.com",
]

# The pipeline's own account (runs cloudbuild.yaml): exactly what its steps call, see docs/iam.md.
BUILD_ROLES = [
    "roles/cloudfunctions.developer",
    "roles/datastore.indexAdmin",
    "roles/dialogflow.admin",
    "roles/logging.logWriter",
]
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
    stdin: Callable[[], str] | None = None  # for secrets: the value, never on argv
    verify: bool = False  # describe again after creating (may raise Pending)
    show_output: bool = False  # a person must read what create prints (a link)


@dataclass
class Config:
    project: str
    region: str
    agent_location: str = ""  # Dialogflow ES region; empty: the same as region
    database: str = "(default)"
    function: str = "watchkeeper-webhook"  # cloudbuild.yaml's _FUNCTION (= the Cloud Run service)
    runtime_sa: str = "watchkeeper-webhook"
    build_sa: str = "watchkeeper-deployer"
    function_build_sa: str = "watchkeeper-fn-build"
    basic_secret: str = "watchkeeper-basic-password"
    header_secret: str = "watchkeeper-header-secret"
    push_sa: str = "watchkeeper-push"  # signs Pub/Sub pushes and the outbox sweep (OIDC)
    alerts_topic: str = "watchkeeper-alerts"  # Cloud Monitoring's Pub/Sub notification channel
    builds_topic: str = "cloud-builds"  # Cloud Build publishes every build here
    pages_topic: str = "watchkeeper-pages"  # the function publishes pages (PAGES_TOPIC)
    dead_letter_topic: str = "watchkeeper-pages-dead"
    page_max_attempts: int = 5  # PAGE_MAX_ATTEMPTS; Pub/Sub allows 5..100
    outbox_job: str = "watchkeeper-outbox"
    outbox_schedule: str = "* * * * *"
    service: str = "watchkeeper"  # what Watchkeeper calls itself (its builds' _SERVICE)
    backup_retention: str = "7d"
    github_repo: str = ""  # OWNER/NAME; empty: print the step instead
    connection: str = "github"
    trigger: str = "watchkeeper-main"
    branch: str = "^main$"
    dialogflow_endpoint: str = ""  # a local test server (host:port, plain gRPC)
    secret_values: Callable[[str], str] = field(default=lambda name: secrets.token_urlsafe(32))

    def email(self, account: str) -> str:
        return f"{account}@{self.project}.iam.gserviceaccount.com"

    def topic(self, name: str) -> str:
        return f"projects/{self.project}/topics/{name}"

    def function_url(self, project_number: str) -> str:
        """The function's deterministic Cloud Run URL, known before the first deploy (cloudbuild.yaml
        sets the same as PUSH_AUDIENCE_BASE): https://SERVICE-PROJECT_NUMBER.REGION.run.app."""
        label = f"{self.function}-{project_number}"
        if len(label) > 63:
            raise SystemExit(
                f"'{label}' is longer than a DNS label (63): Cloud Run gives the function no "
                f"deterministic URL to push to; choose a shorter function name"
            )
        return f"https://{label}.{self.region}.run.app"


def _has_binding(member: str, role: str) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        policy = json.loads(out or "{}")
        return any(b.get("role") == role and member in b.get("members", []) for b in policy.get("bindings", []))

    return present


def _contains(*needles: str) -> Callable[[str], bool]:
    return lambda out: all(n in out.split() or n in out for n in needles)


def project_binding(cfg: Config, member: str, role: str) -> Step:
    p = f"--project={cfg.project}"
    return Step(
        f"{role} for {member}",
        ["gcloud", "projects", "get-iam-policy", cfg.project, "--format=json"],
        [
            [
                "gcloud",
                "projects",
                "add-iam-policy-binding",
                cfg.project,
                f"--member={member}",
                f"--role={role}",
                "--condition=None",
                "--format=none",
                p,
            ]
        ],
        _has_binding(member, role),
    )


def resource_binding(cfg: Config, kind: list[str], name: str, member: str, role: str) -> Step:
    p = f"--project={cfg.project}"
    return Step(
        f"{role} on {name} for {member}",
        ["gcloud", *kind, "get-iam-policy", name, "--format=json", p],
        [["gcloud", *kind, "add-iam-policy-binding", name, f"--member={member}", f"--role={role}", "--format=none", p]],
        _has_binding(member, role),
    )


def _values(*expected: str) -> Callable[[str], bool]:
    """A `--format=value(a,b,...)` describe shows exactly these (empty fields print nothing)."""
    return lambda out: out.split() == " ".join(expected).split()


def _database_in(region: str) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        if out.strip() and out.split()[0] != region:
            raise SystemExit(
                f"the Firestore database is in {out.split()[0]}, not {region}: "
                f"pass REGION={out.split()[0]} (a database cannot move)"
            )
        return bool(out.strip())

    return present


def _connection_ready(cfg: Config) -> Callable[[str], bool]:
    def present(out: str) -> bool:
        if not out.strip():
            return False
        if "COMPLETE" not in out:
            raise Pending(
                f"the GitHub connection '{cfg.connection}' waits for you: open the link shown by\n"
                f"  gcloud builds connections describe {cfg.connection} --region={cfg.region} "
                f"--project={cfg.project}\ninstall the Cloud Build GitHub app on the repository, re-run"
            )
        return True

    return present


def steps(cfg: Config, project_number: str) -> list[Step]:
    """The whole project, in order. Later issues append their resources here."""
    p, region, db = f"--project={cfg.project}", f"--region={cfg.region}", f"--database={cfg.database}"
    runtime, build, fn_build = (
        f"serviceAccount:{cfg.email(a)}" for a in (cfg.runtime_sa, cfg.build_sa, cfg.function_build_sa)
    )
    out = [
        Step(
            "APIs",
            ["gcloud", "services", "list", "--enabled", "--format=value(config.name)", p],
            [["gcloud", "services", "enable", *APIS, p]],
            _contains(*APIS),
        ),
        Step(
            "Firestore database",
            ["gcloud", "firestore", "databases", "describe", db, "--format=value(locationId)", p],
            [
                [
                    "gcloud",
                    "firestore",
                    "databases",
                    "create",
                    db,
                    f"--location={cfg.region}",
                    "--type=firestore-native",
                    "--enable-pitr",
                    "--delete-protection",
                    p,
                ]
            ],
            _database_in(cfg.region),
        ),
        Step(
            "Firestore PITR and delete protection",
            [
                "gcloud",
                "firestore",
                "databases",
                "describe",
                db,
                "--format=value(pointInTimeRecoveryEnablement,deleteProtectionState)",
                p,
            ],
            [["gcloud", "firestore", "databases", "update", db, "--enable-pitr", "--delete-protection", p]],
            _contains("POINT_IN_TIME_RECOVERY_ENABLED", "DELETE_PROTECTION_ENABLED"),
        ),
        Step(
            "Firestore daily backups",
            ["gcloud", "firestore", "backups", "schedules", "list", db, "--format=value(name)", p],
            [
                [
                    "gcloud",
                    "firestore",
                    "backups",
                    "schedules",
                    "create",
                    db,
                    "--recurrence=daily",
                    f"--retention={cfg.backup_retention}",
                    p,
                ]
            ],
            lambda out: bool(out.strip()),
        ),
        Step(
            "TTL on pages.expires_at",
            ["gcloud", "firestore", "fields", "ttls", "list", db, "--format=value(name)", p],
            [
                [
                    "gcloud",
                    "firestore",
                    "fields",
                    "ttls",
                    "update",
                    "expires_at",
                    "--collection-group=pages",
                    "--enable-ttl",
                    db,
                    "--async",
                    p,
                ]
            ],
            _contains("collectionGroups/pages/fields/expires_at"),
        ),
    ]
    for account, title in (
        (cfg.runtime_sa, "Watchkeeper webhook (runtime)"),
        (cfg.build_sa, "Watchkeeper deploy pipeline (Cloud Build)"),
        (cfg.function_build_sa, "Watchkeeper function image build"),
        (cfg.push_sa, "Watchkeeper Pub/Sub pushes and outbox sweep"),
    ):
        out.append(
            Step(
                f"service account {account}",
                ["gcloud", "iam", "service-accounts", "describe", cfg.email(account), "--format=value(email)", p],
                [["gcloud", "iam", "service-accounts", "create", account, f"--display-name={title}", p]],
            )
        )
    out.append(
        Step(
            f"custom role {INVOKER_ROLE_ID}",
            ["gcloud", "iam", "roles", "describe", INVOKER_ROLE_ID, "--format=value(name)", p],
            [
                [
                    "gcloud",
                    "iam",
                    "roles",
                    "create",
                    INVOKER_ROLE_ID,
                    "--title=Watchkeeper invoker binder",
                    "--description=Set who may invoke the webhook's Cloud Run service",
                    f"--permissions={','.join(INVOKER_PERMISSIONS)}",
                    "--stage=GA",
                    p,
                ]
            ],
        )
    )
    out.append(project_binding(cfg, runtime, "roles/datastore.user"))
    for role in [*BUILD_ROLES, f"projects/{cfg.project}/roles/{INVOKER_ROLE_ID}"]:
        out.append(project_binding(cfg, build, role))
    out.append(project_binding(cfg, fn_build, "roles/cloudbuild.builds.builder"))
    for account in (cfg.runtime_sa, cfg.function_build_sa):  # the deploy acts as both, nothing else
        out.append(
            resource_binding(
                cfg, ["iam", "service-accounts"], cfg.email(account), build, "roles/iam.serviceAccountUser"
            )
        )
    for secret in (cfg.basic_secret, cfg.header_secret):
        out.append(
            Step(
                f"secret {secret}",
                ["gcloud", "secrets", "describe", secret, "--format=value(name)", p],
                [
                    [
                        "gcloud",
                        "secrets",
                        "create",
                        secret,
                        "--replication-policy=user-managed",
                        f"--locations={cfg.region}",
                        "--data-file=-",
                        p,
                    ]
                ],
                stdin=functools.partial(cfg.secret_values, secret),
            )
        )
        out.append(resource_binding(cfg, ["secrets"], secret, runtime, "roles/secretmanager.secretAccessor"))
    out.append(resource_binding(cfg, ["secrets"], cfg.basic_secret, build, "roles/secretmanager.secretAccessor"))
    out += event_steps(cfg, project_number)
    agent = [sys.executable, "-m", "fulfillment", "agent"]
    agent_location = cfg.agent_location or cfg.region
    target = [f"--project={cfg.project}", f"--location={agent_location}"]
    if cfg.dialogflow_endpoint:
        target += [f"--endpoint={cfg.dialogflow_endpoint}", "--insecure"]
    out.append(
        Step(f"Dialogflow ES agent in {agent_location}", [*agent, "describe", *target], [[*agent, "create", *target]])
    )
    if cfg.github_repo:
        owner, name = cfg.github_repo.split("/", 1)
        cloudbuild_agent = f"serviceAccount:service-{project_number}@gcp-sa-cloudbuild.iam.gserviceaccount.com"
        connection = ["--connection", cfg.connection]
        out += [
            project_binding(cfg, cloudbuild_agent, "roles/secretmanager.admin"),  # stores the GitHub token
            Step(
                f"GitHub connection {cfg.connection}",
                [
                    "gcloud",
                    "builds",
                    "connections",
                    "describe",
                    cfg.connection,
                    region,
                    "--format=value(installationState.stage)",
                    p,
                ],
                [["gcloud", "builds", "connections", "create", "github", cfg.connection, region, p]],
                _connection_ready(cfg),
                verify=True,
                show_output=True,
            ),
            Step(
                f"repository {name}",
                [
                    "gcloud",
                    "builds",
                    "repositories",
                    "describe",
                    name,
                    f"{connection[0]}={connection[1]}",
                    region,
                    "--format=value(name)",
                    p,
                ],
                [
                    [
                        "gcloud",
                        "builds",
                        "repositories",
                        "create",
                        name,
                        f"--remote-uri=https://github.com/{owner}/{name}.git",
                        f"--connection={cfg.connection}",
                        region,
                        p,
                    ]
                ],
            ),
            Step(
                f"trigger {cfg.trigger}",
                ["gcloud", "builds", "triggers", "describe", cfg.trigger, region, "--format=value(name)", p],
                [
                    [
                        "gcloud",
                        "builds",
                        "triggers",
                        "create",
                        "github",
                        f"--name={cfg.trigger}",
                        region,
                        f"--repository=projects/{cfg.project}/locations/{cfg.region}/connections/{cfg.connection}"
                        f"/repositories/{name}",
                        f"--branch-pattern={cfg.branch}",
                        "--build-config=cloudbuild.yaml",
                        f"--service-account=projects/{cfg.project}/serviceAccounts/{cfg.email(cfg.build_sa)}",
                        f"--substitutions=_REGION={cfg.region},_AGENT_LOCATION={agent_location},_DB={cfg.database},"
                        f"_FUNCTION={cfg.function},_SERVICE_ACCOUNT={cfg.runtime_sa},_PUSH_SERVICE_ACCOUNT={cfg.push_sa},"
                        f"_PAGES_TOPIC={cfg.pages_topic},_PAGE_MAX_ATTEMPTS={cfg.page_max_attempts},_SERVICE={cfg.service},"
                        f"_BUILD_SERVICE_ACCOUNT={cfg.function_build_sa},_BASIC_SECRET={cfg.basic_secret},"
                        f"_HEADER_SECRET={cfg.header_secret}",
                        p,
                    ]
                ],
            ),
        ]
    return out


PUSH_PATHS = {"alerts": "alerts_topic", "builds": "builds_topic", "pages": "pages_topic"}  # /events/<path>
OUTBOX_BODY = json.dumps({"message": {"data": "e30=", "messageId": "outbox-sweep"}})  # data: {} as a push


def event_steps(cfg: Config, project_number: str) -> list[Step]:
    """Signals in, pages out: the topics, a push subscription per /events/<path> signed as the
    push account (audience = the endpoint), the pages' dead-letter policy, the outbox sweep
    (Cloud Scheduler, OIDC) and the IAM each needs. Subscriptions and the job are also brought
    back to this configuration when they drifted (an `update` after the describe)."""
    p = f"--project={cfg.project}"
    url, push_email = cfg.function_url(project_number), cfg.email(cfg.push_sa)
    pubsub_agent = f"serviceAccount:service-{project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
    out: list[Step] = []
    topics = [getattr(cfg, attr) for attr in PUSH_PATHS.values()] + [cfg.dead_letter_topic]
    for topic in topics:
        out.append(
            Step(
                f"topic {topic}",
                ["gcloud", "pubsub", "topics", "describe", topic, "--format=value(name)", p],
                [["gcloud", "pubsub", "topics", "create", topic, p]],
            )
        )
    for path, attr in PUSH_PATHS.items():
        name, endpoint = f"watchkeeper-{path}", f"{url}/events/{path}"
        wanted = [endpoint, push_email, endpoint]
        flags = [
            f"--push-endpoint={endpoint}",
            f"--push-auth-service-account={push_email}",
            f"--push-auth-token-audience={endpoint}",
            "--ack-deadline=10",  # EVENT_BUDGET_S (8) fits
            "--min-retry-delay=10s",
            "--max-retry-delay=600s",
        ]
        if path == "pages":
            dead = cfg.topic(cfg.dead_letter_topic)
            flags += [f"--dead-letter-topic={dead}", f"--max-delivery-attempts={cfg.page_max_attempts}"]
            wanted += [dead, str(cfg.page_max_attempts)]
        out += [
            Step(
                f"push subscription {name}",
                ["gcloud", "pubsub", "subscriptions", "describe", name, "--format=value(name)", p],
                [["gcloud", "pubsub", "subscriptions", "create", name, f"--topic={getattr(cfg, attr)}", *flags, p]],
            ),
            Step(
                f"push subscription {name} -> {endpoint}",
                [
                    "gcloud",
                    "pubsub",
                    "subscriptions",
                    "describe",
                    name,
                    "--format=value(pushConfig.pushEndpoint,pushConfig.oidcToken.serviceAccountEmail,"
                    "pushConfig.oidcToken.audience,deadLetterPolicy.deadLetterTopic,deadLetterPolicy.maxDeliveryAttempts)",
                    p,
                ],
                [["gcloud", "pubsub", "subscriptions", "update", name, *flags, p]],
                _values(*wanted),
            ),
        ]
    dead_sub = cfg.dead_letter_topic
    out.append(
        Step(
            f"subscription {dead_sub} (keeps dead-lettered pages 7 days)",
            ["gcloud", "pubsub", "subscriptions", "describe", dead_sub, "--format=value(name)", p],
            [
                [
                    "gcloud",
                    "pubsub",
                    "subscriptions",
                    "create",
                    dead_sub,
                    f"--topic={cfg.dead_letter_topic}",
                    "--message-retention-duration=7d",
                    p,
                ]
            ],
        )
    )
    out += [  # Pub/Sub's service agent signs the pushes and moves pages that keep failing to the dead letters
        resource_binding(
            cfg, ["iam", "service-accounts"], push_email, pubsub_agent, "roles/iam.serviceAccountTokenCreator"
        ),
        resource_binding(cfg, ["pubsub", "topics"], cfg.dead_letter_topic, pubsub_agent, "roles/pubsub.publisher"),
        resource_binding(
            cfg, ["pubsub", "subscriptions"], "watchkeeper-pages", pubsub_agent, "roles/pubsub.subscriber"
        ),
        resource_binding(
            cfg,
            ["pubsub", "topics"],
            cfg.pages_topic,
            f"serviceAccount:{cfg.email(cfg.runtime_sa)}",
            "roles/pubsub.publisher",
        ),  # the function publishes pages
    ]
    endpoint, location = f"{url}/events/outbox", f"--location={cfg.region}"
    job = [
        f"--schedule={cfg.outbox_schedule}",
        f"--uri={endpoint}",
        "--http-method=POST",
        f"--oidc-service-account-email={push_email}",
        f"--oidc-token-audience={endpoint}",
        f"--message-body={OUTBOX_BODY}",
    ]
    out += [
        Step(
            f"outbox sweep {cfg.outbox_job}",
            ["gcloud", "scheduler", "jobs", "describe", cfg.outbox_job, location, "--format=value(name)", p],
            [
                [
                    "gcloud",
                    "scheduler",
                    "jobs",
                    "create",
                    "http",
                    cfg.outbox_job,
                    location,
                    *job,
                    "--headers=Content-Type=application/json",
                    p,
                ]
            ],
        ),
        Step(
            f"outbox sweep {cfg.outbox_job} -> {endpoint}",
            [
                "gcloud",
                "scheduler",
                "jobs",
                "describe",
                cfg.outbox_job,
                location,
                "--format=value(httpTarget.uri,httpTarget.oidcToken.serviceAccountEmail,httpTarget.oidcToken.audience,"
                "schedule)",
                p,
            ],
            [
                [
                    "gcloud",
                    "scheduler",
                    "jobs",
                    "update",
                    "http",
                    cfg.outbox_job,
                    location,
                    *job,
                    "--update-headers=Content-Type=application/json",
                    p,
                ]
            ],
            _values(endpoint, push_email, endpoint, cfg.outbox_schedule),
        ),
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
    number = subprocess.run(
        _command(["gcloud", "projects", "describe", cfg.project, "--format=value(projectNumber)"]),
        capture_output=True,
        text=True,
        env=env,
    )
    if number.returncode:
        raise SystemExit(f"cannot read project {cfg.project} (does it exist, are you logged in?):\n{number.stderr}")
    counts = {"created": 0, "present": 0}
    cache: dict[tuple[str, ...], subprocess.CompletedProcess] = {}
    for step in steps(cfg, number.stdout.strip()):
        key = tuple(step.check)
        if key not in cache:
            cache[key] = subprocess.run(
                _command(step.check), capture_output=True, text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL
            )
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
                done = subprocess.run(
                    _command(command), capture_output=True, text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL
                )
            else:
                done = subprocess.run(_command(command), input=value, capture_output=True, text=True, env=env, cwd=ROOT)
            if done.returncode:
                raise SystemExit(f"{step.name} failed: {' '.join(command)}\n{done.stderr}")
            if step.show_output:
                log(done.stdout + done.stderr)
        cache.clear()  # what was described may have changed
        counts["created"] += 1
        if step.verify:
            again = subprocess.run(
                _command(step.check), capture_output=True, text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL
            )
            try:
                step.present(again.stdout)
            except Pending as waiting:
                log(f"  waiting  {step.name}\n{waiting}")
                return counts
    if not cfg.github_repo:
        log("  skipped  trigger: pass GITHUB_REPO=owner/name (docs/deploy.md shows the GitHub connection step)")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True, help="Firestore, function, agent, build: all here")
    parser.add_argument("--agent-location", default="", help="Dialogflow ES region if not REGION (ES has fewer)")
    parser.add_argument("--database", default="(default)")
    parser.add_argument("--github-repo", default="", metavar="OWNER/NAME")
    parser.add_argument(
        "--secrets-from-stdin",
        action="store_true",
        help="read each new secret's value from a line of stdin instead of generating it",
    )
    parser.add_argument("--dialogflow-endpoint", default="", help=argparse.SUPPRESS)  # tests: a local server
    args = parser.parse_args(argv)
    cfg = Config(
        args.project,
        args.region,
        agent_location=args.agent_location,
        database=args.database,
        github_repo=args.github_repo,
        dialogflow_endpoint=args.dialogflow_endpoint,
    )
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
