#!/usr/bin/env node
// Validates rendered Kubernetes manifests offline against the upstream Kubernetes OpenAPI
// schemas shipped in the npm package kubernetes-models.
//
//   node validate-manifests.mjs [--forbid-kind Kind[,Kind...]] FILE.yaml [FILE.yaml ...]
//
// Every YAML document must be a Kubernetes object whose apiVersion/kind kubernetes-models
// knows; it is constructed as that model class and .validate() is called. Anything that does
// not parse, has no schema, fails the schema, has an invalid name or label, or is of a
// forbidden kind is reported with file, kind and name; the exit code is 1 if anything failed.
//
// Limitation: the upstream schemas allow unknown fields, so a misspelt optional field name is
// not caught here (the API server's strict field validation catches it at apply time).

import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_PREFIX = DNS1123_SUBDOMAIN;

function parseArgs(argv) {
  const files = [];
  const forbidden = new Set();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--forbid-kind") {
      const value = argv[++i];
      if (!value) throw new Error("--forbid-kind needs a value");
      value.split(",").filter(Boolean).forEach((k) => forbidden.add(k));
    } else {
      files.push(argv[i]);
    }
  }
  if (files.length === 0) {
    throw new Error("usage: validate-manifests.mjs [--forbid-kind Kind,...] FILE.yaml [...]");
  }
  return { files, forbidden };
}

// "apps/v1" -> "kubernetes-models/apps/v1"; "v1" -> "kubernetes-models/v1"
const moduleCache = new Map();
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    throw new Error(`unsupported apiVersion ${JSON.stringify(apiVersion)}`);
  }
  const specifier = `kubernetes-models/${apiVersion}`;
  if (!moduleCache.has(specifier)) {
    moduleCache.set(specifier, import(specifier).catch(() => null));
  }
  const mod = await moduleCache.get(specifier);
  const cls = mod?.[kind];
  if (typeof cls !== "function" || cls.kind !== kind || cls.apiVersion !== apiVersion) {
    throw new Error(`no upstream schema for ${apiVersion} ${kind} (unknown or misspelt apiVersion/kind)`);
  }
  return cls;
}

function formatAjvErrors(err) {
  if (Array.isArray(err?.errors) && err.errors.length > 0) {
    return err.errors
      .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.params ? " " + JSON.stringify(e.params) : ""}`)
      .join("; ");
  }
  return err?.message ?? String(err);
}

// kustomize's secretGenerator wraps long base64 values over several lines. The API server
// decodes []byte fields with Go's base64 decoder, which ignores \r and \n, so such values are
// valid; the schema's "byte" format regex is not that lenient. Strip line breaks (only) from
// base64 fields before validating, so that a genuinely malformed value still fails.
function normalizeForSchema(obj) {
  const stripNewlines = (map) =>
    map && typeof map === "object" && !Array.isArray(map)
      ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v]))
      : map;
  if (obj.apiVersion === "v1" && obj.kind === "Secret" && obj.data) {
    return { ...obj, data: stripNewlines(obj.data) };
  }
  if (obj.apiVersion === "v1" && obj.kind === "ConfigMap" && obj.binaryData) {
    return { ...obj, binaryData: stripNewlines(obj.binaryData) };
  }
  return obj;
}

function checkMetadata(obj) {
  const problems = [];
  const meta = obj.metadata ?? {};
  const name = meta.name;
  if (typeof name !== "string" || name.length === 0) {
    problems.push("metadata.name is missing");
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    problems.push(`metadata.name "${name}" is not a valid DNS-1123 subdomain`);
  }
  const checkLabels = (labels, where) => {
    for (const [key, value] of Object.entries(labels ?? {})) {
      const slash = key.lastIndexOf("/");
      const prefix = slash >= 0 ? key.slice(0, slash) : null;
      const local = slash >= 0 ? key.slice(slash + 1) : key;
      if ((prefix !== null && (prefix.length > 253 || !LABEL_PREFIX.test(prefix))) ||
          local.length > 63 || !LABEL_NAME.test(local)) {
        problems.push(`${where} key "${key}" is invalid`);
      }
      if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value)) {
        problems.push(`${where} "${key}" has an invalid value ${JSON.stringify(value)}`);
      }
    }
  };
  checkLabels(meta.labels, "metadata.labels");
  checkLabels(obj.spec?.template?.metadata?.labels, "spec.template.metadata.labels");
  checkLabels(obj.spec?.selector?.matchLabels, "spec.selector.matchLabels");
  return problems;
}

async function validateFile(file, forbidden) {
  const text = await readFile(file, "utf8");
  const docs = parseAllDocuments(text);
  const failures = [];
  let count = 0;
  for (const [index, doc] of docs.entries()) {
    const where = `${file} document ${index + 1}`;
    if (doc.errors.length > 0) {
      failures.push(`${where}: YAML error: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document
    count++;
    const label = `${where} ${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    if (typeof obj !== "object" || Array.isArray(obj)) {
      failures.push(`${where}: not a Kubernetes object`);
      continue;
    }
    if (forbidden.has(obj.kind)) {
      failures.push(`${label}: kind ${obj.kind} must not appear in this render`);
    }
    for (const problem of checkMetadata(obj)) failures.push(`${label}: ${problem}`);
    let cls;
    try {
      cls = await modelClass(obj.apiVersion, obj.kind);
    } catch (err) {
      failures.push(`${label}: ${err.message}`);
      continue;
    }
    try {
      new cls(normalizeForSchema(obj)).validate();
    } catch (err) {
      failures.push(`${label}: schema violation: ${formatAjvErrors(err)}`);
    }
  }
  if (count === 0) failures.push(`${file}: no Kubernetes objects found`);
  return { count, failures };
}

async function main() {
  const { files, forbidden } = parseArgs(process.argv.slice(2));
  let total = 0;
  const allFailures = [];
  for (const file of files) {
    const { count, failures } = await validateFile(file, forbidden);
    total += count;
    allFailures.push(...failures);
    console.log(`${failures.length === 0 ? "ok  " : "FAIL"} ${file}: ${count} objects${failures.length ? `, ${failures.length} problem(s)` : ""}`);
  }
  for (const f of allFailures) console.error(`  invalid: ${f}`);
  if (allFailures.length > 0) {
    console.error(`${allFailures.length} problem(s) in ${total} objects`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
