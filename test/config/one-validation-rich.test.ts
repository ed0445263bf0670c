/**
 * One validation (issue #9 §5), on the rich fixture (every provider type, keys, API keys,
 * overrides) cut at every line, with each scalar of the wrong type, and on the
 * hand-written cases: dangling references, route ambiguity, methods without an
 * authenticator, bad PEMs/JWKs, bad URLs and secret references, alias bombs, duplicate
 * keys, roots that are not a mapping (corpus.ts). Same verdict and issues from
 * check-config, Gatehouse.start and a live reload (agreement.ts).
 */
import { describeAgreement } from './agreement.js';
import { richCorpus } from './corpus.js';

describeAgreement(
  'check-config, start and reload agree on every variant of the rich fixture and every hand-written case',
  richCorpus,
  10,
);
