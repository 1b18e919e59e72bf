CREATE TABLE flyway_probe (id integer PRIMARY KEY);
