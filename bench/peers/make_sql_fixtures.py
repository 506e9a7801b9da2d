#!/usr/bin/env python3
"""Writes the SQL test tables and a sqllogictest-style file whose expected answers come from DuckDB.

    python3 -m pip install duckdb      # any recent release
    python3 bench/peers/make_sql_fixtures.py [--out tests/analytics/data/sql]

The tables (CSV) are small and hand-made to hit nulls, duplicate keys, empty strings, unmatched
join keys and dates before 1970. Each query runs in DuckDB over the same files; its rows are
written after a "----" line, one row per line, values separated by tabs: NULL for null, (empty)
for the empty string, true/false, floats with repr(). "rowsort" queries have no defined order and
are compared after sorting rows as text; "nosort" ones must come back in this order, so each of
them has an ORDER BY that leaves no ties (or returns one row). DuckDB runs on one thread, so the
output is the same on every run.
"""
import argparse
import datetime
import decimal
import os

import duckdb

TABLES = {
    "people": """id,name,age,city,joined
1,Ann,34,Paris,2019-03-01
2,bob,,Berlin,2020-07-15
3,Cy,27,,1969-12-31
4,Dee,45,Paris,2021-01-01
5,ed,27,Rome,2000-02-29
6,,61,Berlin,2015-06-30
7,Flo,19,rome,2024-02-29
8,Gus,34,Paris,
""",
    "orders": """order_id,person_id,amount,item,day
100,1,25.5,pen,2024-01-03
101,1,4.25,ink,2024-01-03
102,2,100,desk,2024-02-10
103,4,,lamp,2024-02-11
104,9,12,pen,2024-03-01
105,,7.75,clip,2024-03-02
106,4,60,chair,2024-03-02
107,5,0.5,pen,
108,2,33.25,ink,2024-04-30
""",
    "cities": """city,country,population
Paris,FR,2100000
Berlin,DE,3600000
Rome,IT,2800000
Oslo,NO,700000
Paris,FR,1
""",
}

QUERIES = [
    # projection, literals, arithmetic
    ("nosort", "SELECT id, name FROM people ORDER BY id"),
    ("nosort", "SELECT id, age + 1, age * 2, age - id, -age FROM people ORDER BY id"),
    ("nosort", "SELECT id, age / 4, age % 5 FROM people ORDER BY id"),
    ("nosort", "SELECT 1, 2 + 3, 10 - 4 * 2, (10 - 4) * 2"),
    ("nosort", "SELECT 7 / 2, 7 % 3, -7 % 3, 2.5 * 4"),
    ("nosort", "SELECT order_id, amount * 2, amount + person_id FROM orders ORDER BY order_id"),
    ("nosort", "SELECT 'a' || 'b', 'x' || NULL, concat('a', NULL, 'c')"),
    ("nosort", "SELECT id, name || '-' || city FROM people ORDER BY id"),
    ("nosort", "SELECT NULL IS NULL, 1 IS NULL, NULL IS NOT NULL"),
    # (DuckDB infers BIGINT for integer CSV columns, Nimbus INTEGER: the cast makes both BIGINT.)
    ("nosort", "SELECT CAST(id AS BIGINT) * 1000000000 FROM people ORDER BY id"),
    # WHERE and three-valued logic
    ("rowsort", "SELECT id FROM people WHERE age > 30"),
    ("rowsort", "SELECT id FROM people WHERE age <= 27"),
    ("rowsort", "SELECT id FROM people WHERE age = 34 OR city = 'Rome'"),
    ("rowsort", "SELECT id FROM people WHERE age = 34 AND city = 'Paris'"),
    ("rowsort", "SELECT id FROM people WHERE NOT (age > 30)"),
    ("rowsort", "SELECT id FROM people WHERE age IS NULL OR city IS NULL"),
    ("rowsort", "SELECT id FROM people WHERE age IS NOT NULL AND city IS NOT NULL"),
    ("rowsort", "SELECT id FROM people WHERE age IN (27, 34)"),
    ("rowsort", "SELECT id FROM people WHERE age NOT IN (27, 34)"),
    ("rowsort", "SELECT id FROM people WHERE city IN ('Paris', 'Rome')"),
    ("rowsort", "SELECT id FROM people WHERE age BETWEEN 20 AND 40"),
    ("rowsort", "SELECT id FROM people WHERE age NOT BETWEEN 20 AND 40"),
    ("rowsort", "SELECT id FROM people WHERE name LIKE 'A%'"),
    ("rowsort", "SELECT id FROM people WHERE name LIKE '%o%'"),
    ("rowsort", "SELECT id FROM people WHERE name LIKE '%d'"),
    ("rowsort", "SELECT id FROM people WHERE name NOT LIKE '%o%'"),
    ("rowsort", "SELECT id FROM people WHERE city ILIKE 'rome'"),
    ("rowsort", "SELECT id FROM people WHERE name = 'bob'"),
    ("rowsort", "SELECT id FROM people WHERE name <> 'bob'"),
    ("rowsort", "SELECT id FROM people WHERE name < 'C'"),
    ("rowsort", "SELECT id FROM people WHERE joined < DATE '2000-01-01'"),
    ("rowsort", "SELECT id FROM people WHERE joined >= DATE '2020-01-01'"),
    ("rowsort", "SELECT order_id FROM orders WHERE amount > 20 AND item <> 'pen'"),
    ("rowsort", "SELECT order_id FROM orders WHERE person_id IS NULL OR amount IS NULL"),
    ("rowsort", "SELECT id FROM people WHERE (age > 30) = true"),
    ("rowsort", "SELECT id FROM people WHERE age > 100"),
    ("rowsort", "SELECT order_id FROM orders WHERE amount BETWEEN 4.25 AND 25.5"),
    # CASE, COALESCE, CAST
    ("nosort", "SELECT id, CASE WHEN age < 30 THEN 'young' WHEN age < 50 THEN 'mid' ELSE 'old' END FROM people ORDER BY id"),
    ("nosort", "SELECT id, CASE WHEN age < 30 THEN 1 END FROM people ORDER BY id"),
    ("nosort", "SELECT id, CASE city WHEN 'Paris' THEN 'FR' WHEN 'Rome' THEN 'IT' ELSE '?' END FROM people ORDER BY id"),
    ("nosort", "SELECT id, coalesce(age, -1), coalesce(city, name, 'none') FROM people ORDER BY id"),
    ("nosort", "SELECT id, CAST(age AS DOUBLE) / 2, CAST(id AS VARCHAR) || 'x' FROM people ORDER BY id"),
    # (A literal 2.5 is DECIMAL in DuckDB and DOUBLE in Nimbus; DOUBLE to INTEGER rounds half to even.)
    ("nosort", "SELECT CAST('42' AS INTEGER) + 1, CAST(3.7 AS INTEGER), CAST(CAST(-2.5 AS DOUBLE) AS INTEGER), CAST(CAST(2.5 AS DOUBLE) AS INTEGER)"),
    ("nosort", "SELECT CAST(1 AS BOOLEAN), CAST(0 AS BOOLEAN), CAST('2024-02-29' AS DATE)"),
    ("nosort", "SELECT order_id, CAST(amount AS BIGINT) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT id, nullif(age, 27) FROM people ORDER BY id"),
    # string functions
    ("nosort", "SELECT id, length(name), lower(name), upper(name) FROM people ORDER BY id"),
    ("nosort", "SELECT id, substr(name, 2), substr(name, 1, 2), substring(city, 2, 3) FROM people ORDER BY id"),
    ("nosort", "SELECT id, contains(city, 'r'), starts_with(city, 'P'), ends_with(name, 'e') FROM people ORDER BY id"),
    ("nosort", "SELECT length(''), length('héllo'), upper('abc'), lower('ABC')"),
    ("nosort", "SELECT item, length(item) FROM orders ORDER BY order_id"),
    # dates
    ("nosort", "SELECT id, year(joined), month(joined), day(joined) FROM people ORDER BY id"),
    ("nosort", "SELECT id, dayofweek(joined), date_part('year', joined) FROM people ORDER BY id"),
    ("nosort", "SELECT id, extract(month FROM joined) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, day, year(day) * 100 + month(day) FROM orders ORDER BY order_id"),
    # math
    ("nosort", "SELECT order_id, abs(amount - 50), round(amount), floor(amount), ceil(amount) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT round(2.5), round(-2.5), round(3.14159, 2), sqrt(16), power(2, 10), abs(-3)"),
    ("nosort", "SELECT id, sqrt(age), ln(age), exp(id) FROM people ORDER BY id"),
    # ORDER BY, LIMIT, OFFSET
    ("nosort", "SELECT id, age FROM people ORDER BY age, id"),
    ("nosort", "SELECT id, age FROM people ORDER BY age DESC, id"),
    ("nosort", "SELECT id, age FROM people ORDER BY age NULLS FIRST, id"),
    ("nosort", "SELECT id, age FROM people ORDER BY age DESC NULLS FIRST, id DESC"),
    ("nosort", "SELECT id, age FROM people ORDER BY age ASC NULLS LAST, id LIMIT 3"),
    ("nosort", "SELECT id, age FROM people ORDER BY age, id LIMIT 3 OFFSET 2"),
    ("nosort", "SELECT id FROM people ORDER BY id LIMIT 0"),
    ("nosort", "SELECT id FROM people ORDER BY id OFFSET 6"),
    ("nosort", "SELECT id, name FROM people ORDER BY name, id"),
    ("nosort", "SELECT id, city FROM people ORDER BY city DESC, id"),
    ("nosort", "SELECT id, joined FROM people ORDER BY joined, id"),
    ("nosort", "SELECT name, age FROM people ORDER BY 2, 1"),
    ("nosort", "SELECT id, age * -1 AS neg FROM people ORDER BY neg, id"),
    ("nosort", "SELECT id FROM people ORDER BY age + id, id"),
    ("nosort", "SELECT order_id, amount FROM orders ORDER BY amount DESC NULLS LAST, order_id"),
    ("nosort", "SELECT order_id, item, amount FROM orders ORDER BY item, amount DESC, order_id"),
    ("nosort", "SELECT id FROM people ORDER BY city NULLS FIRST, age DESC NULLS LAST, id LIMIT 5"),
    # DISTINCT
    ("rowsort", "SELECT DISTINCT city FROM people"),
    ("rowsort", "SELECT DISTINCT age FROM people"),
    ("rowsort", "SELECT DISTINCT city, age FROM people"),
    ("rowsort", "SELECT DISTINCT item FROM orders"),
    ("nosort", "SELECT DISTINCT age FROM people ORDER BY age"),
    ("rowsort", "SELECT DISTINCT country FROM cities"),
    # aggregates
    ("nosort", "SELECT count(*), count(age), count(city), count(name) FROM people"),
    ("nosort", "SELECT sum(age), min(age), max(age), avg(age) FROM people"),
    ("nosort", "SELECT count(DISTINCT age), count(DISTINCT city) FROM people"),
    ("nosort", "SELECT sum(amount), avg(amount), min(amount), max(amount) FROM orders"),
    ("nosort", "SELECT var_samp(age), var_pop(age), stddev_samp(age), stddev_pop(age) FROM people"),
    ("nosort", "SELECT variance(amount), stddev(amount) FROM orders"),
    ("nosort", "SELECT median(age), median(amount) FROM people, orders WHERE people.id = orders.person_id"),
    ("nosort", "SELECT median(age) FROM people"),
    ("nosort", "SELECT corr(age, id) FROM people"),
    ("nosort", "SELECT min(name), max(name), min(joined), max(joined) FROM people"),
    ("nosort", "SELECT max(age) - min(age), sum(age) / count(age) FROM people"),
    ("nosort", "SELECT count(*) FROM people WHERE age > 100"),
    ("nosort", "SELECT sum(age), max(name), avg(age) FROM people WHERE age > 100"),
    ("nosort", "SELECT count(*), sum(age), max(name) FROM (SELECT * FROM people WHERE id > 100) e"),
    ("nosort", "SELECT count(*) + 1, max(id) * 2 FROM people"),
    # GROUP BY
    ("rowsort", "SELECT city, count(*) FROM people GROUP BY city"),
    ("rowsort", "SELECT city, count(*), sum(age), avg(age), min(age), max(age) FROM people GROUP BY city"),
    ("rowsort", "SELECT age, count(*) FROM people GROUP BY age"),
    ("rowsort", "SELECT city, age, count(*) FROM people GROUP BY city, age"),
    ("rowsort", "SELECT city, count(DISTINCT age) FROM people GROUP BY city"),
    ("rowsort", "SELECT item, count(*), sum(amount), avg(amount) FROM orders GROUP BY item"),
    ("rowsort", "SELECT person_id, count(*), sum(amount) FROM orders GROUP BY person_id"),
    ("rowsort", "SELECT person_id, max(amount) - min(amount) FROM orders GROUP BY person_id"),
    ("rowsort", "SELECT lower(city), count(*) FROM people GROUP BY lower(city)"),
    ("rowsort", "SELECT lower(city) AS c, count(*) FROM people GROUP BY c"),
    ("rowsort", "SELECT lower(city), count(*) FROM people GROUP BY 1"),
    ("rowsort", "SELECT age > 30, count(*) FROM people GROUP BY age > 30"),
    ("rowsort", "SELECT year(day), count(*), sum(amount) FROM orders GROUP BY year(day)"),
    ("rowsort", "SELECT month(day) AS m, sum(amount) FROM orders GROUP BY m"),
    ("rowsort", "SELECT city, count(*) FROM people GROUP BY city HAVING count(*) > 1"),
    ("rowsort", "SELECT city, sum(age) FROM people GROUP BY city HAVING sum(age) > 40"),
    ("rowsort", "SELECT item, sum(amount) FROM orders GROUP BY item HAVING max(amount) > 20"),
    ("nosort", "SELECT city, count(*) AS n FROM people GROUP BY city ORDER BY n DESC, city NULLS FIRST"),
    ("nosort", "SELECT city, sum(age) FROM people GROUP BY city ORDER BY sum(age) DESC NULLS LAST, city"),
    ("nosort", "SELECT item, count(*) FROM orders GROUP BY item ORDER BY count(*) DESC, item LIMIT 2"),
    ("rowsort", "SELECT city, var_samp(age), stddev_samp(age) FROM people GROUP BY city"),
    ("rowsort", "SELECT city, median(age) FROM people GROUP BY city"),
    ("rowsort", "SELECT country, sum(population), count(*) FROM cities GROUP BY country"),
    ("rowsort", "SELECT city, count(*) FROM (SELECT * FROM people WHERE id > 100) e GROUP BY city"),
    ("rowsort", "SELECT person_id IS NULL, count(*) FROM orders GROUP BY person_id IS NULL"),
    ("rowsort", "SELECT city, min(name), max(joined) FROM people GROUP BY city"),
    ("rowsort", "SELECT CASE WHEN age < 30 THEN 'young' ELSE 'old' END AS band, count(*) FROM people GROUP BY band"),
    ("rowsort", "SELECT city, sum(age) * 2 + count(*) FROM people GROUP BY city"),
    ("rowsort", "SELECT city, coalesce(max(age), 0) FROM people GROUP BY city"),
    # joins
    ("rowsort", "SELECT p.id, o.order_id FROM people p JOIN orders o ON p.id = o.person_id"),
    ("rowsort", "SELECT p.id, o.order_id FROM people p LEFT JOIN orders o ON p.id = o.person_id"),
    ("rowsort", "SELECT p.id, o.order_id FROM people p RIGHT JOIN orders o ON p.id = o.person_id"),
    ("rowsort", "SELECT p.id, o.order_id FROM people p FULL JOIN orders o ON p.id = o.person_id"),
    ("rowsort", "SELECT p.name, o.item, o.amount FROM people p JOIN orders o ON o.person_id = p.id WHERE o.amount > 10"),
    ("rowsort", "SELECT p.id, o.order_id FROM people p JOIN orders o ON p.id = o.person_id AND o.amount > 10"),
    ("rowsort", "SELECT p.id, c.country FROM people p JOIN cities c ON p.city = c.city"),
    ("rowsort", "SELECT p.id, c.country FROM people p LEFT JOIN cities c ON p.city = c.city"),
    ("rowsort", "SELECT p.id, c.city FROM people p FULL OUTER JOIN cities c ON p.city = c.city"),
    ("rowsort", "SELECT p.id, q.id FROM people p JOIN people q ON p.age = q.age AND p.id < q.id"),
    ("rowsort", "SELECT p.id, q.id FROM people p JOIN people q ON p.city = q.city AND p.age = q.age"),
    ("rowsort", "SELECT id, city, country FROM people JOIN cities USING (city)"),
    ("rowsort", "SELECT city, id, population FROM people LEFT JOIN cities USING (city)"),
    ("rowsort", "SELECT p.id, c.country FROM people p, cities c WHERE p.city = c.city"),
    ("rowsort", "SELECT p.name, sum(o.amount) FROM people p JOIN orders o ON p.id = o.person_id GROUP BY p.name"),
    ("rowsort", "SELECT p.city, count(o.order_id) FROM people p LEFT JOIN orders o ON p.id = o.person_id GROUP BY p.city"),
    ("nosort", "SELECT p.name, count(*) AS n FROM people p JOIN orders o ON p.id = o.person_id GROUP BY p.name ORDER BY n DESC, p.name"),
    ("rowsort", "SELECT o.order_id, p.name, c.country FROM orders o JOIN people p ON o.person_id = p.id JOIN cities c ON p.city = c.city"),
    ("rowsort", "SELECT o.order_id, p.name FROM orders o LEFT JOIN people p ON o.person_id = p.id WHERE p.name IS NULL"),
    ("rowsort", "SELECT p.id FROM people p LEFT JOIN orders o ON p.id = o.person_id WHERE o.order_id IS NULL"),
    ("rowsort", "SELECT c.city, c.country FROM cities c JOIN cities d ON c.city = d.city AND c.population < d.population"),
    ("rowsort", "SELECT a.id, b.id FROM people a CROSS JOIN people b WHERE a.id + b.id = 5"),
    ("rowsort", "SELECT e.id, p.id FROM (SELECT * FROM people WHERE id > 100) e RIGHT JOIN people p ON e.id = p.id"),
    # subqueries and CTEs
    ("rowsort", "SELECT city, n FROM (SELECT city, count(*) AS n FROM people GROUP BY city) t WHERE n > 1"),
    ("nosort", "SELECT max(n) FROM (SELECT count(*) AS n FROM orders GROUP BY item) t"),
    ("rowsort", "WITH big AS (SELECT * FROM orders WHERE amount > 20) SELECT item, count(*) FROM big GROUP BY item"),
    ("rowsort", "WITH a AS (SELECT id, age FROM people), b AS (SELECT id FROM a WHERE age > 30) SELECT a.id, a.age FROM a JOIN b ON a.id = b.id"),
    ("nosort", "SELECT t.total FROM (SELECT sum(amount) AS total FROM orders) t"),
    ("rowsort", "SELECT p.name, t.spent FROM people p JOIN (SELECT person_id, sum(amount) AS spent FROM orders GROUP BY person_id) t ON p.id = t.person_id"),
    # more expressions in SELECT over groups and rows
    ("nosort", "SELECT id, age > 30 AND city = 'Paris', age > 30 OR city = 'Paris' FROM people ORDER BY id"),
    ("nosort", "SELECT id, NOT (age > 30), age IS NULL FROM people ORDER BY id"),
    ("nosort", "SELECT id, age IN (27, 45), age BETWEEN 30 AND 50 FROM people ORDER BY id"),
    ("nosort", "SELECT id, CASE WHEN age IS NULL THEN 'n/a' ELSE CAST(age AS VARCHAR) END FROM people ORDER BY id"),
    ("nosort", "SELECT count(*) AS total FROM people"),
    ("nosort", "SELECT sum(CASE WHEN city = 'Paris' THEN 1 ELSE 0 END), sum(age) FROM people"),
    ("nosort", "SELECT avg(amount) * count(*), sum(amount) FROM orders WHERE item = 'pen'"),
    ("rowsort", "SELECT item, round(avg(amount), 2) FROM orders GROUP BY item"),
    ("nosort", "SELECT name FROM people WHERE length(name) = 3 ORDER BY name"),
    ("nosort", "SELECT upper(substr(name, 1, 1)) || lower(substr(name, 2)) FROM people ORDER BY id"),
    ("nosort", "SELECT id FROM people WHERE coalesce(city, '') = '' ORDER BY id"),
    ("nosort", "SELECT order_id, amount FROM orders WHERE amount IS NOT NULL ORDER BY amount LIMIT 1"),
    ("nosort", "SELECT order_id FROM orders ORDER BY day DESC NULLS FIRST, order_id"),
    # window functions (ORDER BY inside OVER is total, ids breaking ties, except where rank and
    # dense_rank are tested on ties: DuckDB leaves the order among peers undefined)
    ("nosort", "SELECT id, row_number() OVER (ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT id, city, row_number() OVER (PARTITION BY city ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age, rank() OVER (ORDER BY age), dense_rank() OVER (ORDER BY age) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age, rank() OVER (ORDER BY age DESC NULLS FIRST) FROM people ORDER BY id"),
    ("nosort", "SELECT id, city, age, rank() OVER (PARTITION BY city ORDER BY age DESC) FROM people ORDER BY id"),
    ("nosort", "SELECT id, city, sum(age) OVER (PARTITION BY city), count(*) OVER (PARTITION BY city), count(age) OVER (PARTITION BY city) FROM people ORDER BY id"),
    ("nosort", "SELECT id, avg(age) OVER (PARTITION BY city), min(age) OVER (PARTITION BY city), max(name) OVER (PARTITION BY city) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, amount, sum(amount) OVER (ORDER BY order_id) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT id, age, sum(age) OVER (ORDER BY age), count(*) OVER (ORDER BY age) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, person_id, sum(amount) OVER (PARTITION BY person_id ORDER BY order_id) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT order_id, amount, lag(amount) OVER (ORDER BY order_id), lead(amount) OVER (ORDER BY order_id) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT id, lag(id, 2, -1) OVER (ORDER BY id), lead(name, 1, 'none') OVER (PARTITION BY city ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT id, city, first_value(name) OVER (PARTITION BY city ORDER BY id), last_value(name) OVER (PARTITION BY city ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT id, last_value(id) OVER (PARTITION BY city ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, avg(amount) OVER (ORDER BY order_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT order_id, sum(amount) OVER (ORDER BY order_id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), min(amount) OVER (ORDER BY order_id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), max(amount) OVER (ORDER BY order_id ROWS 2 PRECEDING) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT order_id, sum(amount) OVER (ORDER BY order_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(*) OVER (ORDER BY order_id ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT id, sum(age) OVER (ORDER BY age RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), sum(age) OVER (ORDER BY age RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age - avg(age) OVER (PARTITION BY city), CAST(age AS DOUBLE) / sum(age) OVER () FROM people ORDER BY id"),
    ("nosort", "SELECT id, ntile(3) OVER (ORDER BY id), ntile(2) OVER (PARTITION BY city ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age, percent_rank() OVER (ORDER BY age), cume_dist() OVER (ORDER BY age) FROM people ORDER BY id"),
    ("nosort", "SELECT id, row_number() OVER (PARTITION BY age > 30 ORDER BY id) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, rank() OVER (ORDER BY year(day) NULLS FIRST) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT id, joined, rank() OVER (ORDER BY joined DESC) FROM people ORDER BY id"),
    ("nosort", "SELECT order_id, row_number() OVER (ORDER BY amount DESC, order_id) FROM orders WHERE amount > 5 ORDER BY order_id"),
    ("nosort", "SELECT order_id, count(*) OVER (PARTITION BY person_id), count(amount) OVER (PARTITION BY person_id ORDER BY order_id) FROM orders ORDER BY order_id"),
    ("nosort", "SELECT p.name, o.order_id, sum(o.amount) OVER (PARTITION BY p.id) FROM people p JOIN orders o ON p.id = o.person_id ORDER BY o.order_id"),
    ("nosort", "SELECT id, name FROM people ORDER BY row_number() OVER (ORDER BY name DESC NULLS LAST, id)"),
    ("nosort", "SELECT id, dense_rank() OVER (PARTITION BY city ORDER BY age NULLS FIRST) AS dr FROM people ORDER BY dr DESC, id LIMIT 4"),
    ("rowsort", "SELECT DISTINCT city, count(*) OVER (PARTITION BY city) FROM people"),
    ("rowsort", "SELECT * FROM (SELECT person_id, order_id, amount, row_number() OVER (PARTITION BY person_id ORDER BY amount DESC NULLS LAST, order_id) AS rn FROM orders) t WHERE rn <= 2"),
    ("nosort", "WITH r AS (SELECT item, order_id, rank() OVER (PARTITION BY item ORDER BY amount DESC) AS rk FROM orders) SELECT item, order_id FROM r WHERE rk = 1 ORDER BY item, order_id"),
    # window functions over groups: after GROUP BY and HAVING, aggregates as arguments and keys
    ("nosort", "SELECT city, sum(age), rank() OVER (ORDER BY sum(age) DESC NULLS LAST) FROM people GROUP BY city ORDER BY city NULLS FIRST"),
    ("nosort", "SELECT item, sum(amount) AS s, sum(sum(amount)) OVER (ORDER BY item) FROM orders GROUP BY item ORDER BY item"),
    ("nosort", "SELECT person_id, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, person_id NULLS LAST) FROM orders GROUP BY person_id HAVING count(*) >= 1 ORDER BY person_id NULLS LAST"),
    # set operations: duplicates, NULLs (equal to each other in UNION/INTERSECT/EXCEPT), INTEGER
    # with DOUBLE, ORDER BY/LIMIT over the whole result, chains (INTERSECT binds tighter)
    ("rowsort", "SELECT city FROM people UNION ALL SELECT city FROM cities"),
    ("rowsort", "SELECT city FROM people UNION SELECT city FROM cities"),
    ("rowsort", "SELECT age FROM people UNION ALL SELECT amount FROM orders"),
    ("rowsort", "SELECT age FROM people UNION SELECT amount FROM orders"),
    ("rowsort", "SELECT age FROM people UNION SELECT age FROM people WHERE age IS NULL"),
    ("rowsort", "SELECT id, age FROM people UNION SELECT id, age FROM people"),
    ("rowsort", "SELECT person_id FROM orders INTERSECT SELECT id FROM people"),
    ("rowsort", "SELECT person_id FROM orders EXCEPT SELECT id FROM people"),
    ("rowsort", "SELECT amount FROM orders INTERSECT SELECT age FROM people"),
    ("rowsort", "SELECT city, age FROM people INTERSECT SELECT city, age FROM people WHERE age > 30"),
    ("rowsort", "SELECT age FROM people INTERSECT ALL SELECT age FROM people WHERE id < 6"),
    ("rowsort", "SELECT age FROM people EXCEPT ALL SELECT age FROM people WHERE id < 4"),
    ("rowsort", "SELECT joined FROM people UNION SELECT day FROM orders"),
    ("rowsort", "SELECT NULL, 'x' UNION ALL SELECT age, name FROM people WHERE id < 3"),
    ("nosort", "SELECT city FROM people UNION SELECT city FROM cities ORDER BY city NULLS FIRST"),
    ("nosort", "SELECT id AS k, name FROM people UNION ALL SELECT order_id, item FROM orders ORDER BY k DESC LIMIT 4 OFFSET 1"),
    ("nosort", "SELECT id FROM people UNION SELECT person_id FROM orders ORDER BY 1 NULLS FIRST LIMIT 5"),
    ("nosort", "SELECT age AS v FROM people UNION SELECT amount FROM orders ORDER BY v DESC NULLS LAST LIMIT 3"),
    ("nosort", "(SELECT id, age FROM people ORDER BY age DESC NULLS LAST, id LIMIT 2) UNION ALL (SELECT order_id, amount FROM orders ORDER BY amount LIMIT 2) ORDER BY 2"),
    ("rowsort", "SELECT id FROM people WHERE id < 3 UNION ALL SELECT id FROM people WHERE id > 6 UNION ALL SELECT id FROM people WHERE id = 4"),
    ("rowsort", "SELECT id FROM people UNION SELECT person_id FROM orders INTERSECT SELECT id FROM people WHERE age > 30"),
    ("rowsort", "(SELECT id FROM people UNION SELECT person_id FROM orders) INTERSECT SELECT id FROM people WHERE age > 30"),
    ("rowsort", "SELECT id FROM people EXCEPT SELECT person_id FROM orders EXCEPT SELECT id FROM people WHERE age > 40"),
    ("nosort", "SELECT count(*) FROM (SELECT city FROM people UNION SELECT city FROM cities) t"),
    ("rowsort", "WITH a AS (SELECT id FROM people WHERE age > 30) SELECT id FROM a UNION ALL SELECT id FROM a"),
    ("rowsort", "SELECT item, sum(amount) FROM orders GROUP BY item UNION ALL SELECT 'total', sum(amount) FROM orders"),
    # subqueries in expressions (uncorrelated): scalar with 0 and 1 rows, IN/NOT IN with NULLs on
    # either side and empty results, EXISTS true and false
    ("rowsort", "SELECT id, age FROM people WHERE age > (SELECT avg(age) FROM people)"),
    ("nosort", "SELECT id, age - (SELECT min(age) FROM people) FROM people ORDER BY id"),
    ("nosort", "SELECT (SELECT max(amount) FROM orders), (SELECT name FROM people WHERE id = 3), (SELECT name FROM people WHERE id = 99)"),
    ("rowsort", "SELECT item FROM orders WHERE amount = (SELECT max(amount) FROM orders)"),
    ("rowsort", "SELECT id FROM people WHERE joined > (SELECT min(day) FROM orders)"),
    ("rowsort", "SELECT id FROM people WHERE age = (SELECT age FROM people WHERE id = 99)"),
    ("rowsort", "SELECT order_id FROM orders WHERE amount > (SELECT avg(age) FROM people WHERE id > 100)"),
    ("rowsort", "SELECT city, count(*) FROM people GROUP BY city HAVING count(*) > (SELECT count(*) FROM cities WHERE country = 'DE')"),
    ("rowsort", "SELECT id FROM people WHERE id IN (SELECT person_id FROM orders)"),
    ("rowsort", "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM orders)"),
    ("rowsort", "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM orders WHERE person_id IS NOT NULL)"),
    ("nosort", "SELECT id, age IN (SELECT age FROM people WHERE id > 5), age NOT IN (SELECT age FROM people WHERE city = 'Paris'), age NOT IN (SELECT age FROM people WHERE id < 3) FROM people ORDER BY id"),
    ("nosort", "SELECT id, id IN (SELECT person_id FROM orders WHERE amount > 1000), age NOT IN (SELECT age FROM people WHERE id > 99) FROM people ORDER BY id"),
    ("nosort", "SELECT count(*) FROM orders WHERE person_id IN (SELECT id FROM people WHERE age > 30)"),
    ("rowsort", "SELECT name FROM people WHERE city IN (SELECT city FROM cities WHERE population > 1000000 UNION SELECT 'rome')"),
    ("rowsort", "SELECT id FROM people WHERE EXISTS (SELECT 1 FROM orders WHERE amount > 50) AND age < 30"),
    ("rowsort", "SELECT id FROM people WHERE NOT EXISTS (SELECT 1 FROM orders WHERE amount > 1000) AND age > 40"),
    ("nosort", "SELECT EXISTS (SELECT * FROM cities WHERE country = 'NO'), EXISTS (SELECT * FROM cities WHERE country = 'XX')"),
    # quantified comparisons: op ANY/SOME/ALL with NULLs in the subquery, empty subqueries, NULL x
    ("nosort", "SELECT id, age > ALL (SELECT age FROM people WHERE city = 'Paris') FROM people ORDER BY id"),
    ("nosort", "SELECT id, age > ANY (SELECT age FROM people WHERE city = 'Paris'), age < SOME (SELECT age FROM people WHERE id > 5) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age >= ALL (SELECT age FROM people), age <= ALL (SELECT age FROM people WHERE age IS NOT NULL) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age = ANY (SELECT age FROM people WHERE id > 4), age <> ALL (SELECT age FROM people WHERE id > 4), age <> ANY (SELECT age FROM people WHERE id IN (1, 8)), age = ALL (SELECT age FROM people WHERE id IN (1, 8)) FROM people ORDER BY id"),
    ("nosort", "SELECT id, age > ALL (SELECT age FROM people WHERE id > 99), age > ANY (SELECT age FROM people WHERE id > 99) FROM people ORDER BY id"),
    ("nosort", "SELECT 3 > ALL (SELECT 1 UNION ALL SELECT NULL), 3 > ANY (SELECT 1 UNION ALL SELECT NULL), 0 > ALL (SELECT 1 UNION ALL SELECT NULL), NULL > ANY (SELECT 1), NULL > ALL (SELECT 1 WHERE false)"),
    ("rowsort", "SELECT order_id FROM orders WHERE amount >= ALL (SELECT amount FROM orders WHERE amount IS NOT NULL)"),
    ("rowsort", "SELECT name FROM people WHERE joined < ANY (SELECT day FROM orders WHERE amount > 50)"),
    # correlated subqueries: EXISTS / NOT EXISTS, IN / NOT IN with NULLs, scalar aggregates (COUNT
    # over no rows is 0), non-aggregate scalars, ANY/ALL, in WHERE, the select list and HAVING
    ("rowsort", "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE o.person_id = p.id)"),
    ("rowsort", "SELECT id FROM people p WHERE NOT EXISTS (SELECT * FROM orders o WHERE o.person_id = p.id)"),
    ("rowsort", "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE o.person_id = p.id AND o.amount > 20)"),
    ("rowsort", "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE p.id = o.person_id LIMIT 1) AND age > 30"),
    ("nosort", "SELECT id, EXISTS (SELECT 1 FROM cities c WHERE c.city = p.city) FROM people p ORDER BY id"),
    ("rowsort", "SELECT c.city FROM cities c WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.city = c.city AND p.age > 40)"),
    ("nosort", "SELECT id, (SELECT max(amount) FROM orders o WHERE o.person_id = p.id) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT count(*) FROM orders o WHERE o.person_id = p.id), (SELECT count(amount) FROM orders o WHERE o.person_id = p.id) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT count(*) + 1 FROM orders o WHERE o.person_id = p.id), (SELECT coalesce(sum(amount), 0) FROM orders o WHERE o.person_id = p.id) FROM people p ORDER BY id"),
    ("rowsort", "SELECT id, age FROM people p WHERE age > (SELECT avg(age) FROM people q WHERE q.city = p.city)"),
    ("rowsort", "SELECT order_id, amount FROM orders o WHERE amount >= (SELECT max(amount) FROM orders i WHERE i.item = o.item)"),
    ("nosort", "SELECT id, (SELECT country FROM cities c WHERE c.city = p.city AND c.population > 100) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT name FROM people q WHERE q.id = p.id + 1) FROM people p ORDER BY id"),
    ("nosort", "SELECT order_id, (SELECT count(*) FROM people p WHERE p.id = o.person_id AND p.age > 30) FROM orders o ORDER BY order_id"),
    ("rowsort", "SELECT id FROM people p WHERE age IN (SELECT age FROM people q WHERE q.city = p.city AND q.id <> p.id)"),
    ("nosort", "SELECT id, age IN (SELECT age FROM people q WHERE q.city = p.city AND q.id <> p.id), age NOT IN (SELECT age FROM people q WHERE q.city = p.city AND q.id <> p.id) FROM people p ORDER BY id"),
    ("nosort", "SELECT order_id, amount NOT IN (SELECT amount FROM orders i WHERE i.item = o.item AND i.order_id <> o.order_id) FROM orders o ORDER BY order_id"),
    ("nosort", "SELECT id, id IN (SELECT person_id FROM orders o WHERE o.item = 'pen' AND o.person_id = p.id) FROM people p ORDER BY id"),
    ("nosort", "SELECT order_id, amount > ALL (SELECT amount FROM orders i WHERE i.item = o.item AND i.order_id <> o.order_id), amount >= ANY (SELECT amount FROM orders i WHERE i.person_id = o.person_id AND i.order_id <> o.order_id) FROM orders o ORDER BY order_id"),
    ("nosort", "SELECT order_id, amount >= ALL (SELECT max(amount) FROM orders i WHERE i.item = o.item), amount < ANY (SELECT count(*) FROM orders i WHERE i.person_id = o.person_id) FROM orders o ORDER BY order_id"),
    ("nosort", "SELECT id, (SELECT count(*) FROM orders o WHERE o.person_id = p.id) AS n FROM people p ORDER BY n DESC, id"),
    ("nosort", "SELECT id FROM people p ORDER BY (SELECT count(*) FROM orders o WHERE o.person_id = p.id), id"),
    ("rowsort", "SELECT city, count(*) FROM people p GROUP BY city HAVING count(*) > (SELECT count(*) FROM cities c WHERE c.city = p.city)"),
    ("rowsort", "SELECT city, (SELECT max(population) FROM cities c WHERE c.city = p.city) FROM people p GROUP BY city"),
    ("rowsort", "SELECT item, (SELECT count(*) FROM orders i WHERE i.item = o.item AND i.person_id IS NOT NULL) FROM orders o WHERE amount > 10"),
    ("rowsort", "SELECT p.id FROM people p WHERE EXISTS (SELECT 1 FROM orders o JOIN people q ON q.id = o.person_id WHERE q.city = p.city AND q.id <> p.id)"),
    ("nosort", "SELECT o.order_id, (SELECT i.order_id FROM orders i WHERE i.item = o.item AND i.order_id > o.order_id AND i.order_id < o.order_id + 5) FROM orders o ORDER BY o.order_id"),
    ("rowsort", "SELECT id FROM people p WHERE NOT EXISTS (SELECT 1 FROM people q WHERE q.city = p.city AND q.age > p.age)"),
    ("rowsort", "SELECT name FROM people p WHERE (SELECT count(DISTINCT item) FROM orders o WHERE o.person_id = p.id) >= 2"),
    ("rowsort", "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE o.person_id = p.id AND o.amount > (SELECT avg(amount) FROM orders i WHERE i.item = o.item))"),
    ("rowsort", "SELECT id FROM people p WHERE lower(city) IN (SELECT lower(city) FROM cities c WHERE c.country = 'IT' AND upper(c.city) = upper(p.city))"),
    ("rowsort", "SELECT o.item, o.amount FROM orders o WHERE o.amount = (SELECT min(amount) FROM orders i WHERE i.item = o.item GROUP BY i.item)"),
    # correlated conditions other than equalities (dependent joins over the distinct outer values):
    # aggregates with the COUNT rule, NULL outer values, OR, BETWEEN, DISTINCT, IN, ANY/ALL, EXISTS
    ("nosort", "SELECT id, (SELECT count(*) FROM orders o WHERE o.amount > p.age) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT sum(amount) FROM orders o WHERE o.person_id < p.id), (SELECT count(amount) FROM orders o WHERE o.person_id < p.id) FROM people p ORDER BY id"),
    ("rowsort", "SELECT id, age FROM people p WHERE age > (SELECT avg(age) FROM people q WHERE q.id <> p.id)"),
    ("nosort", "SELECT id, (SELECT count(*) FROM people q WHERE q.city = p.city AND q.age < p.age), (SELECT min(q.age) FROM people q WHERE q.city = p.city AND q.id > p.id) FROM people p ORDER BY id"),
    ("rowsort", "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE o.day < p.joined)"),
    ("rowsort", "SELECT id FROM people p WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.amount BETWEEN p.age AND p.age + 20)"),
    ("nosort", "SELECT id, age IN (SELECT max(q.age) FROM people q WHERE q.id < p.id GROUP BY q.city) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT count(DISTINCT item) FROM orders o WHERE o.person_id <> p.id OR p.age IS NULL) FROM people p ORDER BY id"),
    ("nosort", "SELECT id, (SELECT DISTINCT country FROM cities c WHERE c.city = p.city AND c.population > p.age - 100) FROM people p ORDER BY id"),
    ("rowsort", "SELECT city, count(*) FROM people p GROUP BY city HAVING count(*) >= (SELECT count(*) FROM cities c WHERE c.city <> p.city)"),
    ("nosort", "SELECT order_id, amount > ALL (SELECT amount FROM orders i WHERE i.day < o.day), amount < ANY (SELECT avg(amount) FROM orders i WHERE i.order_id < o.order_id GROUP BY i.item) FROM orders o ORDER BY order_id"),
    ("rowsort", "SELECT name FROM people p WHERE (SELECT count(*) FROM orders o WHERE o.person_id = p.id AND o.amount > p.age / 2) >= 1"),
    ("nosort", "SELECT order_id, (SELECT count(*) FROM people p WHERE p.age > o.amount OR p.city IS NULL), (SELECT max(p.joined) FROM people p WHERE p.joined < o.day) FROM orders o ORDER BY order_id"),
    # VALUES lists: standalone, in FROM with column names, types unified across rows, NULLs
    ("nosort", "VALUES (1, 'a'), (2, NULL), (3, 'c')"),
    ("nosort", "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS t(id, name) ORDER BY id"),
    ("nosort", "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t ORDER BY 1"),
    ("nosort", "SELECT x FROM (VALUES (1), (CAST(2 AS BIGINT)), (NULL)) v(x) ORDER BY x NULLS FIRST"),
    ("nosort", "SELECT a + 1, b FROM (VALUES (1, DATE '2024-01-01'), (2, '2024-02-29')) v(a, b) ORDER BY a"),
    ("nosort", "SELECT k, v * 2 FROM (VALUES ('x', CAST(1.5 AS DOUBLE)), ('y', 2)) AS t(k, v) ORDER BY k"),
    ("nosort", "SELECT count(*), sum(n) FROM (VALUES (1), (2), (3), (NULL)) AS t(n)"),
    ("rowsort", "SELECT p.name, t.label FROM people p JOIN (VALUES (1, 'one'), (2, 'two'), (9, 'nine')) AS t(id, label) ON p.id = t.id"),
    ("rowsort", "SELECT id FROM people WHERE city IN (SELECT c FROM (VALUES ('Paris'), ('rome')) AS t(c))"),
    ("nosort", "VALUES (3, 'c'), (1, 'a'), (2, 'b') ORDER BY 1 LIMIT 2"),
    ("nosort", "SELECT * FROM (VALUES (1 + 1, upper('a'), 2 > 1, NULL)) AS t(a, b, c, d)"),
    # long IN lists: searched, NULL items, strings, floats
    ("rowsort", "SELECT order_id FROM orders WHERE order_id IN (100, 102, 104, 106, 108, 110, 112, 114, 116, 118, 120, 122, 124, 126, 128, 130, 132, 134)"),
    ("nosort", "SELECT id, age IN (19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, NULL), age NOT IN (19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36) FROM people ORDER BY id"),
    ("rowsort", "SELECT id FROM people WHERE name IN ('Ann', 'bob', 'Cy', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10', 'x11', 'x12', 'x13', 'Ann', 'Gus')"),
    ("rowsort", "SELECT order_id FROM orders WHERE amount IN (0.5, 4.25, 7.75, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 100)"),
]


def fmt(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return value if value else "(empty)"
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/analytics/data/sql")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    con = duckdb.connect()
    # One thread: DuckDB's answer to a query without ORDER BY (and the order of equal rows) can
    # depend on how work is split between threads; the files must not change from run to run.
    con.execute("SET threads=1")
    for name, text in TABLES.items():
        path = os.path.join(args.out, name + ".csv")
        with open(path, "w") as f:
            f.write(text)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}')")
    lines = [
        "# Expected answers produced by DuckDB " + duckdb.__version__ + " (bench/peers/make_sql_fixtures.py).",
        "# Tables: " + ", ".join(f"{n}.csv" for n in TABLES) + ".",
        "",
    ]
    for order, sql in QUERIES:
        rows = con.execute(sql).fetchall()
        lines.append(f"query {order}")
        lines.append(sql)
        lines.append("----")
        lines.extend("\t".join(fmt(v) for v in row) for row in rows)
        lines.append("")
    with open(os.path.join(args.out, "queries.test"), "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {len(QUERIES)} queries and {len(TABLES)} tables to {args.out}")


if __name__ == "__main__":
    main()
