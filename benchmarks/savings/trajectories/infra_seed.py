"""Seeds a moto server (the AWS API emulator the awscli talks to) with one production account's EC2 estate:
a VPC, subnets, security groups and ~75 instances. Run with an interpreter that has boto3:

    python infra_seed.py http://127.0.0.1:PORT

moto's own ids are deterministic after POST /moto-api/seed, so every run gives the same ids. Prints, as
JSON, the facts the trajectory's needles expect."""

from __future__ import annotations

import json
import random
import sys
import urllib.request

import boto3

SERVICES = {"web": 24, "worker": 16, "payments-api": 6, "payments-db": 3, "batch": 8, "search": 6, "cache": 3,
            "bastion": 1, "monitoring": 2, "ci-runner": 6}
TEAMS = {"web": "storefront", "worker": "platform", "payments-api": "payments", "payments-db": "payments",
         "batch": "data", "search": "discovery", "cache": "platform", "bastion": "sre", "monitoring": "sre",
         "ci-runner": "devex"}
TYPES = {"web": "t3.large", "worker": "c5.xlarge", "payments-api": "m5.large", "payments-db": "r5.xlarge",
         "batch": "c5.2xlarge", "search": "r5.large", "cache": "r5.large", "bastion": "t3.micro",
         "monitoring": "t3.medium", "ci-runner": "c5.large"}
PORTS = {"web": [(80, "web-alb"), (443, "web-alb")], "worker": [(8080, "web")],
         "payments-api": [(8443, "web"), (8443, "worker")], "payments-db": [(5432, "payments-api")],
         "batch": [(22, "bastion")], "search": [(9200, "web"), (9300, "search")], "cache": [(6379, "web")],
         "bastion": [(22, "10.0.0.0/8")], "monitoring": [(9090, "10.20.0.0/16"), (3000, "10.0.0.0/8")],
         "ci-runner": [(22, "bastion")], "web-alb": [(443, "0.0.0.0/0"), (80, "0.0.0.0/0")]}
OPEN_RULE = "temporary: vendor debug access INC-2291"


def main(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/seed?a=2291", method="POST"))
    rng = random.Random(2291)
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    images = [i for i in ec2.describe_images(Owners=["amazon"])["Images"] if "amzn2-ami-hvm" in i.get("Name", "")]
    images.sort(key=lambda i: i["Name"])
    approved, old = images[-1]["ImageId"], images[0]["ImageId"]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "prod-eu-west-1"}])
    subnets = []
    for n, zone in enumerate(("eu-west-1a", "eu-west-1b", "eu-west-1c"), 1):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        ec2.create_tags(Resources=[subnet], Tags=[{"Key": "Name", "Value": f"prod-private-{zone[-1]}"}])
        subnets.append(subnet)
    groups = {}
    for name in ["web-alb", *SERVICES]:
        groups[name] = ec2.create_security_group(GroupName=f"prod-{name}", Description=f"prod {name} hosts",
                                                 VpcId=vpc)["GroupId"]
        ec2.create_tags(Resources=[groups[name]], Tags=[{"Key": "Team", "Value": TEAMS.get(name, "storefront")}])
    for name, rules in PORTS.items():
        for port, source in rules:
            permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
            if source in groups:
                permission["UserIdGroupPairs"] = [{"GroupId": groups[source], "Description": f"from {source}"}]
            else:
                permission["IpRanges"] = [{"CidrIp": source, "Description": f"{name} clients"}]
            ec2.authorize_security_group_ingress(GroupId=groups[name], IpPermissions=[permission])
    ec2.authorize_security_group_ingress(GroupId=groups["bastion"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": OPEN_RULE}]}])
    instances = {}
    for service, count in SERVICES.items():
        for n in range(1, count + 1):
            name = f"{service}-{n:02d}"
            image = old if name == "web-07" else approved
            tags = [{"Key": "Name", "Value": name}, {"Key": "Service", "Value": service},
                    {"Key": "Team", "Value": TEAMS[service]}, {"Key": "Env", "Value": "prod"},
                    {"Key": "CostCenter", "Value": f"cc-{rng.randrange(1000, 9999)}"}]
            reservation = ec2.run_instances(
                ImageId=image, MinCount=1, MaxCount=1, InstanceType=TYPES[service], KeyName="prod-2026",
                SubnetId=subnets[n % 3], SecurityGroupIds=[groups[service]],
                TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
            instances[name] = reservation["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[instances["payments-api-04"]])
    for size in (100, 250):
        ec2.create_volume(Size=size, AvailabilityZone="eu-west-1a", VolumeType="gp3")
    print(json.dumps({"approved_ami": approved, "old_ami": old, "old_instance": instances["web-07"],
                      "stopped_instance": instances["payments-api-04"], "open_group": groups["bastion"],
                      "open_rule": OPEN_RULE, "instances": len(instances)}))


if __name__ == "__main__":
    main(sys.argv[1])
