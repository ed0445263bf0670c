/** The scenario pod.ts hands to pod-runner.ts, and the report it prints back. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { FolderOwner } from './configmap-folder.js';
import type { Mount } from './rootfs.js';

export interface ScenarioRequest {
  readonly name: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** Default: the data plane. */
  readonly listener?: 'dataPlane' | 'admin';
}

export interface PodScenario {
  readonly rootDir: string;
  readonly uid: number;
  readonly gid: number;
  readonly mounts: readonly Mount[];
  /** Host path of the ConfigMap-like folder mounted at /etc/gatehouse. */
  readonly configDir: string;
  /** Owner and mode of its files (the projected volume's fsGroup and defaultMode). */
  readonly configOwner: FolderOwner;
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  /** ENTRYPOINT + CMD. */
  readonly command: readonly string[];
  /** HEALTHCHECK CMD. */
  readonly healthcheck: readonly string[];
  readonly dataPlaneUrl: string;
  readonly adminUrl: string;
  /** Where the API node listens on 127.0.0.1. */
  readonly upstreamPort: number;
  readonly requests: readonly ScenarioRequest[];
  /** Swap the ConfigMap's files as the kubelet does, wait for the reload, then send these. */
  readonly reload?: {
    readonly files: Readonly<Record<string, string>>;
    readonly requests: readonly ScenarioRequest[];
  };
  /** A data-plane path routed to the API node's /slow: held in flight across SIGTERM. */
  readonly drainPath: string;
  readonly drainHeaders?: OutgoingHttpHeaders;
  /** Paths inside the root the image's user tries to write to. */
  readonly writeChecks: readonly string[];
  readonly timeoutMs: number;
}

export interface RequestResult {
  readonly name: string;
  /** 0 when the request failed without an answer (text holds the error code). */
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  /** Requests that reached the API node while this one ran. */
  readonly upstream: readonly { method: string; url: string; headers: IncomingHttpHeaders }[];
}

export interface PodReport {
  started: boolean;
  requests: RequestResult[];
  reloadRequests: RequestResult[];
  healthcheckWhileRunning: number | null;
  healthcheckAfterExit: number | null;
  readyzWhileDraining: RequestResult | null;
  drainedRequest: RequestResult | null;
  exit: { code: number | null; signal: string | null } | null;
  writable: Record<string, boolean>;
  logLines: Record<string, unknown>[];
  stderr: string;
  /** Milliseconds since the runner started, per step (for the report, never asserted). */
  timings: Record<string, number>;
}
