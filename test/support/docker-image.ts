/**
 * Reads the Dockerfile the way `docker build` does (continuation lines joined, stages split) so
 * tests can check it and replay its production path without a Docker engine.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buffer === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (buffer === '') start = i + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1).trim()} `;
      return;
    }
    buffer += line.trim();
    const m = /^(\w+)\s+([\s\S]*)$/.exec(buffer);
    if (m !== null) instructions.push({ keyword: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start });
    buffer = '';
  });
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ from: m?.[1] ?? ins.args, name: m?.[2], instructions: [] });
    } else stages[stages.length - 1]?.instructions.push(ins);
  }
  return stages;
}

export function readDockerfile(path: string): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** Exec-form JSON arguments (["node", "x"]) or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** ENV instructions of a stage as a map (KEY=value pairs, quotes removed). */
export function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) out[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
  }
  return out;
}

export interface CopyStep {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

export function copiesOf(stage: Stage): CopyStep[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      let from: string | undefined;
      const rest = words.filter((w) => {
        const m = /^--from=(\S+)$/.exec(w);
        if (m !== null) from = m[1];
        return !w.startsWith('--');
      });
      return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] as string, line: i.line };
    });
}
