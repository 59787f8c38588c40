-- Views for the common questions, so that analysts can answer them with plain SQL.

CREATE VIEW contested_quantities AS
SELECT q.quantity_id, q.label, q.unit, q.n_claims, q.n_sources, q.status,
       claimrec_interval(q.widest_low, q.widest_high) AS widest,
       claimrec_interval(q.implied_low, q.implied_high) AS implied,
       count(f.finding_id) AS n_findings,
       list(DISTINCT f.kind ORDER BY f.kind) AS kinds
FROM quantities q
JOIN findings f USING (quantity_id)
GROUP BY ALL;
COMMENT ON VIEW contested_quantities IS 'Quantities that have at least one finding (as the quantity, or as the whole of a part/whole finding), with their bounds';
COMMENT ON COLUMN contested_quantities.quantity_id IS 'The quantity (quantities.quantity_id)';
COMMENT ON COLUMN contested_quantities.label IS 'The quantity in words';
COMMENT ON COLUMN contested_quantities.unit IS 'Unit of its figures';
COMMENT ON COLUMN contested_quantities.n_claims IS 'Claims about it';
COMMENT ON COLUMN contested_quantities.n_sources IS 'Distinct sources of those claims';
COMMENT ON COLUMN contested_quantities.status IS 'single, agreed or contradicted (among its own claims)';
COMMENT ON COLUMN contested_quantities.widest IS 'Lowest to highest value any of its claims allows';
COMMENT ON COLUMN contested_quantities.implied IS 'Range its parts and wholes allow';
COMMENT ON COLUMN contested_quantities.n_findings IS 'Findings about it';
COMMENT ON COLUMN contested_quantities.kinds IS 'Their kinds';

CREATE VIEW findings_with_quotes AS
SELECT f.finding_id, f.kind, f.certainty, f.same_source, f.margin, f.message,
       c.claim_id, s.name AS source, s.type AS source_type,
       claimrec_figure(c.qualifier, c.value, c.stated_low, c.stated_high) AS figure,
       c.quantity_id, c.quote, c.file, c.line
FROM findings f, unnest(f.claim_ids) AS u(claim_id)
JOIN claims c ON c.claim_id = u.claim_id
JOIN sources s ON s.source_id = c.source_id;
COMMENT ON VIEW findings_with_quotes IS 'One row per claim of each finding, with its source, figure and quote';
COMMENT ON COLUMN findings_with_quotes.finding_id IS 'The finding (findings.finding_id)';
COMMENT ON COLUMN findings_with_quotes.kind IS 'Kind of finding (finding_kinds.kind)';
COMMENT ON COLUMN findings_with_quotes.certainty IS 'definite or possible';
COMMENT ON COLUMN findings_with_quotes.same_source IS 'True when one source contradicts itself';
COMMENT ON COLUMN findings_with_quotes.margin IS 'How far apart the figures are';
COMMENT ON COLUMN findings_with_quotes.message IS 'The finding in one sentence';
COMMENT ON COLUMN findings_with_quotes.claim_id IS 'One claim involved';
COMMENT ON COLUMN findings_with_quotes.source IS 'Name of its source';
COMMENT ON COLUMN findings_with_quotes.source_type IS 'Kind of source';
COMMENT ON COLUMN findings_with_quotes.figure IS 'The claim''s figure as worded';
COMMENT ON COLUMN findings_with_quotes.quantity_id IS 'The quantity the claim is about';
COMMENT ON COLUMN findings_with_quotes.quote IS 'The exact words of the document';
COMMENT ON COLUMN findings_with_quotes.file IS 'Claim file';
COMMENT ON COLUMN findings_with_quotes.line IS 'Line of the claim in its file';

CREATE VIEW quantity_bounds AS
SELECT quantity_id, label, unit, n_claims, n_sources, status,
       widest_low, widest_high, consensus_low, consensus_high, implied_low, implied_high,
       claimrec_interval(widest_low, widest_high) AS widest,
       CASE WHEN consensus_low IS NULL THEN NULL ELSE claimrec_interval(consensus_low, consensus_high) END AS consensus
FROM quantities;
COMMENT ON VIEW quantity_bounds IS 'Stated and implied bounds of every quantity, as numbers and in words';
COMMENT ON COLUMN quantity_bounds.quantity_id IS 'The quantity (quantities.quantity_id)';
COMMENT ON COLUMN quantity_bounds.label IS 'The quantity in words';
COMMENT ON COLUMN quantity_bounds.unit IS 'Unit of its figures';
COMMENT ON COLUMN quantity_bounds.n_claims IS 'Claims about it';
COMMENT ON COLUMN quantity_bounds.n_sources IS 'Distinct sources of those claims';
COMMENT ON COLUMN quantity_bounds.status IS 'single, agreed or contradicted';
COMMENT ON COLUMN quantity_bounds.widest_low IS 'Lowest value any claim allows';
COMMENT ON COLUMN quantity_bounds.widest_high IS 'Highest value any claim allows; NULL = no limit';
COMMENT ON COLUMN quantity_bounds.consensus_low IS 'Low end of the range every claim allows; NULL when they do not all meet';
COMMENT ON COLUMN quantity_bounds.consensus_high IS 'High end of that range; NULL = no limit or no consensus';
COMMENT ON COLUMN quantity_bounds.implied_low IS 'Lowest value its parts allow';
COMMENT ON COLUMN quantity_bounds.implied_high IS 'Highest value its parts and wholes allow';
COMMENT ON COLUMN quantity_bounds.widest IS 'The widest bounds in words';
COMMENT ON COLUMN quantity_bounds.consensus IS 'The consensus bounds in words';

CREATE VIEW claims_per_source AS
SELECT s.source_id, s.name, s.type, s.affiliation,
       count(c.claim_id) AS n_claims,
       count(DISTINCT c.quantity_id) AS n_quantities,
       (SELECT count(DISTINCT f.finding_id) FROM findings f WHERE list_contains(f.source_ids, s.source_id))
           AS n_findings
FROM sources s
LEFT JOIN claims c USING (source_id)
GROUP BY ALL;
COMMENT ON VIEW claims_per_source IS 'Every source with how many claims it makes and how many findings involve it';
COMMENT ON COLUMN claims_per_source.source_id IS 'The source (sources.source_id)';
COMMENT ON COLUMN claims_per_source.name IS 'Its name';
COMMENT ON COLUMN claims_per_source.type IS 'Kind of source';
COMMENT ON COLUMN claims_per_source.affiliation IS 'The side it belongs to or speaks for; NULL when not partisan';
COMMENT ON COLUMN claims_per_source.n_claims IS 'Claims attributed to it';
COMMENT ON COLUMN claims_per_source.n_quantities IS 'Distinct quantities those claims are about';
COMMENT ON COLUMN claims_per_source.n_findings IS 'Findings that involve at least one of its claims';

CREATE VIEW quantity_parts AS
SELECT w.quantity_id AS whole_quantity_id, p.quantity_id AS part_quantity_id,
       list_filter([CASE WHEN p.side <> w.side THEN 'side' END,
                    CASE WHEN p.category <> w.category THEN 'category' END,
                    CASE WHEN p.subject IS DISTINCT FROM w.subject THEN 'subject' END,
                    CASE WHEN p.period_start <> w.period_start OR p.period_end <> w.period_end THEN 'period' END],
                   x -> x IS NOT NULL) AS differs_in,
       l.maximal, l.summed
FROM quantity_links l
JOIN quantities w ON w.quantity_key = l.whole_key
JOIN quantities p ON p.quantity_key = l.part_key;
COMMENT ON VIEW quantity_parts IS 'Every pair of quantities where one is part of the other (quantity_links by quantity id): same metric (in an additive unit), and side, category, subject and period each equal to or inside the whole''s';
COMMENT ON COLUMN quantity_parts.whole_quantity_id IS 'The enclosing quantity (quantities.quantity_id)';
COMMENT ON COLUMN quantity_parts.part_quantity_id IS 'The quantity inside it';
COMMENT ON COLUMN quantity_parts.differs_in IS 'Which of side, category, subject and period are narrower in the part';
COMMENT ON COLUMN quantity_parts.maximal IS 'True when no other part of the same whole contains this part';
COMMENT ON COLUMN quantity_parts.summed IS 'True when the part is among the disjoint maximal parts whose bounds are added up for the whole (parts_sum and cover_sum checks)';

-- Every relation evaluated: one part/whole check per row of quantity_links, the sum checks of part_sums and
-- the cumulative checks of series_checks. `check_outcomes` gives their numbers and outcomes by key, without
-- words: counting or filtering it reads only the stored tables and the quantities' bounds. `checks` adds
-- the ids of the quantities and a sentence for each, worded when it is read. The relations are gathered by
-- key alone (`r`) before their bounds are read: DuckDB leaves out unused columns above a UNION ALL, not
-- inside it.
CREATE VIEW check_outcomes AS
SELECT CASE kind WHEN 'cumulative' THEN series_check_id
                 WHEN 'part_whole' THEN claimrec_id('C', 'part_whole|' || whole_quantity_id || '|' || part_quantity_id)
                 ELSE claimrec_id('C', kind || '|' || whole_quantity_id) END AS check_id,
       kind, whole_key, part_key, whole_quantity_id, low_bound, high_bound, low_bound - high_bound AS margin,
       CASE WHEN kind = 'cumulative' THEN series_outcome
            WHEN low_bound > high_bound THEN 'contradiction' ELSE 'consistent' END AS outcome,
       CASE WHEN kind = 'cumulative' THEN series_certainty
            WHEN low_bound <= high_bound OR high_bound IS NULL THEN NULL
            WHEN widest_low_bound > widest_high_bound THEN 'definite' ELSE 'possible' END AS certainty
FROM (
    SELECT r.kind, r.whole_key, r.part_key, w.quantity_id AS whole_quantity_id, p.quantity_id AS part_quantity_id,
           CASE r.kind WHEN 'part_whole' THEN p.highest_low WHEN 'parts_sum' THEN r.sum_low
                       WHEN 'cover_sum' THEN w.chosen_low ELSE r.series_low END AS low_bound,
           CASE r.kind WHEN 'part_whole' THEN w.lowest_high WHEN 'parts_sum' THEN w.chosen_high
                       WHEN 'cover_sum' THEN r.sum_high ELSE r.series_high END AS high_bound,
           CASE r.kind WHEN 'part_whole' THEN p.widest_low WHEN 'parts_sum' THEN r.sum_widest_low
                       WHEN 'cover_sum' THEN w.widest_low END AS widest_low_bound,
           CASE r.kind WHEN 'part_whole' THEN w.widest_high WHEN 'parts_sum' THEN w.widest_high
                       WHEN 'cover_sum' THEN r.sum_widest_high END AS widest_high_bound,
           r.series_check_id, r.series_outcome, r.series_certainty
    FROM (
        SELECT 'part_whole' AS kind, whole_key, part_key, NULL::DOUBLE AS sum_low, NULL::DOUBLE AS sum_high,
               NULL::DOUBLE AS sum_widest_low, NULL::DOUBLE AS sum_widest_high, NULL::VARCHAR AS series_check_id,
               NULL::DOUBLE AS series_low, NULL::DOUBLE AS series_high, NULL::VARCHAR AS series_outcome,
               NULL::VARCHAR AS series_certainty
        FROM quantity_links
        UNION ALL
        SELECT 'parts_sum', whole_key, NULL, sum_chosen_low, sum_chosen_high, sum_widest_low, sum_widest_high,
               NULL, NULL, NULL, NULL, NULL
        FROM part_sums WHERE n_parts >= 2
        UNION ALL
        SELECT 'cover_sum', whole_key, NULL, sum_chosen_low, sum_chosen_high, sum_widest_low, sum_widest_high,
               NULL, NULL, NULL, NULL, NULL
        FROM part_sums WHERE covers
        UNION ALL
        SELECT 'cumulative', quantity_key, NULL, NULL, NULL, NULL, NULL, check_id, low_bound, high_bound, outcome,
               certainty
        FROM series_checks
    ) r
    JOIN quantities w ON w.quantity_key = r.whole_key
    LEFT JOIN quantities p ON p.quantity_key = r.part_key
);
COMMENT ON VIEW check_outcomes IS 'Every part/whole and sum relation evaluated, by key, with its bounds and outcome but no words: the quick way to count or filter checks (the checks view words them)';
COMMENT ON COLUMN check_outcomes.check_id IS 'Stable id of the check (checks.check_id)';
COMMENT ON COLUMN check_outcomes.kind IS 'Kind of check (check_kinds.kind, which describes each)';
COMMENT ON COLUMN check_outcomes.whole_key IS 'The whole, or for cumulative checks the quantity of the series (quantities.quantity_key)';
COMMENT ON COLUMN check_outcomes.part_key IS 'For part_whole checks, the part (quantities.quantity_key); NULL for the other kinds';
COMMENT ON COLUMN check_outcomes.whole_quantity_id IS 'The whole (quantities.quantity_id)';
COMMENT ON COLUMN check_outcomes.low_bound IS 'As checks.low_bound';
COMMENT ON COLUMN check_outcomes.high_bound IS 'As checks.high_bound';
COMMENT ON COLUMN check_outcomes.margin IS 'low_bound - high_bound: above 0 is a contradiction, 0 or below holds; NULL when there is no limit';
COMMENT ON COLUMN check_outcomes.outcome IS 'consistent or contradiction';
COMMENT ON COLUMN check_outcomes.certainty IS 'For contradictions: definite or possible (see checks.certainty); NULL when consistent';

CREATE VIEW checks AS
SELECT b.check_id, b.kind, b.whole_quantity_id,
       CASE b.kind WHEN 'part_whole' THEN [p.quantity_id]
                   WHEN 'cumulative' THEN []::VARCHAR[]
                   ELSE (SELECT list(p.quantity_id ORDER BY p.period_start, p.quantity_id)
                         FROM quantity_links l JOIN quantities p ON p.quantity_key = l.part_key
                         WHERE l.whole_key = b.whole_key AND l.summed) END AS part_quantity_ids,
       b.low_bound, b.high_bound, b.margin, b.outcome, b.certainty,
       CASE b.kind
           WHEN 'cumulative' THEN s.message
           WHEN 'part_whole' THEN
               p.label || ' (' || claimrec_interval(p.widest_low, p.widest_high) || ') is part of '
               || w.label || ' (' || claimrec_interval(w.widest_low, w.widest_high) || ')'
               || CASE WHEN b.low_bound > b.high_bound
                       THEN ': a claim on the part is above a claim on the whole, by '
                            || claimrec_number(b.low_bound - b.high_bound) || '.'
                       ELSE ': no claim on the part is above a claim on the whole.' END
           ELSE 'The parts of ' || w.label
               || CASE WHEN w.status = 'contradicted'
                       THEN ' (counted with its widest bounds: its claims disagree)' ELSE '' END
               || CASE WHEN b.kind = 'parts_sum' THEN ' (' ELSE ' cover it completely (' END
               || (SELECT string_agg(
                          concat_ws(', ',
                              CASE WHEN p.side <> w.side THEN p.side END,
                              CASE WHEN p.category <> w.category THEN p.category END,
                              CASE WHEN p.subject IS DISTINCT FROM w.subject THEN p.subject END,
                              CASE WHEN p.period_start <> w.period_start OR p.period_end <> w.period_end
                                   THEN claimrec_period(p.period_start, p.period_end) END)
                          || ': ' || claimrec_interval(p.chosen_low, p.chosen_high)
                          || CASE WHEN p.status = 'contradicted' THEN ' (widest: its claims disagree)' ELSE '' END,
                          '; ' ORDER BY p.period_start, p.quantity_id)
                   FROM quantity_links l
                   JOIN quantities w ON w.quantity_key = l.whole_key
                   JOIN quantities p ON p.quantity_key = l.part_key
                   WHERE l.whole_key = b.whole_key AND l.summed)
               || CASE WHEN b.kind = 'parts_sum' THEN
                       ') add up to at least ' || claimrec_number(b.low_bound)
                       || CASE WHEN b.high_bound IS NULL THEN ', and the whole has no upper bound.'
                               WHEN b.low_bound > b.high_bound THEN ', more than the ' || claimrec_number(b.high_bound)
                                    || ' the whole allows, by ' || claimrec_number(b.low_bound - b.high_bound) || '.'
                               WHEN b.low_bound = b.high_bound THEN ', exactly the ' || claimrec_number(b.high_bound)
                                    || ' the whole allows.'
                               ELSE ', within the ' || claimrec_number(b.high_bound) || ' the whole allows (margin '
                                    || claimrec_number(b.high_bound - b.low_bound) || ').' END
                  ELSE ') and add up to '
                       || CASE WHEN b.high_bound IS NULL THEN 'no upper bound, so they allow any whole.'
                               ELSE 'at most ' || claimrec_number(b.high_bound)
                                    || CASE WHEN b.low_bound > b.high_bound THEN ', less than the '
                                                 || claimrec_number(b.low_bound) || ' stated for the whole, by '
                                                 || claimrec_number(b.low_bound - b.high_bound) || '.'
                                            WHEN b.low_bound = b.high_bound THEN ', exactly the '
                                                 || claimrec_number(b.low_bound) || ' stated for the whole.'
                                            ELSE ', enough for the ' || claimrec_number(b.low_bound)
                                                 || ' stated for the whole (margin '
                                                 || claimrec_number(b.high_bound - b.low_bound) || ').' END END END
       END AS message
FROM check_outcomes b
JOIN quantities w ON w.quantity_key = b.whole_key
LEFT JOIN quantities p ON p.quantity_key = b.part_key
LEFT JOIN series_checks s ON b.kind = 'cumulative' AND s.check_id = b.check_id;
COMMENT ON VIEW checks IS 'Every part/whole and sum relation evaluated, whether it holds or not, worded when read';
COMMENT ON COLUMN checks.check_id IS 'Stable id of the check';
COMMENT ON COLUMN checks.kind IS 'Kind of check (check_kinds.kind, which describes each)';
COMMENT ON COLUMN checks.whole_quantity_id IS 'The whole (quantities.quantity_id); for cumulative checks, the quantity of the series';
COMMENT ON COLUMN checks.part_quantity_ids IS 'The parts compared with it (empty for cumulative checks)';
COMMENT ON COLUMN checks.low_bound IS 'What must not be above high_bound: the highest claimed low of the part (part_whole), the sum of the parts'' chosen lows (parts_sum), the whole''s chosen low (cover_sum)';
COMMENT ON COLUMN checks.high_bound IS 'The limit: the lowest claimed high of the whole (part_whole), the whole''s chosen high (parts_sum), the sum of the parts'' chosen highs (cover_sum); NULL = no limit';
COMMENT ON COLUMN checks.margin IS 'low_bound - high_bound: above 0 is a contradiction, 0 or below holds; NULL when there is no limit';
COMMENT ON COLUMN checks.outcome IS 'consistent or contradiction';
COMMENT ON COLUMN checks.certainty IS 'For contradictions: definite when it holds whichever claims are believed, possible when it depends on the choice; NULL when consistent';
COMMENT ON COLUMN checks.message IS 'The relation in one plain sentence';
