-- claimrec database schema. Every table and column carries a COMMENT, readable with
--   SELECT table_name, comment FROM duckdb_tables();
--   SELECT table_name, column_name, comment FROM duckdb_columns();
-- The reference and claim tables are rebuilt from claims/ on every run; runs and validations
-- accumulate and are carried over from the previous database file.
-- Tables that grow with the number of claims (claims, quantities, quantity_links, part_sums, series_checks,
-- findings, claim_versions) declare no PRIMARY KEY: keeping an index up to date would double the time to load
-- them. Their keys are unique by construction; the loader refuses duplicate claim ids and the output
-- expectations check the other keys on every run.

CREATE TABLE documents (
    document_id VARCHAR PRIMARY KEY,
    title       VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    origin      VARCHAR NOT NULL,
    licence     VARCHAR NOT NULL,
    language    VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    url         VARCHAR,
    retrieved   DATE,
    revision    VARCHAR,
    published   DATE
);
COMMENT ON TABLE documents IS 'Texts that claims quote from, kept in the repository under claims/documents/';
COMMENT ON COLUMN documents.document_id IS 'Stable id of the document, referenced by claims.document_id';
COMMENT ON COLUMN documents.title IS 'Title of the document';
COMMENT ON COLUMN documents.path IS 'Path of the text file, relative to the claims folder';
COMMENT ON COLUMN documents.origin IS 'Where the text comes from';
COMMENT ON COLUMN documents.licence IS 'Licence under which the text is kept';
COMMENT ON COLUMN documents.language IS 'Language of the text (ISO 639-1 code)';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the text file as read in this run';
COMMENT ON COLUMN documents.url IS 'Web address (http or https) where the document is published; NULL when not given';
COMMENT ON COLUMN documents.retrieved IS 'Date the text was taken from the document; NULL when not given';
COMMENT ON COLUMN documents.revision IS 'Which version of the document the text is (such as a wiki revision id); NULL when not given';
COMMENT ON COLUMN documents.published IS 'Date the document, or the version the text is, was published; NULL when not given';

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    affiliation VARCHAR,
    notes       VARCHAR
);
COMMENT ON TABLE sources IS 'Whoever figures are attributed to: officials of a belligerent, monitors, NGOs, observers, media, encyclopedias';
COMMENT ON COLUMN sources.source_id IS 'Stable id of the source, referenced by claims.source_id';
COMMENT ON COLUMN sources.name IS 'Name of the source as a reader knows it';
COMMENT ON COLUMN sources.type IS 'Kind of source: belligerent_official, ngo, monitor, observer_estimate, media, encyclopedia, scholar, international_org';
COMMENT ON COLUMN sources.affiliation IS 'The side (taxonomy side id) the source belongs to or speaks for; NULL when it is not partisan';
COMMENT ON COLUMN sources.notes IS 'Free notes about the source';

CREATE TABLE units (
    unit        VARCHAR PRIMARY KEY,
    "integer"   BOOLEAN NOT NULL,
    additive    BOOLEAN NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE units IS 'Units in which metrics are counted or measured';
COMMENT ON COLUMN units.unit IS 'Unit id (people, percent, km2, usd, ...)';
COMMENT ON COLUMN units."integer" IS 'True when figures in this unit are whole numbers; their intervals are rounded inwards to whole numbers';
COMMENT ON COLUMN units.additive IS 'True when the figures of disjoint parts add up to the figure of their whole (people, money), so part/whole checks apply; false for shares, distances and durations';
COMMENT ON COLUMN units.description IS 'What the unit is';

CREATE TABLE taxonomy (
    dimension   VARCHAR NOT NULL,
    node_id     VARCHAR NOT NULL,
    parent_id   VARCHAR,
    depth       INTEGER NOT NULL,
    description VARCHAR NOT NULL,
    unit        VARCHAR,
    PRIMARY KEY (dimension, node_id)
);
COMMENT ON TABLE taxonomy IS 'The metric, side and category hierarchies from claims/taxonomy.yaml: each node and its parent';
COMMENT ON COLUMN taxonomy.dimension IS 'Which hierarchy: metric, side or category';
COMMENT ON COLUMN taxonomy.node_id IS 'Id of the node, used by claims.metric, claims.side or claims.category';
COMMENT ON COLUMN taxonomy.parent_id IS 'Id of the enclosing node; NULL at the top';
COMMENT ON COLUMN taxonomy.depth IS 'Distance from the top of the hierarchy (0 = top)';
COMMENT ON COLUMN taxonomy.description IS 'What the node covers';
COMMENT ON COLUMN taxonomy.unit IS 'For metrics: the unit its figures are in; NULL for sides and categories';

CREATE TABLE taxonomy_paths (
    dimension     VARCHAR NOT NULL,
    ancestor_id   VARCHAR NOT NULL,
    descendant_id VARCHAR NOT NULL,
    distance      INTEGER NOT NULL,
    PRIMARY KEY (dimension, ancestor_id, descendant_id)
);
COMMENT ON TABLE taxonomy_paths IS 'Every (ancestor, descendant) pair of each hierarchy, each node included as its own ancestor at distance 0: "X is part of Y" is a row here';
COMMENT ON COLUMN taxonomy_paths.dimension IS 'Which hierarchy: metric, side or category';
COMMENT ON COLUMN taxonomy_paths.ancestor_id IS 'The enclosing node';
COMMENT ON COLUMN taxonomy_paths.descendant_id IS 'A node inside it (or the node itself)';
COMMENT ON COLUMN taxonomy_paths.distance IS 'Number of levels between them (0 = the same node)';

CREATE TABLE qualifiers (
    qualifier      VARCHAR PRIMARY KEY,
    description    VARCHAR NOT NULL,
    input          VARCHAR NOT NULL,
    low_factor     DOUBLE,
    low_fixed      DOUBLE,
    low_exclusive  BOOLEAN NOT NULL,
    high_factor    DOUBLE,
    high_fixed     DOUBLE,
    high_exclusive BOOLEAN NOT NULL,
    high_open      BOOLEAN NOT NULL
);
COMMENT ON TABLE qualifiers IS 'How each qualifier turns a claim into an interval, from claims/qualifiers.yaml';
COMMENT ON COLUMN qualifiers.qualifier IS 'Qualifier id used by claims.qualifier (exact, at_least, approximately, range, hundreds, ...)';
COMMENT ON COLUMN qualifiers.description IS 'The wordings the qualifier stands for';
COMMENT ON COLUMN qualifiers.input IS 'What a claim with this qualifier gives: value, range (low and high) or none';
COMMENT ON COLUMN qualifiers.low_factor IS 'Low bound = this factor times the claim''s value (or stated low)';
COMMENT ON COLUMN qualifiers.low_fixed IS 'Low bound as a fixed number, when not derived from the claim''s figure';
COMMENT ON COLUMN qualifiers.low_exclusive IS 'True when the low bound itself is excluded ("more than N"): N + 1 for whole-number units';
COMMENT ON COLUMN qualifiers.high_factor IS 'High bound = this factor times the claim''s value (or stated high)';
COMMENT ON COLUMN qualifiers.high_fixed IS 'High bound as a fixed number, when not derived from the claim''s figure';
COMMENT ON COLUMN qualifiers.high_exclusive IS 'True when the high bound itself is excluded ("less than N"): N - 1 for whole-number units';
COMMENT ON COLUMN qualifiers.high_open IS 'True when there is no upper bound ("at least N"): claims.high is NULL';

CREATE TABLE claims (
    claim_id     VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,
    section      VARCHAR,
    quote        VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL,
    side         VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    subject      VARCHAR,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    as_of        DATE,
    qualifier    VARCHAR NOT NULL,
    value        DOUBLE,
    stated_low   DOUBLE,
    stated_high  DOUBLE,
    revision     VARCHAR,
    notes        VARCHAR,
    file         VARCHAR NOT NULL,
    line         INTEGER NOT NULL,
    unit         VARCHAR,
    low          DOUBLE,
    high         DOUBLE,
    quantity_id  VARCHAR,
    quantity_code BIGINT
);
COMMENT ON TABLE claims IS 'One row per claim: one figure from one source about one quantity, with the exact quote it came from and the interval it implies';
COMMENT ON COLUMN claims.claim_id IS 'Stable id of the claim, unique across all claim files';
COMMENT ON COLUMN claims.source_id IS 'Who the figure is attributed to (sources.source_id)';
COMMENT ON COLUMN claims.document_id IS 'The document the quote is taken from (documents.document_id)';
COMMENT ON COLUMN claims.section IS 'Section of the document the quote is in';
COMMENT ON COLUMN claims.quote IS 'The exact words of the document that carry the figure';
COMMENT ON COLUMN claims.metric IS 'What is counted or measured (taxonomy metric: killed, wounded, missing, strength, ...)';
COMMENT ON COLUMN claims.side IS 'Whose people or things are counted (taxonomy side)';
COMMENT ON COLUMN claims.category IS 'Which kind of people: all, military, civilians, ... (taxonomy category)';
COMMENT ON COLUMN claims.subject IS 'A narrower description when metric, side, category and period do not pin down what is counted (e.g. tanks, one day in 1992); NULL otherwise';
COMMENT ON COLUMN claims.period_start IS 'First day of the period the figure covers';
COMMENT ON COLUMN claims.period_end IS 'Last day of the period the figure covers';
COMMENT ON COLUMN claims.as_of IS 'The date a cumulative figure is stated as of, when the text gives one; claims of one quantity stated as of different dates are a series, not rivals';
COMMENT ON COLUMN claims.qualifier IS 'How the figure is worded (qualifiers.qualifier): exact, at_least, more_than, up_to, approximately, range, hundreds, ...';
COMMENT ON COLUMN claims.value IS 'The single number the text gives; NULL for ranges and vague amounts';
COMMENT ON COLUMN claims.stated_low IS 'Low end of a stated range; NULL unless the qualifier is range';
COMMENT ON COLUMN claims.stated_high IS 'High end of a stated range; NULL unless the qualifier is range';
COMMENT ON COLUMN claims.revision IS 'Why this "as of" figure is lower than the same source''s earlier figure for the quantity, when it is; an explained fall is not a cumulative_decrease finding';
COMMENT ON COLUMN claims.notes IS 'Curator''s notes on how the figure was read';
COMMENT ON COLUMN claims.file IS 'Claim file the claim was read from';
COMMENT ON COLUMN claims.line IS 'Line of the claim in its file';
COMMENT ON COLUMN claims.unit IS 'Unit of the figure (from the metric)';
COMMENT ON COLUMN claims.low IS 'Lowest true value the claim allows, from its figure and qualifier';
COMMENT ON COLUMN claims.high IS 'Highest true value the claim allows; NULL = no upper bound';
COMMENT ON COLUMN claims.quantity_id IS 'The quantity the claim is about (quantities.quantity_id)';
COMMENT ON COLUMN claims.quantity_code IS 'The quantity as an integer: equal codes exactly when equal quantity_id, within one database (reconciliation groups and joins claims by it)';

CREATE TABLE quantities (
    quantity_id    VARCHAR NOT NULL,
    quantity_key   INTEGER NOT NULL,
    metric         VARCHAR NOT NULL,
    side           VARCHAR NOT NULL,
    category       VARCHAR NOT NULL,
    subject        VARCHAR,
    period_start   DATE NOT NULL,
    period_end     DATE NOT NULL,
    unit           VARCHAR,
    label          VARCHAR NOT NULL,
    n_claims       INTEGER NOT NULL,
    n_sources      INTEGER NOT NULL,
    widest_low     DOUBLE,
    widest_high    DOUBLE,
    highest_low    DOUBLE,
    lowest_high    DOUBLE,
    consensus_low  DOUBLE,
    consensus_high DOUBLE,
    status         VARCHAR NOT NULL,
    chosen_low     DOUBLE,
    chosen_high    DOUBLE,
    implied_low    DOUBLE,
    implied_high   DOUBLE
);
COMMENT ON TABLE quantities IS 'One row per distinct quantity (metric, side, category, subject, period) with the bounds its claims give';
COMMENT ON COLUMN quantities.quantity_id IS 'Readable id: metric/side/category[/subject]/period';
COMMENT ON COLUMN quantities.quantity_key IS 'Integer key of the quantity, numbered in the order of quantity_id; quantity_links and part_sums refer to quantities by it';
COMMENT ON COLUMN quantities.metric IS 'What is counted or measured';
COMMENT ON COLUMN quantities.side IS 'Whose people or things are counted';
COMMENT ON COLUMN quantities.category IS 'Which kind of people';
COMMENT ON COLUMN quantities.subject IS 'Narrower description, or NULL';
COMMENT ON COLUMN quantities.period_start IS 'First day of the period';
COMMENT ON COLUMN quantities.period_end IS 'Last day of the period';
COMMENT ON COLUMN quantities.unit IS 'Unit of the figures';
COMMENT ON COLUMN quantities.label IS 'The quantity in words, as the report shows it';
COMMENT ON COLUMN quantities.n_claims IS 'Number of claims about the quantity';
COMMENT ON COLUMN quantities.n_sources IS 'Number of distinct sources among those claims';
COMMENT ON COLUMN quantities.widest_low IS 'Lowest low of any claim: no claim allows less';
COMMENT ON COLUMN quantities.widest_high IS 'Highest high of any claim; NULL when some claim has no upper bound';
COMMENT ON COLUMN quantities.highest_low IS 'Highest low of any claim (of any date): what the part/whole checks compare with the wholes'' lowest_high';
COMMENT ON COLUMN quantities.lowest_high IS 'Lowest high of any claim (of any date); NULL when no claim has an upper bound';
COMMENT ON COLUMN quantities.consensus_low IS 'Low end of the interval every claim allows (highest low); NULL when the claims do not all meet';
COMMENT ON COLUMN quantities.consensus_high IS 'High end of the interval every claim allows (lowest high); NULL when the claims do not all meet or none has an upper bound';
COMMENT ON COLUMN quantities.status IS 'single (one claim), agreed (all claims share some value) or contradicted (some claims do not meet)';
COMMENT ON COLUMN quantities.chosen_low IS 'Low bound used when the quantity is added up or compared with its parts: consensus_low when its claims agree, widest_low when they do not';
COMMENT ON COLUMN quantities.chosen_high IS 'High bound used likewise: consensus_high when its claims agree, widest_high when they do not; NULL = no upper bound';
COMMENT ON COLUMN quantities.implied_low IS 'Lowest value its parts allow: the larger of the sum of the chosen lows of its summed disjoint parts and the largest chosen low of any part; NULL when it has no parts';
COMMENT ON COLUMN quantities.implied_high IS 'Highest value its parts and wholes allow: the smaller of the sum of the chosen highs of parts that cover it completely and the smallest chosen high of any whole containing it; NULL when nothing bounds it';

CREATE TABLE quantity_links (
    whole_key INTEGER NOT NULL,
    part_key  INTEGER NOT NULL,
    maximal   BOOLEAN NOT NULL,
    summed    BOOLEAN NOT NULL
);
COMMENT ON TABLE quantity_links IS 'Every pair of quantities where one is part of the other (same metric in an additive unit; side, category, subject and period each equal to or inside the whole''s), by integer key; the view quantity_parts shows them by quantity id, and the view checks the part/whole check of each';
COMMENT ON COLUMN quantity_links.whole_key IS 'The enclosing quantity (quantities.quantity_key)';
COMMENT ON COLUMN quantity_links.part_key IS 'The quantity inside it (quantities.quantity_key)';
COMMENT ON COLUMN quantity_links.maximal IS 'True when no other part of the same whole contains this part';
COMMENT ON COLUMN quantity_links.summed IS 'True when the part is among the disjoint maximal parts whose bounds are added up for the whole (parts_sum and cover_sum checks)';

CREATE TABLE part_sums (
    whole_key       INTEGER NOT NULL,
    n_parts         INTEGER NOT NULL,
    sum_chosen_low  DOUBLE,
    sum_widest_low  DOUBLE,
    sum_chosen_high DOUBLE,
    sum_widest_high DOUBLE,
    covers          BOOLEAN NOT NULL
);
COMMENT ON TABLE part_sums IS 'One row per quantity with summed parts: the sums of their bounds, behind the parts_sum and cover_sum checks and the implied bounds';
COMMENT ON COLUMN part_sums.whole_key IS 'The whole (quantities.quantity_key)';
COMMENT ON COLUMN part_sums.n_parts IS 'Number of summed parts (quantity_links.summed)';
COMMENT ON COLUMN part_sums.sum_chosen_low IS 'Sum of the parts'' chosen lows';
COMMENT ON COLUMN part_sums.sum_widest_low IS 'Sum of the parts'' widest lows';
COMMENT ON COLUMN part_sums.sum_chosen_high IS 'Sum of the parts'' chosen highs; NULL when some part has no upper bound';
COMMENT ON COLUMN part_sums.sum_widest_high IS 'Sum of the parts'' widest highs; NULL when some part has no upper bound';
COMMENT ON COLUMN part_sums.covers IS 'True when the summed parts cover the whole completely: they tile its period exactly (same side and category) or are exactly the children of its side or of its category (same period)';

CREATE TABLE series_checks (
    check_id     VARCHAR NOT NULL,
    quantity_key INTEGER NOT NULL,
    claim_ids    VARCHAR[] NOT NULL,
    low_bound    DOUBLE,
    high_bound   DOUBLE,
    outcome      VARCHAR NOT NULL,
    certainty    VARCHAR,
    message      VARCHAR NOT NULL
);
COMMENT ON TABLE series_checks IS 'The cumulative checks of "as of" series, one per claim and the same source''s claim before it on the same quantity (the view checks lists them with every other check)';
COMMENT ON COLUMN series_checks.check_id IS 'Stable id of the check';
COMMENT ON COLUMN series_checks.quantity_key IS 'The quantity of the series (quantities.quantity_key)';
COMMENT ON COLUMN series_checks.claim_ids IS 'The earlier claim and the later one';
COMMENT ON COLUMN series_checks.low_bound IS 'The low of the earlier claim';
COMMENT ON COLUMN series_checks.high_bound IS 'The high of the later claim';
COMMENT ON COLUMN series_checks.outcome IS 'consistent, or contradiction when the figure fell with no revision given';
COMMENT ON COLUMN series_checks.certainty IS 'definite for contradictions; NULL otherwise';
COMMENT ON COLUMN series_checks.message IS 'The comparison in one plain sentence';

CREATE TABLE findings (
    finding_id   VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    quantity_id  VARCHAR NOT NULL,
    claim_ids    VARCHAR[] NOT NULL,
    source_ids   VARCHAR[] NOT NULL,
    same_source  BOOLEAN NOT NULL,
    certainty    VARCHAR NOT NULL,
    part_quantity_ids VARCHAR[],
    low_bound    DOUBLE NOT NULL,
    high_bound   DOUBLE NOT NULL,
    margin       DOUBLE NOT NULL,
    message      VARCHAR NOT NULL
);
COMMENT ON TABLE findings IS 'One row per contradiction found between claims';
COMMENT ON COLUMN findings.finding_id IS 'Stable id: the same contradiction between the same claims keeps its id across runs';
COMMENT ON COLUMN findings.kind IS 'Kind of contradiction (finding_kinds.kind, which describes each)';
COMMENT ON COLUMN findings.quantity_id IS 'The quantity concerned; for part/whole kinds, the whole (quantities.quantity_id)';
COMMENT ON COLUMN findings.claim_ids IS 'Every claim involved: for disjoint_claims the lower figure first, otherwise the whole''s claims first';
COMMENT ON COLUMN findings.source_ids IS 'The sources of those claims, in the same order';
COMMENT ON COLUMN findings.same_source IS 'True when one source contradicts itself';
COMMENT ON COLUMN findings.certainty IS 'definite when the contradiction holds whichever claims are believed; possible when it depends on which claims of a quantity are believed';
COMMENT ON COLUMN findings.part_quantity_ids IS 'For part/whole kinds, the parts involved; NULL for disjoint_claims';
COMMENT ON COLUMN findings.low_bound IS 'The lower bound that is too high: the low of the higher claim (disjoint_claims), of the part''s claim (part_exceeds_whole), the sum of the parts'' lows (parts_exceed_whole), the whole''s low (whole_exceeds_parts)';
COMMENT ON COLUMN findings.high_bound IS 'The upper bound it exceeds: the high of the lower claim, of the whole''s claim, the whole''s high, or the sum of the parts'' highs';
COMMENT ON COLUMN findings.margin IS 'low_bound - high_bound: how far apart the figures are (always > 0)';
COMMENT ON COLUMN findings.message IS 'The contradiction in one plain sentence';

CREATE TABLE finding_kinds (
    kind         VARCHAR PRIMARY KEY,
    position     INTEGER NOT NULL,
    description  VARCHAR NOT NULL
);
COMMENT ON TABLE finding_kinds IS 'Every kind of finding reconciliation can report, in the order reports list them';
COMMENT ON COLUMN finding_kinds.kind IS 'The kind, as in findings.kind';
COMMENT ON COLUMN finding_kinds.position IS 'Its place in the reports, from 1';
COMMENT ON COLUMN finding_kinds.description IS 'What a finding of this kind means';

CREATE TABLE check_kinds (
    kind         VARCHAR PRIMARY KEY,
    position     INTEGER NOT NULL,
    description  VARCHAR NOT NULL
);
COMMENT ON TABLE check_kinds IS 'Every kind of check (a relation evaluated, whether it holds or not), as in checks.kind';
COMMENT ON COLUMN check_kinds.kind IS 'The kind, as in checks.kind';
COMMENT ON COLUMN check_kinds.position IS 'Its place in lists, from 1';
COMMENT ON COLUMN check_kinds.description IS 'What a check of this kind establishes';

CREATE TABLE validations (
    run_id         VARCHAR NOT NULL,
    expectation    VARCHAR NOT NULL,
    "column"       VARCHAR,
    success        BOOLEAN NOT NULL,
    element_count  BIGINT,
    unexpected_count BIGINT,
    observed_value VARCHAR,
    unexpected_ids VARCHAR[]
);
COMMENT ON TABLE validations IS 'Result of every Great Expectations expectation of every published run, over the claims (validate stage) and over the reconciled outputs (verify stage) (history, carried across runs)';
COMMENT ON COLUMN validations.run_id IS 'The run (runs.run_id)';
COMMENT ON COLUMN validations.expectation IS 'Expectation type, e.g. expect_column_values_to_be_unique';
COMMENT ON COLUMN validations."column" IS 'Column (or columns, comma-separated) it checks';
COMMENT ON COLUMN validations.success IS 'Whether the expectation held';
COMMENT ON COLUMN validations.element_count IS 'Rows examined';
COMMENT ON COLUMN validations.unexpected_count IS 'Rows that broke it';
COMMENT ON COLUMN validations.observed_value IS 'Observed value, for aggregate expectations';
COMMENT ON COLUMN validations.unexpected_ids IS 'Ids of the first rows that broke it: claim ids for the claim suites; finding, quantity or check ids for the output suites';

CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    flow_run_id  VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL,
    input_digest VARCHAR NOT NULL,
    claims_dir   VARCHAR NOT NULL,
    n_claims     INTEGER NOT NULL,
    n_sources    INTEGER NOT NULL,
    n_quantities INTEGER NOT NULL,
    n_findings   INTEGER NOT NULL,
    error        VARCHAR
);
COMMENT ON TABLE runs IS 'One row per pipeline run that published this database, and one per run that was killed or crashed before publishing, noticed by the next run that published (history, carried across runs)';
COMMENT ON COLUMN runs.run_id IS 'Id of the run';
COMMENT ON COLUMN runs.flow_run_id IS 'Prefect flow-run id when the run was a Prefect flow; NULL for plain CLI runs';
COMMENT ON COLUMN runs.started_at IS 'When the run started (UTC)';
COMMENT ON COLUMN runs.finished_at IS 'When the run finished writing (UTC); for a failed run, when it was last seen';
COMMENT ON COLUMN runs.status IS 'succeeded, or failed: a run that failed (bad input, a failed expectation, a busy lock, an error) or was killed; a failed run changes nothing when it fails, and the next run that publishes records it here with its reason (error)';
COMMENT ON COLUMN runs.input_digest IS 'SHA-256 over every file of the claims folder: equal digests mean equal input';
COMMENT ON COLUMN runs.claims_dir IS 'The claims folder that was read';
COMMENT ON COLUMN runs.n_claims IS 'Number of claims loaded';
COMMENT ON COLUMN runs.n_sources IS 'Number of sources loaded';
COMMENT ON COLUMN runs.n_quantities IS 'Number of distinct quantities';
COMMENT ON COLUMN runs.n_findings IS 'Number of findings';
COMMENT ON COLUMN runs.error IS 'Why the run failed; NULL when it succeeded';

CREATE TABLE claim_versions (
    claim_id       VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    content_hash   VARCHAR NOT NULL,
    valid_from_run VARCHAR NOT NULL,
    valid_to_run   VARCHAR,
    source_id      VARCHAR,
    document_id    VARCHAR,
    section        VARCHAR,
    quote          VARCHAR,
    metric         VARCHAR,
    side           VARCHAR,
    category       VARCHAR,
    subject        VARCHAR,
    period_start   DATE,
    period_end     DATE,
    as_of          DATE,
    qualifier      VARCHAR,
    value          DOUBLE,
    stated_low     DOUBLE,
    stated_high    DOUBLE,
    revision       VARCHAR,
    notes          VARCHAR
);
COMMENT ON TABLE claim_versions IS 'Every version of every claim ever loaded (history, carried across runs): a claim edited or removed in claims/ keeps its old versions here';
COMMENT ON COLUMN claim_versions.claim_id IS 'The claim (claims.claim_id while it exists)';
COMMENT ON COLUMN claim_versions.version IS 'Version number, 1 for the first';
COMMENT ON COLUMN claim_versions.content_hash IS 'MD5 of the claim''s content (every field but its file and line): a new hash is a new version';
COMMENT ON COLUMN claim_versions.valid_from_run IS 'The run that first loaded this version (runs.run_id)';
COMMENT ON COLUMN claim_versions.valid_to_run IS 'The run that found it changed or gone; NULL while it is current';
COMMENT ON COLUMN claim_versions.source_id IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.document_id IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.section IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.quote IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.metric IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.side IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.category IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.subject IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.period_start IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.period_end IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.as_of IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.qualifier IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.value IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.stated_low IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.stated_high IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.revision IS 'As in claims, for this version';
COMMENT ON COLUMN claim_versions.notes IS 'As in claims, for this version';

CREATE TABLE finding_history (
    finding_id   VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    quantity_id  VARCHAR NOT NULL,
    claim_ids    VARCHAR[] NOT NULL,
    certainty    VARCHAR NOT NULL,
    message      VARCHAR NOT NULL,
    first_run    VARCHAR NOT NULL,
    resolved_run VARCHAR,
    renamed_from VARCHAR,
    renamed_in_run VARCHAR,
    PRIMARY KEY (finding_id, first_run)
);
COMMENT ON TABLE finding_history IS 'When each finding appeared and when it was resolved (history, carried across runs)';
COMMENT ON COLUMN finding_history.finding_id IS 'The finding (findings.finding_id while it stands)';
COMMENT ON COLUMN finding_history.kind IS 'Kind of finding';
COMMENT ON COLUMN finding_history.quantity_id IS 'The quantity concerned';
COMMENT ON COLUMN finding_history.claim_ids IS 'The claims involved when it appeared';
COMMENT ON COLUMN finding_history.certainty IS 'definite or possible, when it appeared';
COMMENT ON COLUMN finding_history.message IS 'Its sentence when it appeared';
COMMENT ON COLUMN finding_history.first_run IS 'The run in which it appeared (runs.run_id)';
COMMENT ON COLUMN finding_history.resolved_run IS 'The run in which it no longer stood; NULL while it stands';
COMMENT ON COLUMN finding_history.renamed_from IS 'The id it was recorded under before finding ids grew from 12 to 16 hexadecimal digits; NULL otherwise';
COMMENT ON COLUMN finding_history.renamed_in_run IS 'The run that gave it its longer id; NULL otherwise';

CREATE TABLE statement_timings (
    run_id       VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    check_name   VARCHAR NOT NULL,
    statement    VARCHAR NOT NULL,
    seconds      DOUBLE NOT NULL
);
COMMENT ON TABLE statement_timings IS 'How long each statement of each reconciliation check took, per run (history, carried across runs): the slowest show where a run spends its time';
COMMENT ON COLUMN statement_timings.run_id IS 'The run (runs.run_id)';
COMMENT ON COLUMN statement_timings.position IS 'The statement''s place in the run, from 1';
COMMENT ON COLUMN statement_timings.check_name IS 'The check (src/claimrec/reconcile/sql/<check_name>.sql)';
COMMENT ON COLUMN statement_timings.statement IS 'The statement, as named in its check';
COMMENT ON COLUMN statement_timings.seconds IS 'Seconds it took';
