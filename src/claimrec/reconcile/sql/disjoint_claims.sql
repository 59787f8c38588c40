-- Check: disjoint_claims
-- Establishes which claims on the same quantity, stated as of the same date (or both undated), cannot both
-- be true: their intervals do not meet. Findings of kind disjoint_claims, always definite.
--
-- Reads: quantity_stats, dated_groups, q (from the quantities check).
-- In a group of at most `pair_group_max` claims, one finding per pair that does not meet, the lower claim
-- first (so the work grows with the number of claims, not with its square); in a larger group, one finding
-- naming every claim that misses another.

-- statement: disjoint_groups
CREATE TEMP TABLE disjoint_groups AS
SELECT quantity_code, quantity_id, NULL::DATE AS as_of, n_undated AS n, undated_top_low AS top_low,
       undated_bottom_high AS bottom_high
FROM quantity_stats WHERE n_undated > 0 AND undated_top_low > undated_bottom_high
UNION ALL
SELECT d.quantity_code, s.quantity_id, d.as_of, d.n, d.top_low, d.bottom_high
FROM dated_groups d JOIN quantity_stats s USING (quantity_code)
WHERE d.top_low > d.bottom_high;

-- statement: disjoint_members
-- Their claims: only the quantity codes and dates of all claims are read, then the few members by row.
CREATE TEMP TABLE disjoint_members AS
SELECT claim_id, source_id, quantity_id, quantity_code, as_of, low, high, qualifier, value, stated_low, stated_high
FROM claims
WHERE rowid IN (
    SELECT c.rowid FROM claims c
    SEMI JOIN disjoint_groups g ON g.quantity_code = c.quantity_code AND c.as_of IS NOT DISTINCT FROM g.as_of
);

-- statement: pairs
INSERT INTO findings BY NAME
SELECT claimrec_id('F', 'disjoint_claims|' || a.claim_id || '|' || b.claim_id) AS finding_id,
       'disjoint_claims' AS kind,
       a.quantity_id,
       [a.claim_id, b.claim_id] AS claim_ids,
       [a.source_id, b.source_id] AS source_ids,
       a.source_id = b.source_id AS same_source,
       'definite' AS certainty,
       NULL AS part_quantity_ids,
       b.low AS low_bound,
       a.high AS high_bound,
       b.low - a.high AS margin,
       CASE WHEN a.source_id = b.source_id THEN
                sa.name || ' contradicts itself on ' || q.label || ': '
                || claimrec_figure(a.qualifier, a.value, a.stated_low, a.stated_high) || ' against '
                || claimrec_figure(b.qualifier, b.value, b.stated_low, b.stated_high)
            ELSE sa.name || ' (' || claimrec_figure(a.qualifier, a.value, a.stated_low, a.stated_high) || ') and '
                || sb.name || ' (' || claimrec_figure(b.qualifier, b.value, b.stated_low, b.stated_high)
                || ') disagree on ' || q.label
       END || '; the figures do not overlap, ' || claimrec_number(b.low - a.high) || ' apart.' AS message
FROM disjoint_groups g
JOIN disjoint_members a ON a.quantity_code = g.quantity_code AND a.as_of IS NOT DISTINCT FROM g.as_of
JOIN disjoint_members b ON b.quantity_code = g.quantity_code AND b.as_of IS NOT DISTINCT FROM g.as_of AND a.high < b.low
JOIN sources sa ON sa.source_id = a.source_id
JOIN sources sb ON sb.source_id = b.source_id
JOIN q ON q.quantity_id = a.quantity_id
WHERE g.n <= getvariable('pair_group_max')
ORDER BY finding_id;

-- statement: large_groups
-- In a larger group, one finding names every claim that misses another: those below the highest low or
-- above the lowest high (a sort, not a comparison of all pairs).
INSERT INTO findings BY NAME
SELECT claimrec_id('F', 'disjoint_claims|' || g.quantity_id || '|' || coalesce(g.as_of::VARCHAR, '')) AS finding_id,
       'disjoint_claims' AS kind,
       g.quantity_id,
       list(c.claim_id ORDER BY c.low, c.claim_id) AS claim_ids,
       list(c.source_id ORDER BY c.low, c.claim_id) AS source_ids,
       count(DISTINCT c.source_id) = 1 AS same_source,
       'definite' AS certainty,
       NULL AS part_quantity_ids,
       g.top_low AS low_bound,
       g.bottom_high AS high_bound,
       g.top_low - g.bottom_high AS margin,
       count(*) || ' of the ' || g.n || ' claims on ' || q.label
           || CASE WHEN g.as_of IS NULL THEN '' ELSE ' as of ' || g.as_of END
           || ' miss at least one other: the highest low, ' || claimrec_number(g.top_low) || ', is '
           || claimrec_number(g.top_low - g.bottom_high) || ' above the lowest high, '
           || claimrec_number(g.bottom_high) || '.' AS message
FROM disjoint_groups g
JOIN disjoint_members c ON c.quantity_code = g.quantity_code AND c.as_of IS NOT DISTINCT FROM g.as_of
             AND (c.high < g.top_low OR c.low > g.bottom_high)
JOIN q ON q.quantity_id = g.quantity_id
WHERE g.n > getvariable('pair_group_max')
GROUP BY g.quantity_id, g.as_of, g.n, g.top_low, g.bottom_high, q.label
ORDER BY finding_id;
