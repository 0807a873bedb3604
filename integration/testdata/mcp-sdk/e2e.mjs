// shannot's end-to-end client: the official MCP TypeScript SDK talking to
// shannot-mcp over stdio, as any Node client would. integration/mcp_sdk_test.go
// runs it with a plan (a JSON file) and judges the report it prints on stdout:
//
//   node e2e.mjs PLAN.json
//
// The plan: {"command": "/path/shannot-mcp", "args": [...],
//            "prompts": [{"name": ..., "arguments": {...}}],
//            "calls": [{"name": ..., "arguments": {...}}]}
//
// Every structured tool's structuredContent is validated here, with ajv,
// against the output schema the server declared in tools/list.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv2020 from "ajv/dist/2020.js";

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
const transport = new StdioClientTransport({ command: plan.command, args: plan.args, stderr: "inherit" });
const client = new Client({ name: "shannot-e2e", version: "1" });
await client.connect(transport);

const report = { server: client.getServerVersion(), protocol: transport._protocolVersion ?? null };

const { tools } = await client.listTools();
report.tools = tools.map((t) => ({ name: t.name, hasOutputSchema: !!t.outputSchema }));
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = {};
for (const t of tools) {
  if (t.outputSchema) validators[t.name] = ajv.compile(t.outputSchema);
}

const { prompts } = await client.listPrompts();
report.prompts = prompts.map((p) => ({ name: p.name, arguments: (p.arguments ?? []).map((a) => a.name) }));
report.gotPrompts = [];
for (const p of plan.prompts ?? []) {
  try {
    const got = await client.getPrompt({ name: p.name, arguments: p.arguments ?? {} });
    report.gotPrompts.push({ name: p.name, arguments: p.arguments ?? {}, text: got.messages.map((m) => m.content.text).join("\n") });
  } catch (e) {
    report.gotPrompts.push({ name: p.name, arguments: p.arguments ?? {}, error: String(e.message ?? e) });
  }
}

const { resources } = await client.listResources();
const { resourceTemplates } = await client.listResourceTemplates();
report.templates = resourceTemplates.map((t) => t.uriTemplate);
report.resources = [];
for (const r of resources) {
  const read = await client.readResource({ uri: r.uri });
  report.resources.push({
    uri: r.uri,
    mimeType: r.mimeType,
    contents: read.contents.map((c) => {
      let json = null;
      let jsonError = null;
      try {
        json = JSON.parse(c.text);
      } catch (e) {
        jsonError = String(e.message ?? e);
      }
      return { uri: c.uri, mimeType: c.mimeType, text: c.text, json, jsonError };
    }),
  });
}

report.calls = [];
for (const call of plan.calls ?? []) {
  const entry = { name: call.name, arguments: call.arguments };
  try {
    const res = await client.callTool({ name: call.name, arguments: call.arguments });
    entry.isError = !!res.isError;
    entry.text = (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
    entry.structured = res.structuredContent ?? null;
    const validate = validators[call.name];
    if (!validate) {
      entry.schemaValid = null;
    } else if (res.structuredContent === undefined) {
      entry.schemaValid = false;
      entry.schemaErrors = ["no structuredContent"];
    } else {
      entry.schemaValid = validate(res.structuredContent);
      entry.schemaErrors = validate.errors ?? [];
    }
  } catch (e) {
    entry.thrown = String(e.message ?? e);
  }
  report.calls.push(entry);
}

await client.close();
process.stdout.write(JSON.stringify(report) + "\n");
