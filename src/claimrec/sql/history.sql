-- History, after reconciliation: versions of claims and the life of findings, by run.
-- The run id is set with SET VARIABLE run_id = '...'. Nothing is ever overwritten: a changed or
-- removed claim closes its current version; a finding that no longer stands is marked resolved.

CREATE TEMP TABLE current_claims AS
SELECT *, md5(concat_ws(chr(31), source_id, document_id, coalesce(section, '-'), quote, metric, side, category,
                 coalesce(subject, '-'), period_start, period_end, coalesce(as_of::VARCHAR, '-'), qualifier,
                 coalesce(value::VARCHAR, '-'), coalesce(stated_low::VARCHAR, '-'),
                 coalesce(stated_high::VARCHAR, '-'), coalesce(revision, '-'), coalesce(notes, '-'))) AS content_hash
FROM claims;

UPDATE claim_versions SET valid_to_run = getvariable('run_id')
WHERE valid_to_run IS NULL
  AND NOT EXISTS (SELECT 1 FROM current_claims c
                  WHERE c.claim_id = claim_versions.claim_id AND c.content_hash = claim_versions.content_hash);

INSERT INTO claim_versions BY NAME
SELECT c.claim_id, coalesce(v.last_version, 0) + 1 AS version, c.content_hash,
       getvariable('run_id') AS valid_from_run, NULL AS valid_to_run,
       c.source_id, c.document_id, c.section, c.quote, c.metric, c.side, c.category, c.subject, c.period_start,
       c.period_end, c.as_of, c.qualifier, c.value, c.stated_low, c.stated_high, c.revision, c.notes
FROM current_claims c
LEFT JOIN (SELECT claim_id, max(version) AS last_version, count(*) FILTER (valid_to_run IS NULL) AS open
           FROM claim_versions GROUP BY claim_id) v USING (claim_id)
WHERE coalesce(v.open, 0) = 0
ORDER BY c.claim_id;

UPDATE finding_history SET resolved_run = getvariable('run_id')
WHERE resolved_run IS NULL AND finding_id NOT IN (SELECT finding_id FROM findings);

INSERT INTO finding_history
SELECT f.finding_id, f.kind, f.quantity_id, f.claim_ids, f.certainty, f.message, getvariable('run_id'), NULL
FROM findings f
WHERE f.finding_id NOT IN (SELECT finding_id FROM finding_history WHERE resolved_run IS NULL)
ORDER BY f.finding_id;

DROP TABLE current_claims;
