-- Check: containment
-- Establishes which quantity is part of which (the part_whole checks), and which parts of each whole are
-- added up by the sum checks. A part has the same metric, in an additive unit; its side, category and
-- period are equal to or inside the whole's; it has the same subject, or the whole has none.
--
-- Reads: q, node_keys (from the quantities check). Writes quantity_links, one row per (whole, part): integer
-- keys and two flags, so what is stored grows with the number of pairs only as numbers; the `checks` view
-- words each pair when it is read.
--
-- Choosing what to add up:
--   * for each whole, only its maximal parts are added (parts that no other part of it contains);
--   * maximal parts are ranked (longest period, then widest side, widest category, larger chosen low,
--     quantity key) and a part that overlaps a better-ranked one is left out, so the summed parts are
--     disjoint.
-- Leaves node_paths (every ancestor/descendant pair of node keys) for the part_sums check.

-- statement: period_paths
-- Candidate wholes come from the part's ancestors in each hierarchy and the distinct periods that enclose
-- its period, then are looked up by integer keys: the work grows with the number of quantities, not with
-- their square.
CREATE TEMP TABLE period_paths AS
WITH periods AS (SELECT DISTINCT period_key, period_start, period_end FROM q)
SELECT i.period_key AS part_period, o.period_key AS whole_period
FROM periods i JOIN periods o ON o.period_start <= i.period_start AND i.period_end <= o.period_end;

-- statement: node_paths
CREATE TEMP TABLE node_paths AS
SELECT a.node_key AS ancestor_key, d.node_key AS descendant_key
FROM taxonomy_paths t
JOIN node_keys a ON a.dimension = t.dimension AND a.node_id = t.ancestor_id
JOIN node_keys d ON d.dimension = t.dimension AND d.node_id = t.descendant_id;

-- statement: links
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

-- statement: inner_links
-- Maximal parts: no other part of the same whole contains them. Containment is transitive, so the parts that
-- are not maximal are exactly the parts of the whole's parts.
CREATE TEMP TABLE inner_links AS
SELECT DISTINCT o.whole_key, i.part_key
FROM links o JOIN links i ON i.whole_key = o.part_key;

-- statement: ranked_parts
CREATE TEMP TABLE ranked_parts AS
SELECT l.whole_key, l.part_key, p.side_key, p.category_key, p.period_start, p.period_end,
       row_number() OVER (PARTITION BY l.whole_key
                          ORDER BY date_diff('day', p.period_start, p.period_end) DESC, p.side_depth,
                                   p.category_depth, p.chosen_low DESC, p.quantity_key) AS rank
FROM links l
JOIN q p ON p.quantity_key = l.part_key
WHERE NOT EXISTS (SELECT 1 FROM inner_links x WHERE x.whole_key = l.whole_key AND x.part_key = l.part_key);

-- statement: nested
-- Two quantities overlap when their periods meet and their sides and categories are nested.
CREATE TEMP TABLE nested AS
SELECT ancestor_key AS a, descendant_key AS b FROM node_paths
UNION
SELECT descendant_key, ancestor_key FROM node_paths;

-- statement: overlapped
CREATE TEMP TABLE overlapped AS
SELECT DISTINCT r.whole_key, r.part_key
FROM ranked_parts r
JOIN ranked_parts better ON better.whole_key = r.whole_key AND better.rank < r.rank
                        AND better.period_start <= r.period_end AND r.period_start <= better.period_end
JOIN nested ns ON ns.a = better.side_key AND ns.b = r.side_key
JOIN nested nc ON nc.a = better.category_key AND nc.b = r.category_key;

-- statement: quantity_links
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
