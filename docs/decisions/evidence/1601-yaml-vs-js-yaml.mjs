// Evidence for docs/decisions/1601: run in a scratch directory with `npm install js-yaml@4 yaml@2.9.1`
// (js-yaml is not a capsched dependency), `node 1601-yaml-vs-js-yaml.mjs` (reads ../../../schedules: adjust `dir`).
import jsyaml from 'js-yaml';
import { parseAllDocuments, parseDocument } from 'yaml';
import { readFileSync, readdirSync } from 'node:fs';
const out = (k, v) => console.log(`${k}: ${v}`);
// 1. positions: a field's value
const text = 'apiVersion: capsched.io/v1\nkind: CapacityPlan\nname: bf\nnamespace: payments.a1b2c\ntrus: 7\n';
const d = parseDocument(text);
const pair = d.contents.items.find((p) => p.key.value === 'trus');
out('yaml trus value range', JSON.stringify(pair.value.range));
out('js-yaml trus value', JSON.stringify(jsyaml.load(text).trus) + ' (a plain object: no positions)');
// errors
try { jsyaml.load('a: 1\nb: [1, 2\nc: 3\n'); } catch (e) { out('js-yaml syntax error', JSON.stringify({ line: e.mark?.line, column: e.mark?.column, reason: e.reason })); }
out('yaml syntax errors', JSON.stringify(parseDocument('a: 1\nb: [1, 2\nc: 3\n').errors.map((e) => ({ code: e.code, linePos: e.linePos }))));
// 2. duplicate keys
try { jsyaml.load('trus: 2\ntrus: 8\n'); out('js-yaml dup', 'accepted'); } catch (e) { out('js-yaml dup', `throws at first (${e.reason}, line ${e.mark.line + 1})`); }
const dd = parseDocument('trus: 2\ntrus: 8\n', { uniqueKeys: false });
out('yaml uniqueKeys:false', `parses, both pairs kept: ${dd.contents.items.length} (the loader reports the second with its line)`);
out('yaml default dup', parseDocument('trus: 2\ntrus: 8\n').errors.map((e) => e.code).join(','));
// 3. aliases / billion laughs
const lol = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n';
let t = performance.now(); const j = jsyaml.load(lol); const jt = performance.now() - t;
out('js-yaml aliases', `expanded silently (g shares nodes; JSON size would be ${10 ** 7} strings; load ${jt.toFixed(1)} ms, no alias is visible to the caller)`);
const ydoc = parseDocument(lol);
let aliasCount = 0; const { visit } = await import('yaml'); visit(ydoc, { Alias() { aliasCount++; } });
out('yaml aliases', `kept as Alias nodes in the tree: ${aliasCount} (the loader refuses them, BAD_ALIAS); toJS() -> ${(() => { try { ydoc.toJS(); return 'ok'; } catch (e) { return e.message.slice(0, 80); } })()}`);
// 4. tags / core schema
const tagged = 'a: !!js/function "function(){}"\nb: 2026-12-24\nc: yes\nd: 0o17\n';
try { out('js-yaml tags', JSON.stringify(jsyaml.load('b: 2026-12-24\nc: yes\nd: 0o17\n'))); } catch (e) { out('js-yaml', e.message); }
out('yaml core schema', JSON.stringify(parseDocument('b: 2026-12-24\nc: yes\nd: 0o17\n', { schema: 'core' }).toJS()));
out('yaml custom tag', parseDocument('a: !secret x\n', { schema: 'core' }).warnings.map((w) => w.code).join(',') || 'no warning');
// 5. speed on the example plans x 250 (1000 documents)
const dir = new URL('../../../schedules', import.meta.url).pathname;
const one = readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n---\n');
const big = Array.from({ length: 250 }, () => one).join('\n---\n');
out('input', `${(big.length / 1024).toFixed(0)} KiB, ${parseAllDocuments(big).length} documents`);
for (let round = 0; round < 2; round++) {
  t = performance.now(); for (let i = 0; i < 5; i++) jsyaml.loadAll(big); const a = (performance.now() - t) / 5;
  t = performance.now(); for (let i = 0; i < 5; i++) parseAllDocuments(big, { uniqueKeys: false, strict: true, schema: 'core' }).forEach((x) => x.toJS()); const b = (performance.now() - t) / 5;
  out(`round ${round} ms per parse`, `js-yaml ${a.toFixed(1)}, yaml (documents + toJS) ${b.toFixed(1)}`);
}
out('versions', `js-yaml ${JSON.parse(readFileSync('node_modules/js-yaml/package.json')).version}, yaml ${JSON.parse(readFileSync('node_modules/yaml/package.json')).version}, node ${process.version}`);
