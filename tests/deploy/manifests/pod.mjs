// Turns a rendered kustomization (standard input) into what `podman kube
// play` runs: the DaemonSet's pod template as a Pod named $1, with the
// ConfigMaps and Secrets it mounts. The template itself is not changed but
// for the image, which $2 names (an image built on this host), Secrets
// (below), and, when $3
// names one, a seccomp profile file under podman's --seccomp-profile-root,
// given through the annotation podman reads.
//
//   kubectl kustomize deploy/kubernetes | node pod.mjs <pod name> <image> [seccomp profile]
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const [podName, image, seccompProfile] = process.argv.slice(2);
if (!podName || !image) {
  console.error("usage: node pod.mjs <pod name> <image> [seccomp profile] < rendered.yaml");
  process.exit(2);
}
const objects = parseAllDocuments(readFileSync(0, "utf8")).map((document) => document.toJS());
const daemonSets = objects.filter((object) => object?.kind === "DaemonSet");
if (daemonSets.length !== 1) {
  console.error(`expected one DaemonSet, found ${daemonSets.length}`);
  process.exit(1);
}
const template = daemonSets[0].spec.template;
for (const container of template.spec.containers) container.image = image;
const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: podName,
    labels: template.metadata?.labels ?? {},
    annotations: seccompProfile
      ? { "seccomp.security.alpha.kubernetes.io/pod": `localhost/${seccompProfile}` }
      : {},
  },
  spec: template.spec,
};
const mounted = objects.filter((object) => object?.kind === "ConfigMap" || object?.kind === "Secret");
// podman kube play 4.3 cannot mount a Secret: it crashes on a secret volume
// without `optional`, writes `data` still base64-encoded, and ignores
// `stringData`. Each Secret goes in as a ConfigMap of the same name and
// content, mounted the same way.
for (const [index, object] of mounted.entries()) {
  if (object.kind !== "Secret") continue;
  const data = Object.fromEntries(
    Object.entries(object.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value.replace(/\n/g, ""), "base64").toString("utf8"),
    ]),
  );
  mounted[index] = { apiVersion: "v1", kind: "ConfigMap", metadata: object.metadata, data };
}
for (const volume of template.spec.volumes ?? []) {
  if (!volume.secret) continue;
  volume.configMap = { name: volume.secret.secretName };
  if (volume.secret.defaultMode !== undefined) volume.configMap.defaultMode = volume.secret.defaultMode;
  delete volume.secret;
}
process.stdout.write([...mounted, pod].map((object) => stringify(object)).join("---\n"));
