-- Check: part_exceeds_whole
-- Establishes which claims on a part are above a claim on a quantity that contains it. Definite when the
-- part's widest low is above the whole's widest high (whichever claims are believed), possible otherwise.
--
-- Reads: quantity_links (containment), q (quantities). Looks only at the part/whole pairs where a claim on
-- the part is above a claim on the whole. When part and whole have at most `claim_pairs_max` claim pairs, one
-- finding per pair of claims that clash (whole claim first); when they have more, one finding per pair of
-- quantities naming the part's claims above the whole's lowest high and the whole's claims below the part's
-- highest low.

-- statement: clashing_pairs
CREATE TEMP TABLE clashing_pairs AS
SELECT w.quantity_id AS whole_quantity_id, p.quantity_id AS part_quantity_id, w.quantity_code AS whole_code,
       p.quantity_code AS part_code, p.highest_low AS max_low,
       w.lowest_high AS min_high, p.widest_low > w.widest_high AS definite, p.label AS part_label,
       w.label AS whole_label, p.n_claims * w.n_claims > getvariable('claim_pairs_max') AS big
FROM quantity_links l
JOIN q p ON p.quantity_key = l.part_key
JOIN q w ON w.quantity_key = l.whole_key
WHERE p.highest_low > w.lowest_high;

-- statement: clash_claims
-- The claims of both quantities of every clash. A join on all claims would read every column it needs of all
-- of them; here only their quantity codes are read, and the few claims involved are then fetched by row.
CREATE TEMP TABLE clash_claims AS
SELECT * FROM claims
WHERE rowid IN (
    SELECT c.rowid FROM claims c
    SEMI JOIN (SELECT part_code AS code FROM clashing_pairs
               UNION SELECT whole_code FROM clashing_pairs) k ON k.code = c.quantity_code
);

-- statement: claim_pairs
INSERT INTO findings BY NAME
SELECT claimrec_id('F', 'part_exceeds_whole|' || wc.claim_id || '|' || pc.claim_id) AS finding_id,
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
JOIN clash_claims pc ON pc.quantity_code = x.part_code AND pc.low > x.min_high
JOIN clash_claims wc ON wc.quantity_code = x.whole_code AND pc.low > wc.high
JOIN sources sp ON sp.source_id = pc.source_id
JOIN sources sw ON sw.source_id = wc.source_id
WHERE NOT x.big
ORDER BY finding_id;

-- statement: quantity_pairs
INSERT INTO findings BY NAME
WITH involved AS (
    SELECT x.* EXCLUDE (whole_code, part_code), false AS is_part, c.claim_id, c.source_id, c.low
    FROM clashing_pairs x JOIN clash_claims c ON c.quantity_code = x.whole_code AND c.high < x.max_low
    WHERE x.big
    UNION ALL
    SELECT x.* EXCLUDE (whole_code, part_code), true AS is_part, c.claim_id, c.source_id, c.low
    FROM clashing_pairs x JOIN clash_claims c ON c.quantity_code = x.part_code AND c.low > x.min_high
    WHERE x.big
)
SELECT claimrec_id('F', 'part_exceeds_whole|' || whole_quantity_id || '|' || part_quantity_id) AS finding_id,
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
