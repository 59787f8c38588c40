-- Reconciliation, set-based, part 2 (after reconcile.sql, on its temporary table `q`): which quantity is
-- part of which, the sums of parts, what they imply for each quantity, and the findings.
--
-- Choosing what to add up (documented in the README, "Parts and wholes"):
--   * a part counts with its chosen bounds: the consensus when its claims agree, the widest when not;
--   * for each whole, only its maximal parts are added (parts that no other part of it contains);
--   * maximal parts are ranked (longest period, then widest side, widest category, larger chosen low,
--     quantity id) and a part that overlaps a better-ranked one is left out, so the summed parts are
--     disjoint;
--   * the summed parts cover the whole completely when they tile its period exactly (same side and
--     category) or are exactly the children of its side or of its category (same period).
-- A contradiction is definite when it holds with the widest bounds (whichever claims are believed),
-- possible when it holds only with the chosen ones.
--
-- What is stored grows with the number of pairs only as integer keys and flags (quantity_links); the checks
-- of every pair and sum are worded by the `checks` view (views.sql) when they are read, and only the
-- contradictions are worded here, as findings.

-- 1. Containment: same metric in an additive unit; side, category and period equal to or inside the
--    whole's; the same subject, or a whole without subject.
--    Candidate wholes come from the part's ancestors in each hierarchy and the distinct periods that
--    enclose its period, then are looked up by integer keys: the work grows with the number of
--    quantities, not with their square.
CREATE TEMP TABLE period_paths AS
WITH periods AS (SELECT DISTINCT period_key, period_start, period_end FROM q)
SELECT i.period_key AS part_period, o.period_key AS whole_period
FROM periods i JOIN periods o ON o.period_start <= i.period_start AND i.period_end <= o.period_end;

CREATE TEMP TABLE node_paths AS
SELECT a.node_key AS ancestor_key, d.node_key AS descendant_key
FROM taxonomy_paths t
JOIN node_keys a ON a.dimension = t.dimension AND a.node_id = t.ancestor_id
JOIN node_keys d ON d.dimension = t.dimension AND d.node_id = t.descendant_id;

CREATE TEMP TABLE links AS
SELECT w.quantity_key AS whole_key, p.quantity_key AS part_key
FROM q p
JOIN node_paths sp ON sp.descendant_key = p.side_key
JOIN node_paths cp ON cp.descendant_key = p.category_key
JOIN period_paths pp ON pp.part_period = p.period_key
JOIN q w ON w.metric_key = p.metric_key AND w.side_key = sp.ancestor_key AND w.category_key = cp.ancestor_key
        AND w.period_key = pp.whole_period
WHERE p.additive AND w.quantity_key <> p.quantity_key
  AND (w.subject IS NULL OR w.subject = p.subject);

-- 2. Maximal parts: no other part of the same whole contains them. Containment is transitive, so the
--    parts that are not maximal are exactly the parts of the whole's parts.
CREATE TEMP TABLE inner_links AS
SELECT DISTINCT o.whole_key, i.part_key
FROM links o JOIN links i ON i.whole_key = o.part_key;

-- 3. Summed parts: maximal parts that do not overlap a better-ranked maximal part of the same whole.
--    Two quantities overlap when their periods meet and their sides and categories are nested.
CREATE TEMP TABLE ranked_parts AS
SELECT l.whole_key, l.part_key, p.side_key, p.category_key, p.period_start, p.period_end,
       row_number() OVER (PARTITION BY l.whole_key
                          ORDER BY date_diff('day', p.period_start, p.period_end) DESC, p.side_depth,
                                   p.category_depth, p.chosen_low DESC, p.quantity_key) AS rank
FROM links l
JOIN q p ON p.quantity_key = l.part_key
WHERE NOT EXISTS (SELECT 1 FROM inner_links x WHERE x.whole_key = l.whole_key AND x.part_key = l.part_key);

CREATE TEMP TABLE nested AS
SELECT ancestor_key AS a, descendant_key AS b FROM node_paths
UNION
SELECT descendant_key, ancestor_key FROM node_paths;

CREATE TEMP TABLE overlapped AS
SELECT DISTINCT r.whole_key, r.part_key
FROM ranked_parts r
JOIN ranked_parts better ON better.whole_key = r.whole_key AND better.rank < r.rank
                        AND better.period_start <= r.period_end AND r.period_start <= better.period_end
JOIN nested ns ON ns.a = better.side_key AND ns.b = r.side_key
JOIN nested nc ON nc.a = better.category_key AND nc.b = r.category_key;

-- The maximal parts are the ranked ones, and the others are exactly the inner links (a part of a part of a
-- whole is a part of the whole), so the two sets make up every pair without joining back to `links`.
INSERT INTO quantity_links
SELECT whole_key, part_key, maximal, summed
FROM (
    SELECT r.whole_key, r.part_key, true AS maximal, o.part_key IS NULL AS summed
    FROM ranked_parts r
    LEFT JOIN overlapped o ON o.whole_key = r.whole_key AND o.part_key = r.part_key
    UNION ALL
    SELECT whole_key, part_key, false, false FROM inner_links
)
ORDER BY whole_key, part_key;

-- 4. Per whole: the sums of its summed parts, and whether they cover it completely.
INSERT INTO part_sums
WITH children AS (
    SELECT parent.node_key, list_sort(list(child.node_key)) AS keys
    FROM taxonomy t
    JOIN node_keys parent ON parent.dimension = t.dimension AND parent.node_id = t.parent_id
    JOIN node_keys child ON child.dimension = t.dimension AND child.node_id = t.node_id
    GROUP BY parent.node_key
)
SELECT w.quantity_key AS whole_key,
       count(*) AS n_parts,
       sum(p.chosen_low) AS sum_chosen_low,
       sum(p.widest_low) AS sum_widest_low,
       CASE WHEN count(p.chosen_high) = count(*) THEN sum(p.chosen_high) END AS sum_chosen_high,
       CASE WHEN count(p.widest_high) = count(*) THEN sum(p.widest_high) END AS sum_widest_high,
       bool_and(p.subject IS NOT DISTINCT FROM w.subject) AND (
       (bool_and(p.side_key = w.side_key AND p.category_key = w.category_key)
            AND sum(date_diff('day', p.period_start, p.period_end) + 1)
                = date_diff('day', w.period_start, w.period_end) + 1
            AND min(p.period_start) = w.period_start AND max(p.period_end) = w.period_end)
       OR (bool_and(p.category_key = w.category_key AND p.period_key = w.period_key)
            AND list_sort(list(p.side_key)) = any_value(cs.keys))
       OR (bool_and(p.side_key = w.side_key AND p.period_key = w.period_key)
            AND list_sort(list(p.category_key)) = any_value(cc.keys))) AS covers
FROM quantity_links l
JOIN q w ON w.quantity_key = l.whole_key
JOIN q p ON p.quantity_key = l.part_key
LEFT JOIN children cs ON cs.node_key = w.side_key
LEFT JOIN children cc ON cc.node_key = w.category_key
WHERE l.summed
GROUP BY w.quantity_key, w.side_key, w.category_key, w.subject, w.period_key, w.period_start, w.period_end
ORDER BY whole_key;

-- 5. The bounds that parts and wholes imply, on the quantities that have any.
UPDATE quantities SET implied_low = b.implied_low, implied_high = b.implied_high
FROM (
    SELECT coalesce(s.whole_key, pl.whole_key, wh.part_key) AS quantity_key,
           greatest(s.sum_chosen_low, pl.max_part_low) AS implied_low,
           least(CASE WHEN s.covers THEN s.sum_chosen_high END, wh.min_whole_high) AS implied_high
    FROM part_sums s
    FULL JOIN (SELECT l.whole_key, max(p.chosen_low) AS max_part_low
               FROM quantity_links l JOIN q p ON p.quantity_key = l.part_key
               GROUP BY 1) pl ON pl.whole_key = s.whole_key
    FULL JOIN (SELECT l.part_key, min(w.chosen_high) AS min_whole_high
               FROM quantity_links l JOIN q w ON w.quantity_key = l.whole_key
               GROUP BY 1) wh ON wh.part_key = coalesce(s.whole_key, pl.whole_key)
) b
WHERE quantities.quantity_key = b.quantity_key;

-- 6. Findings. part_exceeds_whole: one per pair of claims (whole claim first) that clash, looked for only
--    in the part/whole pairs where a claim on the part is above a claim on the whole.
CREATE TEMP TABLE clashing_pairs AS
SELECT w.quantity_id AS whole_quantity_id, p.quantity_id AS part_quantity_id, w.quantity_code AS whole_code,
       p.quantity_code AS part_code, p.highest_low AS max_low,
       w.lowest_high AS min_high, p.widest_low > w.widest_high AS definite, p.label AS part_label,
       w.label AS whole_label, p.n_claims * w.n_claims > 100 AS big
FROM quantity_links l
JOIN q p ON p.quantity_key = l.part_key
JOIN q w ON w.quantity_key = l.whole_key
WHERE p.highest_low > w.lowest_high;

--    The failed sum checks (parts_sum, cover_sum), worded by the `checks` view: only these are worded.
CREATE TEMP TABLE failed_sums AS
SELECT * FROM checks WHERE kind IN ('parts_sum', 'cover_sum') AND outcome = 'contradiction';

--    The claims of every quantity in a clash or a failed sum. A join on all claims would read every column it
--    needs of all 10^7 of them; here only their quantity codes are read, and the few claims involved are then
--    fetched by row.
CREATE TEMP TABLE involved_claims AS
SELECT * FROM claims
WHERE rowid IN (
    SELECT c.rowid FROM claims c
    SEMI JOIN (SELECT part_code AS code FROM clashing_pairs
               UNION SELECT whole_code FROM clashing_pairs
               UNION SELECT q.quantity_code
                     FROM (SELECT unnest([whole_quantity_id] || part_quantity_ids) AS member FROM failed_sums) f
                     JOIN q ON q.quantity_id = f.member) k ON k.code = c.quantity_code
);

INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('part_exceeds_whole|' || wc.claim_id || '|' || pc.claim_id), 1, 12) AS finding_id,
       'part_exceeds_whole' AS kind,
       x.whole_quantity_id AS quantity_id,
       [wc.claim_id, pc.claim_id] AS claim_ids,
       [wc.source_id, pc.source_id] AS source_ids,
       wc.source_id = pc.source_id AS same_source,
       CASE WHEN x.definite THEN 'definite' ELSE 'possible' END AS certainty,
       [x.part_quantity_id] AS part_quantity_ids,
       pc.low AS low_bound,
       wc.high AS high_bound,
       pc.low - wc.high AS margin,
       sp.name || ' gives ' || claimrec_figure(pc.qualifier, pc.value, pc.stated_low, pc.stated_high) || ' for '
           || x.part_label || ', which exceeds '
           || CASE WHEN wc.source_id = pc.source_id THEN 'its own '
                   ELSE sw.name || '''s ' END
           || claimrec_figure(wc.qualifier, wc.value, wc.stated_low, wc.stated_high) || ' for the whole, '
           || x.whole_label || ', by ' || claimrec_number(pc.low - wc.high) || '.' AS message
FROM clashing_pairs x
JOIN involved_claims pc ON pc.quantity_code = x.part_code AND pc.low > x.min_high
JOIN involved_claims wc ON wc.quantity_code = x.whole_code AND pc.low > wc.high
JOIN sources sp ON sp.source_id = pc.source_id
JOIN sources sw ON sw.source_id = wc.source_id
WHERE NOT x.big
ORDER BY finding_id;

--    When part and whole have more claims than that, one finding per pair of quantities names the part's
--    claims above the whole's lowest high and the whole's claims below the part's highest low.
INSERT INTO findings BY NAME
WITH involved AS (
    SELECT x.* EXCLUDE (whole_code, part_code), false AS is_part, c.claim_id, c.source_id, c.low
    FROM clashing_pairs x JOIN involved_claims c ON c.quantity_code = x.whole_code AND c.high < x.max_low
    WHERE x.big
    UNION ALL
    SELECT x.* EXCLUDE (whole_code, part_code), true AS is_part, c.claim_id, c.source_id, c.low
    FROM clashing_pairs x JOIN involved_claims c ON c.quantity_code = x.part_code AND c.low > x.min_high
    WHERE x.big
)
SELECT 'F' || substr(md5('part_exceeds_whole|' || whole_quantity_id || '|' || part_quantity_id), 1, 12)
           AS finding_id,
       'part_exceeds_whole' AS kind,
       whole_quantity_id AS quantity_id,
       list(claim_id ORDER BY is_part, low, claim_id) AS claim_ids,
       list(source_id ORDER BY is_part, low, claim_id) AS source_ids,
       count(DISTINCT source_id) = 1 AS same_source,
       CASE WHEN definite THEN 'definite' ELSE 'possible' END AS certainty,
       [part_quantity_id] AS part_quantity_ids,
       max_low AS low_bound,
       min_high AS high_bound,
       max_low - min_high AS margin,
       count(*) FILTER (is_part) || ' claims on ' || part_label || ' are above the lowest claim on the whole, '
           || whole_label || ', and ' || count(*) FILTER (NOT is_part)
           || ' claims on the whole are below the highest claim on the part: the part''s highest low, '
           || claimrec_number(max_low) || ', exceeds the whole''s lowest high, ' || claimrec_number(min_high)
           || ', by ' || claimrec_number(max_low - min_high) || '.' AS message
FROM involved
GROUP BY whole_quantity_id, part_quantity_id, max_low, min_high, definite, part_label, whole_label
ORDER BY finding_id;

-- parts_exceed_whole and whole_exceeds_parts: one per failed sum check, naming every claim involved (the
-- whole's claims first, then each summed part's). Only the failed checks are worded.
INSERT INTO findings BY NAME
WITH members AS (
    SELECT *, whole_quantity_id AS member FROM failed_sums
    UNION ALL
    SELECT *, unnest(part_quantity_ids) AS member FROM failed_sums
)
SELECT 'F' || substr(md5(c.kind || '|' || c.whole_quantity_id), 1, 12) AS finding_id,
       CASE c.kind WHEN 'parts_sum' THEN 'parts_exceed_whole' ELSE 'whole_exceeds_parts' END AS kind,
       c.whole_quantity_id AS quantity_id,
       list(cl.claim_id ORDER BY cl.quantity_id <> c.whole_quantity_id, cl.quantity_id, cl.claim_id) AS claim_ids,
       list(cl.source_id ORDER BY cl.quantity_id <> c.whole_quantity_id, cl.quantity_id, cl.claim_id) AS source_ids,
       count(DISTINCT cl.source_id) = 1 AS same_source,
       any_value(c.certainty) AS certainty,
       any_value(c.part_quantity_ids) AS part_quantity_ids,
       any_value(c.low_bound) AS low_bound,
       any_value(c.high_bound) AS high_bound,
       any_value(c.margin) AS margin,
       any_value(c.message) AS message
FROM members c
JOIN q m ON m.quantity_id = c.member
JOIN involved_claims cl ON cl.quantity_code = m.quantity_code
GROUP BY c.kind, c.whole_quantity_id
ORDER BY finding_id;

-- 7. Cumulative series: one source's claims on one quantity stated as of successive dates. Each claim is
--    compared with the one before it; a fall (its high below the earlier low) with no `revision` is a finding.
CREATE TEMP TABLE series AS
SELECT quantity_code, source_id, claim_id, as_of, low, high, revision, qualifier, value, stated_low, stated_high,
       lag(claim_id) OVER w AS prev_id, lag(low) OVER w AS prev_low, lag(as_of) OVER w AS prev_as_of,
       lag(qualifier) OVER w AS prev_qualifier, lag(value) OVER w AS prev_value,
       lag(stated_low) OVER w AS prev_stated_low, lag(stated_high) OVER w AS prev_stated_high
FROM claims
WHERE as_of IS NOT NULL
WINDOW w AS (PARTITION BY source_id, quantity_code ORDER BY as_of, claim_id);

INSERT INTO series_checks
SELECT 'C' || substr(md5('cumulative|' || s.prev_id || '|' || s.claim_id), 1, 12) AS check_id,
       q.quantity_key, [s.prev_id, s.claim_id], s.prev_low, s.high,
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
ORDER BY check_id;

INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('cumulative_decrease|' || s.prev_id || '|' || s.claim_id), 1, 12) AS finding_id,
       'cumulative_decrease' AS kind, q.quantity_id, [s.prev_id, s.claim_id] AS claim_ids,
       [s.source_id, s.source_id] AS source_ids, true AS same_source, 'definite' AS certainty,
       NULL AS part_quantity_ids, s.prev_low AS low_bound, s.high AS high_bound, s.prev_low - s.high AS margin,
       c.message
FROM series s
JOIN q USING (quantity_code)
JOIN series_checks c ON c.check_id = 'C' || substr(md5('cumulative|' || s.prev_id || '|' || s.claim_id), 1, 12)
WHERE s.prev_low > s.high AND s.revision IS NULL
ORDER BY finding_id;

DROP TABLE period_paths;
DROP TABLE node_paths;
DROP TABLE links;
DROP TABLE inner_links;
DROP TABLE ranked_parts;
DROP TABLE nested;
DROP TABLE overlapped;
DROP TABLE clashing_pairs;
DROP TABLE failed_sums;
DROP TABLE involved_claims;
DROP TABLE series;
DROP TABLE q;
DROP TABLE node_keys;
