-- Part/whole reconciliation, set-based, after reconcile.sql: which quantity is part of which,
-- the checks of every such relation and of sums of parts, the findings, the implied bounds.
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

-- 1. Containment: same metric in an additive unit; side, category and period equal to or inside the
--    whole's; the same subject, or a whole without subject.
--    Candidate wholes come from the part's ancestors in each hierarchy and the distinct periods that
--    enclose its period, then are looked up by key: the work grows with the number of quantities, not
--    with their square.
CREATE TEMP TABLE period_paths AS
WITH periods AS (SELECT DISTINCT period_start, period_end FROM quantities)
SELECT i.period_start AS part_start, i.period_end AS part_end, o.period_start AS whole_start, o.period_end AS whole_end
FROM periods i JOIN periods o ON o.period_start <= i.period_start AND i.period_end <= o.period_end;

INSERT INTO quantity_parts
SELECT w.quantity_id, p.quantity_id,
       list_filter([CASE WHEN p.side <> w.side THEN 'side' END,
                    CASE WHEN p.category <> w.category THEN 'category' END,
                    CASE WHEN p.subject IS DISTINCT FROM w.subject THEN 'subject' END,
                    CASE WHEN p.period_start <> w.period_start OR p.period_end <> w.period_end THEN 'period' END],
                   x -> x IS NOT NULL),
       false, false
FROM quantities p
JOIN units u ON u.unit = p.unit AND u.additive
JOIN taxonomy_paths sp ON sp.dimension = 'side' AND sp.descendant_id = p.side
JOIN taxonomy_paths cp ON cp.dimension = 'category' AND cp.descendant_id = p.category
JOIN period_paths pp ON pp.part_start = p.period_start AND pp.part_end = p.period_end
JOIN quantities w ON w.metric = p.metric AND w.side = sp.ancestor_id AND w.category = cp.ancestor_id
                 AND w.period_start = pp.whole_start AND w.period_end = pp.whole_end
WHERE w.quantity_id <> p.quantity_id
  AND (w.subject IS NULL OR w.subject = p.subject)
ORDER BY 1, 2;
DROP TABLE period_paths;

-- 2. Maximal parts: no other part of the same whole contains them.
UPDATE quantity_parts SET maximal = true
WHERE NOT EXISTS (
    SELECT 1
    FROM quantity_parts outer_part
    JOIN quantity_parts inner_part ON inner_part.whole_quantity_id = outer_part.part_quantity_id
    WHERE outer_part.whole_quantity_id = quantity_parts.whole_quantity_id
      AND inner_part.part_quantity_id = quantity_parts.part_quantity_id
);

-- 3. Summed parts: maximal parts that do not overlap a better-ranked maximal part of the same whole.
--    Two quantities overlap when their periods meet and their sides and categories are nested.
CREATE TEMP TABLE ranked_parts AS
SELECT qp.whole_quantity_id, q.*,
       row_number() OVER (PARTITION BY qp.whole_quantity_id
                          ORDER BY date_diff('day', q.period_start, q.period_end) DESC, s.depth, c.depth,
                                   q.chosen_low DESC, q.quantity_id) AS rank
FROM quantity_parts qp
JOIN quantities q ON q.quantity_id = qp.part_quantity_id
JOIN taxonomy s ON s.dimension = 'side' AND s.node_id = q.side
JOIN taxonomy c ON c.dimension = 'category' AND c.node_id = q.category
WHERE qp.maximal;

CREATE TEMP TABLE nested AS
SELECT dimension, ancestor_id AS a, descendant_id AS b FROM taxonomy_paths
UNION
SELECT dimension, descendant_id, ancestor_id FROM taxonomy_paths;

UPDATE quantity_parts SET summed = true
FROM ranked_parts r
WHERE r.whole_quantity_id = quantity_parts.whole_quantity_id AND r.quantity_id = quantity_parts.part_quantity_id
  AND NOT EXISTS (
      SELECT 1 FROM ranked_parts better
      JOIN nested ns ON ns.dimension = 'side' AND ns.a = better.side
      JOIN nested nc ON nc.dimension = 'category' AND nc.a = better.category
      WHERE better.whole_quantity_id = r.whole_quantity_id AND better.rank < r.rank
        AND ns.b = r.side AND nc.b = r.category
        AND better.period_start <= r.period_end AND r.period_start <= better.period_end
  );

-- 4. Per whole: the sums of its summed parts, and whether they cover it completely.
CREATE TEMP TABLE part_sums AS
WITH children AS (
    SELECT dimension, parent_id, list_sort(list(node_id)) AS ids FROM taxonomy
    WHERE parent_id IS NOT NULL GROUP BY ALL
)
SELECT w.quantity_id AS whole_quantity_id,
       count(*) AS n_parts,
       list(p.quantity_id ORDER BY p.period_start, p.quantity_id) AS part_ids,
       sum(p.chosen_low) AS sum_chosen_low,
       sum(p.widest_low) AS sum_widest_low,
       CASE WHEN count(p.chosen_high) = count(*) THEN sum(p.chosen_high) END AS sum_chosen_high,
       CASE WHEN count(p.widest_high) = count(*) THEN sum(p.widest_high) END AS sum_widest_high,
       string_agg(concat_ws(', ',
                      CASE WHEN p.side <> w.side THEN p.side END,
                      CASE WHEN p.category <> w.category THEN p.category END,
                      CASE WHEN p.subject IS DISTINCT FROM w.subject THEN p.subject END,
                      CASE WHEN p.period_start <> w.period_start OR p.period_end <> w.period_end
                           THEN claimrec_period(p.period_start, p.period_end) END)
                  || ': ' || claimrec_interval(p.chosen_low, p.chosen_high)
                  || CASE WHEN p.status = 'contradicted' THEN ' (widest: its claims disagree)' ELSE '' END, '; '
                  ORDER BY p.period_start, p.quantity_id) AS parts_text,
       bool_and(p.subject IS NOT DISTINCT FROM w.subject) AND (
       (bool_and(p.side = w.side AND p.category = w.category)
            AND sum(date_diff('day', p.period_start, p.period_end) + 1)
                = date_diff('day', w.period_start, w.period_end) + 1
            AND min(p.period_start) = w.period_start AND max(p.period_end) = w.period_end)
       OR (bool_and(p.category = w.category AND p.period_start = w.period_start AND p.period_end = w.period_end)
            AND list_sort(list(p.side)) = any_value(cs.ids))
       OR (bool_and(p.side = w.side AND p.period_start = w.period_start AND p.period_end = w.period_end)
            AND list_sort(list(p.category)) = any_value(cc.ids))) AS covers
FROM quantity_parts qp
JOIN quantities w ON w.quantity_id = qp.whole_quantity_id
JOIN quantities p ON p.quantity_id = qp.part_quantity_id
LEFT JOIN children cs ON cs.dimension = 'side' AND cs.parent_id = w.side
LEFT JOIN children cc ON cc.dimension = 'category' AND cc.parent_id = w.category
WHERE qp.summed
GROUP BY w.quantity_id, w.side, w.category, w.subject, w.period_start, w.period_end;

-- Claimed bounds per quantity, for the claim-level part/whole comparison.
CREATE TEMP TABLE claimed AS
SELECT quantity_id, max(low) AS max_low, min(high) AS min_high FROM claims GROUP BY quantity_id;

-- 5. Checks.
INSERT INTO checks
SELECT 'C' || substr(md5('part_whole|' || qp.whole_quantity_id || '|' || qp.part_quantity_id), 1, 12),
       'part_whole', qp.whole_quantity_id, [qp.part_quantity_id],
       pc.max_low, wc.min_high, pc.max_low - wc.min_high,
       CASE WHEN pc.max_low > wc.min_high THEN 'contradiction' ELSE 'consistent' END,
       CASE WHEN pc.max_low <= wc.min_high OR wc.min_high IS NULL THEN NULL
            WHEN p.widest_low > w.widest_high THEN 'definite' ELSE 'possible' END,
       p.label || ' (' || claimrec_interval(p.widest_low, p.widest_high) || ') is part of ' || w.label || ' ('
           || claimrec_interval(w.widest_low, w.widest_high) || ')'
           || CASE WHEN pc.max_low > wc.min_high THEN ': a claim on the part is above a claim on the whole, by '
                        || claimrec_number(pc.max_low - wc.min_high) || '.'
                   ELSE ': no claim on the part is above a claim on the whole.' END
FROM quantity_parts qp
JOIN quantities p ON p.quantity_id = qp.part_quantity_id
JOIN quantities w ON w.quantity_id = qp.whole_quantity_id
JOIN claimed pc ON pc.quantity_id = p.quantity_id
JOIN claimed wc ON wc.quantity_id = w.quantity_id
ORDER BY 1;

INSERT INTO checks
SELECT 'C' || substr(md5('parts_sum|' || s.whole_quantity_id), 1, 12),
       'parts_sum', s.whole_quantity_id, s.part_ids,
       s.sum_chosen_low, w.chosen_high, s.sum_chosen_low - w.chosen_high,
       CASE WHEN s.sum_chosen_low > w.chosen_high THEN 'contradiction' ELSE 'consistent' END,
       CASE WHEN s.sum_chosen_low <= w.chosen_high OR w.chosen_high IS NULL THEN NULL
            WHEN s.sum_widest_low > w.widest_high THEN 'definite' ELSE 'possible' END,
       'The parts of ' || w.label
           || CASE WHEN w.status = 'contradicted' THEN ' (counted with its widest bounds: its claims disagree)'
                   ELSE '' END
           || ' (' || s.parts_text || ') add up to at least '
           || claimrec_number(s.sum_chosen_low)
           || CASE WHEN w.chosen_high IS NULL THEN ', and the whole has no upper bound.'
                   WHEN s.sum_chosen_low > w.chosen_high THEN ', more than the ' || claimrec_number(w.chosen_high)
                        || ' the whole allows, by ' || claimrec_number(s.sum_chosen_low - w.chosen_high) || '.'
                   WHEN s.sum_chosen_low = w.chosen_high THEN ', exactly the ' || claimrec_number(w.chosen_high)
                        || ' the whole allows.'
                   ELSE ', within the ' || claimrec_number(w.chosen_high) || ' the whole allows (margin '
                        || claimrec_number(w.chosen_high - s.sum_chosen_low) || ').' END
FROM part_sums s JOIN quantities w ON w.quantity_id = s.whole_quantity_id
WHERE s.n_parts >= 2
ORDER BY 1;

INSERT INTO checks
SELECT 'C' || substr(md5('cover_sum|' || s.whole_quantity_id), 1, 12),
       'cover_sum', s.whole_quantity_id, s.part_ids,
       w.chosen_low, s.sum_chosen_high, w.chosen_low - s.sum_chosen_high,
       CASE WHEN w.chosen_low > s.sum_chosen_high THEN 'contradiction' ELSE 'consistent' END,
       CASE WHEN w.chosen_low <= s.sum_chosen_high OR s.sum_chosen_high IS NULL THEN NULL
            WHEN w.widest_low > s.sum_widest_high THEN 'definite' ELSE 'possible' END,
       'The parts of ' || w.label
           || CASE WHEN w.status = 'contradicted' THEN ' (counted with its widest bounds: its claims disagree)'
                   ELSE '' END
           || ' cover it completely (' || s.parts_text || ') and add up to '
           || CASE WHEN s.sum_chosen_high IS NULL THEN 'no upper bound, so they allow any whole.'
                   ELSE 'at most ' || claimrec_number(s.sum_chosen_high)
                        || CASE WHEN w.chosen_low > s.sum_chosen_high THEN ', less than the '
                                     || claimrec_number(w.chosen_low) || ' stated for the whole, by '
                                     || claimrec_number(w.chosen_low - s.sum_chosen_high) || '.'
                                WHEN w.chosen_low = s.sum_chosen_high THEN ', exactly the '
                                     || claimrec_number(w.chosen_low) || ' stated for the whole.'
                                ELSE ', enough for the ' || claimrec_number(w.chosen_low)
                                     || ' stated for the whole (margin '
                                     || claimrec_number(s.sum_chosen_high - w.chosen_low) || ').' END END
FROM part_sums s JOIN quantities w ON w.quantity_id = s.whole_quantity_id
WHERE s.covers
ORDER BY 1;

-- 6. Findings. part_exceeds_whole: one per pair of claims (whole claim first) that clash, looked for only
--    in the part/whole pairs whose check failed.
INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('part_exceeds_whole|' || wc.claim_id || '|' || pc.claim_id), 1, 12) AS finding_id,
       'part_exceeds_whole' AS kind,
       x.whole_quantity_id AS quantity_id,
       [wc.claim_id, pc.claim_id] AS claim_ids,
       [wc.source_id, pc.source_id] AS source_ids,
       wc.source_id = pc.source_id AS same_source,
       CASE WHEN p.widest_low > w.widest_high THEN 'definite' ELSE 'possible' END AS certainty,
       [x.part_quantity_id] AS part_quantity_ids,
       pc.low AS low_bound,
       wc.high AS high_bound,
       pc.low - wc.high AS margin,
       sp.name || ' gives ' || claimrec_figure(pc.qualifier, pc.value, pc.stated_low, pc.stated_high) || ' for '
           || p.label || ', which exceeds '
           || CASE WHEN wc.source_id = pc.source_id THEN 'its own '
                   ELSE sw.name || '''s ' END
           || claimrec_figure(wc.qualifier, wc.value, wc.stated_low, wc.stated_high) || ' for the whole, '
           || w.label || ', by ' || claimrec_number(pc.low - wc.high) || '.' AS message
FROM (SELECT whole_quantity_id, part_quantity_ids[1] AS part_quantity_id, high_bound
      FROM checks WHERE kind = 'part_whole' AND outcome = 'contradiction') x
JOIN quantities p ON p.quantity_id = x.part_quantity_id
JOIN quantities w ON w.quantity_id = x.whole_quantity_id
JOIN claims pc ON pc.quantity_id = x.part_quantity_id AND pc.low > x.high_bound
JOIN claims wc ON wc.quantity_id = x.whole_quantity_id AND pc.low > wc.high
JOIN sources sp ON sp.source_id = pc.source_id
JOIN sources sw ON sw.source_id = wc.source_id
WHERE p.n_claims * w.n_claims <= 100
ORDER BY finding_id;

--    When part and whole have more claims than that, one finding per pair of quantities names the part's
--    claims above the whole's lowest high and the whole's claims below the part's highest low.
INSERT INTO findings BY NAME
WITH big AS (
    SELECT qp.whole_quantity_id, qp.part_quantity_id, pc.max_low, wc.min_high,
           p.widest_low > w.widest_high AS definite, p.label AS part_label, w.label AS whole_label
    FROM quantity_parts qp
    JOIN quantities p ON p.quantity_id = qp.part_quantity_id
    JOIN quantities w ON w.quantity_id = qp.whole_quantity_id
    JOIN claimed pc ON pc.quantity_id = qp.part_quantity_id
    JOIN claimed wc ON wc.quantity_id = qp.whole_quantity_id
    WHERE p.n_claims * w.n_claims > 100 AND pc.max_low > wc.min_high
), involved AS (
    SELECT big.*, false AS is_part, c.claim_id, c.source_id, c.low
    FROM big JOIN claims c ON c.quantity_id = big.whole_quantity_id AND c.high < big.max_low
    UNION ALL
    SELECT big.*, true AS is_part, c.claim_id, c.source_id, c.low
    FROM big JOIN claims c ON c.quantity_id = big.part_quantity_id AND c.low > big.min_high
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

-- parts_exceed_whole and whole_exceeds_parts: one per failed sum check, naming every claim involved.
INSERT INTO findings BY NAME
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
FROM (
    SELECT *, whole_quantity_id AS member FROM checks
    UNION ALL
    SELECT *, unnest(part_quantity_ids) AS member FROM checks
) c
JOIN claims cl ON cl.quantity_id = c.member
WHERE c.kind IN ('parts_sum', 'cover_sum') AND c.outcome = 'contradiction'
GROUP BY c.kind, c.whole_quantity_id
ORDER BY finding_id;

-- Cumulative series: one source's claims on one quantity stated as of successive dates. Each claim is
-- compared with the one before it; a fall (its high below the earlier low) with no `revision` is a finding.
CREATE TEMP TABLE series AS
SELECT c.*, lag(c.claim_id) OVER w AS prev_id, lag(c.low) OVER w AS prev_low, lag(c.as_of) OVER w AS prev_as_of,
       lag(claimrec_figure(c.qualifier, c.value, c.stated_low, c.stated_high)) OVER w AS prev_figure
FROM claims c
WHERE c.as_of IS NOT NULL
WINDOW w AS (PARTITION BY c.source_id, c.quantity_id ORDER BY c.as_of, c.claim_id);

INSERT INTO checks
SELECT 'C' || substr(md5('cumulative|' || s.prev_id || '|' || s.claim_id), 1, 12),
       'cumulative', s.quantity_id, [],
       s.prev_low, s.high, s.prev_low - s.high,
       CASE WHEN s.prev_low > s.high AND s.revision IS NULL THEN 'contradiction' ELSE 'consistent' END,
       CASE WHEN s.prev_low > s.high AND s.revision IS NULL THEN 'definite' END,
       src.name || ' gave ' || s.prev_figure || ' as of ' || s.prev_as_of || ' and '
           || claimrec_figure(s.qualifier, s.value, s.stated_low, s.stated_high) || ' as of ' || s.as_of
           || ' for ' || q.label
           || CASE WHEN s.prev_low > s.high AND s.revision IS NULL
                   THEN ': the cumulative figure fell by ' || claimrec_number(s.prev_low - s.high)
                        || ' with no explanation (a claim''s revision field records one).'
                   WHEN s.prev_low > s.high THEN ': it fell by ' || claimrec_number(s.prev_low - s.high)
                        || ', explained: ' || s.revision
                   ELSE ': it did not fall.' END
FROM series s
JOIN sources src USING (source_id)
JOIN quantities q USING (quantity_id)
WHERE s.prev_id IS NOT NULL
ORDER BY 1;

INSERT INTO findings BY NAME
SELECT 'F' || substr(md5('cumulative_decrease|' || s.prev_id || '|' || s.claim_id), 1, 12) AS finding_id,
       'cumulative_decrease' AS kind, s.quantity_id, [s.prev_id, s.claim_id] AS claim_ids,
       [s.source_id, s.source_id] AS source_ids, true AS same_source, 'definite' AS certainty,
       NULL AS part_quantity_ids, s.prev_low AS low_bound, s.high AS high_bound, s.prev_low - s.high AS margin,
       c.message
FROM series s
JOIN checks c ON c.check_id = 'C' || substr(md5('cumulative|' || s.prev_id || '|' || s.claim_id), 1, 12)
WHERE c.outcome = 'contradiction'
ORDER BY finding_id;

-- 7. Implied bounds.
UPDATE quantities SET implied_low = b.implied_low, implied_high = b.implied_high
FROM (
    SELECT q.quantity_id,
           greatest(s.sum_chosen_low, pl.max_part_low) AS implied_low,
           least(CASE WHEN s.covers THEN s.sum_chosen_high END, wh.min_whole_high) AS implied_high
    FROM quantities q
    LEFT JOIN part_sums s ON s.whole_quantity_id = q.quantity_id
    LEFT JOIN (SELECT qp.whole_quantity_id, max(p.chosen_low) AS max_part_low
               FROM quantity_parts qp JOIN quantities p ON p.quantity_id = qp.part_quantity_id
               GROUP BY 1) pl ON pl.whole_quantity_id = q.quantity_id
    LEFT JOIN (SELECT qp.part_quantity_id, min(w.chosen_high) AS min_whole_high
               FROM quantity_parts qp JOIN quantities w ON w.quantity_id = qp.whole_quantity_id
               GROUP BY 1) wh ON wh.part_quantity_id = q.quantity_id
) b
WHERE quantities.quantity_id = b.quantity_id;

DROP TABLE ranked_parts;
DROP TABLE nested;
DROP TABLE part_sums;
DROP TABLE claimed;
DROP TABLE series;
