"""Infrastructure JSON: a security review of one AWS account's EC2 estate with the real awscli, which
prints the API's answers as (large) JSON the way `kubectl get -o json` does for a cluster. The API is
moto's EC2 emulator, started fresh for every arm on 127.0.0.1 and seeded by infra_seed.py with a VPC, 11
security groups and 75 instances (deterministic ids); `aws ec2 describe-instances` alone prints ~420 KB.
The model finds the instance not on the approved image, the world-open SSH rule and the stopped payments
instance, revokes the rule and writes the audit."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from agent import Needle, Step, Trajectory

SEED = Path(__file__).with_name("infra_seed.py")
REGION = "eu-west-1"
SSH_RULE = '"ssh_allowed_from": [\n    "10.0.0.0/8"\n  ]'


def moto_python() -> str:
    """An interpreter with moto (and its server extras) and boto3: the machine's, not the benchmark's venv."""
    for name in ("python3.11", "python3", "python"):
        found = shutil.which(name)
        if found and subprocess.run([found, "-c", "import moto.server, boto3"], capture_output=True).returncode == 0:
            return found
    raise RuntimeError("no Python with moto[server] and boto3 on PATH (pip install 'moto[server]' boto3)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto(seed: bool = True) -> Iterator[tuple[str, dict]]:
    """A moto EC2 server on 127.0.0.1, seeded; yields (endpoint, the seed's facts). Stopped on exit."""
    port = _free_port()
    server = subprocess.Popen([moto_python(), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"moto server did not start on {endpoint}") from None
                time.sleep(0.2)
        seeded = subprocess.run([moto_python(), str(SEED), endpoint], capture_output=True, text=True, timeout=300,
                                check=True)
        yield endpoint, json.loads(seeded.stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)


def aws_env(endpoint: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": ""}


@contextlib.contextmanager
def _service(workdir: Path, home: Path) -> Iterator[dict[str, str]]:
    with moto() as (endpoint, _):
        yield aws_env(endpoint)


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    with moto() as (_, facts):
        pass
    approved, old = facts["approved_ami"], facts["old_ami"]
    (root / "infra").mkdir()
    (root / "infra" / "policy.json").write_text(json.dumps(
        {"account": "prod", "region": REGION, "approved_ami": approved, "ssh_allowed_from": ["10.0.0.0/8"]},
        indent=2) + "\n")
    (root / "README.md").write_text("# prod-eu-west-1\n\nThe production account. `aws` is configured for it; "
                                    "the audit policy is infra/policy.json.\n")
    name = "Tags[?Key=='Name']|[0].Value"
    steps = [
        Step("Read", {"file_path": "{cwd}/infra/policy.json"}, "The policy to audit against.", edit=True, seconds=2),
        Step("Bash", {"command": "aws sts get-caller-identity"}, seconds=2),
        Step("Bash", {"command": "aws ec2 describe-vpcs"}, seconds=2),
        Step("Bash", {"command": "aws ec2 describe-subnets"}, seconds=2),
        Step("Bash", {"command": "aws ec2 describe-instances"}, f"Every instance: is any not on {approved}?",
             Needle("old_ami", rf'"ImageId": "(ami-(?!{approved[4:]})[0-9a-f]+)"', old, grep='"ImageId"',
                    query="ImageId ami"), seconds=4),
        Step("Bash", {"command": "aws ec2 describe-instances --filters Name=image-id,Values={old_ami} "
                                 f"--query \"Reservations[].Instances[].[InstanceId,{name}]\" --output text"},
             needle=Needle("old_instance", r"(i-[0-9a-f]+)\s", facts["old_instance"], grep="^i-",
                           query="instance id"), seconds=2),
        Step("Bash", {"command": f"aws ec2 describe-images --image-ids {approved} {{old_ami}}"}, seconds=2),
        Step("Bash", {"command": "aws ec2 describe-security-groups"}, "Now the security groups.",
             Needle("open_rule", r'"Description": "(temporary[^"]*)"', facts["open_rule"], grep='"Description"',
                    query="temporary rule Description"), seconds=3),
        Step("Bash", {"command": "aws ec2 describe-security-groups --filters Name=ip-permission.cidr,Values=0.0.0.0/0 "
                                 "--query \"SecurityGroups[].[GroupId,GroupName]\" --output text"},
             "Which groups let the world in?",
             Needle("open_group", r"(sg-[0-9a-f]+)\s+prod-bastion", facts["open_group"], grep="prod-bastion",
                    query="prod-bastion group"), seconds=2),
        Step("Bash", {"command": "aws ec2 describe-security-groups --group-ids {open_group}"}, seconds=2),
        Step("Bash", {"command": "aws ec2 describe-instances --filters Name=instance-state-name,Values=stopped"},
             "Anything stopped?",
             Needle("stopped_instance", r'"InstanceId": "(i-[0-9a-f]+)"', facts["stopped_instance"],
                    grep='"InstanceId"', query="stopped InstanceId"), seconds=2),
        Step("Bash", {"command": "aws ec2 describe-instances --filters Name=tag:Service,Values=payments-api"},
             "The payments fleet.", seconds=3),
        Step("Bash", {"command": "aws ec2 describe-volumes"}, seconds=3),
        Step("Bash", {"command": "aws ec2 describe-instances | jq -r '.Reservations[].Instances[] | [.InstanceId, "
                                 ".State.Name, .ImageId, (.Tags[] | select(.Key == \"Name\") | .Value)] | @tsv'"},
             seconds=3),
        Step("Bash", {"command": "aws ec2 revoke-security-group-ingress --group-id {open_group} --ip-permissions "
                                 "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{{CidrIp=0.0.0.0/0}}]'"},
             "Closing the world-open SSH rule.", seconds=2),
        Step("Bash", {"command": "aws ec2 describe-security-groups --group-ids {open_group} "
                                 "--query 'SecurityGroups[].IpPermissions'"}, seconds=2),
        Step("Bash", {"command": "aws ec2 create-tags --resources {old_instance} --tags Key=audit,Value=ami-outdated "
                                 "&& aws ec2 describe-tags --filters Name=resource-id,Values={old_instance}"},
             seconds=2),
        Step("Edit", {"file_path": "{cwd}/infra/policy.json", "old_string": SSH_RULE,
                      "new_string": SSH_RULE + ',\n  "last_review": "2026-03-14"'}, seconds=2),
        Step("Write", {"file_path": "{cwd}/AUDIT.md", "content":
                       "# Audit prod-eu-west-1\n\n- not on the approved image: {old_instance} ({old_ami})\n"
                       "- world-open SSH in {open_group} ('{open_rule}'): revoked\n"
                       "- stopped: {stopped_instance}\n"}, seconds=3),
        Step("Bash", {"command": "git diff && cat AUDIT.md"}, seconds=1),
    ]
    return Trajectory("infra_json", "Infrastructure JSON (awscli)",
                      "Audit the prod AWS account against infra/policy.json: instances not on the approved image, "
                      "SSH open to the world, stopped instances. Fix what you can and write AUDIT.md.", steps,
                      heavy=True, service=_service)
