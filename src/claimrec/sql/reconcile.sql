-- Reconciliation, set-based, part 1: each quantity's bounds from its claims, and disjoint claims.
-- Each claim's interval and quantity are worked out as it is loaded (claims.sql). The quantities are
-- written here; relations.sql adds the bounds their parts and wholes imply, working from the temporary
-- table `q` of their keys. Every statement is re-runnable on the same claims with the same result.
--
-- The claims are read once, grouped by quantity (by its integer code, claims.sql). Claims are compared
-- within a group: the claims of one quantity stated as of the same date, undated claims forming a group of
-- their own (a series of "as of" figures is checked in relations.sql). The reference group of a quantity,
-- which gives its consensus, is the undated one, else the latest.
--
-- Quantities get an integer `quantity_key` in the order of their ids, and sides, categories, metrics and
-- periods get integer keys too: the part/whole joins of relations.sql compare numbers, not text.

CREATE TEMP TABLE node_keys AS
SELECT dimension, node_id, depth, row_number() OVER (ORDER BY dimension, node_id)::INTEGER AS node_key
FROM taxonomy;

-- Claims whose subjects differ only in case or punctuation are about one quantity (the same slug). A quantity
-- shows the first of its slug's wordings in sort order, whichever of its claims is read first.
CREATE TEMP TABLE subject_words AS
SELECT subject, CASE WHEN claimrec_slug(subject) IS NOT NULL
                      THEN min(subject) OVER (PARTITION BY claimrec_slug(subject)) END AS words
FROM (SELECT DISTINCT subject FROM claims WHERE subject IS NOT NULL);

-- The descriptive columns are read from one claim of each quantity (the first stored: they are the same for all
-- its claims, but for the wording of the subject) rather than carried through the grouping, which makes the
-- grouping a third cheaper. The table is written in the order of quantity ids, so that its row number is the
-- quantity's key (numbering with a window over the ids cost four times more).
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

-- The groups of claims stated as of a date (a small share of the claims).
CREATE TEMP TABLE dated_groups AS
SELECT quantity_code, as_of, count(*) AS n, max(low) AS top_low, min(high) AS bottom_high
FROM claims
WHERE as_of IS NOT NULL
GROUP BY quantity_code, as_of;

-- Of the dated groups, the latest of each quantity (its reference group when it has no undated claims), and
-- whether any of them is disjoint.
CREATE TEMP TABLE latest_dated AS
SELECT quantity_code, top_low, bottom_high,
       bool_or(coalesce(top_low > bottom_high, false)) OVER (PARTITION BY quantity_code) AS any_disjoint
FROM dated_groups
QUALIFY as_of = max(as_of) OVER (PARTITION BY quantity_code);

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

-- What relations.sql needs of each quantity, with the integer keys of its metric, side, category and period.
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

-- disjoint_claims: within a group of at most 10 claims, every pair whose intervals do not meet,
-- the lower claim first (at most 45 pairs a group, so the work grows with the number of claims).
CREATE TEMP TABLE disjoint_groups AS
SELECT quantity_code, quantity_id, NULL::DATE AS as_of, n_undated AS n, undated_top_low AS top_low,
       undated_bottom_high AS bottom_high
FROM quantity_stats WHERE n_undated > 0 AND undated_top_low > undated_bottom_high
UNION ALL
SELECT d.quantity_code, s.quantity_id, d.as_of, d.n, d.top_low, d.bottom_high
FROM dated_groups d JOIN quantity_stats s USING (quantity_code)
WHERE d.top_low > d.bottom_high;

-- Their claims: only the quantity codes and dates of all claims are read, then the few members by row.
CREATE TEMP TABLE disjoint_members AS
SELECT claim_id, source_id, quantity_id, quantity_code, as_of, low, high, qualifier, value, stated_low, stated_high
FROM claims
WHERE rowid IN (
    SELECT c.rowid FROM claims c
    SEMI JOIN disjoint_groups g ON g.quantity_code = c.quantity_code AND c.as_of IS NOT DISTINCT FROM g.as_of
);

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
FROM disjoint_groups g
JOIN disjoint_members a ON a.quantity_code = g.quantity_code AND a.as_of IS NOT DISTINCT FROM g.as_of
JOIN disjoint_members b ON b.quantity_code = g.quantity_code AND b.as_of IS NOT DISTINCT FROM g.as_of AND a.high < b.low
JOIN sources sa ON sa.source_id = a.source_id
JOIN sources sb ON sb.source_id = b.source_id
JOIN q ON q.quantity_id = a.quantity_id
WHERE g.n <= 10
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
FROM disjoint_groups g
JOIN disjoint_members c ON c.quantity_code = g.quantity_code AND c.as_of IS NOT DISTINCT FROM g.as_of
             AND (c.high < g.top_low OR c.low > g.bottom_high)
JOIN q ON q.quantity_id = g.quantity_id
WHERE g.n > 10
GROUP BY g.quantity_id, g.as_of, g.n, g.top_low, g.bottom_high, q.label
ORDER BY finding_id;

DROP TABLE subject_words;
DROP TABLE quantity_stats;
DROP TABLE dated_groups;
DROP TABLE latest_dated;
DROP TABLE disjoint_groups;
DROP TABLE disjoint_members;
