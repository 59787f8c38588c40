-- Check: part_sums
-- Establishes, for each whole, the sums of its summed parts (parts_sum checks: they add up to no more than
-- the whole) and whether they cover it completely (cover_sum checks: then they add up to no less than it).
-- A part counts with its chosen bounds: the consensus when its claims agree, the widest when not.
--
-- The summed parts cover the whole completely when they tile its period exactly (same side and category) or
-- are exactly the children of its side or of its category (same period).
-- Reads: quantity_links (containment), q and node_keys (quantities). Writes part_sums, one row per whole.

-- statement: part_sums
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
