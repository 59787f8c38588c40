-- Check: implied_bounds
-- Establishes the bounds that parts and wholes imply for each quantity: at least the sum of its summed parts'
-- chosen lows and at least any part's chosen low; at most the sum of the chosen highs of parts that cover it
-- and at most any whole's chosen high. Written into quantities.implied_low / implied_high.
--
-- Reads: part_sums, quantity_links, q.

-- statement: implied_bounds
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
