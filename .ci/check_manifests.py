"""Checks the Kubernetes manifests for what the README promises, beyond the schemas.

kubernetes-validate proves each manifest is a well-formed resource; this proves the set is the
one the operations guide describes: a CronJob that never overlaps and fails at once on exit
code 2, a daemon Deployment, non-root read-only pods with resource bounds and no Kubernetes API
token, the client secret as a mounted file, no secret written into a manifest as a literal
value, a pod writing to object storage with no volume for output or state, and every
ConfigMap, Secret, claim and service account they name present. Prints every problem and exits
1 if there is any. Usage: check_manifests.py FILE.yaml...
"""

import re
import sys

import yaml


def load(paths):
    """Every document of every file, as (file, document)."""
    docs = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    docs.append((path, doc))
    return docs


def check_cronjob(where, spec, problems):
    if spec.get("concurrencyPolicy") != "Forbid":
        problems.append(f"{where}: concurrencyPolicy must be Forbid, so runs never overlap")
    if spec.get("startingDeadlineSeconds", 0) < 60:
        problems.append(f"{where}: startingDeadlineSeconds must be at least 60")
    job = spec.get("jobTemplate", {}).get("spec", {})
    for key in ("backoffLimit", "activeDeadlineSeconds"):
        if key not in job:
            problems.append(f"{where}: jobTemplate.spec.{key} is missing")
    fails_on_2 = any(
        rule.get("action") == "FailJob"
        and rule.get("onExitCodes", {}).get("operator") == "In"
        and 2 in rule.get("onExitCodes", {}).get("values", [])
        for rule in job.get("podFailurePolicy", {}).get("rules", [])
    )
    if not fails_on_2:
        problems.append(f"{where}: podFailurePolicy must fail the job at once on exit code 2")
    pod = job.get("template", {}).get("spec", {})
    if pod.get("restartPolicy") != "Never":
        problems.append(f"{where}: restartPolicy must be Never (podFailurePolicy needs it)")
    return pod


# Output URLs a0snap writes through object storage instead of a folder.
OBJECT_STORE_SCHEMES = ("s3://", "gs://", "az://")

# Variables that hold a secret: they may come from a Secret, never as a literal in a manifest.
# (`*_FILE` names a file holding one, which is fine.)
SECRET_VARIABLE = re.compile(r"(SECRET|SECRET_ACCESS_KEY|ACCOUNT_KEY|SIGNING_KEY|TOKEN|PASSWORD)$")


def check_pod(where, pod, names, problems):
    context = pod.get("securityContext", {})
    if context.get("runAsNonRoot") is not True or context.get("runAsUser", 0) == 0:
        problems.append(f"{where}: the pod must run as a non-root user")
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: automountServiceAccountToken must be false (a0snap never "
                        f"calls the Kubernetes API; IRSA's webhook mounts its own token)")
    account = pod.get("serviceAccountName")
    if account and account not in names.get("serviceAccount", set()):
        problems.append(f"{where}: serviceAccountName names a missing ServiceAccount {account}")
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    for volume in volumes.values():
        for kind, key in (("configMap", "name"), ("secret", "secretName"),
                          ("persistentVolumeClaim", "claimName")):
            if kind in volume and volume[kind][key] not in names.get(kind, set()):
                problems.append(f"{where}: volume {volume['name']} names a missing {kind} "
                                f"{volume[kind][key]}")
    for container in pod.get("containers", []):
        check_container(f"{where} container {container['name']}", container, volumes, names,
                        problems)


def check_container(where, container, volumes, names, problems):
    context = container.get("securityContext", {})
    if context.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: readOnlyRootFilesystem must be true")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation must be false")
    resources = container.get("resources", {})
    for bound in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(bound, {}):
                problems.append(f"{where}: resources.{bound}.{resource} is missing")
    for source in container.get("envFrom", []):
        name = source.get("configMapRef", {}).get("name")
        if name and name not in names.get("configMap", set()):
            problems.append(f"{where}: envFrom names a missing ConfigMap {name}")
    for item in container.get("env", []):
        if SECRET_VARIABLE.search(item["name"]) and "value" in item:
            problems.append(f"{where}: {item['name']} holds a secret: take it from a Secret "
                            f"(valueFrom.secretKeyRef), never as a literal value")
        secret = item.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
        if secret and secret not in names.get("secret", set()):
            problems.append(f"{where}: {item['name']} names a missing Secret {secret}")
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    output = env.get("A0SNAP_OUTPUT_DIR") or ""
    if output.startswith(OBJECT_STORE_SCHEMES):
        check_object_store(where, container, env, volumes, problems)
    if container.get("args", [None])[0] == "status":
        # `a0snap status` reads only the job files and the output folder: no tenant, no secret.
        return
    secret_file = env.get("AUTH0_CLIENT_SECRET_FILE")
    secret_mounts = [
        mount["mountPath"] for mount in container.get("volumeMounts", [])
        if "secret" in volumes.get(mount["name"], {})
    ]
    if not secret_file or not any(secret_file.startswith(f"{path}/") for path in secret_mounts):
        problems.append(f"{where}: AUTH0_CLIENT_SECRET_FILE must name a file in a mounted Secret")


def check_object_store(where, container, env, volumes, problems):
    """A pod writing to object storage keeps nothing on a volume between runs."""
    for name, volume in volumes.items():
        if "persistentVolumeClaim" in volume:
            problems.append(f"{where}: writes to object storage, so it needs no claim "
                            f"(volume {name})")
    if env.get("A0SNAP_TOKEN_CACHE") != "memory":
        problems.append(f"{where}: writes to object storage without a state volume, so "
                        f"A0SNAP_TOKEN_CACHE must be memory")
    scratch = [
        mount for mount in container.get("volumeMounts", [])
        if mount["mountPath"] == "/tmp" and "emptyDir" in volumes.get(mount["name"], {})
    ]
    if not scratch:
        problems.append(f"{where}: writes to object storage with a read-only root, so /tmp "
                        f"must be an emptyDir (change reports spill there)")


def main(paths):
    docs = load(paths)
    problems = []
    kinds = {"ConfigMap": "configMap", "Secret": "secret",
             "PersistentVolumeClaim": "persistentVolumeClaim",
             "ServiceAccount": "serviceAccount"}
    names = {}
    for _, doc in docs:
        if doc.get("kind") in kinds:
            names.setdefault(kinds[doc["kind"]], set()).add(doc["metadata"]["name"])
    seen = {doc.get("kind") for _, doc in docs}
    for kind in ("CronJob", "Deployment", "ConfigMap", "Secret", "PersistentVolumeClaim"):
        if kind not in seen:
            problems.append(f"no {kind} among the manifests")
    for path, doc in docs:
        where = f"{path} ({doc.get('kind')} {doc.get('metadata', {}).get('name')})"
        if doc.get("kind") == "CronJob":
            check_pod(where, check_cronjob(where, doc["spec"], problems), names, problems)
        elif doc.get("kind") == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            if not any(c.get("args", [None])[0] == "daemon" for c in pod.get("containers", [])):
                problems.append(f"{where}: the Deployment must run `a0snap daemon`")
            check_pod(where, pod, names, problems)
    for problem in problems:
        print(f"manifest check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
