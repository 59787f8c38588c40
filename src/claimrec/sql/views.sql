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
COMMENT ON COLUMN findings_with_quotes.kind IS 'Kind of finding';
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
