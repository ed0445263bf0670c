/**
 * /api/v1/settings: the system settings the token service reads. GET answers every
 * property (null when unset), so what it returns can be sent back. PUT replaces them all
 * and refuses a body that leaves one out (422 naming it) instead of silently resetting
 * it; PATCH is a JSON merge patch (RFC 7396) that changes only what it names. Both honour
 * If-Match against the stored record's revision. Global admins only.
 */
import { z } from 'zod';
import { StoreConflictError } from '../../../store/errors.js';
import type { StoredDocument, WriteOp } from '../../../store/types.js';
import { COLLECTIONS, SETTINGS_ID, settingsRecordSchema, type SettingsRecord } from '../../model.js';
import { commit } from '../../repository/documents.js';
import type { WriteGuard } from '../../repository/writes.js';
import type { ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { retryOnConflict } from '../errors.js';
import { checkPrecondition, etagOf } from '../etag.js';
import { responses } from '../schemas.js';

const tags = ['settings'];
const PATH = '/api/v1/settings';
/** The ETag of settings never written: they exist (as defaults) all the same. */
const DEFAULTS_ETAG = etagOf({ revision: 0, createdAt: 0 });

const missing = (name: string) => (issue: { input?: unknown }) =>
  issue.input === undefined
    ? `missing: PUT replaces every setting (send ${name}, or change some with PATCH)`
    : undefined;

const lifetime = z.number().int().min(60);
const lifetimeDescription =
  'Caps every refresh token’s absolute lifetime and inactivity timeout (seconds); null: no cap.';

const settingsViewSchema = z.object({
  maximumRefreshTokenLifetimeSec: lifetime.nullable().describe(lifetimeDescription),
  implicitLogin: z
    .boolean()
    .describe('Password-grant JWTs accepted everywhere, not only for token management.'),
});
type SettingsView = z.infer<typeof settingsViewSchema>;

const putBody = z.strictObject({
  maximumRefreshTokenLifetimeSec: z
    .number({ error: missing('maximumRefreshTokenLifetimeSec: null for no cap') })
    .int()
    .min(60)
    .nullable(),
  implicitLogin: z.boolean({ error: missing('implicitLogin') }),
});

const patchBody = z.strictObject({
  maximumRefreshTokenLifetimeSec: lifetime
    .nullable()
    .optional()
    .describe(`${lifetimeDescription} Absent: unchanged.`),
  implicitLogin: z
    .boolean({ error: 'must be true or false (it cannot be removed)' })
    .optional()
    .describe('Absent: unchanged.'),
});

function view(record: SettingsRecord): SettingsView {
  return {
    maximumRefreshTokenLifetimeSec: record.maximumRefreshTokenLifetimeSec ?? null,
    implicitLogin: record.implicitLogin,
  };
}

/**
 * The stored form of `settings` over the current record: an unset cap is an absent
 * property, and a property these endpoints do not know (a newer record) is kept as it is.
 */
function toRecord(current: SettingsRecord, settings: SettingsView): SettingsRecord {
  const { maximumRefreshTokenLifetimeSec: cap, implicitLogin } = settings;
  const { maximumRefreshTokenLifetimeSec: _cap, ...others } = current;
  return { ...others, implicitLogin, ...(cap === null ? {} : { maximumRefreshTokenLifetimeSec: cap }) };
}

export function settingsEndpoints({ ctx }: ApiDeps): Endpoint[] {
  const current = async (): Promise<{ doc: StoredDocument | undefined; record: SettingsRecord }> => {
    const doc = await ctx.store.get(COLLECTIONS.settings, SETTINGS_ID);
    const parsed = doc ? settingsRecordSchema.safeParse(doc.value) : undefined;
    return { doc, record: parsed?.success ? parsed.data : settingsRecordSchema.parse({}) };
  };
  const etag = (doc: StoredDocument | undefined): string => (doc ? etagOf(doc) : DEFAULTS_ETAG);

  /** Read, check If-Match, write at the read revision (or create): one compare-and-set, retried on a race. */
  const change = async (next: (now: SettingsView) => SettingsView, guard: WriteGuard) => {
    const written = await retryOnConflict(async () => {
      const { doc, record } = await current();
      checkPrecondition(guard.ifMatch, etag(doc), 'settings');
      const after = toRecord(record, next(view(record)));
      const op: WriteOp = doc
        ? {
            op: 'update',
            collection: COLLECTIONS.settings,
            id: SETTINGS_ID,
            value: after,
            expectedRevision: doc.revision,
          }
        : { op: 'create', collection: COLLECTIONS.settings, id: SETTINGS_ID, value: after };
      try {
        const [result] = await commit(ctx, [op], { kind: 'settings', id: SETTINGS_ID });
        return { before: record, after, doc: result && 'document' in result ? result.document : undefined };
      } catch (err) {
        // Created concurrently: read again (and check If-Match against it).
        if (err instanceof StoreConflictError && err.reason === 'exists')
          throw new StoreConflictError(err.collection, err.id, 'revision', err.actualRevision);
        throw err;
      }
    });
    guard.committed?.(written.before, written.after);
    return { status: 200, body: view(written.after), etag: written.doc && etagOf(written.doc) };
  };

  return [
    endpoint({
      method: 'get',
      path: PATH,
      summary: 'Read system settings (global admin)',
      tags,
      action: 'settings.read',
      scope: 'gatehouse:read',
      write: false,
      requires: 'settings.read',
      responses: responses({ 200: { description: 'The settings', body: settingsViewSchema } }, 403),
      handle: async () => {
        const { doc, record } = await current();
        return { status: 200, body: view(record), etag: etag(doc) };
      },
    }),
    endpoint({
      method: 'put',
      path: PATH,
      summary:
        'Replace every system setting (global admin); a body that leaves one out is refused (use PATCH to change some)',
      tags,
      action: 'settings.update',
      scope: 'gatehouse:admin',
      write: true,
      requires: 'settings.update',
      body: putBody,
      responses: responses(
        { 200: { description: 'The new settings', body: settingsViewSchema } },
        412,
        413,
        415,
        422,
      ),
      handle: async ({ body, setTarget, write }) => {
        setTarget('settings', SETTINGS_ID);
        return change(() => body, write);
      },
    }),
    endpoint({
      method: 'patch',
      path: PATH,
      summary:
        'Change some system settings (global admin): a JSON merge patch (RFC 7396); null removes the refresh-token cap',
      tags,
      action: 'settings.update',
      scope: 'gatehouse:admin',
      write: true,
      requires: 'settings.update',
      body: patchBody,
      responses: responses(
        { 200: { description: 'The new settings', body: settingsViewSchema } },
        412,
        413,
        415,
        422,
      ),
      handle: async ({ body, setTarget, write }) => {
        setTarget('settings', SETTINGS_ID);
        return change(
          (now) => ({
            maximumRefreshTokenLifetimeSec:
              body.maximumRefreshTokenLifetimeSec === undefined
                ? now.maximumRefreshTokenLifetimeSec
                : body.maximumRefreshTokenLifetimeSec,
            implicitLogin: body.implicitLogin ?? now.implicitLogin,
          }),
          write,
        );
      },
    }),
  ];
}
