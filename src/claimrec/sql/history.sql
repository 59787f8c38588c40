-- History, after reconciliation: versions of claims and the life of findings, by run.
-- The run id is set with SET VARIABLE run_id = '...'. Nothing is ever overwritten: a changed or
-- removed claim closes its current version; a finding that no longer stands is marked resolved.
--
-- Cost: the claims are read once to compare them with their open versions (one MD5 each, kept with the
-- claim id only, never a copy of whole rows), and whole rows are written only for the claims that need a
-- new version. On a first run there is no open version: the comparison has nothing to probe and costs
-- nothing, and every claim is hashed once, as it is written.

-- The content hash: MD5 of every field of the claim but its file and line. Changing this expression
-- changes every hash, and the next run over an existing database would then give every claim a new version.
CREATE OR REPLACE TEMP MACRO claim_content_hash(source_id, document_id, section, quote, metric, side, category, subject,
        period_start, period_end, as_of, qualifier, value, stated_low, stated_high, revision, notes) AS
    md5(concat_ws(chr(31), source_id, document_id, coalesce(section, '-'), quote, metric, side, category,
                  coalesce(subject, '-'), period_start, period_end, coalesce(as_of::VARCHAR, '-'), qualifier,
                  coalesce(value::VARCHAR, '-'), coalesce(stated_low::VARCHAR, '-'),
                  coalesce(stated_high::VARCHAR, '-'), coalesce(revision, '-'), coalesce(notes, '-')));

-- Open versions that no longer match a claim: the claim was removed or its content changed.
CREATE TEMP TABLE history_closing AS
SELECT v.claim_id, v.content_hash
FROM claim_versions v
LEFT JOIN (SELECT claim_id, claim_content_hash(source_id, document_id, section, quote, metric, side, category, subject,
                  period_start, period_end, as_of, qualifier, value, stated_low, stated_high, revision, notes) AS content_hash
           FROM claims) c ON c.claim_id = v.claim_id
WHERE v.valid_to_run IS NULL AND c.content_hash IS DISTINCT FROM v.content_hash;

UPDATE claim_versions SET valid_to_run = getvariable('run_id')
FROM history_closing x
WHERE claim_versions.valid_to_run IS NULL
  AND claim_versions.claim_id = x.claim_id AND claim_versions.content_hash = x.content_hash;

-- A new version for every claim left without an open version: new, changed, or back after a removal. Such a
-- claim's earlier versions, if any, are all closed, so its last version number is found among closed ones.
-- The rows are written in whatever order the joins give them (readers order by claim id and version):
-- sorting whole claims by id first took three times the memory and a tenth more time at 10^7 claims.
INSERT INTO claim_versions BY NAME
SELECT c.claim_id, coalesce(v.last_version, 0) + 1 AS version,
       claim_content_hash(c.source_id, c.document_id, c.section, c.quote, c.metric, c.side, c.category, c.subject,
                          c.period_start, c.period_end, c.as_of, c.qualifier, c.value, c.stated_low, c.stated_high,
                          c.revision, c.notes) AS content_hash,
       getvariable('run_id') AS valid_from_run, NULL AS valid_to_run,
       c.source_id, c.document_id, c.section, c.quote, c.metric, c.side, c.category, c.subject, c.period_start,
       c.period_end, c.as_of, c.qualifier, c.value, c.stated_low, c.stated_high, c.revision, c.notes
FROM claims c
ANTI JOIN (SELECT claim_id FROM claim_versions WHERE valid_to_run IS NULL) o ON o.claim_id = c.claim_id
LEFT JOIN (SELECT claim_id, max(version) AS last_version FROM claim_versions WHERE valid_to_run IS NOT NULL
           GROUP BY claim_id) v ON v.claim_id = c.claim_id;

-- Finding ids grew from 12 to 16 hexadecimal digits; the longer id of a finding begins with its shorter one (both
-- are the start of the same MD5). A standing finding recorded under its 13-character id takes its new id here, so
-- that it is not reported as resolved and new again; the old id is kept in renamed_from.
UPDATE finding_history SET finding_id = f.finding_id, renamed_from = finding_history.finding_id,
                           renamed_in_run = getvariable('run_id')
FROM findings f
WHERE finding_history.resolved_run IS NULL AND length(finding_history.finding_id) = 13
  AND left(f.finding_id, 13) = finding_history.finding_id;

UPDATE finding_history SET resolved_run = getvariable('run_id')
WHERE resolved_run IS NULL AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.finding_id = finding_history.finding_id);

INSERT INTO finding_history BY NAME
SELECT f.finding_id, f.kind, f.quantity_id, f.claim_ids, f.certainty, f.message, getvariable('run_id') AS first_run
FROM findings f
ANTI JOIN (SELECT finding_id FROM finding_history WHERE resolved_run IS NULL) h ON h.finding_id = f.finding_id
ORDER BY f.finding_id;

DROP TABLE history_closing;
DROP MACRO temp.claim_content_hash;
