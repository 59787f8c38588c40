-- Every (ancestor, descendant) pair of each taxonomy hierarchy, from the parent links.
INSERT INTO taxonomy_paths
WITH RECURSIVE paths(dimension, ancestor_id, descendant_id, distance) AS (
    SELECT dimension, node_id, node_id, 0 FROM taxonomy
    UNION ALL
    SELECT p.dimension, t.parent_id, p.descendant_id, p.distance + 1
    FROM paths p
    JOIN taxonomy t ON t.dimension = p.dimension AND t.node_id = p.ancestor_id
    WHERE t.parent_id IS NOT NULL
)
SELECT * FROM paths ORDER BY dimension, ancestor_id, descendant_id;
