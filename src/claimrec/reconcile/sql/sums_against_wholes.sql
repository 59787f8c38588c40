-- Check: sums_against_wholes
-- Establishes which sums of parts break their whole: parts_exceed_whole when disjoint parts add up to more
-- than the whole allows (a failed parts_sum check), whole_exceeds_parts when parts that cover the whole
-- completely add up to less than it is stated to be (a failed cover_sum check). One finding per failed sum,
-- naming every claim involved: the whole's claims first, then each summed part's.
--
-- Reads: the `checks` view over part_sums and quantity_links (only the failed sums are worded), q.

-- statement: failed_sums
CREATE TEMP TABLE failed_sums AS
SELECT * FROM checks WHERE kind IN ('parts_sum', 'cover_sum') AND outcome = 'contradiction';

-- statement: sum_claims
-- The claims of every quantity in a failed sum, fetched by row (see part_exceeds_whole's clash_claims).
CREATE TEMP TABLE sum_claims AS
SELECT * FROM claims
WHERE rowid IN (
    SELECT c.rowid FROM claims c
    SEMI JOIN (SELECT DISTINCT q.quantity_code AS code
               FROM (SELECT unnest([whole_quantity_id] || part_quantity_ids) AS member FROM failed_sums) f
               JOIN q ON q.quantity_id = f.member) k ON k.code = c.quantity_code
);

-- statement: findings
INSERT INTO findings BY NAME
WITH members AS (
    SELECT *, whole_quantity_id AS member FROM failed_sums
    UNION ALL
    SELECT *, unnest(part_quantity_ids) AS member FROM failed_sums
)
SELECT claimrec_id('F', c.kind || '|' || c.whole_quantity_id) AS finding_id,
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
JOIN sum_claims cl ON cl.quantity_code = m.quantity_code
GROUP BY c.kind, c.whole_quantity_id
ORDER BY finding_id;
