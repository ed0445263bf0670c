/**
 * The repository's Dockerfile, parsed with dockerfile-ast (the parser behind the
 * Docker language server) into what the packaging tests check and run: the stages,
 * the final stage's ENTRYPOINT/CMD, USER, WORKDIR, ENV, VOLUME, EXPOSE, HEALTHCHECK
 * and COPY instructions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, ModifiableInstruction, type Flag, type Instruction } from 'dockerfile-ast';
import { ROOT } from './chart-model.js';

export const DOCKERFILE_PATH = join(ROOT, 'Dockerfile');

export interface CopyInstruction {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly destination: string;
}

export interface Stage {
  readonly name: string | null;
  /** The FROM image with ARG defaults substituted. */
  readonly image: string;
  readonly instructions: readonly Instruction[];
  readonly copies: readonly CopyInstruction[];
}

export interface ImageSpec {
  readonly text: string;
  readonly stages: readonly Stage[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly user: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly volumes: readonly string[];
  readonly exposed: readonly number[];
  readonly healthcheck: { readonly flags: Readonly<Record<string, string>>; readonly cmd: readonly string[] };
  readonly copies: readonly CopyInstruction[];
  readonly labels: Readonly<Record<string, string>>;
}

function jsonArray(text: string, what: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string'))
    throw new Error(`${what} must be in exec (JSON array) form`);
  return parsed;
}

/** The `--name=value` flags of COPY and HEALTHCHECK (dockerfile-ast's ModifiableInstruction). */
function flagsOf(instruction: Instruction): Flag[] {
  return instruction instanceof ModifiableInstruction ? instruction.getFlags() : [];
}

function copyOf(instruction: Instruction): CopyInstruction {
  const paths = instruction.getArguments().map((a) => a.getValue());
  const from =
    flagsOf(instruction)
      .find((f) => f.getName() === 'from')
      ?.getValue() ?? null;
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

function argsText(instruction: Instruction): string {
  return instruction.getArgumentsContent() ?? '';
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') ? (JSON.parse(value) as string) : value;
}

/** Splits `KEY=value KEY2="a b"` (ENV, LABEL) into pairs. */
function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g))
    out[match[1] as string] = unquote(match[2] as string);
  return out;
}

export function readDockerfile(path = DOCKERFILE_PATH): ImageSpec {
  const text = readFileSync(path, 'utf8');
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs: Record<string, string> = {};
  for (const arg of dockerfile.getInitialARGs()) Object.assign(globalArgs, keyValues(argsText(arg)));
  const stages: {
    name: string | null;
    image: string;
    instructions: Instruction[];
    copies: CopyInstruction[];
  }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [image = '', as, name] = instruction.getArguments().map((a) => a.getValue());
      stages.push({
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        image: image.replace(
          /\$\{(\w+)\}|\$(\w+)/g,
          (_m, a?: string, b?: string) => globalArgs[a ?? b ?? ''] ?? '',
        ),
        instructions: [],
        copies: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
      if (instruction.getKeyword() === 'COPY') stages.at(-1)?.copies.push(copyOf(instruction));
    }
  }
  const final = stages.at(-1);
  if (!final) throw new Error('the Dockerfile has no FROM');
  const last = (keyword: string): Instruction => {
    const found = final.instructions.filter((i) => i.getKeyword() === keyword).at(-1);
    if (!found) throw new Error(`the final stage has no ${keyword}`);
    return found;
  };
  const all = (keyword: string): Instruction[] =>
    final.instructions.filter((i) => i.getKeyword() === keyword);
  const healthcheck = last('HEALTHCHECK');
  const health = argsText(healthcheck);
  const flags: Record<string, string> = {};
  for (const flag of flagsOf(healthcheck)) flags[flag.getName()] = flag.getValue() ?? '';
  return {
    text,
    stages,
    entrypoint: jsonArray(argsText(last('ENTRYPOINT')), 'ENTRYPOINT'),
    cmd: jsonArray(argsText(last('CMD')), 'CMD'),
    user: argsText(last('USER')).trim(),
    workdir: argsText(last('WORKDIR')).trim(),
    env: Object.assign({}, ...all('ENV').map((i) => keyValues(argsText(i)))) as Record<string, string>,
    volumes: all('VOLUME').flatMap((i) => jsonArray(argsText(i), 'VOLUME')),
    exposed: all('EXPOSE').flatMap((i) => i.getArguments().map((a) => Number(a.getValue()))),
    healthcheck: { flags, cmd: jsonArray(health.slice(health.search(/\bCMD\s+\[/) + 3), 'HEALTHCHECK CMD') },
    copies: final.copies,
    labels: Object.assign({}, ...all('LABEL').map((i) => keyValues(argsText(i)))) as Record<string, string>,
  };
}
