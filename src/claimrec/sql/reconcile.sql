-- Reconciliation, set-based: claim intervals, quantities and their bounds, disjoint claims.
-- Runs inside the run's transaction on the database being built; every statement is re-runnable
-- on the same claims with the same result.

-- 1. Each claim's interval and quantity are worked out as it is loaded (claims.sql).

-- Claims are compared within a group: the claims of one quantity stated as of the same date, undated
-- claims forming a group of their own (a series of "as of" figures is checked in relations.sql). The
-- reference group of a quantity, which gives its consensus, is the undated one, else the latest.
CREATE TEMP TABLE claim_groups AS
SELECT quantity_id, as_of, count(*) AS n, max(low) AS top_low, min(high) AS bottom_high,
       coalesce(max(low) > min(high), false) AS disjoint,
       CASE WHEN max(low) <= coalesce(min(high), max(low)) THEN max(low) END AS consensus_low,
       CASE WHEN max(low) <= min(high) THEN min(high) END AS consensus_high,
       row_number() OVER (PARTITION BY quantity_id ORDER BY as_of IS NULL DESC, as_of DESC) = 1 AS reference
FROM claims
GROUP BY quantity_id, as_of;

INSERT INTO quantities BY NAME
SELECT a.*, g.consensus_low, g.consensus_high,
       CASE WHEN a.n_claims = 1 THEN 'single' WHEN d.any_disjoint THEN 'contradicted' ELSE 'agreed' END AS status,
       CASE WHEN d.any_disjoint THEN a.widest_low ELSE g.consensus_low END AS chosen_low,
       CASE WHEN d.any_disjoint THEN a.widest_high ELSE g.consensus_high END AS chosen_high
FROM (
    SELECT quantity_id,
           any_value(metric) AS metric, any_value(side) AS side, any_value(category) AS category,
           any_value(subject) AS subject, any_value(period_start) AS period_start,
           any_value(period_end) AS period_end, any_value(unit) AS unit,
           concat_ws(', ', any_value(metric), any_value(side), any_value(category), any_value(subject),
                     claimrec_period(any_value(period_start), any_value(period_end))) AS label,
           count(*) AS n_claims,
           count(DISTINCT source_id) AS n_sources,
           min(low) AS widest_low,
           CASE WHEN count(high) = count(*) THEN max(high) END AS widest_high
    FROM claims
    GROUP BY quantity_id
) a
JOIN claim_groups g ON g.quantity_id = a.quantity_id AND g.reference
JOIN (SELECT quantity_id, bool_or(disjoint) AS any_disjoint FROM claim_groups GROUP BY 1) d
  ON d.quantity_id = a.quantity_id
ORDER BY a.quantity_id;

-- 3. disjoint_claims: within a group of at most 10 claims, every pair whose intervals do not meet,
--    the lower claim first (at most 45 pairs a group, so the work grows with the number of claims).
INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('disjoint_claims|' || a.claim_id || '|' || b.claim_id), 1, 12) AS finding_id,
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
FROM claim_groups g
JOIN claims a ON a.quantity_id = g.quantity_id AND a.as_of IS NOT DISTINCT FROM g.as_of
JOIN claims b ON b.quantity_id = g.quantity_id AND b.as_of IS NOT DISTINCT FROM g.as_of AND a.high < b.low
JOIN sources sa ON sa.source_id = a.source_id
JOIN sources sb ON sb.source_id = b.source_id
JOIN quantities q ON q.quantity_id = a.quantity_id
WHERE g.disjoint AND g.n <= 10
ORDER BY finding_id;

--    In a larger group, one finding names every claim that misses another: those below the highest
--    low or above the lowest high (a sort, not a comparison of all pairs).
INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('disjoint_claims|' || g.quantity_id || '|' || coalesce(g.as_of::VARCHAR, '')), 1, 12)
           AS finding_id,
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
FROM claim_groups g
JOIN claims c ON c.quantity_id = g.quantity_id AND c.as_of IS NOT DISTINCT FROM g.as_of
             AND (c.high < g.top_low OR c.low > g.bottom_high)
JOIN quantities q ON q.quantity_id = g.quantity_id
WHERE g.disjoint AND g.n > 10
GROUP BY g.quantity_id, g.as_of, g.n, g.top_low, g.bottom_high, q.label
ORDER BY finding_id;

DROP TABLE claim_groups;
