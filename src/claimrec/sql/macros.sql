-- Formatting macros kept in the database, so that SQL users can word figures as the report does:
--   SELECT claimrec_figure(qualifier, value, stated_low, stated_high) FROM claims;

CREATE MACRO claimrec_number(x) AS
    CASE WHEN x IS NULL THEN 'no limit'
         WHEN x = round(x) THEN format('{:,}', x::HUGEINT)
         ELSE format('{:,}', x) END;
COMMENT ON MACRO claimrec_number IS 'A number as people read it: 11557 -> 11,557; NULL -> no limit';

CREATE MACRO claimrec_slug(subject) AS
    nullif(trim(regexp_replace(lower(subject), '[^a-z0-9]+', '-', 'g'), '-'), '');
COMMENT ON MACRO claimrec_slug IS 'How a subject reads in quantity ids: lower case, runs of other characters as one hyphen (Shusha, 1992 -> shusha-1992); NULL when nothing is left';

CREATE MACRO claimrec_period(s, e) AS
    CASE WHEN month(s) = 1 AND day(s) = 1 AND month(e) = 12 AND day(e) = 31 THEN
             CASE WHEN year(s) = year(e) THEN year(s)::VARCHAR
                  ELSE year(s)::VARCHAR || '–' || year(e)::VARCHAR END
         WHEN day(s) = 1 AND e = last_day(e) THEN
             CASE WHEN date_trunc('month', s) = date_trunc('month', e) THEN strftime(s, '%Y-%m')
                  ELSE strftime(s, '%Y-%m') || ' – ' || strftime(e, '%Y-%m') END
         WHEN s = e THEN strftime(s, '%Y-%m-%d')
         ELSE strftime(s, '%Y-%m-%d') || ' – ' || strftime(e, '%Y-%m-%d') END;
COMMENT ON MACRO claimrec_period IS 'A period in words: 1988–1994, 2014, 1994-05 – 2009-08, 2016-04-01 – 2016-04-05';

CREATE MACRO claimrec_figure(qualifier, value, low, high) AS
    CASE WHEN qualifier = 'exact' THEN claimrec_number(value)
         WHEN qualifier = 'range' THEN claimrec_number(low) || '–' || claimrec_number(high)
         WHEN qualifier = 'approximately' THEN 'about ' || claimrec_number(value)
         WHEN value IS NOT NULL THEN replace(qualifier, '_', ' ') || ' ' || claimrec_number(value)
         WHEN low IS NOT NULL THEN replace(qualifier, '_', ' ') || ' ' || claimrec_number(low) || '–' || claimrec_number(high)
         ELSE replace(qualifier, '_', ' ') END;
COMMENT ON MACRO claimrec_figure IS 'A claim''s figure as worded: 11,557; 25,000–30,000; at least 541; about 20; hundreds';

CREATE MACRO claimrec_interval(low, high) AS
    CASE WHEN low IS NULL AND high IS NULL THEN NULL
         WHEN low IS NULL THEN 'at most ' || claimrec_number(high)
         WHEN high IS NULL THEN claimrec_number(low) || ' or more'
         WHEN low = high THEN claimrec_number(low)
         ELSE claimrec_number(low) || '–' || claimrec_number(high) END;
COMMENT ON MACRO claimrec_interval IS 'An interval in words: 11,557; 25,000–30,000; 541 or more; at most 38,000 (no low known); NULL when neither is known';
