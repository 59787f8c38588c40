-- Load the claims (a frame registered as `incoming`) with what reconciliation needs of each one:
--   * its interval [low, high] from its figure and qualifier (claims/qualifiers.yaml): whole-number units
--     round inwards, an exclusive bound moves one unit inwards, an open bound is NULL;
--   * the quantity it is about: same metric, side, category, subject and period. The words of periods
--     and subjects are worked out once per distinct value, not once per claim;
--   * the quantity's integer code: the ranks of its metric, side, category, subject slug and period words,
--     each among this load's distinct values, as the digits of one BIGINT in mixed radix. Two claims have the
--     same code exactly when they have the same quantity_id, and reconciliation groups and joins the claims
--     by the code, an integer, rather than by the text.
-- The lookups (taxonomy nodes, readings, periods, subjects) are small temporary tables, and every join builds
-- its hash table on the lookup and streams the claims through it, on every thread: the claims are never held
-- in a hash table themselves. DuckDB estimates a registered Arrow table at one row whatever its size, and
-- would build on the claims instead; so the swap of build and probe sides is turned off for the insert (and
-- back on after it). The joins do not keep the order of `incoming` across threads, so the claims table has no
-- row order of its own (like any SQL table): what reads it orders by what it needs, and nothing depends on
-- which claim is stored first.

-- Ranks start at 1 (a subject slug's rank is 0 for "no subject"); each part's radix is its largest rank + 1.
CREATE OR REPLACE TEMP TABLE claim_nodes AS
SELECT dimension, node_id, row_number() OVER (PARTITION BY dimension ORDER BY node_id) AS node_rank
FROM taxonomy;

CREATE OR REPLACE TEMP TABLE claim_readings AS
SELECT q.qualifier, t.node_id AS metric, t.unit, u."integer" AS whole, q.low_exclusive, q.high_exclusive,
       q.low_fixed, q.low_factor, q.high_fixed, q.high_factor, q.high_open, n.node_rank AS metric_rank
FROM qualifiers q
CROSS JOIN taxonomy t
JOIN units u ON u.unit = t.unit
JOIN claim_nodes n ON n.dimension = t.dimension AND n.node_id = t.node_id
WHERE t.dimension = 'metric';

CREATE OR REPLACE TEMP TABLE claim_periods AS
SELECT *, dense_rank() OVER (ORDER BY period_text) AS period_rank
FROM (SELECT period_start, period_end,
             replace(replace(claimrec_period(period_start, period_end), ' – ', '..'), '–', '..') AS period_text
      FROM (SELECT DISTINCT period_start, period_end FROM incoming));

-- with a row for "no subject" too: a LEFT join emits the claims that find no match after those that do
CREATE OR REPLACE TEMP TABLE claim_subjects AS
SELECT *, CASE WHEN slug IS NULL THEN 0 ELSE dense_rank() OVER (PARTITION BY slug IS NULL ORDER BY slug) END
              AS slug_rank
FROM (SELECT subject, claimrec_slug(subject) AS slug
      FROM (SELECT DISTINCT subject FROM incoming));

-- The code is a number in mixed radix, one digit per part (metric first, period last); it must fit a BIGINT.
SET VARIABLE claim_code_radix = (
    SELECT {'side': max(node_rank) FILTER (WHERE dimension = 'side') + 1,
            'category': max(node_rank) FILTER (WHERE dimension = 'category') + 1,
            'subject': (SELECT max(slug_rank) + 1 FROM claim_subjects),
            'period': (SELECT max(period_rank) + 1 FROM claim_periods),
            'metric': max(node_rank) FILTER (WHERE dimension = 'metric') + 1}
    FROM claim_nodes
);

SELECT CASE WHEN r.metric::HUGEINT * r.side * r.category * r.subject * r.period > 9223372036854775807
            THEN error('too many distinct metrics, sides, categories, subjects and periods to number the '
                       || 'quantities with one BIGINT: ' || r::VARCHAR) END
FROM (SELECT getvariable('claim_code_radix') AS r);

SET disabled_optimizers = 'build_side_probe_side';

INSERT INTO claims BY NAME
SELECT c.* EXCLUDE (whole, low_exclusive, high_exclusive, raw_low, raw_high, metric_rank),
       CASE WHEN whole AND low_exclusive THEN floor(round(raw_low, getvariable('bound_digits'))) + 1
            WHEN whole THEN ceil(round(raw_low, getvariable('bound_digits')))
            ELSE raw_low END AS low,
       CASE WHEN whole AND high_exclusive THEN ceil(round(raw_high, getvariable('bound_digits'))) - 1
            WHEN whole THEN floor(round(raw_high, getvariable('bound_digits')))
            ELSE raw_high END AS high,
       concat_ws('/', c.metric, c.side, c.category, s.slug, p.period_text) AS quantity_id,
       (((c.metric_rank * getvariable('claim_code_radix').side + sd.node_rank)
            * getvariable('claim_code_radix').category + ct.node_rank)
            * getvariable('claim_code_radix').subject + s.slug_rank)
            * getvariable('claim_code_radix').period + p.period_rank AS quantity_code
FROM (
    SELECT i.*, r.unit, r.whole, r.low_exclusive, r.high_exclusive, r.metric_rank,
           coalesce(r.low_fixed, coalesce(i.value, i.stated_low) * r.low_factor) AS raw_low,
           CASE WHEN r.high_open THEN NULL
                ELSE coalesce(r.high_fixed, coalesce(i.value, i.stated_high) * r.high_factor) END AS raw_high
    FROM incoming i
    LEFT JOIN claim_readings r USING (qualifier, metric)
) c
LEFT JOIN claim_periods p USING (period_start, period_end)
LEFT JOIN claim_subjects s ON s.subject IS NOT DISTINCT FROM c.subject
LEFT JOIN claim_nodes sd ON sd.dimension = 'side' AND sd.node_id = c.side
LEFT JOIN claim_nodes ct ON ct.dimension = 'category' AND ct.node_id = c.category;

RESET disabled_optimizers;

DROP TABLE claim_nodes;
DROP TABLE claim_readings;
DROP TABLE claim_periods;
DROP TABLE claim_subjects;
RESET VARIABLE claim_code_radix;
