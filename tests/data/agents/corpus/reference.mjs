// Which files of ../shared/corpora/agents/ their own runtime loads, by each
// runtime's own loading logic (read from Claude Code 2.1.197's, OpenCode
// 1.18's and Gemini CLI 0.61's code), for tests/data/agents/corpus/expected.tsv.
//
// Not run by `make test`: it needs Bun (Claude Code parses YAML with
// Bun.YAML), gray-matter (OpenCode) and js-yaml 4 (Gemini CLI):
//   npm install bun gray-matter js-yaml@4 && npx bun reference.mjs CORPUS > expected.tsv
// Output: format, path, "loads" or "rejects", the agent's name (or why not).
import { readFileSync } from "fs";
import { basename } from "path";
import matter from "gray-matter";
import jsyaml from "js-yaml";

const corpus = process.argv[2];

// Claude Code: jm() and n2d() in its bundle; then the agent loader needs a
// string name not starting with '-' and a non-empty string description.
const cbe = /^---\s*\n([\s\S]*?)---\s*\n?/;
const t2d = /[{}[\]*&#!|>%@`]|: /;
function requote(e) {
  return e.split("\n").map((r) => {
    const o = r.match(/^([a-zA-Z_-]+):\s+(.+)$/);
    if (!o) return r;
    const [, s, i] = o;
    if ((i.startsWith('"') && i.endsWith('"')) || (i.startsWith("'") && i.endsWith("'"))) return r;
    if (i.startsWith("[") && i.endsWith("]")) {
      try { if (Array.isArray(Bun.YAML.parse(i))) return r; } catch {}
    }
    if (t2d.test(i)) return `${s}: "${i.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    return r;
  }).join("\n");
}
function obj(x) { return x && typeof x === "object" && !Array.isArray(x) ? x : {}; }
function claude(text) {
  const m = text.match(cbe);
  if (!m) return "rejects\tno frontmatter";
  let fm;
  try { fm = obj(Bun.YAML.parse(m[1] || "")); } catch {
    try { fm = obj(Bun.YAML.parse(requote(m[1] || "").replace(/^\t+/gm, (u) => "  ".repeat(u.length)))); }
    catch (e) { return "rejects\tYAML: " + String(e.message).split("\n")[0]; }
  }
  if (!fm.name || typeof fm.name !== "string") return "rejects\tno string name";
  if (fm.name.startsWith("-")) return "rejects\tname starts with -";
  if (!fm.description || typeof fm.description !== "string") return "rejects\tno string description";
  return "loads\t" + fm.name;
}

// OpenCode: gray-matter, retried on its sanitize(); then the agent schema
// (extra keys allowed; the known ones typed).
function ocSanitize(q) {
  const J = q.match(/^---\r?\n([\s\S]*?)\r?\n---/);
  if (!J) return q;
  const Z = J[1];
  const V = Z.split(/\r?\n/).flatMap(($) => {
    if ($.trim().startsWith("#") || $.trim() === "" || /^\s+/.test($)) return [$];
    const Y = $.match(/^([a-zA-Z_][a-zA-Z0-9_]*)\s*:\s*(.*)$/);
    if (!Y) return [$];
    const z = Y[2].trim();
    if (z === "" || z === ">" || z === "|" || z.startsWith('"') || z.startsWith("'")) return [$];
    if (!z.includes(":")) return [$];
    return [`${Y[1]}: |-`, `  ${z}`];
  });
  return q.replace(Z, () => V.join("\n"));
}
const themes = ["primary", "secondary", "accent", "success", "warning", "error", "info"];
function opencode(text, path) {
  let d;
  try { d = matter(text); } catch {
    try { d = matter(ocSanitize(text)); } catch (e) { return "rejects\tYAML: " + String(e.message).split("\n")[0]; }
  }
  const f = d.data || {};
  const str = (k) => f[k] === undefined || typeof f[k] === "string";
  const num = (k) => f[k] === undefined || (typeof f[k] === "number" && isFinite(f[k]));
  const posint = (k) => f[k] === undefined || (Number.isInteger(f[k]) && f[k] > 0);
  if (!str("model") || !str("variant") || !str("prompt") || !str("description")) return "rejects\ta string key is not a string";
  if (!num("temperature") || !num("top_p")) return "rejects\ttemperature/top_p not a number";
  if (f.tools !== undefined && (typeof f.tools !== "object" || f.tools === null || Array.isArray(f.tools) ||
      Object.values(f.tools).some((v) => typeof v !== "boolean"))) return "rejects\ttools is not a map of booleans";
  if (f.disable !== undefined && typeof f.disable !== "boolean") return "rejects\tdisable";
  if (f.hidden !== undefined && typeof f.hidden !== "boolean") return "rejects\thidden";
  if (f.mode !== undefined && !["subagent", "primary", "all"].includes(f.mode)) return "rejects\tmode";
  if (f.color !== undefined && !(typeof f.color === "string" && (/^#[0-9a-fA-F]{6}$/.test(f.color) || themes.includes(f.color)))) return "rejects\tcolor";
  if (!posint("steps") || !posint("maxSteps")) return "rejects\tsteps";
  const act = (v) => ["ask", "allow", "deny"].includes(v);
  const rule = (v) => act(v) || (v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(act));
  if (f.permission !== undefined && !act(f.permission) &&
      !(f.permission && typeof f.permission === "object" && !Array.isArray(f.permission) && Object.values(f.permission).every(rule)))
    return "rejects\tpermission";
  if (f.options !== undefined && (typeof f.options !== "object" || Array.isArray(f.options))) return "rejects\toptions";
  const name = typeof f.name === "string" ? f.name : basename(path).replace(/\.md$/, "");
  return "loads\t" + name;
}

// Gemini CLI: its FRONTMATTER_REGEX, js-yaml's load, and the strict
// local-agent schema.
const geminiTools = ["glob", "write_todos", "write_file", "google_web_search", "web_fetch", "replace",
  "run_shell_command", "grep_search", "read_many_files", "read_file", "list_directory", "activate_skill",
  "ask_user", "tracker_create_task", "tracker_update_task", "tracker_get_task", "tracker_list_tasks",
  "tracker_add_dependency", "tracker_visualize", "get_internal_docs", "enter_plan_mode", "exit_plan_mode",
  "update_topic", "complete_task", "invoke_agent", "read_mcp_resource", "list_mcp_resources", "search_file_content"];
function geminiTool(n) {
  if (geminiTools.includes(n) || n.startsWith("discovered_tool_") || n === "*") return true;
  if (!n.startsWith("mcp_")) return false;
  if (n === "mcp_*") return true;
  if (n.startsWith("mcp__")) return false;
  const m = n.slice(4).match(/^([^_]+)_(.+)$/);
  if (!m) return false;
  const slug = /^[a-z0-9_.:-]+$/i;
  if (!slug.test(m[1])) return false;
  if (m[2] === "*") return true;
  if (/^_*$/.test(m[2])) return false;
  return slug.test(m[2]);
}
const geminiKeys = ["kind", "name", "description", "display_name", "tools", "mcp_servers", "model", "temperature", "max_turns", "timeout_mins"];
function gemini(text) {
  const m = text.match(/^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n([\s\S]*))?/);
  if (!m) return "rejects\tno frontmatter";
  let f;
  try { f = jsyaml.load(m[1]); } catch (e) { return "rejects\tYAML: " + String(e.message).split("\n")[0]; }
  if (!f || typeof f !== "object" || Array.isArray(f)) return "rejects\tnot a mapping";
  if (f.kind !== undefined && f.kind !== "local") return "rejects\tnot a local agent";
  for (const k of Object.keys(f)) if (!geminiKeys.includes(k)) return "rejects\tunknown key " + k;
  if (typeof f.name !== "string" || !/^[a-z0-9-_]+$/.test(f.name)) return "rejects\tname not a slug";
  if (typeof f.description !== "string" || !f.description.length) return "rejects\tno description";
  if (f.tools !== undefined && (!Array.isArray(f.tools) || f.tools.some((t) => typeof t !== "string" || !geminiTool(t)))) return "rejects\ttools";
  if (f.model !== undefined && typeof f.model !== "string") return "rejects\tmodel";
  if (f.display_name !== undefined && typeof f.display_name !== "string") return "rejects\tdisplay_name";
  if (f.temperature !== undefined && typeof f.temperature !== "number") return "rejects\ttemperature";
  for (const k of ["max_turns", "timeout_mins"]) if (f[k] !== undefined && !(Number.isInteger(f[k]) && f[k] > 0)) return "rejects\t" + k;
  if (f.mcp_servers !== undefined && (typeof f.mcp_servers !== "object" || Array.isArray(f.mcp_servers))) return "rejects\tmcp_servers";
  return "loads\t" + f.name;
}

const rows = readFileSync(`${corpus}/MANIFEST.tsv`, "utf8").trim().split("\n").slice(1);
for (const row of rows) {
  const [format, path] = row.split("\t");
  const text = readFileSync(`${corpus}/${path}`, "utf8");
  const r = format === "claude" ? claude(text) : format === "opencode" ? opencode(text, path) : gemini(text);
  console.log(`${format}\t${path}\t${r}`);
}
