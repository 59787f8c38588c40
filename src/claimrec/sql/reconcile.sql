-- Reconciliation, set-based: claim intervals, quantities and their bounds, disjoint claims.
-- Runs inside the run's transaction on the database being built; every statement is re-runnable
-- on the same claims with the same result.

-- 1. Each claim's interval from its figure and qualifier (claims/qualifiers.yaml).
--    Whole-number units round inwards; an exclusive bound moves one unit inwards.
UPDATE claims SET unit = r.unit, low = r.low, high = r.high
FROM (
    SELECT claim_id, unit,
           CASE WHEN whole AND low_exclusive THEN floor(round(raw_low, 6)) + 1
                WHEN whole THEN ceil(round(raw_low, 6))
                ELSE raw_low END AS low,
           CASE WHEN whole AND high_exclusive THEN ceil(round(raw_high, 6)) - 1
                WHEN whole THEN floor(round(raw_high, 6))
                ELSE raw_high END AS high
    FROM (
        SELECT c.claim_id, t.unit, u."integer" AS whole, q.low_exclusive, q.high_exclusive,
               coalesce(q.low_fixed, coalesce(c.value, c.stated_low) * q.low_factor) AS raw_low,
               CASE WHEN q.high_open THEN NULL
                    ELSE coalesce(q.high_fixed, coalesce(c.value, c.stated_high) * q.high_factor) END AS raw_high
        FROM claims c
        JOIN qualifiers q USING (qualifier)
        JOIN taxonomy t ON t.dimension = 'metric' AND t.node_id = c.metric
        JOIN units u ON u.unit = t.unit
    )
) r
WHERE claims.claim_id = r.claim_id;

-- 2. The quantity each claim is about: same metric, side, category, subject and period.
UPDATE claims SET quantity_id = concat_ws('/', metric, side, category,
        nullif(trim(regexp_replace(lower(subject), '[^a-z0-9]+', '-', 'g'), '-'), ''),
        replace(replace(claimrec_period(period_start, period_end), ' – ', '..'), '–', '..'));

INSERT INTO quantities BY NAME
SELECT *,
       CASE WHEN status = 'contradicted' THEN widest_low ELSE consensus_low END AS chosen_low,
       CASE WHEN status = 'contradicted' THEN widest_high ELSE consensus_high END AS chosen_high
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
           CASE WHEN count(high) = count(*) THEN max(high) END AS widest_high,
           CASE WHEN max(low) <= coalesce(min(high), max(low)) THEN max(low) END AS consensus_low,
           CASE WHEN max(low) <= min(high) THEN min(high) END AS consensus_high,
           CASE WHEN count(*) = 1 THEN 'single'
                WHEN max(low) > min(high) THEN 'contradicted'
                ELSE 'agreed' END AS status
    FROM claims
    GROUP BY quantity_id
)
ORDER BY quantity_id;

-- 3. disjoint_claims: every pair of claims on one quantity whose intervals do not meet,
--    the lower claim first. Figures stated as of different dates are a series (see relations.sql), not rivals. An inequality join (no all-pairs scan of the quantity).
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
FROM claims a
JOIN claims b ON a.quantity_id = b.quantity_id AND a.high < b.low
               AND (a.as_of IS NULL OR b.as_of IS NULL OR a.as_of = b.as_of)
JOIN sources sa ON sa.source_id = a.source_id
JOIN sources sb ON sb.source_id = b.source_id
JOIN quantities q ON q.quantity_id = a.quantity_id
ORDER BY finding_id;
