-- Load the claims (a frame registered as `incoming`) with what reconciliation needs of each one:
--   * its interval [low, high] from its figure and qualifier (claims/qualifiers.yaml): whole-number units
--     round inwards, an exclusive bound moves one unit inwards, an open bound is NULL;
--   * the quantity it is about: same metric, side, category, subject and period. The words of periods
--     and subjects are worked out once per distinct value, not once per claim.
-- The lookups (readings, periods, subjects) are small temporary tables, and every join builds its hash table
-- on the lookup and streams the claims through it: the claims keep the order of `incoming` (file and row
-- order) and are never held in a hash table themselves. DuckDB estimates a registered Arrow table at one row
-- whatever its size, and would build on the claims instead; so the swap of build and probe sides is turned
-- off for the insert (and back on after it).

CREATE OR REPLACE TEMP TABLE claim_readings AS
SELECT q.qualifier, t.node_id AS metric, t.unit, u."integer" AS whole, q.low_exclusive, q.high_exclusive,
       q.low_fixed, q.low_factor, q.high_fixed, q.high_factor, q.high_open
FROM qualifiers q
CROSS JOIN taxonomy t
JOIN units u ON u.unit = t.unit
WHERE t.dimension = 'metric';

CREATE OR REPLACE TEMP TABLE claim_periods AS
SELECT period_start, period_end,
       replace(replace(claimrec_period(period_start, period_end), ' – ', '..'), '–', '..') AS period_text
FROM (SELECT DISTINCT period_start, period_end FROM incoming);

-- with a row for "no subject" too: a LEFT join emits the claims that find no match after those that do
CREATE OR REPLACE TEMP TABLE claim_subjects AS
SELECT subject, nullif(trim(regexp_replace(lower(subject), '[^a-z0-9]+', '-', 'g'), '-'), '') AS slug
FROM (SELECT DISTINCT subject FROM incoming);

SET disabled_optimizers = 'build_side_probe_side';

INSERT INTO claims BY NAME
SELECT c.* EXCLUDE (whole, low_exclusive, high_exclusive, raw_low, raw_high),
       CASE WHEN whole AND low_exclusive THEN floor(round(raw_low, 6)) + 1
            WHEN whole THEN ceil(round(raw_low, 6))
            ELSE raw_low END AS low,
       CASE WHEN whole AND high_exclusive THEN ceil(round(raw_high, 6)) - 1
            WHEN whole THEN floor(round(raw_high, 6))
            ELSE raw_high END AS high,
       concat_ws('/', c.metric, c.side, c.category, s.slug, p.period_text) AS quantity_id
FROM (
    SELECT i.*, r.unit, r.whole, r.low_exclusive, r.high_exclusive,
           coalesce(r.low_fixed, coalesce(i.value, i.stated_low) * r.low_factor) AS raw_low,
           CASE WHEN r.high_open THEN NULL
                ELSE coalesce(r.high_fixed, coalesce(i.value, i.stated_high) * r.high_factor) END AS raw_high
    FROM incoming i
    LEFT JOIN claim_readings r USING (qualifier, metric)
) c
LEFT JOIN claim_periods p USING (period_start, period_end)
LEFT JOIN claim_subjects s ON s.subject IS NOT DISTINCT FROM c.subject;

RESET disabled_optimizers;

DROP TABLE claim_readings;
DROP TABLE claim_periods;
DROP TABLE claim_subjects;
