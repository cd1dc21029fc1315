// Validates every object of a rendered kustomization (multi-document YAML on
// standard input) against the Kubernetes and prometheus-operator OpenAPI
// schemas, offline: kubernetes-models and @kubernetes-models/prometheus-operator
// carry the schemas and check them with @kubernetes-models/validate.
//
//   kubectl kustomize deploy/kubernetes | node tests/deploy/manifests/check.mjs
//
// Prints one line per object; exits 1 when any object is invalid or of a
// kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion -> the module that holds its models.
const modules = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

const documents = parseAllDocuments(readFileSync(0, "utf8"));
let failures = 0;
let checked = 0;
for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`YAML error: ${document.errors[0].message}`);
    failures++;
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  // kustomize folds long base64 values over several lines; the API server
  // decodes them with Go's base64, which skips line breaks, while the
  // schema's "byte" format does not.
  if (object.kind === "Secret" && object.data) {
    for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\n/g, "");
  }
  const name = `${object.apiVersion} ${object.kind} ${object.metadata?.name}`;
  const path = modules[object.apiVersion];
  const Model = path && (await import(path))[object.kind];
  if (!Model) {
    console.error(`FAIL ${name}: no schema for this apiVersion and kind`);
    failures++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`ok   ${name}`);
    checked++;
  } catch (error) {
    console.error(`FAIL ${name}: ${error.message}`);
    for (const detail of error.errors ?? []) {
      console.error(`       ${detail.instancePath} ${detail.message} ${JSON.stringify(detail.params)}`);
    }
    failures++;
  }
}
if (checked === 0 && failures === 0) {
  console.error("FAIL: no objects on standard input");
  process.exit(1);
}
console.log(`${checked} objects valid, ${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
