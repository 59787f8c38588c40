-- Check: cumulative_series
-- Establishes, for each source's claims on one quantity stated as of successive dates, whether the running
-- figure fell: each claim is compared with the one before it (cumulative checks), and a fall (its high below
-- the earlier low) with no `revision` is a cumulative_decrease finding.
--
-- Reads: q (quantities). Writes series_checks, one row per consecutive pair.

-- statement: series
CREATE TEMP TABLE series AS
SELECT quantity_code, source_id, claim_id, as_of, low, high, revision, qualifier, value, stated_low, stated_high,
       lag(claim_id) OVER w AS prev_id, lag(low) OVER w AS prev_low, lag(as_of) OVER w AS prev_as_of,
       lag(qualifier) OVER w AS prev_qualifier, lag(value) OVER w AS prev_value,
       lag(stated_low) OVER w AS prev_stated_low, lag(stated_high) OVER w AS prev_stated_high,
       claimrec_id('C', 'cumulative|' || lag(claim_id) OVER w || '|' || claim_id) AS check_id
FROM claims
WHERE as_of IS NOT NULL
WINDOW w AS (PARTITION BY source_id, quantity_code ORDER BY as_of, claim_id);

-- statement: series_checks
INSERT INTO series_checks
SELECT s.check_id, q.quantity_key, [s.prev_id, s.claim_id], s.prev_low, s.high,
       CASE WHEN s.prev_low > s.high AND s.revision IS NULL THEN 'contradiction' ELSE 'consistent' END,
       CASE WHEN s.prev_low > s.high AND s.revision IS NULL THEN 'definite' END,
       src.name || ' gave ' || claimrec_figure(s.prev_qualifier, s.prev_value, s.prev_stated_low, s.prev_stated_high)
           || ' as of ' || s.prev_as_of || ' and ' || claimrec_figure(s.qualifier, s.value, s.stated_low, s.stated_high)
           || ' as of ' || s.as_of || ' for ' || q.label
           || CASE WHEN s.prev_low > s.high AND s.revision IS NULL
                   THEN ': the cumulative figure fell by ' || claimrec_number(s.prev_low - s.high)
                        || ' with no explanation (a claim''s revision field records one).'
                   WHEN s.prev_low > s.high THEN ': it fell by ' || claimrec_number(s.prev_low - s.high)
                        || ', explained: ' || s.revision
                   ELSE ': it did not fall.' END
FROM series s
JOIN sources src USING (source_id)
JOIN q USING (quantity_code)
WHERE s.prev_id IS NOT NULL
ORDER BY s.check_id;

-- statement: findings
INSERT INTO findings BY NAME
SELECT claimrec_id('F', 'cumulative_decrease|' || s.prev_id || '|' || s.claim_id) AS finding_id,
       'cumulative_decrease' AS kind, q.quantity_id, [s.prev_id, s.claim_id] AS claim_ids,
       [s.source_id, s.source_id] AS source_ids, true AS same_source, 'definite' AS certainty,
       NULL AS part_quantity_ids, s.prev_low AS low_bound, s.high AS high_bound, s.prev_low - s.high AS margin,
       c.message
FROM series s
JOIN q USING (quantity_code)
JOIN series_checks c ON c.check_id = s.check_id
WHERE s.prev_low > s.high AND s.revision IS NULL
ORDER BY finding_id;
