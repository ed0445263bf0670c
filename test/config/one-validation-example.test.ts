/**
 * One validation (issue #9 §5), on the bundled example: config/gatehouse.yaml cut at
 * every line and with each scalar of the wrong type gets the same verdict and issues from
 * check-config, Gatehouse.start and a live reload (agreement.ts).
 */
import { describeAgreement } from './agreement.js';
import { exampleCorpus } from './corpus.js';

describeAgreement(
  'check-config, start and reload agree on every variant of the bundled example',
  () => exampleCorpus(),
  10,
);
