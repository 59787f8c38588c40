-- Check: quantities
-- Establishes every quantity and its bounds from its own claims: how many claims and sources, the widest
-- bounds (any claim allows), the consensus (every claim of its reference group allows), the chosen bounds
-- (the consensus when its claims agree, the widest when not) and its status (single, agreed, contradicted).
-- Each claim's interval and quantity were worked out as it was loaded (sql/claims.sql).
--
-- Claims are compared within a group: the claims of one quantity stated as of the same date, undated claims
-- forming a group of their own. The reference group of a quantity, which gives its consensus, is the undated
-- one, else the latest.
--
-- Leaves for the later checks (temporary tables):
--   node_keys        an integer key per taxonomy node;
--   quantity_stats   per quantity: its code, bounds and undated group (written in the order of quantity ids);
--   dated_groups     per quantity and as-of date: the group's size and its tightest bounds;
--   q                per quantity: its integer key and the integer keys of its metric, side, category and
--                    period, so that the part/whole joins compare numbers, not text.

-- statement: node_keys
CREATE TEMP TABLE node_keys AS
SELECT dimension, node_id, depth, row_number() OVER (ORDER BY dimension, node_id)::INTEGER AS node_key
FROM taxonomy;

-- statement: subject_words
-- Claims whose subjects differ only in case or punctuation are about one quantity (the same slug). A quantity
-- shows the first of its slug's wordings in sort order, whichever of its claims is read first.
CREATE TEMP TABLE subject_words AS
SELECT subject, CASE WHEN claimrec_slug(subject) IS NOT NULL
                      THEN min(subject) OVER (PARTITION BY claimrec_slug(subject)) END AS words
FROM (SELECT DISTINCT subject FROM claims WHERE subject IS NOT NULL);

-- statement: quantity_stats
-- The claims are read once, grouped by quantity (by its integer code). The descriptive columns are read
-- from one claim of each quantity (the first stored: they are the same for all its claims, but for the
-- wording of the subject) rather than carried through the grouping, which keeps the grouping narrow. The
-- table is written in the order of quantity ids, so that its row number is the quantity's key.
CREATE TEMP TABLE quantity_stats AS
WITH grouped AS (
    SELECT quantity_code, min(rowid) AS first_row,
           count(*)::INTEGER AS n_claims,
           count(DISTINCT source_id)::INTEGER AS n_sources,
           min(low) AS widest_low,
           CASE WHEN count(high) = count(*) THEN max(high) END AS widest_high,
           max(low) AS highest_low,
           min(high) AS lowest_high,
           count(*) FILTER (WHERE as_of IS NULL)::INTEGER AS n_undated,
           max(low) FILTER (WHERE as_of IS NULL) AS undated_top_low,
           min(high) FILTER (WHERE as_of IS NULL) AS undated_bottom_high
    FROM claims
    GROUP BY quantity_code
)
SELECT c.quantity_id, g.quantity_code, c.metric, c.side, c.category, sw.words AS subject, c.period_start,
       c.period_end, c.unit, g.* EXCLUDE (quantity_code, first_row)
FROM grouped g
JOIN (SELECT rowid AS first_row, quantity_id, metric, side, category, subject, period_start, period_end, unit
      FROM claims WHERE rowid IN (SELECT first_row FROM grouped)) c USING (first_row)
LEFT JOIN subject_words sw ON sw.subject = c.subject
ORDER BY c.quantity_id;

-- statement: dated_groups
-- The groups of claims stated as of a date (a small share of the claims).
CREATE TEMP TABLE dated_groups AS
SELECT quantity_code, as_of, count(*) AS n, max(low) AS top_low, min(high) AS bottom_high
FROM claims
WHERE as_of IS NOT NULL
GROUP BY quantity_code, as_of;

-- statement: latest_dated
-- Of the dated groups, the latest of each quantity (its reference group when it has no undated claims), and
-- whether any of them is disjoint.
CREATE TEMP TABLE latest_dated AS
SELECT quantity_code, top_low, bottom_high,
       bool_or(coalesce(top_low > bottom_high, false)) OVER (PARTITION BY quantity_code) AS any_disjoint
FROM dated_groups
QUALIFY as_of = max(as_of) OVER (PARTITION BY quantity_code);

-- statement: quantities
INSERT INTO quantities BY NAME
SELECT * EXCLUDE (quantity_code, n_undated, undated_top_low, undated_bottom_high, any_disjoint, reference_top,
                 reference_bottom, period_words),
       concat_ws(', ', metric, side, category, subject, period_words) AS label,
       CASE WHEN reference_top <= coalesce(reference_bottom, reference_top) THEN reference_top END AS consensus_low,
       CASE WHEN reference_top <= reference_bottom THEN reference_bottom END AS consensus_high,
       CASE WHEN n_claims = 1 THEN 'single' WHEN any_disjoint THEN 'contradicted' ELSE 'agreed' END AS status,
       CASE WHEN any_disjoint THEN widest_low
            WHEN reference_top <= coalesce(reference_bottom, reference_top) THEN reference_top END AS chosen_low,
       CASE WHEN any_disjoint THEN widest_high
            WHEN reference_top <= reference_bottom THEN reference_bottom END AS chosen_high
FROM (
    SELECT (s.rowid + 1)::INTEGER AS quantity_key, s.*, w.period_words,
           coalesce(s.undated_top_low > s.undated_bottom_high, false) OR coalesce(d.any_disjoint, false)
               AS any_disjoint,
           CASE WHEN s.n_undated > 0 THEN s.undated_top_low ELSE d.top_low END AS reference_top,
           CASE WHEN s.n_undated > 0 THEN s.undated_bottom_high ELSE d.bottom_high END AS reference_bottom
    FROM quantity_stats s
    LEFT JOIN latest_dated d USING (quantity_code)
    -- periods are worded once each, not once per quantity
    JOIN (SELECT period_start, period_end, claimrec_period(period_start, period_end) AS period_words
          FROM (SELECT DISTINCT period_start, period_end FROM quantity_stats)) w USING (period_start, period_end)
)
ORDER BY quantity_key;

-- statement: q
-- What the relation checks need of each quantity, with the integer keys of its metric, side, category and
-- period.
CREATE TEMP TABLE q AS
WITH periods AS (
    SELECT period_start, period_end, row_number() OVER (ORDER BY period_start, period_end)::INTEGER AS period_key
    FROM (SELECT DISTINCT period_start, period_end FROM quantity_stats)
)
SELECT x.quantity_key, x.quantity_id, x.subject, x.period_start, x.period_end, x.label, x.n_claims, x.status,
       x.widest_low, x.widest_high, x.highest_low, x.lowest_high, x.chosen_low, x.chosen_high,
       m.node_key AS metric_key, sd.node_key AS side_key, sd.depth AS side_depth,
       ct.node_key AS category_key, ct.depth AS category_depth, p.period_key,
       coalesce(u.additive, false) AS additive, k.quantity_code
FROM quantities x
JOIN (SELECT rowid + 1 AS quantity_key, quantity_code FROM quantity_stats) k USING (quantity_key)
JOIN periods p USING (period_start, period_end)
LEFT JOIN node_keys m ON m.dimension = 'metric' AND m.node_id = x.metric
LEFT JOIN node_keys sd ON sd.dimension = 'side' AND sd.node_id = x.side
LEFT JOIN node_keys ct ON ct.dimension = 'category' AND ct.node_id = x.category
LEFT JOIN units u ON u.unit = x.unit;
